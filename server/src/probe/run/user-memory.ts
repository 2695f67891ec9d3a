// The traced processes' own memory: the strings and argv arrays events pass by address. Like a
// process's memory, a string stays at its address after the event that placed it, so a script
// may keep the pointer (opensnoop's @filename[tid] at sys_enter) and read it at a later event
// (sys_exit). Memory is bounded: values go into chunks, and once too many chunks are live the
// oldest is unmapped, after which its pointers fault as stale pointers do in the kernel
// (probe_read_str gives -EFAULT and an empty string).
import { isImage, type ArgValue, type MemoryImage } from './events';

/** The part of the VM session this needs (VmSession implements it). */
export interface MappableMemory {
  mapMemory(name: string, bytes: Uint8Array): bigint;
  unmapMemory(address: bigint, release?: boolean): boolean;
}

export interface UserMemoryLimits {
  /** Bytes per chunk; a larger value gets a chunk of its own. */
  chunkBytes: number;
  /** Values per chunk. */
  chunkValues: number;
  /** Chunks kept readable; the oldest is unmapped when another is needed. */
  liveChunks: number;
  /** Bytes kept readable (large values make large chunks); the oldest chunks go first. */
  liveBytes: number;
  /** Unmapped chunks whose addresses stay reserved (so stale pointers fault) before reuse. */
  reservedChunks: number;
}

/** The most recent ~16,000 values stay readable (fewer when they are long: at most 4 MiB live). */
export const DEFAULT_USER_MEMORY: UserMemoryLimits = { chunkBytes: 8 * 1024, chunkValues: 256, liveChunks: 64, liveBytes: 4 * 1024 * 1024, reservedChunks: 256 };

/** How many values one process may share by content (the same path passed at entry and at exit). */
const SHARED_PER_PID = 16;

interface Chunk {
  serial: number;
  base: bigint;
  bytes: Uint8Array;
  used: number;
  values: number;
  /** Sharing entries that point into this chunk, dropped with it. */
  shared: { pid: number; key: string }[];
}

const encoder = new TextEncoder();

function keyOf(v: ArgValue): string {
  if (isImage(v)) return `i${v.id}`;
  return Array.isArray(v) ? `l${v.map((x) => (typeof x === 'string' ? `s${x.length}:${x}` : `n${x}`)).join(',')}` : typeof v === 'string' ? `s${v}` : `n${v}`;
}

/** Kernel objects are shared by every process, under this key instead of a pid. */
const KERNEL = -1;
/** Nested images go at most this deep (a request's queue's disk...). */
const MAX_IMAGE_DEPTH = 8;

export class UserMemory {
  private readonly limits: UserMemoryLimits;
  private live: Chunk[] = [];
  private reserved: bigint[] = [];
  private serial = 0;
  private heldBytes = 0;
  /** Per pid, recently placed values by content, so one call's entry and exit see one address. */
  private readonly shared = new Map<number, Map<string, { address: bigint; chunk: Chunk }>>();
  /** Values placed and chunks unmapped so far (for tests and limits). */
  placed = 0;
  unmapped = 0;

  constructor(
    private readonly mem: MappableMemory,
    limits: Partial<UserMemoryLimits> = {},
  ) {
    const l = { ...DEFAULT_USER_MEMORY, ...limits };
    const whole = (n: number, min: number) => Math.max(min, Math.floor(Number.isFinite(n) ? n : min));
    this.limits = { chunkBytes: whole(l.chunkBytes, 64), chunkValues: whole(l.chunkValues, 1), liveChunks: whole(l.liveChunks, 2), liveBytes: whole(l.liveBytes, 64), reservedChunks: whole(l.reservedChunks, 0) };
  }

  /**
   * The address of `v` in process `pid`'s memory: a string NUL-terminated, a list a
   * NULL-terminated array of 8-byte values (strings by address). Numbers are returned as they are.
   */
  place(pid: number, v: ArgValue, depth = 0): bigint {
    if (typeof v === 'bigint') return v;
    if (isImage(v)) pid = KERNEL;
    const key = keyOf(v);
    const mine = this.shared.get(pid);
    const hit = mine?.get(key);
    // Shared only while it is far from being unmapped, so a value handed out again stays readable as long as a new one.
    if (hit && hit.chunk.serial >= this.serial - Math.floor(this.limits.liveChunks / 2)) return hit.address;
    const address = typeof v === 'string' ? this.put(encoder.encode(v + '\0')) : isImage(v) ? this.putImage(v, depth) : this.putList(pid, v);
    this.share(pid, key, address);
    return address;
  }

  private putList(pid: number, list: (bigint | string)[]): bigint {
    const bytes = new Uint8Array(8 * (list.length + 1));
    const dv = new DataView(bytes.buffer);
    list.forEach((x, i) => dv.setBigUint64(8 * i, typeof x === 'string' ? this.place(pid, x) : BigInt.asUintN(64, x), true));
    return this.put(bytes);
  }

  /** An image's pointees first, then the image with their addresses in it. */
  private putImage(img: MemoryImage, depth: number): bigint {
    const bytes = img.bytes.slice();
    const dv = new DataView(bytes.buffer);
    for (const p of img.pointers) {
      if (p.at < 0 || p.at + 8 > bytes.length) continue;
      dv.setBigUint64(p.at, depth < MAX_IMAGE_DEPTH ? this.place(KERNEL, p.to, depth + 1) : 0n, true);
    }
    return this.put(bytes);
  }

  private share(pid: number, key: string, address: bigint): void {
    const chunk = this.live[this.live.length - 1]!;
    let mine = this.shared.get(pid);
    if (!mine) this.shared.set(pid, (mine = new Map()));
    mine.delete(key);
    mine.set(key, { address, chunk });
    chunk.shared.push({ pid, key });
    // Oldest first in a Map's order: forget the oldest once there are too many.
    if (mine.size > SHARED_PER_PID) mine.delete(mine.keys().next().value!);
  }

  private put(bytes: Uint8Array): bigint {
    this.placed++;
    const size = (bytes.length + 7) & ~7;
    let chunk = this.live[this.live.length - 1];
    if (!chunk || chunk.used + size > chunk.bytes.length || chunk.values >= this.limits.chunkValues) chunk = this.newChunk(Math.max(this.limits.chunkBytes, size));
    const at = chunk.used;
    chunk.bytes.set(bytes, at);
    chunk.used += size;
    chunk.values++;
    return chunk.base + BigInt(at);
  }

  private newChunk(size: number): Chunk {
    while (this.live.length >= this.limits.liveChunks || (this.live.length && this.heldBytes + size > this.limits.liveBytes)) this.unmapOldest();
    const bytes = new Uint8Array(size);
    const serial = ++this.serial;
    const chunk: Chunk = { serial, base: this.mem.mapMemory(`user memory ${serial}`, bytes), bytes, used: 0, values: 0, shared: [] };
    this.live.push(chunk);
    this.heldBytes += size;
    return chunk;
  }

  private unmapOldest(): void {
    const old = this.live.shift();
    if (!old) return;
    this.heldBytes -= old.bytes.length;
    this.mem.unmapMemory(old.base);
    this.unmapped++;
    for (const { pid, key } of old.shared) {
      const mine = this.shared.get(pid);
      if (mine?.get(key)?.chunk !== old) continue;
      mine.delete(key);
      if (!mine.size) this.shared.delete(pid);
    }
    this.reserved.push(old.base);
    while (this.reserved.length > this.limits.reservedChunks) this.mem.unmapMemory(this.reserved.shift()!, true);
  }

  /** Bytes held by live chunks. */
  get liveBytes(): number {
    return this.heldBytes;
  }
}
