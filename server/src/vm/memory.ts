// Memory: a set of typed regions. Region n owns the addresses n << 32 .. (n << 32) + size, so a
// pointer is a plain 64-bit integer whose upper half names the region and whose lower half is the
// offset. Pointer arithmetic stays ordinary integer arithmetic, and an address that wanders out of
// its region fails the bounds check of the region its upper half names (or names none).
import { fault, hex64 } from './faults';

export type RegionKind =
  | 'ctx'
  | 'stack'
  | 'map_value'
  | 'packet'
  | 'ringbuf'
  | 'helper'
  | 'mem' // memory given by the caller (conformance: r1)
  | 'user' // named memory from a context description (strings for kprobe arguments...)
  | 'map' // a map object: its address is a handle for helpers; loads read the map's kernel struct
  | 'code'; // a function pointer (lddw src=4): offset = slot index

/** Context regions answer loads and stores of their special fields themselves. */
export interface RegionHook {
  /** `signed`: a sign-extending load (the caller extends the value; the hook may refuse it). */
  load(offset: number, size: number, signed: boolean): bigint;
  store(offset: number, size: number, value: bigint): void;
}

export class Region {
  /** Valid offsets are [lo, end). */
  lo = 0;
  end: number;
  /** Fast-path limits read by compiled code: the last offset where an N-byte load/store fits, or -1. */
  l1 = -1; l2 = -1; l4 = -1; l8 = -1;
  s1 = -1; s2 = -1; s4 = -1; s8 = -1;
  dv: DataView;
  /** Set when the region may no longer be used (a submitted ring buffer record...). */
  dead?: string;
  hook?: RegionHook;
  /** What the region belongs to, for helpers (a map object, a ring buffer record...). */
  owner?: unknown;
  /**
   * A hooked context whose bytes are the kernel's own layout (pt_regs, a tracepoint record, raw
   * tracepoint args): bpf_probe_read* may copy them, as the kernel lets it read any kernel memory.
   */
  probeReadable = false;
  /**
   * How many bytes below offset 0 a hooked region answers for (its hook gets negative offsets):
   * a tracepoint record, which the kernel lets programs read before its start.
   */
  reachBelow = 0;

  constructor(
    readonly hi: number,
    readonly kind: RegionKind,
    public name: string,
    public u8: Uint8Array,
    public writable: boolean,
  ) {
    this.dv = new DataView(u8.buffer, u8.byteOffset, u8.byteLength);
    this.end = u8.length;
    this.refresh();
  }

  get base(): bigint {
    return BigInt(this.hi) << 32n;
  }

  get size(): number {
    return this.u8.length;
  }

  /** Narrows or widens the valid window (packet adjust_head/tail/meta). */
  setWindow(lo: number, end: number): void {
    this.lo = lo;
    this.end = end;
    this.refresh();
  }

  replaceBytes(u8: Uint8Array): void {
    this.u8 = u8;
    this.dv = new DataView(u8.buffer, u8.byteOffset, u8.byteLength);
    this.end = Math.min(this.end, u8.length);
    this.refresh();
  }

  kill(reason: string): void {
    this.dead = reason;
    this.refresh();
  }

  refresh(): void {
    const fast = !this.hook && !this.dead;
    const lim = (n: number) => (fast && this.end - n >= this.lo ? this.end - n : -1);
    this.l1 = lim(1); this.l2 = lim(2); this.l4 = lim(4); this.l8 = lim(8);
    const w = (n: number) => (this.writable ? lim(n) : -1);
    this.s1 = w(1); this.s2 = w(2); this.s4 = w(4); this.s8 = w(8);
  }

  describe(): string {
    const window = this.lo !== 0 || this.end !== this.size ? `, valid ${this.end - this.lo} bytes at offset ${this.lo}` : '';
    return `${this.name} (${this.kind}, ${this.size} bytes at ${hex64(this.base)}${window})`;
  }
}

/** Never matches an address: fills the direct-mapped cache so compiled code needs no undefined check. */
const NO_REGION = new Region(-1, 'mem', '(none)', new Uint8Array(0), false);

