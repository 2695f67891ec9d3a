// Program-context layouts: what r1 points at when a program starts, per program type, as data.
// The VM builds its context region from these tables and the verifier checks context accesses
// against them. Offsets and access rules follow the kernel's uapi structs and its
// `*_is_valid_access` callbacks (x86-64 for pt_regs).
import type { ProgType } from './types';

/** What a context load hands back, when it is more than a number. */
export type CtxYield =
  | 'packet' // PTR_TO_PACKET (data)
  | 'packet_end' // PTR_TO_PACKET_END (data_end)
  | 'packet_meta' // PTR_TO_PACKET_META (data_meta)
  | 'sock_or_null' // PTR_TO_SOCK_COMMON_OR_NULL (__sk_buff.sk)
  | 'flow_keys'; // PTR_TO_FLOW_KEYS

export type CtxAccess = 'none' | 'read' | 'write';

export interface CtxField {
  name: string;
  offset: number;
  /** Declared size in bytes (the element size times the count for arrays). */
  size: number;
  /** For arrays such as `cb[5]`: the number of elements; each element is `size / count` bytes. */
  count?: number;
  /** 'none': the field exists in the struct but this program type may not touch it. */
  access: CtxAccess;
  /** Load widths (bytes) the kernel accepts; a load must also be aligned to its width. */
  loadSizes: readonly number[];
  /** Store widths (bytes) the kernel accepts, when `access` is 'write'. */
  storeSizes: readonly number[];
  /** A load of this field gives a pointer of this kind instead of a scalar. */
  yields?: CtxYield;
  /**
   * The width of the kernel field behind it, when narrower than `size` (skb->protocol is a u16
   * behind a u32). The kernel rewrites a narrow load as a load of that field, shifted and masked
   * only when the load is narrower than the field: so a load at least this wide gives the whole
   * value whatever its offset (a u16 load at protocol + 2 reads the protocol), narrower ones the
   * bytes at their offset.
   */
  sourceSize?: number;
  /** Sign of the value, for display (tracepoint fields). */
  signed?: boolean;
  /** The kernel's meaning, for hovers and the inspector. */
  doc: string;
}

export interface CtxLayout {
  /** The C struct name, e.g. `__sk_buff`. */
  struct: string;
  /** Bytes of context the program may address (offsets 0 .. size-1). */
  size: number;
  fields: readonly CtxField[];
  /** Whether the program may store to the context at all. */
  writable: boolean;
  /**
   * Loads the kernel allows anywhere from `from` up to `size` whatever the fields say (tracepoint
   * records), of any width aligned to itself; `negative`: below offset 0 too.
   */
  openReads?: { from: number; negative: boolean };
}

/** A tracepoint record field, as the tracefs `format` file describes it (structurally the probe catalog's type). */
export interface TracepointFieldLike {
  name: string;
  offset: number;
  size: number;
  signed?: boolean;
  type?: string;
}

export interface ContextOptions {
  /** Tracepoint programs: the event's own fields (after the 8-byte common header). */
  tracepointFields?: readonly TracepointFieldLike[];
  /** raw_tracepoint programs: how many u64 arguments the tracepoint passes (default 12, the kernel maximum); all 12 stay readable. */
  rawArgs?: number;
}

// ---------------------------------------------------------------------------------------------
// __sk_buff

const R124 = [1, 2, 4] as const;
const R1248 = [1, 2, 4, 8] as const;
const W4 = [4] as const;
const ONLY8 = [8] as const;
const ONLY1 = [1] as const;
const NONE: readonly number[] = [];

/** The three __sk_buff users, each with its own `*_is_valid_access` callback in the kernel. */
type SkbUser = 'socket' | 'tc' | 'cgskb';

interface SkbRow {
  name: string;
  offset: number;
  size: number;
  count?: number;
  /** Access per user: 'r' read, 'w' read and write, '-' none. */
  socket: 'r' | 'w' | '-';
  tc: 'r' | 'w' | '-';
  cgskb: 'r' | 'w' | '-';
  loads: readonly number[];
  /** The kernel field's width, when narrower than the __sk_buff field (CtxField.sourceSize). */
  src?: 1 | 2;
  /** Store widths when writable; 4 (the kernel's size_default) unless given. */
  stores?: readonly number[];
  yields?: CtxYield;
  doc: string;
}

