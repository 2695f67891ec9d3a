// Probe kinds: names, aliases, what each provides, and attach-point validation. Data first; the
// validators are small functions keyed by kind.
import type { ProgType } from '../core/types';

export type ArgsSource = 'none' | 'tracepoint' | 'btf' | 'dwarf';

export interface ProbeKind {
  name: string;
  aliases: string[];
  doc: string;
  /** Attach-point forms, for messages and completion. */
  syntax: string[];
  /** arg0..argN available. */
  argN: boolean;
  /** retval available. */
  retval: boolean;
  /** Where `args` comes from, if anywhere. */
  args: ArgsSource;
  /** `func` available. */
  func: boolean;
  /** Runs in a user process context (ustack, uaddr make sense). */
  user: boolean;
  /** The eBPF program type a compiler would emit. */
  progType?: ProgType;
  /** Fires once (BEGIN/END): no task context worth reading. */
  special?: boolean;
}

export const PROBE_KINDS: ProbeKind[] = [
  { name: 'BEGIN', aliases: ['begin'], doc: 'Fires once when the script starts, before any other probe.', syntax: ['BEGIN'], argN: false, retval: false, args: 'none', func: false, user: false, special: true },
  { name: 'END', aliases: ['end'], doc: 'Fires once when the script ends (Ctrl-C or exit()), before maps are printed.', syntax: ['END'], argN: false, retval: false, args: 'none', func: false, user: false, special: true },
  { name: 'kprobe', aliases: ['k'], doc: 'Kernel function entry (dynamic tracing); arguments as arg0..argN.', syntax: ['kprobe:FUNCTION', 'kprobe:FUNCTION+OFFSET', 'kprobe:MODULE:FUNCTION'], argN: true, retval: false, args: 'none', func: true, user: false, progType: 'kprobe' },
  { name: 'kretprobe', aliases: ['kr'], doc: 'Kernel function return; the return value as retval.', syntax: ['kretprobe:FUNCTION', 'kretprobe:MODULE:FUNCTION'], argN: false, retval: true, args: 'none', func: true, user: false, progType: 'kprobe' },
  { name: 'uprobe', aliases: ['u'], doc: 'User-space function entry in a binary or library; arguments as arg0..argN.', syntax: ['uprobe:BINARY:FUNCTION', 'uprobe:BINARY:FUNCTION+OFFSET', 'uprobe:BINARY:ADDRESS'], argN: true, retval: false, args: 'dwarf', func: true, user: true, progType: 'kprobe' },
  { name: 'uretprobe', aliases: ['ur'], doc: 'User-space function return; the return value as retval.', syntax: ['uretprobe:BINARY:FUNCTION'], argN: false, retval: true, args: 'dwarf', func: true, user: true, progType: 'kprobe' },
  { name: 'tracepoint', aliases: ['t'], doc: 'Kernel static tracepoint; its fields as args.NAME (or args->NAME).', syntax: ['tracepoint:CATEGORY:EVENT'], argN: false, retval: false, args: 'tracepoint', func: false, user: false, progType: 'tracepoint' },
  { name: 'rawtracepoint', aliases: ['rt'], doc: 'Raw kernel tracepoint: the tracepoint function arguments, as argN and (with BTF) args.', syntax: ['rawtracepoint:EVENT', 'rawtracepoint:MODULE:EVENT'], argN: true, retval: false, args: 'btf', func: false, user: false, progType: 'raw_tracepoint' },
  { name: 'usdt', aliases: ['U'], doc: 'User-level statically defined tracing probe in a binary; arguments as arg0..argN.', syntax: ['usdt:BINARY:PROBE', 'usdt:BINARY:PROVIDER:PROBE'], argN: true, retval: false, args: 'none', func: false, user: true, progType: 'kprobe' },
  { name: 'interval', aliases: ['i'], doc: 'Fires on one CPU at a fixed interval, e.g. interval:s:1 or interval:1s.', syntax: ['interval:s:COUNT', 'interval:ms:COUNT', 'interval:us:COUNT', 'interval:hz:RATE', 'interval:DURATION'], argN: false, retval: false, args: 'none', func: false, user: false, progType: 'perf_event' },
  { name: 'profile', aliases: ['p'], doc: 'Samples every CPU at a fixed rate, e.g. profile:hz:99.', syntax: ['profile:hz:RATE', 'profile:s:COUNT', 'profile:ms:COUNT', 'profile:us:COUNT', 'profile:DURATION'], argN: false, retval: false, args: 'none', func: false, user: false, progType: 'perf_event' },
  { name: 'software', aliases: ['s'], doc: 'Kernel software event (perf), e.g. software:page-faults:100.', syntax: ['software:EVENT', 'software:EVENT:COUNT'], argN: false, retval: false, args: 'none', func: false, user: false, progType: 'perf_event' },
  { name: 'hardware', aliases: ['h'], doc: 'Processor hardware counter event (perf), e.g. hardware:cache-misses:1000000.', syntax: ['hardware:EVENT', 'hardware:EVENT:COUNT'], argN: false, retval: false, args: 'none', func: false, user: false, progType: 'perf_event' },
  { name: 'fentry', aliases: ['f', 'kfunc'], doc: 'Kernel function entry through a BPF trampoline; typed arguments from BTF as args.NAME.', syntax: ['fentry:FUNCTION', 'fentry:MODULE:FUNCTION'], argN: false, retval: false, args: 'btf', func: true, user: false, progType: 'kprobe' },
  { name: 'fexit', aliases: ['fr', 'kretfunc'], doc: 'Kernel function return through a BPF trampoline; args.NAME and retval.', syntax: ['fexit:FUNCTION', 'fexit:MODULE:FUNCTION'], argN: false, retval: true, args: 'btf', func: true, user: false, progType: 'kprobe' },
  { name: 'watchpoint', aliases: ['w'], doc: 'Hardware memory watchpoint: watchpoint:ADDRESS:LENGTH:MODE (mode r, w, x or rw).', syntax: ['watchpoint:ADDRESS:LENGTH:MODE', 'watchpoint:FUNCTION+argN:LENGTH:MODE'], argN: false, retval: false, args: 'none', func: false, user: false, progType: 'perf_event' },
  { name: 'asyncwatchpoint', aliases: ['aw'], doc: 'Memory watchpoint that does not stop the traced process while attaching.', syntax: ['asyncwatchpoint:FUNCTION+argN:LENGTH:MODE'], argN: false, retval: false, args: 'none', func: false, user: false, progType: 'perf_event' },
  { name: 'iter', aliases: ['it'], doc: 'BPF iterator over kernel objects (task, task_file, task_vma); fields through ctx.', syntax: ['iter:task', 'iter:task_file', 'iter:task_vma'], argN: false, retval: false, args: 'none', func: false, user: false },
  { name: 'self', aliases: [], doc: 'Events of the bpftrace process itself, e.g. self:signal:SIGUSR1.', syntax: ['self:signal:SIGUSR1'], argN: false, retval: false, args: 'none', func: false, user: false, special: true },
  { name: 'test', aliases: [], doc: 'A test probe run by bpftrace --test.', syntax: ['test:NAME'], argN: false, retval: false, args: 'none', func: false, user: false, special: true },
  { name: 'bench', aliases: [], doc: 'A micro-benchmark probe run by bpftrace --bench.', syntax: ['bench:NAME'], argN: false, retval: false, args: 'none', func: false, user: false, special: true },
];

