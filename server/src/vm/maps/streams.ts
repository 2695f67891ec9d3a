// Maps that carry data out of the program rather than store it: ringbuf, perf_event_array,
// plus prog_array (tail-call targets) and stack_trace (stack ids for get_stackid).
import type { MapSpec } from '../../core/types';
import type { MapEnv, MapDump, VmMap } from './types';
import { dumpHeader, ERRNO, keyString } from './types';
import type { Region } from '../memory';

/** A record a program sent to user space. */
export interface StreamRecord {
  map: string;
  kind: 'ringbuf' | 'perf_event';
  cpu: number;
  bytes: number[];
}

const RB_HEADER = 8;
const roundUp8 = (n: number) => (n + 7) & ~7;

export const RINGBUF_QUERY = { AVAIL_DATA: 0, RING_SIZE: 1, CONS_POS: 2, PROD_POS: 3 } as const;

export class RingbufMap implements VmMap {
  private prod = 0;
  private cons = 0;
  /** Records reserved and not yet submitted or discarded. */
  readonly open = new Set<Region>();
  readonly records: StreamRecord[] = [];
  discarded = 0;

  constructor(
    readonly spec: MapSpec,
    readonly handle: Region,
    private readonly env: MapEnv,
  ) {}

  lookup(): Region | undefined {
    return undefined;
  }
  update(): number {
    return -ERRNO.EOPNOTSUPP;
  }
  delete(): number {
    return -ERRNO.EOPNOTSUPP;
  }

  private room(len: number): boolean {
    return this.prod - this.cons + roundUp8(len + RB_HEADER) <= this.spec.maxEntries;
  }

  reserve(size: number, flags: bigint): Region | undefined {
    if (flags !== 0n || size < 0 || size > this.spec.maxEntries || !this.room(size)) return undefined;
    this.prod += roundUp8(size + RB_HEADER);
    const r = this.env.mem.alloc('ringbuf', `ring buffer '${this.spec.name}' record #${this.records.length + this.open.size + this.discarded}`, size);
    r.owner = this;
    this.open.add(r);
    return r;
  }

  /** Submits or discards a reserved record; false when `r` is not one. */
  commit(r: Region, discard: boolean): boolean {
    if (!this.open.has(r)) return false;
    this.open.delete(r);
    if (discard) this.discarded++;
    else this.records.push({ map: this.spec.name, kind: 'ringbuf', cpu: this.env.cpu(), bytes: Array.from(r.u8) });
    r.kill(discard ? 'the record was discarded' : 'the record was submitted');
    this.env.mem.retire(r);
    return true;
  }

  output(bytes: Uint8Array, flags: bigint): number {
    if (flags & ~3n) return -ERRNO.EINVAL;
    if (!this.room(bytes.length)) return -ERRNO.EAGAIN;
    this.prod += roundUp8(bytes.length + RB_HEADER);
    this.records.push({ map: this.spec.name, kind: 'ringbuf', cpu: this.env.cpu(), bytes: Array.from(bytes) });
    return 0;
  }

  query(flags: bigint): bigint {
    switch (Number(flags)) {
      case RINGBUF_QUERY.AVAIL_DATA:
        return BigInt(this.prod - this.cons);
      case RINGBUF_QUERY.RING_SIZE:
        return BigInt(this.spec.maxEntries);
      case RINGBUF_QUERY.CONS_POS:
        return BigInt(this.cons);
      case RINGBUF_QUERY.PROD_POS:
        return BigInt(this.prod);
      default:
        return 0n;
    }
  }

  /** The simulated consumer reads everything between runs. */
  drain(): void {
    this.cons = this.prod;
  }

  /**
   * Hands over the submitted records and empties the ring for the next run of a session; records
   * a stopped program left reserved are discarded.
   */
  takeRecords(): StreamRecord[] {
    for (const r of this.open) this.commit(r, true);
    this.drain();
    return this.records.splice(0);
  }

  dump(): MapDump {
    return { ...dumpHeader(this.spec), entries: this.records.map((r) => ({ key: [], value: r.bytes })) };
  }
}

export const BPF_F_CURRENT_CPU = 0xffffffffn;

export class PerfEventArrayMap implements VmMap {
  readonly records: StreamRecord[] = [];

  constructor(
    readonly spec: MapSpec,
    readonly handle: Region,
    private readonly env: MapEnv,
  ) {}

  lookup(): Region | undefined {
    return undefined;
  }
  update(): number {
    return -ERRNO.EOPNOTSUPP;
  }
  delete(): number {
    return -ERRNO.EINVAL;
  }

  /** bpf_perf_event_output: a reader is open on every simulated CPU. */
  output(flags: bigint, bytes: Uint8Array): number {
    if (flags & ~0xfffff_ffffffffn) return -ERRNO.EINVAL; // only BPF_F_INDEX_MASK | BPF_F_CTXLEN_MASK
    let index = flags & 0xffffffffn;
    if (index === BPF_F_CURRENT_CPU) index = BigInt(this.env.cpu());
    const entries = this.spec.maxEntries || this.env.cpus;
    if (index >= BigInt(entries)) return -ERRNO.E2BIG;
    if (index >= BigInt(this.env.cpus)) return -ERRNO.ENOENT;
    this.records.push({ map: this.spec.name, kind: 'perf_event', cpu: Number(index), bytes: Array.from(bytes) });
    return 0;
  }

