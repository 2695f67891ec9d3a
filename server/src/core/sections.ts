// libbpf's SEC() names → program type (the prefixes libbpf recognises for the types we model).
import type { ProgType } from './types';

interface SectionRule {
  prefix: string;
  type: ProgType;
  /** The name continues with "/TARGET" naming what it attaches to. */
  takesTarget: boolean;
}

const RULES: readonly SectionRule[] = [
  { prefix: 'socket', type: 'socket_filter', takesTarget: false },
  { prefix: 'sk_skb', type: 'socket_filter', takesTarget: false },
  { prefix: 'xdp', type: 'xdp', takesTarget: false },
  { prefix: 'tc', type: 'sched_cls', takesTarget: false },
  { prefix: 'classifier', type: 'sched_cls', takesTarget: false },
  { prefix: 'action', type: 'sched_act', takesTarget: false },
  { prefix: 'kprobe', type: 'kprobe', takesTarget: true },
  { prefix: 'kretprobe', type: 'kprobe', takesTarget: true },
  { prefix: 'uprobe', type: 'kprobe', takesTarget: true },
  { prefix: 'uretprobe', type: 'kprobe', takesTarget: true },
  { prefix: 'ksyscall', type: 'kprobe', takesTarget: true },
  { prefix: 'tracepoint', type: 'tracepoint', takesTarget: true },
  { prefix: 'tp', type: 'tracepoint', takesTarget: true },
  { prefix: 'raw_tracepoint', type: 'raw_tracepoint', takesTarget: true },
  { prefix: 'raw_tp', type: 'raw_tracepoint', takesTarget: true },
  { prefix: 'perf_event', type: 'perf_event', takesTarget: false },
  { prefix: 'cgroup_skb', type: 'cgroup_skb', takesTarget: true },
];

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

export interface SectionInfo {
  type: ProgType;
  attachTo?: string;
  /** False when the name is not one libbpf knows; the type then defaults to socket_filter. */
  known: boolean;
}

export function sectionInfo(section: string): SectionInfo {
  for (const rule of RULES) {
    if (section === rule.prefix || section.startsWith(rule.prefix + '/') || (rule.prefix === 'xdp' && section.startsWith('xdp.'))) {
      const rest = section.slice(rule.prefix.length + 1);
      return { type: rule.type, attachTo: rule.takesTarget && rest ? rest : undefined, known: true };
    }
  }
  if (section === '.text' || section === 'text') return { type: 'socket_filter', known: true };
  return { type: 'socket_filter', known: false };
}

export function isProgType(s: string): s is ProgType {
  return (PROG_TYPES as readonly string[]).includes(s);
}