const BY_NAME = new Map<string, ProbeKind>();
for (const k of PROBE_KINDS) {
  BY_NAME.set(k.name, k);
  for (const a of k.aliases) BY_NAME.set(a, k);
}

/** The kind for a provider as written (`k`, `kprobe`, `BEGIN`, `begin`), or undefined. */
export function probeKind(provider: string): ProbeKind | undefined {
  return BY_NAME.get(provider);
}

export function isProvider(name: string): boolean {
  return BY_NAME.has(name);
}

export const SOFTWARE_EVENTS = [
  'cpu-clock', 'cpu', 'task-clock', 'page-faults', 'faults', 'context-switches', 'cs', 'cpu-migrations', 'minor-faults',
  'major-faults', 'alignment-faults', 'emulation-faults', 'dummy', 'bpf-output',
];

export const HARDWARE_EVENTS = [
  'cpu-cycles', 'cycles', 'instructions', 'cache-references', 'cache-misses', 'branch-instructions', 'branches',
  'branch-misses', 'bus-cycles', 'frontend-stalls', 'backend-stalls', 'ref-cycles',
];

export const TIME_UNITS = ['s', 'ms', 'us', 'hz'];

/** What an attach point names, once validated. */
export interface AttachTarget {
  kind: ProbeKind;
  /** kprobe/kretprobe/fentry/fexit/uprobe: function (may hold wildcards). */
  func?: string;
  offset?: number;
  module?: string;
  /** uprobe/uretprobe/usdt: the binary or library as written. */
  binary?: string;
  address?: number;
  /** tracepoint: category and event; rawtracepoint: event. */
  category?: string;
  event?: string;
  /** usdt */
  usdtProvider?: string;
  usdtProbe?: string;
  /** interval/profile: period in nanoseconds, or rate in hz. */
  periodNs?: number;
  hz?: number;
  /** software/hardware */
  perfEvent?: string;
  count?: number;
  /** True when a part holds `*` or `?`. */
  wildcard: boolean;
}

