// Which context fields each program type may read or write, and with which sizes: the kernel's
// is_valid_access callbacks for the program types modelled here, as data plus a few rules.
// A valid read yields either a scalar or a packet pointer (data, data_end, data_meta) or a socket.
import type { ProgType } from '../core/types';

export type CtxResult = 'scalar' | 'packet' | 'packet_meta' | 'packet_end' | 'sock_common_or_null';

export interface CtxAccess {
  off: number;
  size: number;
  write: boolean;
}

interface Range {
  start: number;
  /** Exclusive end. */
  end: number;
}

const r = (start: number, size: number): Range => ({ start, end: start + size });
const inRange = (off: number, x: Range): boolean => off >= x.start && off < x.end;

/** struct __sk_buff field offsets (uapi). */
const SKB = {
  len: r(0, 4), pkt_type: r(4, 4), mark: r(8, 4), queue_mapping: r(12, 4), protocol: r(16, 4), vlan_present: r(20, 4),
  vlan_tci: r(24, 4), vlan_proto: r(28, 4), priority: r(32, 4), ingress_ifindex: r(36, 4), ifindex: r(40, 4),
  tc_index: r(44, 4), cb: r(48, 20), hash: r(68, 4), tc_classid: r(72, 4), data: r(76, 4), data_end: r(80, 4),
  napi_id: r(84, 4), family: r(88, 4), remote_ip4: r(92, 4), local_ip4: r(96, 4), remote_ip6: r(100, 16),
  local_ip6: r(116, 16), remote_port: r(132, 4), local_port: r(136, 4), data_meta: r(140, 4), flow_keys: r(144, 8),
  tstamp: r(152, 8), wire_len: r(160, 4), gso_segs: r(164, 4), sk: r(168, 8), gso_size: r(176, 4),
  tstamp_type: r(180, 1), hwtstamp: r(184, 8),
};
export const SK_BUFF_SIZE = 192;
/** family .. local_port: socket fields tc and socket filters cannot read. */
const SKB_SOCK_FIELDS: Range = { start: 88, end: 140 };

/** Size and alignment rules shared by every __sk_buff user (bpf_skb_is_valid_access). */
function skbCommon(a: CtxAccess): CtxResult | false {
  const { off, size, write } = a;
  if (off < 0 || off >= SK_BUFF_SIZE) return false;
  if (off % size !== 0) return false;
  if (inRange(off, SKB.cb)) return off + size <= SKB.cb.end ? 'scalar' : false;
  if (inRange(off, SKB.remote_ip6) || inRange(off, SKB.local_ip6) || inRange(off, SKB.remote_ip4) || inRange(off, SKB.local_ip4) ||
    inRange(off, SKB.data) || inRange(off, SKB.data_meta) || inRange(off, SKB.data_end)) {
    return size === 4 ? 'scalar' : false;
  }
  if (inRange(off, SKB.flow_keys)) return false;
  if (inRange(off, SKB.hwtstamp)) return !write && size === 8 ? 'scalar' : false;
  if (inRange(off, SKB.tstamp)) return size === 8 ? 'scalar' : false;
  if (inRange(off, SKB.sk)) return !write && size === 8 ? 'sock_common_or_null' : false;
  if (off === SKB.tstamp_type.start) return false;
  if (off > SKB.tstamp_type.start && off < SKB.hwtstamp.start) return false;
  if (write) return size === 4 ? 'scalar' : false;
  // Narrow reads of 4-byte fields: any power-of-two size up to 4.
  return size <= 4 && (size & (size - 1)) === 0 ? 'scalar' : false;
}

const pktResult = (off: number): CtxResult =>
  inRange(off, SKB.data) ? 'packet' : inRange(off, SKB.data_end) ? 'packet_end' : inRange(off, SKB.data_meta) ? 'packet_meta' : 'scalar';

function socketFilter(a: CtxAccess): CtxResult | false {
  const { off } = a;
  for (const f of [SKB.tc_classid, SKB.data, SKB.data_meta, SKB.data_end, SKB_SOCK_FIELDS, SKB.tstamp, SKB.wire_len, SKB.hwtstamp]) {
    if (inRange(off, f)) return false;
  }
  if (a.write && !inRange(off, SKB.cb)) return false;
  return skbCommon(a);
}

function tcClassifier(a: CtxAccess): CtxResult | false {
  const { off, write } = a;
  if (write) {
    const writable = [SKB.mark, SKB.tc_index, SKB.priority, SKB.tc_classid, SKB.cb, SKB.tstamp, SKB.queue_mapping];
    if (!writable.some((f) => inRange(off, f))) return false;
  }
  if (inRange(off, SKB_SOCK_FIELDS)) return false;
  if (off === SKB.tstamp_type.start) return !write && a.size === 1 ? 'scalar' : false;
  const res = skbCommon(a);
  return res === 'scalar' ? pktResult(off) : res;
}