// Access per program type as sk_filter_is_valid_access, tc_cls_act_is_valid_access and
// cg_skb_is_valid_access decide it on top of bpf_skb_is_valid_access: ordinary u32 fields take
// aligned 1/2/4-byte loads and only 4-byte stores; cb[] takes any aligned width up to 8 both ways,
// inside the 20 bytes; socket addresses and packet pointers are 4-byte only; the u64 fields 8-byte only.
const SKB_ROWS: readonly SkbRow[] = [
  { name: 'len', offset: 0, size: 4, socket: 'r', tc: 'r', cgskb: 'r', loads: R124, doc: 'packet length in bytes (skb->len)' },
  { name: 'pkt_type', offset: 4, size: 4, socket: 'r', tc: 'r', cgskb: 'r', loads: R124, src: 1, doc: 'PACKET_HOST, PACKET_BROADCAST, ... (skb->pkt_type)' },
  { name: 'mark', offset: 8, size: 4, socket: 'r', tc: 'w', cgskb: 'w', loads: R124, doc: 'the packet mark (skb->mark); writable by tc and cgroup_skb programs' },
  { name: 'queue_mapping', offset: 12, size: 4, socket: 'r', tc: 'w', cgskb: 'r', loads: R124, src: 2, doc: 'transmit queue (skb->queue_mapping); writable by tc programs' },
  { name: 'protocol', offset: 16, size: 4, socket: 'r', tc: 'r', cgskb: 'r', loads: R124, src: 2, doc: 'ethertype in network byte order (skb->protocol)' },
  { name: 'vlan_present', offset: 20, size: 4, socket: 'r', tc: 'r', cgskb: 'r', loads: R124, src: 1, doc: '1 if the packet carries a VLAN tag' },
  { name: 'vlan_tci', offset: 24, size: 4, socket: 'r', tc: 'r', cgskb: 'r', loads: R124, src: 2, doc: 'VLAN tag control information' },
  { name: 'vlan_proto', offset: 28, size: 4, socket: 'r', tc: 'r', cgskb: 'r', loads: R124, src: 2, doc: 'VLAN protocol (network byte order)' },
  { name: 'priority', offset: 32, size: 4, socket: 'r', tc: 'w', cgskb: 'w', loads: R124, doc: 'queueing priority (skb->priority); writable by tc and cgroup_skb programs' },
  { name: 'ingress_ifindex', offset: 36, size: 4, socket: 'r', tc: 'r', cgskb: 'r', loads: R124, doc: 'interface index the packet arrived on' },
  { name: 'ifindex', offset: 40, size: 4, socket: 'r', tc: 'r', cgskb: 'r', loads: R124, doc: 'interface index of skb->dev' },
  { name: 'tc_index', offset: 44, size: 4, socket: 'r', tc: 'w', cgskb: 'r', loads: R124, src: 2, doc: 'traffic control index (skb->tc_index); writable by tc programs' },
  { name: 'cb', offset: 48, size: 20, count: 5, socket: 'w', tc: 'w', cgskb: 'w', loads: R1248, stores: R1248, doc: 'five u32 words of scratch space shared between programs (skb->cb); any aligned width up to 8 bytes' },
  { name: 'hash', offset: 68, size: 4, socket: 'r', tc: 'r', cgskb: 'r', loads: R124, doc: 'flow hash (skb->hash)' },
  { name: 'tc_classid', offset: 72, size: 4, socket: '-', tc: 'w', cgskb: '-', loads: R124, src: 2, doc: 'tc class id; tc programs only' },
  { name: 'data', offset: 76, size: 4, socket: '-', tc: 'r', cgskb: 'r', loads: W4, yields: 'packet', doc: 'start of packet data (a packet pointer; tc and cgroup_skb programs)' },
  { name: 'data_end', offset: 80, size: 4, socket: '-', tc: 'r', cgskb: 'r', loads: W4, yields: 'packet_end', doc: 'end of packet data (compare packet pointers against it before access)' },
  { name: 'napi_id', offset: 84, size: 4, socket: 'r', tc: 'r', cgskb: 'r', loads: R124, doc: 'NAPI id the packet was received on' },
  { name: 'family', offset: 88, size: 4, socket: '-', tc: '-', cgskb: 'r', loads: R124, src: 2, doc: 'address family of the socket (cgroup_skb and sk_skb programs)' },
  { name: 'remote_ip4', offset: 92, size: 4, socket: '-', tc: '-', cgskb: 'r', loads: W4, doc: 'remote IPv4 address of the socket (network byte order)' },
  { name: 'local_ip4', offset: 96, size: 4, socket: '-', tc: '-', cgskb: 'r', loads: W4, doc: 'local IPv4 address of the socket (network byte order)' },
  { name: 'remote_ip6', offset: 100, size: 16, count: 4, socket: '-', tc: '-', cgskb: 'r', loads: W4, doc: 'remote IPv6 address of the socket (four u32 words)' },
  { name: 'local_ip6', offset: 116, size: 16, count: 4, socket: '-', tc: '-', cgskb: 'r', loads: W4, doc: 'local IPv6 address of the socket (four u32 words)' },
  { name: 'remote_port', offset: 132, size: 4, socket: '-', tc: '-', cgskb: 'r', loads: R124, src: 2, doc: 'remote port of the socket (network byte order, in the upper 16 bits on little-endian)' },
  { name: 'local_port', offset: 136, size: 4, socket: '-', tc: '-', cgskb: 'r', loads: R124, src: 2, doc: 'local port of the socket (host byte order)' },
  { name: 'data_meta', offset: 140, size: 4, socket: '-', tc: 'r', cgskb: '-', loads: W4, yields: 'packet_meta', doc: 'start of the metadata area before the packet data (tc programs only)' },
  { name: 'flow_keys', offset: 144, size: 8, socket: '-', tc: '-', cgskb: '-', loads: ONLY8, yields: 'flow_keys', doc: 'flow dissector keys (flow_dissector programs only)' },
  { name: 'tstamp', offset: 152, size: 8, socket: '-', tc: 'w', cgskb: 'w', loads: ONLY8, stores: ONLY8, doc: 'packet timestamp in ns (skb->tstamp); tc and cgroup_skb programs' },
  { name: 'wire_len', offset: 160, size: 4, socket: '-', tc: 'r', cgskb: '-', loads: R124, doc: 'length on the wire, including headers the stack removed (tc programs only)' },
  { name: 'gso_segs', offset: 164, size: 4, socket: 'r', tc: 'r', cgskb: 'r', loads: R124, src: 2, doc: 'number of GSO segments' },
  { name: 'sk', offset: 168, size: 8, socket: 'r', tc: 'r', cgskb: 'r', loads: ONLY8, yields: 'sock_or_null', doc: 'the socket the packet belongs to, or NULL (a pointer that must be checked)' },
  { name: 'gso_size', offset: 176, size: 4, socket: 'r', tc: 'r', cgskb: 'r', loads: R124, src: 2, doc: 'GSO segment size' },
  { name: 'tstamp_type', offset: 180, size: 1, socket: '-', tc: 'r', cgskb: '-', loads: ONLY1, doc: 'what clock tstamp is on (BPF_SKB_CLOCK_*); tc programs read it as one byte, and set it with bpf_skb_set_tstamp' },
  { name: 'hwtstamp', offset: 184, size: 8, socket: '-', tc: 'r', cgskb: 'r', loads: ONLY8, doc: 'hardware timestamp in ns' },
];

