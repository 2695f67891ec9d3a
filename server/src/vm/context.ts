// Building what r1 points at when a program starts: the context region for its program type
// (laid out by core/contexts.ts), the packet for packet programs, and named memory that context
// fields may point into ("&name+off").
import type { ProgType } from '../core/types';
import { checkCtxAccess, contextLayout, ctxFieldByName, PT_REGS_PARMS, type CtxLayout, type TracepointFieldLike } from '../core/contexts';
import { fault } from './faults';
import type { Memory, Region } from './memory';
import { readLE, writeLE } from './memory';

/** Bytes as an array, a Uint8Array, or hex text ("de ad be ef", "deadbeef", "0xdeadbeef"). */
export type BytesInput = Uint8Array | number[] | string;

/** A context field value: a number, a numeric string, or "&name" / "&name+off" naming memory. */
export type ValueInput = number | bigint | string;

export interface CtxInput {
  /** The packet, for socket_filter, sched_cls/sched_act, cgroup_skb and xdp programs. */
  packet?: BytesInput;
  /** Context fields by name: `mark`, `cb[1]`, `di`, `args[0]`, a tracepoint field... */
  fields?: Record<string, ValueInput>;
  /** Arguments: PARM1..6 for kprobes (di, si, dx, cx, r8, r9), args[] for raw tracepoints. */
  args?: ValueInput[];
  /** Raw bytes of the whole context (fields given by name are applied on top). */
  raw?: BytesInput;
  /**
   * Named memory regions that field values can point into: bytes, a NUL-terminated text, or
   * 8-byte values (`pointers`: numbers or "&name" references to other regions, like an argv).
   */
  memory?: { name: string; bytes?: BytesInput; text?: string; pointers?: ValueInput[]; writable?: boolean }[];
  /** Tracepoint programs: the event's field layout. */
  tracepointFields?: readonly TracepointFieldLike[];
}

/** Where the packet is, for the packet helpers. */
export interface PacketState {
  region: Region;
  /** Offsets inside the region. */
  meta: number;
  data: number;
  end: number;
  /** The last offset data_end may reach (tailroom end). */
  limit: number;
  kind: 'skb' | 'xdp';
}

export const XDP_HEADROOM = 256;
/** sizeof(struct xdp_frame): the bottom of the headroom that adjust_head may not reach. */
export const XDP_FRAME_SIZE = 40;
/** The frame a test run gives an XDP program: one 4 KiB page, less headroom and skb_shared_info. */
export const XDP_FRAME_BYTES = 4096;
export const SKB_SHARED_INFO = 320;
export const ETH_HLEN = 14;

export function parseBytes(input: BytesInput | undefined, what: string): Uint8Array {
  if (input === undefined) return new Uint8Array(0);
  if (input instanceof Uint8Array) return input.slice();
  if (Array.isArray(input)) {
    for (const b of input) if (!Number.isInteger(b) || b < 0 || b > 255) throw new Error(`${what}: byte ${b} is not in 0..255`);
    return Uint8Array.from(input);
  }
  const text = input.trim().replace(/^0x/i, '');
  const compact = text.replace(/[\s,:]+/g, '');
  if (compact.length % 2 !== 0 || /[^0-9a-fA-F]/.test(compact)) throw new Error(`${what}: "${input.slice(0, 40)}" is not hex bytes`);
  const out = new Uint8Array(compact.length / 2);
  for (let i = 0; i < out.length; i++) out[i] = parseInt(compact.slice(2 * i, 2 * i + 2), 16);
  return out;
}

export interface Built {
  /** The value r1 starts with. */
  r1: bigint;
  ctx?: Region;
  layout?: CtxLayout;
  packet?: PacketState;
  named: Map<string, Region>;
}

export function resolveValue(v: ValueInput, named: Map<string, Region>, what: string): bigint {
  if (typeof v === 'bigint') return BigInt.asUintN(64, v);
  if (typeof v === 'number') {
    if (!Number.isInteger(v)) throw new Error(`${what}: ${v} is not an integer`);
    return BigInt.asUintN(64, BigInt(v));
  }
  const s = v.trim();
  const ref = /^&([A-Za-z_][\w.-]*)\s*(?:([+-])\s*(\w+))?$/.exec(s);
  if (ref) {
    const r = named.get(ref[1]);
    if (!r) throw new Error(`${what}: no memory named '${ref[1]}' (declare it under "memory")`);
    const off = ref[3] ? BigInt(ref[3]) * (ref[2] === '-' ? -1n : 1n) : 0n;
    return BigInt.asUintN(64, r.base + off);
  }
  try {
    return BigInt.asUintN(64, BigInt(s));
  } catch {
    throw new Error(`${what}: "${s}" is not a number or a &memory reference`);
  }
}