  /** Hands over the records (the reader reads them between runs of a session). */
  takeRecords(): StreamRecord[] {
    return this.records.splice(0);
  }

  dump(): MapDump {
    return { ...dumpHeader(this.spec), entries: this.records.map((r) => ({ key: [r.cpu, 0, 0, 0], value: r.bytes })) };
  }
}

export class ProgArrayMap implements VmMap {
  /** Index → program name. */
  readonly slots = new Map<number, string>();

  constructor(
    readonly spec: MapSpec,
    readonly handle: Region,
  ) {}

  lookup(): Region | undefined {
    return undefined;
  }
  update(): number {
    return -ERRNO.EOPNOTSUPP;
  }
  delete(key: Uint8Array): number {
    const i = key.length >= 4 ? new DataView(key.buffer, key.byteOffset).getUint32(0, true) : -1;
    return this.slots.delete(i) ? 0 : -ERRNO.ENOENT;
  }

  set(index: number, program: string): number {
    if (index < 0 || index >= this.spec.maxEntries) return -ERRNO.E2BIG;
    this.slots.set(index, program);
    return 0;
  }

  dump(): MapDump {
    const enc = new TextEncoder();
    const entries = [...this.slots].sort((a, b) => a[0] - b[0]).map(([i, name]) => ({
      key: [i & 0xff, (i >>> 8) & 0xff, (i >>> 16) & 0xff, i >>> 24],
      value: Array.from(enc.encode(name)),
    }));
    return { ...dumpHeader(this.spec), entries };
  }
}

export const STACK_FLAGS = { SKIP_MASK: 0xffn, USER_STACK: 1n << 8n, FAST_STACK_CMP: 1n << 9n, REUSE_STACKID: 1n << 10n } as const;

export class StackTraceMap implements VmMap {
  private readonly buckets = new Map<number, bigint[]>();
  private readonly regions = new Map<number, Region>();
  private readonly nBuckets: number;

  constructor(
    readonly spec: MapSpec,
    readonly handle: Region,
    private readonly env: MapEnv,
  ) {
    let n = 1;
    while (n < spec.maxEntries) n *= 2;
    this.nBuckets = n;
  }

  lookup(key: Uint8Array): Region | undefined {
    const id = key.length >= 4 ? new DataView(key.buffer, key.byteOffset).getUint32(0, true) : -1;
    const ips = this.buckets.get(id);
    if (!ips) return undefined;
    let r = this.regions.get(id);
    if (!r) {
      r = this.env.mem.alloc('map_value', `map '${this.spec.name}' stack ${id}`, this.spec.valueSize, false);
      this.regions.set(id, r);
    }
    const dv = r.dv;
    r.u8.fill(0);
    ips.forEach((ip, i) => {
      if ((i + 1) * 8 <= r!.size) dv.setBigUint64(i * 8, ip, true);
    });
    return r;
  }
  update(): number {
    return -ERRNO.EINVAL;
  }
  delete(key: Uint8Array): number {
    const id = key.length >= 4 ? new DataView(key.buffer, key.byteOffset).getUint32(0, true) : -1;
    return this.buckets.delete(id) ? 0 : -ERRNO.ENOENT;
  }

  /** The addresses stored under a stack id, innermost first. */
  trace(id: number): readonly bigint[] | undefined {
    return this.buckets.get(id);
  }

  /** bpf_get_stackid: the id of this stack, storing it if new. */
  stackId(ips: readonly bigint[], flags: bigint): number {
    const maxDepth = Math.floor(this.spec.valueSize / 8);
    const trace = ips.slice(Number(flags & STACK_FLAGS.SKIP_MASK), Number(flags & STACK_FLAGS.SKIP_MASK) + maxDepth);
    if (trace.length === 0) return -ERRNO.EFAULT;
    const id = hashIps(trace) & (this.nBuckets - 1);
    const old = this.buckets.get(id);
    if (old && keyString(encodeIps(old)) !== keyString(encodeIps(trace)) && !(flags & STACK_FLAGS.REUSE_STACKID)) return -ERRNO.EEXIST;
    this.buckets.set(id, trace);
    return id;
  }

  dump(): MapDump {
    const entries = [...this.buckets].sort((a, b) => a[0] - b[0]).map(([id, ips]) => {
      const v = new Uint8Array(this.spec.valueSize);
      v.set(encodeIps(ips).subarray(0, this.spec.valueSize));
      return { key: [id & 0xff, (id >>> 8) & 0xff, (id >>> 16) & 0xff, id >>> 24], value: Array.from(v) };
    });
    return { ...dumpHeader(this.spec), entries };
  }
}

function encodeIps(ips: readonly bigint[]): Uint8Array {
  const out = new Uint8Array(ips.length * 8);
  const dv = new DataView(out.buffer);
  ips.forEach((ip, i) => dv.setBigUint64(i * 8, BigInt.asUintN(64, ip), true));
  return out;
}

/** FNV-1a over the addresses: deterministic, spreads ids over the buckets. */
function hashIps(ips: readonly bigint[]): number {
  let h = 0x811c9dc5;
  for (const b of encodeIps(ips)) h = Math.imul(h ^ b, 0x01000193);
  return h >>> 0;
}