export interface AttachProblem {
  /** Index of the part the problem is about (-1: the whole attach point). */
  part: number;
  message: string;
  code: string;
}

const INT_RE = /^(?:0[xX][0-9a-fA-F]+|[0-9][0-9_]*(?:e[0-9]+)?)$/;

function parseIntPart(s: string): number | undefined {
  if (!INT_RE.test(s)) return undefined;
  if (/^0[xX]/.test(s)) return parseInt(s, 16);
  const m = /^([0-9_]+)(?:e([0-9]+))?$/.exec(s)!;
  return Number(m[1]!.replace(/_/g, '')) * 10 ** Number(m[2] ?? 0);
}

const DURATION_RE = /^([0-9][0-9_]*)(ns|us|ms|s|m|h|d)$/;
const UNIT_NS: Record<string, number> = { ns: 1, us: 1e3, ms: 1e6, s: 1e9, m: 60e9, h: 3600e9, d: 86400e9 };

const hasWild = (s: string): boolean => /[*?]/.test(s);
const FUNC_RE = /^[A-Za-z_.*?$][\w.*?$@:]*$/;

type Validator = (parts: string[], t: AttachTarget) => AttachProblem[];

function want(parts: string[], min: number, max: number, kind: ProbeKind): AttachProblem[] {
  if (parts.length < min || parts.length > max) {
    return [{ part: -1, message: `"${kind.name}" attach points look like ${kind.syntax.join(' or ')}.`, code: 'probe.attach-syntax' }];
  }
  return [];
}

function timed(parts: string[], t: AttachTarget): AttachProblem[] {
  const k = t.kind;
  if (parts.length === 1) {
    const d = DURATION_RE.exec(parts[0]!);
    const n = parseIntPart(parts[0]!);
    if (d) t.periodNs = Number(d[1]!.replace(/_/g, '')) * UNIT_NS[d[2]!]!;
    else if (n !== undefined) t.periodNs = n;
    else return [{ part: 0, message: `"${parts[0]}" is not a period: write ${k.name}:s:1, ${k.name}:ms:100, ${k.name}:hz:99 or ${k.name}:1s.`, code: 'probe.attach-syntax' }];
    if (t.periodNs <= 0) return [{ part: 0, message: 'The period must be greater than zero.', code: 'probe.attach-value' }];
    return [];
  }
  const bad = want(parts, 1, 2, k);
  if (bad.length) return bad;
  const unit = parts[0]!;
  if (!TIME_UNITS.includes(unit)) {
    return [{ part: 0, message: `Unknown time unit "${unit}" for ${k.name}: use s, ms, us or hz.`, code: 'probe.attach-unit' }];
  }
  const n = parseIntPart(parts[1]!);
  if (n === undefined) return [{ part: 1, message: `"${parts[1]}" is not a number: ${k.name}:${unit}: needs a positive integer.`, code: 'probe.attach-value' }];
  if (n <= 0) return [{ part: 1, message: `The ${unit === 'hz' ? 'rate' : 'period'} must be greater than zero.`, code: 'probe.attach-value' }];
  if (unit === 'hz') t.hz = n;
  else t.periodNs = n * UNIT_NS[unit]!;
  return [];
}