function allocNamed(mem: Memory, input: CtxInput): Map<string, Region> {
  const named = new Map<string, Region>();
  for (const m of input.memory ?? []) {
    const bytes = m.pointers ? new Uint8Array(8 * m.pointers.length) : m.text !== undefined ? new TextEncoder().encode(m.text + '\0') : parseBytes(m.bytes, `memory '${m.name}'`);
    named.set(m.name, mem.alloc('user', `memory '${m.name}'`, bytes, m.writable ?? true));
  }
  // Pointer arrays are filled once every region they may point at has its address.
  for (const m of input.memory ?? []) {
    if (!m.pointers) continue;
    const r = named.get(m.name)!;
    m.pointers.forEach((p, i) => writeLE(r.dv, 8 * i, 8, resolveValue(p, named, `memory '${m.name}'[${i}]`)));
  }
  return named;
}

/** Field name → (offset, size) including array elements written `cb[2]` and perf_event `regs.di`. */
function fieldSlot(layout: CtxLayout, name: string): { offset: number; size: number } | undefined {
  const m = /^(.*)\[(\d+)\]$/.exec(name);
  if (m) {
    const f = ctxFieldByName(layout, m[1]) ?? ctxFieldByName(layout, name);
    if (f?.name === name) return { offset: f.offset, size: f.size };
    if (!f || !f.count) return undefined;
    const elem = f.size / f.count;
    const i = Number(m[2]);
    return i < f.count ? { offset: f.offset + i * elem, size: elem } : undefined;
  }
  const f = ctxFieldByName(layout, name) ?? ctxFieldByName(layout, `regs.${name}`);
  return f ? { offset: f.offset, size: Math.min(f.size, 8) } : undefined;
}

function applyFields(bytes: Uint8Array, layout: CtxLayout, fields: Record<string, ValueInput>, named: Map<string, Region>, skip: Set<string>): void {
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  for (const [name, value] of Object.entries(fields)) {
    if (skip.has(name)) throw new Error(`context field '${name}' comes from the packet and cannot be set`);
    const slot = fieldSlot(layout, name);
    if (!slot) throw new Error(`${layout.struct} has no field '${name}' (fields: ${layout.fields.map((f) => f.name).join(', ')})`);
    if (typeof value === 'string' && slot.size > 8 && !/^(&|0x|-?\d)/.test(value.trim())) {
      const text = new TextEncoder().encode(value);
      bytes.fill(0, slot.offset, slot.offset + slot.size);
      bytes.set(text.subarray(0, slot.size - 1), slot.offset);
      continue;
    }
    const v = resolveValue(value, named, `${layout.struct}.${name}`);
    writeLE(dv, slot.offset, Math.min(slot.size, 8) as 1 | 2 | 4 | 8, v);
  }
}

const PACKET_TYPES: ReadonlySet<ProgType> = new Set(['socket_filter', 'sched_cls', 'sched_act', 'cgroup_skb', 'xdp']);

/** Contexts whose bytes are what the kernel has in memory, so bpf_probe_read may copy them. */
const KERNEL_LAYOUT_CONTEXTS: ReadonlySet<ProgType> = new Set(['kprobe', 'tracepoint', 'raw_tracepoint']);

export function isPacketProgram(t: ProgType): boolean {
  return PACKET_TYPES.has(t);
}

/** The hook that makes pointer fields load as pointers and enforces the layout's access rules. */
function ctxHook(region: () => Region, layout: CtxLayout, pointer: (yields: string) => bigint, dynamic: (name: string) => bigint | undefined) {
  return {
    load(offset: number, size: number, signed: boolean): bigint {
      const c = checkCtxAccess(layout, offset, size, 'load', signed);
      if (!c.ok) fault('ctx-access', `invalid context load: ${c.reason}`, { size, region: layout.struct });
      const f = c.field;
      // Below a tracepoint record the kernel reads whatever precedes it; the VM has zeros there.
      if (!f) return offset < 0 ? 0n : BigInt.asUintN(64, readLE(region().dv, offset, size));
      if (f.yields) return pointer(f.yields);
      // The kernel's rewrite of a narrow load: the whole field when the load is at least as wide
      // as the kernel field behind it, else the bytes at the load's offset (on little-endian).
      const whole = f.sourceSize !== undefined && size >= f.sourceSize && size < f.size;
      const d = f.count ? undefined : dynamic(f.name);
      if (d !== undefined) {
        if (whole) return d;
        const shift = BigInt(8 * (offset - f.offset));
        return (d >> shift) & ((1n << BigInt(8 * size)) - 1n);
      }
      return BigInt.asUintN(64, whole ? readLE(region().dv, f.offset, f.size) : readLE(region().dv, offset, size));
    },
    store(offset: number, size: number, value: bigint): void {
      const c = checkCtxAccess(layout, offset, size, 'store');
      if (!c.ok) fault('ctx-access', `invalid context store: ${c.reason}`, { size, region: layout.struct });
      writeLE(region().dv, offset, size, value);
    },
  };
}