export const REGION_CACHE_BITS = 12;
const CACHE_MASK = (1 << REGION_CACHE_BITS) - 1;

export interface WriteRecord {
  address: bigint;
  bytes: Uint8Array;
}

export class Memory {
  private byHi: (Region | undefined)[] = [undefined];
  /** Numbers of freed regions, reused by alloc so that a long session's memory stays bounded. */
  private readonly freeHi: number[] = [];
  /** Regions given up while a program runs (deleted map elements...), freed by collect(). */
  private retired: Region[] = [];
  /** Regions allocated since track() started, when tracking. */
  private tracked: Region[] | undefined;
  /** Direct-mapped by hi & mask; compiled code checks `region.hi === hi` before trusting an entry. */
  readonly cache: Region[] = new Array<Region>(CACHE_MASK + 1).fill(NO_REGION);
  /** Where writes go when a trace is being recorded. */
  onWrite: ((w: WriteRecord) => void) | undefined;

  alloc(kind: RegionKind, name: string, bytes: Uint8Array | number, writable = true): Region {
    const reuse = this.freeHi.pop();
    const hi = reuse ?? this.byHi.length;
    if (hi > 0x3fffffff) fault('out-of-bounds', 'too many memory regions');
    const u8 = typeof bytes === 'number' ? new Uint8Array(bytes) : bytes;
    const r = new Region(hi, kind, name, u8, writable);
    if (reuse === undefined) this.byHi.push(r);
    else this.byHi[hi] = r;
    this.cache[hi & CACHE_MASK] = r;
    this.tracked?.push(r);
    return r;
  }

  /** Starts collecting the regions alloc hands out (a run's inputs, to free before the next run). */
  track(): void {
    this.tracked = [];
  }

  /** Stops collecting and returns what was allocated since track(). */
  untrack(): Region[] {
    const t = this.tracked ?? [];
    this.tracked = undefined;
    return t;
  }

  /** Forgets a region: its addresses fault from now on and its number may be reused. */
  free(r: Region): void {
    if (this.byHi[r.hi] !== r) return;
    this.byHi[r.hi] = undefined;
    if (this.cache[r.hi & CACHE_MASK] === r) this.cache[r.hi & CACHE_MASK] = NO_REGION;
    r.kill('freed');
    this.freeHi.push(r.hi);
  }

  /**
   * Marks a region to be freed once the program ends: a deleted map element stays readable
   * through pointers the program already holds, as the kernel's RCU keeps it until then.
   */
  retire(r: Region): void {
    this.retired.push(r);
  }

  /** Frees every retired region (between runs). */
  collect(): void {
    for (const r of this.retired) this.free(r);
    this.retired = [];
  }

  /** How many regions exist (for tests that check a session's memory stays bounded). */
  get regionCount(): number {
    return this.byHi.length - 1 - this.freeHi.length;
  }

  region(hi: number): Region | undefined {
    return hi > 0 && hi < this.byHi.length ? this.byHi[hi] : undefined;
  }

  regionOf(address: bigint): Region | undefined {
    const a = BigInt.asUintN(64, address);
    return this.region(Number(a >> 32n));
  }

  /** Puts a region back into the compiled code's cache after a slow-path access. */
  recache(r: Region): void {
    this.cache[r.hi & CACHE_MASK] = r;
  }

  all(): Region[] {
    return this.byHi.filter((r): r is Region => r !== undefined);
  }

