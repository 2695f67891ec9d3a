// Program type from a section name, the way libbpf reads SEC("...") (and the way bpftrace names
// its sections: "s_<probe>_<n>", e.g. "s_kprobe:vfs_read_1"). Shared by the assembler and the ELF reader.
import type { ProgType } from './types';

interface SectionRule {
  /** The name itself, or the part before the first '/'. */
  prefix: string;
  type: ProgType;
  /** True when what follows the prefix's '/' names the attach target. */
  attach?: boolean;
}

const LIBBPF_RULES: readonly SectionRule[] = [
  { prefix: 'socket', type: 'socket_filter' },
  { prefix: 'xdp', type: 'xdp' },
  { prefix: 'xdp.frags', type: 'xdp' },
  { prefix: 'tc', type: 'sched_cls' },
  { prefix: 'classifier', type: 'sched_cls' },
  { prefix: 'tcx', type: 'sched_cls' },
  { prefix: 'action', type: 'sched_act' },
  { prefix: 'kprobe', type: 'kprobe', attach: true },
  { prefix: 'kretprobe', type: 'kprobe', attach: true },
  { prefix: 'uprobe', type: 'kprobe', attach: true },
  { prefix: 'uretprobe', type: 'kprobe', attach: true },
  { prefix: 'ksyscall', type: 'kprobe', attach: true },
  { prefix: 'kretsyscall', type: 'kprobe', attach: true },
  { prefix: 'usdt', type: 'kprobe', attach: true },
  { prefix: 'tracepoint', type: 'tracepoint', attach: true },
  { prefix: 'tp', type: 'tracepoint', attach: true },
  { prefix: 'raw_tracepoint', type: 'raw_tracepoint', attach: true },
  { prefix: 'raw_tp', type: 'raw_tracepoint', attach: true },
  { prefix: 'perf_event', type: 'perf_event' },
  { prefix: 'cgroup_skb', type: 'cgroup_skb', attach: true },
];

/** bpftrace probe kinds (the part before the first ':'); BEGIN/END run as uprobes. */
const BPFTRACE_RULES: Record<string, { type: ProgType; attach?: boolean }> = {
  kprobe: { type: 'kprobe', attach: true },
  kretprobe: { type: 'kprobe', attach: true },
  uprobe: { type: 'kprobe', attach: true },
  uretprobe: { type: 'kprobe', attach: true },
  usdt: { type: 'kprobe', attach: true },
  BEGIN: { type: 'kprobe' },
  END: { type: 'kprobe' },
  tracepoint: { type: 'tracepoint', attach: true },
  rawtracepoint: { type: 'raw_tracepoint', attach: true },
  profile: { type: 'perf_event', attach: true },
  interval: { type: 'perf_event', attach: true },
  software: { type: 'perf_event', attach: true },
  hardware: { type: 'perf_event', attach: true },
};

export interface SectionKind {
  type: ProgType;
  attachTo?: string;
  /** False when nothing matched and socket_filter was assumed. */
  known: boolean;
}

function fromBpftrace(section: string): SectionKind | undefined {
  const m = /^s_([A-Za-z]+)(?::(.*?))?(?:_\d+)?$/.exec(section);
  if (!m) return undefined;
  const rule = BPFTRACE_RULES[m[1]];
  if (!rule) return undefined;
  // bpftrace writes "tracepoint:cat:name"; the kernel and libbpf say "cat/name".
  const target = m[2] ? m[2].replace(/:/g, '/') : undefined;
  return { type: rule.type, attachTo: rule.attach ? target : undefined, known: true };
}

export function sectionKind(section: string): SectionKind {
  const slash = section.indexOf('/');
  const head = slash < 0 ? section : section.slice(0, slash);
  const rest = slash < 0 ? undefined : section.slice(slash + 1);
  const rule = LIBBPF_RULES.find((r) => r.prefix === head);
  if (rule) return { type: rule.type, attachTo: rule.attach && rest ? rest : undefined, known: true };
  return fromBpftrace(section) ?? { type: 'socket_filter', known: false };
}

export const PROG_TYPES: readonly ProgType[] = [
  'socket_filter', 'kprobe', 'sched_cls', 'sched_act', 'tracepoint', 'xdp', 'perf_event', 'cgroup_skb', 'raw_tracepoint',
];

/** Kernel enum bpf_prog_type values. */
export const PROG_TYPE_IDS: Readonly<Record<ProgType, number>> = {
  socket_filter: 1,
  kprobe: 2,
  sched_cls: 3,
  sched_act: 4,
  tracepoint: 5,
  xdp: 6,
  perf_event: 7,
  cgroup_skb: 8,
  raw_tracepoint: 17,
};


/** The assembler's name for the same rule. */
export const sectionInfo = sectionKind;
export type SectionInfo = SectionKind;

export function isProgType(s: string): s is ProgType {
  return (PROG_TYPES as readonly string[]).includes(s);
}