const ACCESS_OF: Readonly<Record<SkbRow['tc'], CtxAccess>> = { r: 'read', w: 'write', '-': 'none' };

function skbLayout(user: SkbUser): CtxLayout {
  const fields = SKB_ROWS.map((r): CtxField => {
    const access = ACCESS_OF[r[user]];
    return {
      name: r.name,
      offset: r.offset,
      size: r.size,
      ...(r.count ? { count: r.count } : {}),
      access,
      loadSizes: access === 'none' ? NONE : r.loads,
      storeSizes: access === 'write' ? (r.stores ?? W4) : NONE,
      ...(r.src ? { sourceSize: r.src } : {}),
      ...(r.yields ? { yields: r.yields } : {}),
      doc: r.doc,
    };
  });
  return { struct: '__sk_buff', size: 192, fields, writable: true };
}

// ---------------------------------------------------------------------------------------------
// xdp_md: all u32, read-only, full-width loads only.

const XDP_FIELDS: readonly CtxField[] = [
  { name: 'data', offset: 0, size: 4, access: 'read', loadSizes: W4, storeSizes: NONE, yields: 'packet', doc: 'start of packet data (a packet pointer)' },
  { name: 'data_end', offset: 4, size: 4, access: 'read', loadSizes: W4, storeSizes: NONE, yields: 'packet_end', doc: 'end of packet data (compare packet pointers against it before access)' },
  { name: 'data_meta', offset: 8, size: 4, access: 'read', loadSizes: W4, storeSizes: NONE, yields: 'packet_meta', doc: 'start of the metadata area before data (grown by bpf_xdp_adjust_meta)' },
  { name: 'ingress_ifindex', offset: 12, size: 4, access: 'read', loadSizes: W4, storeSizes: NONE, doc: 'interface index the packet arrived on (rxq->dev->ifindex)' },
  { name: 'rx_queue_index', offset: 16, size: 4, access: 'read', loadSizes: W4, storeSizes: NONE, doc: 'receive queue index (rxq->queue_index)' },
  { name: 'egress_ifindex', offset: 20, size: 4, access: 'none', loadSizes: NONE, storeSizes: NONE, doc: 'transmit interface index; devmap programs only' },
];