  /**
   * The region and offset of an access, or a fault naming the nearest region.
   * `op` is 'load', 'store' or 'atomic' (for messages).
   */
  resolve(address: bigint, size: number, op: string, forWrite: boolean): { region: Region; offset: number } {
    const a = BigInt.asUintN(64, address);
    const hi = Number(a >> 32n);
    const offset = Number(a & 0xffffffffn);
    const r = this.region(hi);
    const what = `${size}-byte ${op} at ${hex64(a)}`;
    // An address just below a region (a negative offset from its base) borrows into the upper half:
    // name the region above when the address sits closer to it.
    const above = offset >= 0x80000000 ? this.region(hi + 1) : undefined;
    if (above && !above.dead && above.kind !== 'map' && above.kind !== 'code' && (!r || offset >= r.end)) {
      const before = 0x100000000 - offset + above.lo;
      if (above.hook && before <= above.reachBelow) {
        if (forWrite && !above.writable) fault('read-only', `${what}: ${above.describe()} is read-only`, { address: a, size, region: above.name });
        return { region: above, offset: offset - 0x100000000 };
      }
      fault('out-of-bounds', `${what} is out of bounds: it starts ${before} byte(s) before the start of ${above.describe()}`, { address: a, size, region: above.name });
    }
    if (!r) {
      if (a < 4096n) fault('null-pointer', `${what}: null pointer dereference${this.nearest(a)}`, { address: a, size });
      fault('out-of-bounds', `${what}: not in any memory region${this.nearest(a)}`, { address: a, size });
    }
    if (r.dead) fault('out-of-bounds', `${what}: ${r.name} is no longer valid (${r.dead})`, { address: a, size, region: r.name });
    if (r.kind === 'code') fault('out-of-bounds', `${what}: ${r.name} is a function pointer, not memory`, { address: a, size, region: r.name });
    if (r.kind === 'map' && forWrite) {
      fault('read-only', `${what}: ${r.name} is a map: programs may read its kernel struct but never write it`, { address: a, size, region: r.name });
    }
    if (offset < r.lo || offset + size > r.end) {
      const where =
        offset >= r.end
          ? offset === r.end
            ? 'it starts at the end of'
            : `it starts ${offset - r.end} byte(s) past the end of`
          : offset < r.lo
            ? `it starts ${r.lo - offset} byte(s) before the start of`
            : `it runs ${offset + size - r.end} byte(s) past the end of`;
      fault('out-of-bounds', `${what} is out of bounds: ${where} ${r.describe()}`, { address: a, size, region: r.name });
    }
    if (forWrite && !r.writable && !r.hook) fault('read-only', `${what}: ${r.describe()} is read-only`, { address: a, size, region: r.name });
    return { region: r, offset };
  }

  private nearest(a: bigint): string {
    let best: Region | undefined;
    let bestDist = -1n;
    for (const r of this.byHi) {
      if (!r || r.kind === 'map' || r.kind === 'code') continue;
      const lo = r.base + BigInt(r.lo);
      const hi = r.base + BigInt(r.end);
      const d = a < lo ? lo - a : a >= hi ? a - hi + 1n : 0n;
      if (bestDist < 0n || d < bestDist) {
        best = r;
        bestDist = d;
      }
    }
    return best ? ` (nearest region: ${best.describe()})` : '';
  }

  load(address: bigint, size: number, signed = false): bigint {
    const { region: r, offset } = this.resolve(address, size, 'load', false);
    if (r.hook) return r.hook.load(offset, size, signed);
    return readLE(r.dv, offset, size, signed);
  }

  store(address: bigint, size: number, value: bigint): void {
    const { region: r, offset } = this.resolve(address, size, 'store', true);
    if (r.hook) {
      r.hook.store(offset, size, value);
    } else {
      writeLE(r.dv, offset, size, value);
    }
    if (this.onWrite) this.onWrite({ address, bytes: r.u8.slice(offset, offset + size) });
  }

  /** Bytes [address, address+len) for a helper; faults like a load. */
  readBytes(address: bigint, len: number, what = 'helper read'): Uint8Array {
    if (len === 0) return new Uint8Array(0);
    const { region: r, offset } = this.resolve(address, len, what, false);
    if (r.hook) fault('ctx-access', `a helper may not read the context directly (${what} at ${hex64(address)})`);
    return r.u8.slice(offset, offset + len);
  }

  /**
   * Bytes for bpf_probe_read*: like readBytes, but a context laid out as kernel memory
   * (Region.probeReadable) is read as its raw bytes.
   */
  probeReadBytes(address: bigint, len: number, what: string): Uint8Array {
    if (len === 0) return new Uint8Array(0);
    const { region: r, offset } = this.resolve(address, len, what, false);
    if (r.hook && !r.probeReadable) fault('ctx-access', `a helper may not read the context directly (${what} at ${hex64(address)})`);
    return sliceFrom(r.u8, offset, len);
  }

