// queue (FIFO) and stack (LIFO) maps: no keys; push, pop and peek. Pushing into a full map fails
// with -E2BIG unless BPF_EXIST asks to drop the oldest element.
import type { MapSpec } from '../../core/types';
import type { Region } from '../memory';
import { dumpHeader, ERRNO, UPDATE, type MapDump, type VmMap } from './types';

export class QueueMap implements VmMap {
  private readonly items: Uint8Array[] = [];

  constructor(
    readonly spec: MapSpec,
    readonly handle: Region,
    private readonly lifo: boolean,
  ) {}

  lookup(): Region | undefined {
    return undefined;
  }

  update(_key: Uint8Array, value: Uint8Array, flags: number): number {
    return this.push(value, flags);
  }

  delete(): number {
    return -ERRNO.EINVAL;
  }

  push(value: Uint8Array, flags: number): number {
    if (flags & ~UPDATE.EXIST) return -ERRNO.EINVAL;
    if (this.items.length >= this.spec.maxEntries) {
      if (!(flags & UPDATE.EXIST) || this.spec.maxEntries === 0) return -ERRNO.E2BIG;
      this.items.shift(); // the oldest element, for both kinds
    }
    const v = new Uint8Array(this.spec.valueSize);
    v.set(value.subarray(0, this.spec.valueSize));
    this.items.push(v);
    return 0;
  }

  pop(peek: boolean): Uint8Array | number {
    if (this.items.length === 0) return -ERRNO.ENOENT;
    const i = this.lifo ? this.items.length - 1 : 0;
    const v = this.items[i];
    if (!peek) this.items.splice(i, 1);
    return v;
  }

  dump(): MapDump {
    // Shown in the order pop would return them.
    const order = this.lifo ? [...this.items].reverse() : this.items;
    return { ...dumpHeader(this.spec), entries: order.map((v) => ({ key: [], value: Array.from(v) })) };
  }
}