function cgroupSkb(a: CtxAccess): CtxResult | false {
  const { off, write } = a;
  if (inRange(off, SKB.tc_classid) || inRange(off, SKB.data_meta) || inRange(off, SKB.wire_len)) return false;
  if (write) {
    const writable = [SKB.mark, SKB.priority, SKB.cb, SKB.tstamp];
    if (!writable.some((f) => inRange(off, f))) return false;
  }
  const res = skbCommon(a);
  if (res !== 'scalar') return res;
  return inRange(off, SKB.data) ? 'packet' : inRange(off, SKB.data_end) ? 'packet_end' : 'scalar';
}

/** struct xdp_md: data, data_end, data_meta, ingress_ifindex, rx_queue_index, egress_ifindex. */
export const XDP_MD_SIZE = 24;
function xdp(a: CtxAccess): CtxResult | false {
  const { off, size, write } = a;
  if (off === 20) return false; // egress_ifindex: devmap programs only
  if (write) return false;
  if (off < 0 || off >= XDP_MD_SIZE || off % size !== 0 || size !== 4) return false;
  return off === 0 ? 'packet' : off === 4 ? 'packet_end' : off === 8 ? 'packet_meta' : 'scalar';
}

/** struct pt_regs on x86-64: 21 registers. */
export const PT_REGS_SIZE = 168;
function kprobe(a: CtxAccess): CtxResult | false {
  const { off, size, write } = a;
  if (off < 0 || off >= PT_REGS_SIZE || write || off % size !== 0 || off + size > PT_REGS_SIZE) return false;
  return 'scalar';
}

/** Tracepoint records: the common header (first 8 bytes) is not readable; at most 8 KiB. */
const PERF_MAX_TRACE_SIZE = 8192;
function tracepoint(a: CtxAccess): CtxResult | false {
  const { off, size, write } = a;
  // The kernel compares off (an int) with sizeof(void *) unsigned: negative offsets pass that test.
  if (off >>> 0 < 8 || off >= PERF_MAX_TRACE_SIZE || write || off % size !== 0) return false;
  return 'scalar';
}

/** Raw tracepoints: up to 12 u64 arguments. */
const RAW_TP_SIZE = 8 * 12;
function rawTracepoint(a: CtxAccess): CtxResult | false {
  const { off, size, write } = a;
  if (off < 0 || off >= RAW_TP_SIZE || write || off % size !== 0) return false;
  return 'scalar';
}

/** struct bpf_perf_event_data: pt_regs, sample_period (u64), addr (u64). */
export const PERF_EVENT_DATA_SIZE = PT_REGS_SIZE + 16;
function perfEvent(a: CtxAccess): CtxResult | false {
  const { off, size, write } = a;
  if (off < 0 || off >= PERF_EVENT_DATA_SIZE || write || off % size !== 0) return false;
  if (off >= PT_REGS_SIZE) return size <= 8 && (size & (size - 1)) === 0 ? 'scalar' : false;
  return size === 8 ? 'scalar' : false;
}

const RULES: Readonly<Record<ProgType, (a: CtxAccess) => CtxResult | false>> = {
  socket_filter: socketFilter,
  sched_cls: tcClassifier,
  sched_act: tcClassifier,
  cgroup_skb: cgroupSkb,
  xdp,
  kprobe,
  tracepoint,
  raw_tracepoint: rawTracepoint,
  perf_event: perfEvent,
};

/** What a context access yields, or false when the kernel refuses it. */
export function ctxAccess(progType: ProgType, a: CtxAccess): CtxResult | false {
  return RULES[progType](a);
}

/** Size of the context for a program type (for the editor and the VM's checks). */
export function ctxSize(progType: ProgType): number {
  switch (progType) {
    case 'xdp': return XDP_MD_SIZE;
    case 'kprobe': return PT_REGS_SIZE;
    case 'tracepoint': return PERF_MAX_TRACE_SIZE;
    case 'raw_tracepoint': return RAW_TP_SIZE;
    case 'perf_event': return PERF_EVENT_DATA_SIZE;
    default: return SK_BUFF_SIZE;
  }
}

/** Programs that may read packets directly (may_access_direct_pkt_data), and whether they may write. */
export function directPacketAccess(progType: ProgType, write: boolean): boolean {
  switch (progType) {
    case 'xdp': case 'sched_cls': case 'sched_act':
      return true;
    case 'cgroup_skb':
      return !write;
    default:
      return false;
  }
}

/** Programs that may use the legacy packet loads (ld_abs/ld_ind). */
export const mayUseLdAbs = (t: ProgType): boolean => t === 'socket_filter' || t === 'sched_cls' || t === 'sched_act';
