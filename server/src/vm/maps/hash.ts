// hash, percpu_hash, lru_hash and lru_percpu_hash. Each element's value is its own region, so an
// overrun of one value faults instead of spilling into the next. Iteration order is insertion
// order; the LRU variants move an element to the back on every lookup and update and evict from
// the front when full (exact LRU; the kernel's is approximate).
import type { MapSpec } from '../../core/types';
import type { Region } from '../memory';
import { checkUpdateFlags, dumpHeader, ERRNO, keyString, UPDATE, type MapDump, type MapEnv, type VmMap } from './types';

interface Element {
  key: Uint8Array;
  values: Region[];
}

export class HashMap implements VmMap {
  private readonly elems = new Map<string, Element>();
  /** Elements evicted by the LRU policy so far (shown by the inspector). */
  evictions = 0;

  constructor(
    readonly spec: MapSpec,
    readonly handle: Region,
    private readonly env: MapEnv,
    private readonly perCpu: boolean,
    private readonly lru: boolean,
  ) {}

  private touch(k: string, e: Element): void {
    if (!this.lru) return;
    this.elems.delete(k);
    this.elems.set(k, e);
  }

  lookup(key: Uint8Array): Region | undefined {
    const k = keyString(key.subarray(0, this.spec.keySize));
    const e = this.elems.get(k);
    if (!e) return undefined;
    this.touch(k, e);
    return e.values[this.perCpu ? this.env.cpu() : 0];
  }

  private create(key: Uint8Array): Element {
    const copies = this.perCpu ? this.env.cpus : 1;
    const label = Array.from(key, (b) => b.toString(16).padStart(2, '0')).join(' ');
    const values = Array.from({ length: copies }, (_, cpu) =>
      this.env.mem.alloc('map_value', `map '${this.spec.name}' value for key [${label}]${this.perCpu ? ` cpu ${cpu}` : ''}`, this.spec.valueSize),
    );
    return { key: key.slice(), values };
  }

  private insert(key: Uint8Array, flags: number): Element | number {
    const k = keyString(key);
    const old = this.elems.get(k);
    const mode = flags & 3;
    if (old) {
      if (mode === UPDATE.NOEXIST) return -ERRNO.EEXIST;
      this.touch(k, old);
      return old;
    }
    if (mode === UPDATE.EXIST) return -ERRNO.ENOENT;
    if (this.elems.size >= this.spec.maxEntries) {
      if (!this.lru || this.spec.maxEntries === 0) return -ERRNO.E2BIG;
      const oldest = this.elems.keys().next().value as string;
      this.release(this.elems.get(oldest));
      this.elems.delete(oldest);
      this.evictions++;
    }
    const e = this.create(key);
    this.elems.set(k, e);
    return e;
  }

  update(key: Uint8Array, value: Uint8Array, flags: number): number {
    const bad = checkUpdateFlags(flags);
    if (bad) return bad;
    const e = this.insert(key.subarray(0, this.spec.keySize), flags);
    if (typeof e === 'number') return e;
    const v = value.subarray(0, this.spec.valueSize);
    if (this.perCpu) {
      // A program's update writes its own CPU's copy; a fresh element starts zeroed elsewhere.
      e.values[this.env.cpu()].u8.set(v);
    } else {
      e.values[0].u8.set(v);
    }
    return 0;
  }

  setAll(key: Uint8Array, values: Uint8Array[]): number {
    const e = this.insert(key.subarray(0, this.spec.keySize), UPDATE.ANY);
    if (typeof e === 'number') return e;
    e.values.forEach((r, cpu) => r.u8.set((values[cpu] ?? values[0]).subarray(0, this.spec.valueSize)));
    return 0;
  }

  delete(key: Uint8Array): number {
    const k = keyString(key.subarray(0, this.spec.keySize));
    const e = this.elems.get(k);
    if (!e) return -ERRNO.ENOENT;
    this.release(e);
    this.elems.delete(k);
    return 0;
  }

  /** A removed element's values are freed after the run (pointers to them stay valid until then). */
  private release(e: Element | undefined): void {
    for (const r of e?.values ?? []) this.env.mem.retire(r);
  }

  elements(): { key: Uint8Array; value: Region; live(): boolean }[] {
    const cpu = this.perCpu ? this.env.cpu() : 0;
    return [...this.elems].map(([k, e]) => ({ key: e.key, value: e.values[cpu], live: () => this.elems.get(k) === e }));
  }

  /** The keys, in iteration order (for callers that clear or zero the map). */
  keys(): Uint8Array[] {
    return [...this.elems.values()].map((e) => e.key);
  }

  get size(): number {
    return this.elems.size;
  }

  dump(): MapDump {
    const entries = [...this.elems.values()].map((e) =>
      this.perCpu ? { key: Array.from(e.key), values: e.values.map((r) => Array.from(r.u8)) } : { key: Array.from(e.key), value: Array.from(e.values[0].u8) },
    );
    return { ...dumpHeader(this.spec), entries };
  }
}
