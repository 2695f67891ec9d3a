// Kernel objects for the generated workload: when a script follows a pointer argument into a
// struct (tcpconnect reads a struct sock's addresses and ports, biosnoop a request's disk name),
// the argument points at an image of that struct laid out as the kernel's BTF (or the script's
// own definitions) lay it out, with the fields the script reads filled in and the structs it
// reaches through pointers built the same way. Fields nobody reads stay zero.
import type { TypeEnv, RecordLayout } from '../typeenv';
import { sizeOf, type Type } from '../types';
import type { ArgValue, MemoryImage } from './events';
import type { RecordUse } from './script-usage';

/** What a field holds: a number, raw bytes, or something placed elsewhere (a string, an object) when the field is a pointer. */
export type FieldValue = ArgValue | Uint8Array | undefined;

/** Gives a field's value from its path of names (`__sk_common.skc_dport`) and type. */
export type FieldFiller = (path: readonly string[], type: Type) => FieldValue;

const MAX_IMAGE = 64 * 1024;
const MAX_DEPTH = 4;
/** Fields filled per object, nested ones included. */
const MAX_FIELDS = 512;

function writeLE(bytes: Uint8Array, at: number, size: number, v: bigint): void {
  let x = BigInt.asUintN(64, v);
  for (let i = 0; i < size && at + i < bytes.length; i++) {
    bytes[at + i] = Number(x & 0xffn);
    x >>= 8n;
  }
}

function writeBits(bytes: Uint8Array, at: number, bitOffset: number, bitSize: number, v: bigint): void {
  const span = Math.ceil((bitOffset + bitSize) / 8);
  let cur = 0n;
  for (let i = span - 1; i >= 0; i--) cur = (cur << 8n) | BigInt(bytes[at + i] ?? 0);
  const mask = ((1n << BigInt(bitSize)) - 1n) << BigInt(bitOffset);
  cur = (cur & ~mask) | ((BigInt.asUintN(bitSize, v) << BigInt(bitOffset)) & mask);
  writeLE(bytes, at, span, cur);
}

export class KernelObjects {
  constructor(
    private readonly env: TypeEnv,
    private readonly use: RecordUse,
  ) {}

  private readonly wanted = new Map<string, boolean>();

  /** Whether the script reads any field of `struct X` (or of a struct it casts to that starts with one). */
  wants(record: string): boolean {
    let w = this.wanted.get(record);
    if (w === undefined) {
      const prefix = `${record}.`;
      w = [...this.use.fields].some((f) => f.startsWith(prefix)) || this.container(record) !== record;
      this.wanted.set(record, w);
    }
    return w;
  }

  /** True when `outer` starts with `inner` (its first member, or that member's first...). */
  private startsWith(outer: string, inner: string): boolean {
    let layout = this.env.record(outer);
    for (let depth = 0; layout && depth < 8; depth++) {
      const first = layout.fields.find((f) => f.offset === 0 && f.type.kind === 'record');
      if (!first || first.type.kind !== 'record') return false;
      if (first.type.name === inner) return true;
      layout = this.env.record(first.type.name);
    }
    return false;
  }

  /** The largest struct the script casts to that begins with `record` (tcp_sock around sock), or `record`. */
  private container(record: string): string {
    let best = record;
    let size = this.env.record(record)?.size ?? 0;
    for (const c of this.use.casts) {
      if (c === record || !this.startsWith(c, record)) continue;
      const s = this.env.record(c)?.size ?? 0;
      if (s > size && s <= MAX_IMAGE && [...this.use.fields].some((f) => f.startsWith(`${c}.`))) {
        best = c;
        size = s;
      }
    }
    return best;
  }

  /** An image of `struct X` (`record` is `struct X`), or undefined when its layout is unknown or too large. */
  build(record: string, fill: FieldFiller, id: string, depth = 0): MemoryImage | undefined {
    if (depth > MAX_DEPTH) return undefined;
    const host = this.container(record);
    const layout = this.env.record(host);
    if (!layout || layout.size <= 0 || layout.size > MAX_IMAGE) return undefined;
    const img: MemoryImage = { kind: 'image', id, bytes: new Uint8Array(layout.size), pointers: [] };
    const budget = { left: MAX_FIELDS };
    this.fill(layout, 0, [], img, fill, depth, budget);
    const inner = host !== record ? this.env.record(record) : undefined;
    if (inner) this.fill(inner, 0, [], img, fill, depth, budget);
    return img;
  }

  private fill(layout: RecordLayout, base: number, path: string[], img: MemoryImage, fill: FieldFiller, depth: number, budget: { left: number }): void {
    if (path.length > 16) return;
    for (const f of layout.fields) {
      if (budget.left <= 0) return;
      if (!this.use.fields.has(`${layout.name}.${f.name}`)) continue;
      budget.left--;
      const at = base + f.offset;
      const here = [...path, f.name];
      const t = f.type;
      const size = sizeOf(t, (n) => this.env.record(n)?.size);
      if (at < 0 || at + Math.max(1, size) > img.bytes.length) continue;
      if (t.kind === 'record') {
        const nested = this.env.record(t.name);
        // A field holding raw bytes (an address) is filled whole; other structs field by field.
        const whole = fill(here, t);
        if (whole instanceof Uint8Array) img.bytes.set(whole.subarray(0, size), at);
        else if (nested) this.fill(nested, at, here, img, fill, depth, budget);
        continue;
      }
      if (t.kind === 'pointer' && t.to.kind === 'record') {
        const child = this.wants(t.to.name) ? this.build(t.to.name, fill, `${img.id}.${f.name}`, depth + 1) : undefined;
        if (child) img.pointers.push({ at, to: child });
        continue;
      }
      const v = fill(here, t);
      if (v === undefined) continue;
      if (v instanceof Uint8Array) {
        img.bytes.set(v.subarray(0, size), at);
      } else if (t.kind === 'pointer') {
        if (typeof v === 'bigint') writeLE(img.bytes, at, 8, v);
        else img.pointers.push({ at, to: v });
      } else if (typeof v === 'string' && (t.kind === 'string' || t.kind === 'array')) {
        img.bytes.set(new TextEncoder().encode(v).subarray(0, Math.max(0, size - 1)), at);
      } else if (typeof v === 'bigint') {
        if (f.bitSize) writeBits(img.bytes, at, f.bitOffset ?? 0, f.bitSize, v);
        else writeLE(img.bytes, at, Math.min(8, size), v);
      }
    }
  }
}