// ---------------------------------------------------------------------------------------------
// struct pt_regs, x86-64.

/** x86-64 pt_regs register names in struct order; each is 8 bytes. */
export const PT_REGS_X86_64: readonly string[] = [
  'r15', 'r14', 'r13', 'r12', 'bp', 'bx', 'r11', 'r10', 'r9', 'r8', 'ax', 'cx', 'dx', 'si', 'di', 'orig_ax', 'ip', 'cs', 'flags', 'sp', 'ss',
];

/** PT_REGS_PARMn / PT_REGS_RC / ... for x86-64 (the System V calling convention). */
export const PT_REGS_ROLES: Readonly<Record<string, string>> = {
  di: 'PT_REGS_PARM1 (first argument)',
  si: 'PT_REGS_PARM2 (second argument)',
  dx: 'PT_REGS_PARM3 (third argument)',
  cx: 'PT_REGS_PARM4 (fourth argument; syscalls pass it in r10)',
  r8: 'PT_REGS_PARM5 (fifth argument)',
  r9: 'PT_REGS_PARM6 (sixth argument)',
  ax: 'PT_REGS_RC (return value, for kretprobes)',
  sp: 'PT_REGS_SP (stack pointer)',
  ip: 'PT_REGS_IP (instruction pointer)',
  bp: 'PT_REGS_FP (frame pointer)',
  r10: 'PT_REGS_PARM4_SYSCALL (fourth syscall argument)',
  orig_ax: 'syscall number on syscall entry',
};

/** Argument registers in order: PARM1..PARM6. */
export const PT_REGS_PARMS: readonly string[] = ['di', 'si', 'dx', 'cx', 'r8', 'r9'];

function ptRegsFields(loadSizes: readonly number[]): CtxField[] {
  return PT_REGS_X86_64.map((name, i) => ({
    name,
    offset: i * 8,
    size: 8,
    access: 'read' as const,
    loadSizes,
    storeSizes: NONE,
    doc: PT_REGS_ROLES[name] ?? `saved register ${name}`,
  }));
}

const PT_REGS_SIZE = PT_REGS_X86_64.length * 8; // 168

// ---------------------------------------------------------------------------------------------
// Tracepoints: an 8-byte common header the program may not read, then the event's fields.

/** The header every trace event record starts with. */
export const TRACEPOINT_COMMON_FIELDS: readonly TracepointFieldLike[] = [
  { name: 'common_type', offset: 0, size: 2, signed: false },
  { name: 'common_flags', offset: 2, size: 1, signed: false },
  { name: 'common_preempt_count', offset: 3, size: 1, signed: false },
  { name: 'common_pid', offset: 4, size: 4, signed: true },
];

/**
 * PERF_MAX_TRACE_SIZE: tp_prog_is_valid_access lets a tracepoint program read anything below it
 * (aligned to the width), whatever the event's own record holds.
 */
export const TRACEPOINT_READ_LIMIT = 8192;