function perf(events: string[]): Validator {
  return (parts, t) => {
    const bad = want(parts, 1, 2, t.kind);
    if (bad.length) return bad;
    t.perfEvent = parts[0]!;
    if (!events.includes(parts[0]!)) {
      return [{ part: 0, message: `Unknown ${t.kind.name} event "${parts[0]}". Known events: ${events.join(', ')}.`, code: 'probe.attach-event' }];
    }
    if (parts[1] !== undefined && parts[1] !== '') {
      const n = parseIntPart(parts[1]);
      if (n === undefined || n <= 0) return [{ part: 1, message: `"${parts[1]}" is not a positive count.`, code: 'probe.attach-value' }];
      t.count = n;
    }
    return [];
  };
}

function kernelFunc(allowOffset: boolean): Validator {
  return (parts, t) => {
    const bad = want(parts, 1, 2, t.kind);
    if (bad.length) return bad;
    if (parts.length === 2) t.module = parts[0]!;
    let fn = parts[parts.length - 1]!;
    const plus = fn.indexOf('+');
    if (plus >= 0) {
      if (!allowOffset) return [{ part: parts.length - 1, message: `${t.kind.name} cannot attach at an offset inside a function; use kprobe:FUNCTION+OFFSET.`, code: 'probe.attach-offset' }];
      const off = parseIntPart(fn.slice(plus + 1));
      if (off === undefined) return [{ part: parts.length - 1, message: `"${fn.slice(plus + 1)}" is not an offset: write ${t.kind.name}:FUNCTION+0x10.`, code: 'probe.attach-offset' }];
      t.offset = off;
      fn = fn.slice(0, plus);
    }
    if (!fn || !FUNC_RE.test(fn)) return [{ part: parts.length - 1, message: `"${fn}" is not a function name.`, code: 'probe.attach-func' }];
    t.func = fn;
    return [];
  };
}

function userFunc(allowOffset: boolean): Validator {
  return (parts, t) => {
    // uprobe:BINARY:FUNC, uprobe:BINARY:cpp:FUNC, uprobe:BINARY:ADDRESS
    const bad = want(parts, 2, 3, t.kind);
    if (bad.length) return bad;
    t.binary = parts[0]!;
    if (!t.binary) return [{ part: 0, message: `${t.kind.name} needs a binary or library: ${t.kind.syntax[0]}.`, code: 'probe.attach-binary' }];
    if (parts.length === 3 && parts[1] !== 'cpp') {
      return [{ part: 1, message: `Unexpected "${parts[1]}": ${t.kind.name} takes BINARY:FUNCTION (or BINARY:cpp:FUNCTION for C++ names).`, code: 'probe.attach-syntax' }];
    }
    let fn = parts[parts.length - 1]!;
    const addr = parseIntPart(fn);
    if (addr !== undefined) {
      t.address = addr;
      return [];
    }
    const plus = fn.lastIndexOf('+');
    if (plus > 0) {
      if (!allowOffset) return [{ part: parts.length - 1, message: `${t.kind.name} cannot attach at an offset inside a function.`, code: 'probe.attach-offset' }];
      const off = parseIntPart(fn.slice(plus + 1));
      if (off === undefined) return [{ part: parts.length - 1, message: `"${fn.slice(plus + 1)}" is not an offset.`, code: 'probe.attach-offset' }];
      t.offset = off;
      fn = fn.slice(0, plus);
    }
    if (!fn) return [{ part: parts.length - 1, message: `${t.kind.name} needs a function name after the binary.`, code: 'probe.attach-func' }];
    t.func = fn;
    return [];
  };
}