export function buildContext(mem: Memory, progType: ProgType, input: CtxInput = {}): Built {
  const named = allocNamed(mem, input);
  const rawArgs = progType === 'raw_tracepoint' && input.args ? Math.max(input.args.length, 1) : undefined;
  const layout = contextLayout(progType, { tracepointFields: input.tracepointFields, rawArgs });
  const bytes = new Uint8Array(layout.size);
  if (input.raw !== undefined) bytes.set(parseBytes(input.raw, 'ctx.raw').subarray(0, layout.size));
  const fields: Record<string, ValueInput> = { ...(input.fields ?? {}) };
  if (input.args) {
    const names = progType === 'kprobe' ? PT_REGS_PARMS : progType === 'perf_event' ? PT_REGS_PARMS.map((n) => `regs.${n}`) : input.args.map((_, i) => `args[${i}]`);
    if (input.args.length > names.length) throw new Error(`${progType} programs take at most ${names.length} arguments, got ${input.args.length}`);
    input.args.forEach((a, i) => (fields[names[i]] ??= a));
  }

  if (!isPacketProgram(progType)) {
    applyFields(bytes, layout, fields, named, new Set());
    const region = mem.alloc('ctx', `context (${layout.struct})`, bytes, false);
    region.hook = ctxHook(() => region, layout, () => 0n, () => undefined);
    region.probeReadable = KERNEL_LAYOUT_CONTEXTS.has(progType);
    // Loads carry a signed 16-bit offset and the context pointer may not be moved, so a
    // tracepoint program reaches at most 32 KiB below its record.
    if (layout.openReads?.negative) region.reachBelow = 0x8000;
    region.refresh();
    return { r1: region.base, ctx: region, layout, named };
  }

  const pkt = parseBytes(input.packet, 'packet');
  const xdp = progType === 'xdp';
  if (xdp && pkt.length > XDP_FRAME_BYTES - XDP_HEADROOM - SKB_SHARED_INFO) {
    throw new Error(`an XDP packet may be at most ${XDP_FRAME_BYTES - XDP_HEADROOM - SKB_SHARED_INFO} bytes, got ${pkt.length}`);
  }
  const bufLen = Math.max(XDP_FRAME_BYTES - SKB_SHARED_INFO, XDP_HEADROOM + pkt.length);
  const buf = new Uint8Array(bufLen);
  buf.set(pkt, XDP_HEADROOM);
  const region = mem.alloc('packet', 'packet', buf);
  const packet: PacketState = { region, meta: XDP_HEADROOM, data: XDP_HEADROOM, end: XDP_HEADROOM + pkt.length, limit: bufLen, kind: xdp ? 'xdp' : 'skb' };
  region.setWindow(packet.meta, packet.end);
  const at = (o: number) => region.base + BigInt(o);
  const pointer = (y: string) => (y === 'packet' ? at(packet.data) : y === 'packet_end' ? at(packet.end) : y === 'packet_meta' ? at(packet.meta) : 0n);

  const fromPacket = new Set(xdp ? ['data', 'data_end', 'data_meta'] : ['data', 'data_end', 'data_meta', 'len', 'sk', 'wire_len']);
  const defaults: Record<string, ValueInput> = xdp
    ? { ingress_ifindex: 1 }
    : { ifindex: 1, protocol: pkt.length >= 14 ? pkt[12] | (pkt[13] << 8) : 0 };
  for (const [k, v] of Object.entries(defaults)) if (!(k in fields)) fields[k] = v;
  applyFields(bytes, layout, fields, named, fromPacket);
  const dynamic = (name: string): bigint | undefined =>
    name === 'len' || name === 'wire_len' ? BigInt(packet.end - packet.data) : undefined;
  const ctx = mem.alloc('ctx', `context (${layout.struct})`, bytes, false);
  ctx.hook = ctxHook(() => ctx, layout, pointer, dynamic);
  ctx.refresh();
  return { r1: ctx.base, ctx, layout, packet, named };
}

/** The packet bytes between data and data_end. */
export function packetBytes(p: PacketState): Uint8Array {
  return p.region.u8.slice(p.data, p.end);
}