function tracepointLayout(extra: readonly TracepointFieldLike[]): CtxLayout {
  const fields: CtxField[] = TRACEPOINT_COMMON_FIELDS.map((f) => ({
    name: f.name, offset: f.offset, size: f.size, access: 'none' as const, loadSizes: NONE, storeSizes: NONE,
    signed: f.signed, doc: 'common trace-event header; BPF programs may not read the first 8 bytes',
  }));
  for (const f of extra) {
    if (f.offset < 8 || f.offset >= TRACEPOINT_READ_LIMIT) continue;
    fields.push({
      name: f.name, offset: f.offset, size: Math.min(f.size, TRACEPOINT_READ_LIMIT - f.offset), access: 'read', loadSizes: R1248,
      storeSizes: NONE, signed: f.signed ?? false, doc: f.type ? `event field (${f.type})` : 'event field',
    });
  }
  // The kernel compares the offset with sizeof(void *) unsigned, so negative offsets pass its test
  // too: they read whatever precedes the record in the kernel's buffer.
  return { struct: 'trace_event_raw', size: TRACEPOINT_READ_LIMIT, fields, writable: false, openReads: { from: 8, negative: true } };
}

// ---------------------------------------------------------------------------------------------

const MAX_RAW_ARGS = 12; // the largest tracepoint passes 12 arguments; raw_tp_prog_is_valid_access allows all 12

function rawTracepointLayout(nargs: number): CtxLayout {
  const n = Math.max(0, Math.min(MAX_RAW_ARGS, Math.floor(nargs)));
  const fields: CtxField[] = [];
  for (let i = 0; i < MAX_RAW_ARGS; i++) {
    const doc = i < n ? `tracepoint argument ${i} (u64)` : `argument ${i}: this tracepoint passes ${n}, so it holds whatever the kernel left there`;
    fields.push({ name: `args[${i}]`, offset: i * 8, size: 8, access: 'read', loadSizes: R1248, storeSizes: NONE, doc });
  }
  return { struct: 'bpf_raw_tracepoint_args', size: MAX_RAW_ARGS * 8, fields, writable: false };
}

function perfEventLayout(): CtxLayout {
  // bpf_perf_event_data: regs (pt_regs, 8-byte loads only), then sample_period and addr, which
  // pe_prog_is_valid_access lets programs read narrowly (any aligned 1/2/4/8 bytes inside the u64).
  const fields: CtxField[] = ptRegsFields(ONLY8).map((f) => ({ ...f, name: `regs.${f.name}` }));
  fields.push(
    { name: 'sample_period', offset: PT_REGS_SIZE, size: 8, access: 'read', loadSizes: R1248, storeSizes: NONE, doc: 'sampling period of the event' },
    { name: 'addr', offset: PT_REGS_SIZE + 8, size: 8, access: 'read', loadSizes: R1248, storeSizes: NONE, doc: 'data address of the sample, where the event records one' },
  );
  return { struct: 'bpf_perf_event_data', size: PT_REGS_SIZE + 16, fields, writable: false };
}

/** The layout of r1's target for a program type. */
export function contextLayout(progType: ProgType, opts: ContextOptions = {}): CtxLayout {
  switch (progType) {
    case 'socket_filter':
      return skbLayout('socket');
    case 'sched_cls':
    case 'sched_act':
      return skbLayout('tc');
    case 'cgroup_skb':
      return skbLayout('cgskb');
    case 'xdp':
      return { struct: 'xdp_md', size: 24, fields: XDP_FIELDS, writable: false };
    case 'kprobe':
      return { struct: 'pt_regs', size: PT_REGS_SIZE, fields: ptRegsFields(R1248), writable: false };
    case 'tracepoint':
      return tracepointLayout(opts.tracepointFields ?? []);
    case 'raw_tracepoint':
      return rawTracepointLayout(opts.rawArgs ?? MAX_RAW_ARGS);
    case 'perf_event':
      return perfEventLayout();
  }
}

/** The field covering byte `offset`, if any. */
export function ctxFieldAt(layout: CtxLayout, offset: number): CtxField | undefined {
  return layout.fields.find((f) => offset >= f.offset && offset < f.offset + f.size);
}

export function ctxFieldByName(layout: CtxLayout, name: string): CtxField | undefined {
  return layout.fields.find((f) => f.name === name);
}

