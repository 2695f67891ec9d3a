// array and percpu_array: every index in [0, max_entries) always exists; values live in one
// buffer per CPU and become regions the first time a program asks for them.
import type { MapSpec } from '../../core/types';
import type { Region } from '../memory';
import { bytesOf, checkUpdateFlags, dumpHeader, ERRNO, UPDATE, type MapDump, type MapEnv, type VmMap } from './types';

export class ArrayMap implements VmMap {
  private readonly bufs: Uint8Array[];
  private readonly regions: Map<number, Region>[];
  private readonly touched = new Set<number>();

  constructor(
    readonly spec: MapSpec,
    readonly handle: Region,
    private readonly env: MapEnv,
    private readonly perCpu: boolean,
  ) {
    const copies = perCpu ? env.cpus : 1;
    this.bufs = Array.from({ length: copies }, () => new Uint8Array(spec.maxEntries * spec.valueSize));
    this.regions = Array.from({ length: copies }, () => new Map<number, Region>());
    if (spec.initialValue && spec.maxEntries > 0) {
      for (const b of this.bufs) b.set(spec.initialValue.subarray(0, spec.valueSize));
      this.touched.add(0);
    }
  }

  private index(key: Uint8Array): number {
    if (key.length < 4) return -1;
    return (key[0] | (key[1] << 8) | (key[2] << 16) | (key[3] << 24)) >>> 0;
  }

  private regionFor(cpu: number, i: number): Region {
    let r = this.regions[cpu].get(i);
    if (!r) {
      const vs = this.spec.valueSize;
      const view = this.bufs[cpu].subarray(i * vs, (i + 1) * vs);
      const cpuTag = this.perCpu ? ` cpu ${cpu}` : '';
      r = this.env.mem.alloc('map_value', `map '${this.spec.name}'[${i}]${cpuTag} value`, view, !(this.spec.flags & 0x80) /* BPF_F_RDONLY_PROG */);
      this.regions[cpu].set(i, r);
    }
    return r;
  }

  lookup(key: Uint8Array): Region | undefined {
    const i = this.index(key);
    if (i < 0 || i >= this.spec.maxEntries) return undefined;
    this.touched.add(i);
    return this.regionFor(this.perCpu ? this.env.cpu() : 0, i);
  }

  update(key: Uint8Array, value: Uint8Array, flags: number): number {
    const bad = checkUpdateFlags(flags);
    if (bad) return bad;
    const i = this.index(key);
    if (i < 0 || i >= this.spec.maxEntries) return -ERRNO.E2BIG;
    if ((flags & 3) === UPDATE.NOEXIST) return -ERRNO.EEXIST;
    const cpu = this.perCpu ? this.env.cpu() : 0;
    this.bufs[cpu].set(value.subarray(0, this.spec.valueSize), i * this.spec.valueSize);
    this.touched.add(i);
    return 0;
  }

  delete(): number {
    return -ERRNO.EINVAL;
  }

  setAll(key: Uint8Array, values: Uint8Array[]): number {
    const i = this.index(key);
    if (i < 0 || i >= this.spec.maxEntries) return -ERRNO.E2BIG;
    this.bufs.forEach((b, cpu) => b.set((values[cpu] ?? values[0]).subarray(0, this.spec.valueSize), i * this.spec.valueSize));
    this.touched.add(i);
    return 0;
  }

  dump(): MapDump {
    const vs = this.spec.valueSize;
    const entries = [];
    // Untouched all-zero elements are left out so a 10,000-entry array does not flood the view.
    for (let i = 0; i < this.spec.maxEntries; i++) {
      const vals = this.bufs.map((b) => b.subarray(i * vs, (i + 1) * vs));
      if (!this.touched.has(i) && vals.every((v) => v.every((x) => x === 0))) continue;
      const key = [i & 0xff, (i >>> 8) & 0xff, (i >>> 16) & 0xff, i >>> 24];
      entries.push(this.perCpu ? { key, values: vals.map((v) => Array.from(v)) } : { key, value: Array.from(vals[0]) });
    }
    return { ...dumpHeader(this.spec), entries };
  }

  elements(): { key: Uint8Array; value: Region; live(): boolean }[] {
    const cpu = this.perCpu ? this.env.cpu() : 0;
    return Array.from({ length: this.spec.maxEntries }, (_, i) => ({
      key: Uint8Array.of(i & 0xff, (i >>> 8) & 0xff, (i >>> 16) & 0xff, i >>> 24),
      value: this.regionFor(cpu, i),
      live: () => true,
    }));
  }

  /** The bytes of element i on a CPU (for tests and the inspector). */
  valueBytes(i: number, cpu = 0): number[] {
    return bytesOf(this.regionFor(cpu, i));
  }
}