  /**
   * A NUL-terminated string for bpf_probe_read*_str: the bytes from `address` up to and including
   * the first NUL, at most `max` of them, within one region. Undefined when the first byte is unreadable.
   */
  probeReadString(address: bigint, max: number, what: string): Uint8Array | undefined {
    if (max <= 0) return new Uint8Array(0);
    let first: { region: Region; offset: number };
    try {
      first = this.resolve(address, 1, what, false);
    } catch {
      return undefined;
    }
    const { region: r, offset } = first;
    if (r.hook && !r.probeReadable) return undefined;
    // Below a record's start (Region.reachBelow) the VM holds zeros: the string is empty.
    if (offset < 0) return new Uint8Array(1);
    const limit = Math.min(r.end, offset + max);
    let end = offset;
    while (end < limit && r.u8[end] !== 0) end++;
    return r.u8.slice(offset, Math.min(limit, end + 1));
  }

  /** Views handed to helpers while a trace is recorded; their final bytes are reported after the step. */
  private handedOut: { address: bigint; view: Uint8Array }[] = [];

  /** A live view of writable bytes for a helper to fill. */
  writableBytes(address: bigint, len: number, what = 'helper write'): Uint8Array {
    if (len === 0) return new Uint8Array(0);
    const { region: r, offset } = this.resolve(address, len, what, true);
    if (r.hook) fault('ctx-access', `a helper may not write the context directly (${what} at ${hex64(address)})`);
    const view = r.u8.subarray(offset, offset + len);
    if (this.onWrite) this.handedOut.push({ address, view });
    return view;
  }

  writeBytes(address: bigint, bytes: Uint8Array, what = 'helper write'): void {
    this.writableBytes(address, bytes.length, what).set(bytes);
  }

  /** Reports what helpers wrote through their views (trace recording). */
  flushWrites(): void {
    for (const h of this.handedOut) this.onWrite?.({ address: h.address, bytes: h.view.slice() });
    this.handedOut = [];
  }

  /** A NUL-terminated string of at most `max` bytes, stopping at the end of the region. */
  readCString(address: bigint, max: number): string | undefined {
    const r = this.regionOf(address);
    if (!r || r.hook || r.dead || r.kind === 'map' || r.kind === 'code') return undefined;
    const offset = Number(BigInt.asUintN(64, address) & 0xffffffffn);
    if (offset < r.lo || offset >= r.end) return undefined;
    let end = offset;
    const limit = Math.min(r.end, offset + max);
    while (end < limit && r.u8[end] !== 0) end++;
    return latin1(r.u8.subarray(offset, end));
  }
}

/** `len` bytes from `offset`, reading zeros below offset 0 (Region.reachBelow). */
function sliceFrom(u8: Uint8Array, offset: number, len: number): Uint8Array {
  if (offset >= 0) return u8.slice(offset, offset + len);
  const out = new Uint8Array(len);
  if (offset + len > 0) out.set(u8.subarray(0, offset + len), -offset);
  return out;
}

export function latin1(b: Uint8Array): string {
  let s = '';
  for (let i = 0; i < b.length; i++) s += String.fromCharCode(b[i]);
  return s;
}

export function readLE(dv: DataView, offset: number, size: number, signed = false): bigint {
  switch (size) {
    case 1:
      return BigInt(signed ? dv.getInt8(offset) : dv.getUint8(offset));
    case 2:
      return BigInt(signed ? dv.getInt16(offset, true) : dv.getUint16(offset, true));
    case 4:
      return BigInt(signed ? dv.getInt32(offset, true) : dv.getUint32(offset, true));
    default:
      return signed ? dv.getBigInt64(offset, true) : dv.getBigUint64(offset, true);
  }
}

export function writeLE(dv: DataView, offset: number, size: number, value: bigint): void {
  switch (size) {
    case 1:
      dv.setUint8(offset, Number(value & 0xffn));
      return;
    case 2:
      dv.setUint16(offset, Number(value & 0xffffn), true);
      return;
    case 4:
      dv.setUint32(offset, Number(value & 0xffffffffn), true);
      return;
    default:
      dv.setBigUint64(offset, BigInt.asUintN(64, value), true);
  }
}