const VALIDATORS: Record<string, Validator> = {
  BEGIN: (parts, t) => want(parts, 0, 0, t.kind),
  END: (parts, t) => want(parts, 0, 0, t.kind),
  kprobe: kernelFunc(true),
  kretprobe: kernelFunc(false),
  fentry: kernelFunc(false),
  fexit: kernelFunc(false),
  uprobe: userFunc(true),
  uretprobe: userFunc(false),
  tracepoint: (parts, t) => {
    const bad = want(parts, 2, 2, t.kind);
    if (bad.length) return bad;
    t.category = parts[0]!;
    t.event = parts[1]!;
    if (!t.category || !t.event) return [{ part: -1, message: 'A tracepoint needs a category and an event: tracepoint:syscalls:sys_enter_openat.', code: 'probe.attach-syntax' }];
    return [];
  },
  rawtracepoint: (parts, t) => {
    const bad = want(parts, 1, 2, t.kind);
    if (bad.length) return bad;
    if (parts.length === 2) t.module = parts[0]!;
    t.event = parts[parts.length - 1]!;
    return t.event ? [] : [{ part: -1, message: 'A raw tracepoint needs an event name: rawtracepoint:sched_switch.', code: 'probe.attach-syntax' }];
  },
  usdt: (parts, t) => {
    const bad = want(parts, 2, 3, t.kind);
    if (bad.length) return bad;
    t.binary = parts[0]!;
    if (parts.length === 3) t.usdtProvider = parts[1]!;
    t.usdtProbe = parts[parts.length - 1]!;
    if (!t.usdtProbe) return [{ part: parts.length - 1, message: 'usdt needs a probe name: usdt:BINARY:PROBE.', code: 'probe.attach-syntax' }];
    return [];
  },
  interval: timed,
  profile: timed,
  software: perf(SOFTWARE_EVENTS),
  hardware: perf(HARDWARE_EVENTS),
  watchpoint: (parts, t) => {
    const bad = want(parts, 3, 3, t.kind);
    if (bad.length) return bad;
    const problems: AttachProblem[] = [];
    const len = parseIntPart(parts[1]!);
    if (len === undefined || ![1, 2, 4, 8].includes(len)) problems.push({ part: 1, message: 'A watchpoint length is 1, 2, 4 or 8 bytes.', code: 'probe.attach-value' });
    if (!/^(r|w|x|rw|wr)$/.test(parts[2]!)) problems.push({ part: 2, message: 'A watchpoint mode is r, w, x or rw.', code: 'probe.attach-value' });
    return problems;
  },
  iter: (parts, t) => {
    const bad = want(parts, 1, 2, t.kind);
    if (bad.length) return bad;
    if (!['task', 'task_file', 'task_vma'].includes(parts[0]!)) return [{ part: 0, message: `Unknown iterator "${parts[0]}": use task, task_file or task_vma.`, code: 'probe.attach-event' }];
    return [];
  },
  self: (parts, t) => {
    const bad = want(parts, 2, 2, t.kind);
    if (bad.length) return bad;
    if (parts[0] !== 'signal' || !/^SIG(USR1|USR2)$/.test(parts[1]!)) return [{ part: -1, message: 'The only self probes are self:signal:SIGUSR1 and self:signal:SIGUSR2.', code: 'probe.attach-event' }];
    return [];
  },
  test: (parts, t) => want(parts, 1, 1, t.kind),
  bench: (parts, t) => want(parts, 1, 1, t.kind),
};
VALIDATORS.asyncwatchpoint = VALIDATORS.watchpoint!;

/** Validates an attach point's parts for its kind and extracts what it names. */
export function resolveAttach(kind: ProbeKind, parts: string[]): { target: AttachTarget; problems: AttachProblem[] } {
  const target: AttachTarget = { kind, wildcard: parts.some(hasWild) };
  const v = VALIDATORS[kind.name];
  const problems = v ? v(parts, target) : [];
  return { target, problems };
}