/** `field` is absent for an open read (a tracepoint record's bytes outside its known fields). */
export type CtxCheck = { ok: true; field?: CtxField } | { ok: false; field?: CtxField; reason: string };

/**
 * Whether a load/store of `size` bytes at `offset` is one the kernel permits for this layout.
 * `signExtend`: the load is BPF_MEMSX, which the kernel refuses on fields that give pointers.
 */
export function checkCtxAccess(layout: CtxLayout, offset: number, size: number, kind: 'load' | 'store', signExtend = false): CtxCheck {
  const open = layout.openReads;
  if (open && kind === 'load' && offset < layout.size && (offset >= open.from || (open.negative && offset < 0))) {
    // Any width, aligned to itself (the kernel checks `off % size` and nothing else).
    if (offset % size !== 0) return { ok: false, field: ctxFieldAt(layout, offset), reason: `misaligned ${size}-byte load at ${layout.struct} offset ${offset}` };
    return { ok: true, field: ctxFieldAt(layout, offset) };
  }
  if (offset < 0 || offset + size > layout.size) {
    return { ok: false, reason: `offset ${offset} size ${size} is outside ${layout.struct} (${layout.size} bytes)` };
  }
  const field = ctxFieldAt(layout, offset);
  if (!field) return { ok: false, reason: `no ${layout.struct} field at offset ${offset}` };
  if (field.access === 'none') return { ok: false, field, reason: `${layout.struct}.${field.name} is not accessible to this program type` };
  if (kind === 'store' && field.access !== 'write') return { ok: false, field, reason: `${layout.struct}.${field.name} is read-only` };
  const sizes = kind === 'load' ? field.loadSizes : field.storeSizes;
  if (!sizes.includes(size)) {
    return { ok: false, field, reason: `${kind} of ${size} byte(s) from ${layout.struct}.${field.name} is not allowed (allowed: ${sizes.join(', ')})` };
  }
  // Aligned to its own width and inside the field: an array such as cb[] may be read across its
  // elements (8 bytes at cb[0] or cb[2]), as the kernel checks only the array's end.
  if (offset % size !== 0 || offset + size > field.offset + field.size) {
    return { ok: false, field, reason: `misaligned ${size}-byte ${kind} at ${layout.struct} offset ${offset}` };
  }
  if (signExtend && field.yields) return { ok: false, field, reason: `${layout.struct}.${field.name} is a pointer: it cannot be loaded sign-extended` };
  return { ok: true, field };
}

// ---------------------------------------------------------------------------------------------
// What r0 means when a program returns.

export const XDP_ACTIONS: readonly string[] = ['XDP_ABORTED', 'XDP_DROP', 'XDP_PASS', 'XDP_TX', 'XDP_REDIRECT'];

/** TC_ACT_* values (tc programs); -1 is TC_ACT_UNSPEC. */
export const TC_ACTIONS: Readonly<Record<number, string>> = {
  [-1]: 'TC_ACT_UNSPEC', 0: 'TC_ACT_OK', 1: 'TC_ACT_RECLASSIFY', 2: 'TC_ACT_SHOT', 3: 'TC_ACT_PIPE',
  4: 'TC_ACT_STOLEN', 5: 'TC_ACT_QUEUED', 6: 'TC_ACT_REPEAT', 7: 'TC_ACT_REDIRECT', 8: 'TC_ACT_TRAP',
};

/** The program type's name for a return value, e.g. "XDP_PASS", or a short explanation. */
export function returnMeaning(progType: ProgType, r0: bigint): string | undefined {
  const low = Number(BigInt.asIntN(32, r0));
  switch (progType) {
    case 'xdp':
      return XDP_ACTIONS[Number(BigInt.asUintN(32, r0))] ?? 'unknown XDP action (treated as XDP_ABORTED)';
    case 'sched_cls':
    case 'sched_act':
      return TC_ACTIONS[low] ?? 'unknown TC action';
    case 'socket_filter': {
      const keep = BigInt.asUintN(32, r0);
      return keep === 0n ? 'drop the packet' : `keep ${keep} byte(s) of the packet`;
    }
    case 'cgroup_skb':
      return (r0 & 1n) === 1n ? 'allow' : 'deny';
    default:
      return undefined;
  }
}
