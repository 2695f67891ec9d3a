// A made-up but plausible workload for a script run without an events file: the processes of a
// small server (workload.ts) making calls over a couple of seconds, each call firing the script's
// probes with values of the right shape (values.ts). An entry and its return (kprobe/kretprobe,
// uprobe/uretprobe, sys_enter_X/sys_exit_X) are one call of one thread, the return after the
// entry, and a thread makes one call at a time; a start and its completion (an I/O's issue and
// done, a wakeup and the switch to the woken task) share their object. Seeded and bounded.
import type { AttachInfo } from '../checker';
import type { Btf } from '../btf';
import { attachMatches, type ScriptCompiler } from '../compile/index';
import { canonicalName } from '../compile/sections';
import { globMatch, type TracepointField } from '../tracepoints';
import type { ArgValue, ProbeEvent } from './events';
import { KernelObjects } from './kernel-objects';
import { recordUse, scriptUsage, type ProbeUsage } from './script-usage';
import { CallValues, KNOWN_PARAMS, logUniform, pick, returnRule, syscallOf, type ReturnRule, type Rnd } from './values';
import { PROCESSES, PROGRAMS, type Proc } from './workload';

const KERNEL_FUNCS = ['vfs_read', 'vfs_write', 'vfs_open', 'vfs_fsync', 'do_sys_openat2', 'tcp_sendmsg', 'tcp_recvmsg', 'ksys_read', 'ksys_write', 'do_nanosleep'];
const SPAN_NS = 2_500_000_000;
const MAX_EVENTS = 400;
const MAX_GENERATED = 1_000_000;
const CPUS = 2;
/** The CPUs of the generated workload's machine. */
export const GENERATED_CPUS = CPUS;
/** Arguments x86-64 passes in registers; the simulation places only numbers on the stack. */
const REGISTER_ARGS = 6;
const MAX_ARGS = 16;

/** mulberry32: small, fast, and the same everywhere. */
function prng(seed: number): Rnd {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Probes that follow another: `to` (with $1 from `from`) fires after `from`, by the same task or by whoever completes the work. */
const FOLLOW_UPS: readonly { from: RegExp; to: string; sameTask: boolean }[] = [
  { from: /^kprobe:([^+]+)$/, to: 'kretprobe:$1', sameTask: true },
  { from: /^uprobe:([^+]+)$/, to: 'uretprobe:$1', sameTask: true },
  { from: /^tracepoint:syscalls:sys_enter_(\w+)$/, to: 'tracepoint:syscalls:sys_exit_$1', sameTask: true },
  { from: /^tracepoint:raw_syscalls:sys_enter$/, to: 'tracepoint:raw_syscalls:sys_exit', sameTask: true },
  { from: /^kprobe:((?:__)?blk_account_io)_start$/, to: 'kprobe:blk_mq_start_request', sameTask: false },
  { from: /^kprobe:((?:__)?blk_account_io)_start$/, to: 'kprobe:blk_start_request', sameTask: false },
  { from: /^kprobe:(\w*)_start$/, to: 'kprobe:$1_done', sameTask: false },
  { from: /^tracepoint:block:block_(rq|bio)_(issue|insert|queue)$/, to: 'tracepoint:block:block_$1_complete', sameTask: false },
  { from: /^tracepoint:writeback:writeback_start$/, to: 'tracepoint:writeback:writeback_written', sameTask: false },
  { from: /^tracepoint:sched:sched_wakeup(_new)?$/, to: 'tracepoint:sched:sched_switch', sameTask: false },
];

/** Probes one object passes several times: a socket through its TCP states (the `state` argument per firing). */
const LIFECYCLES: readonly { probe: RegExp; stages: readonly (readonly number[])[]; ns: [number, number] }[] = [
  // client: SYN_SENT, ESTABLISHED, FIN_WAIT1, FIN_WAIT2, CLOSE; server: ESTABLISHED, CLOSE_WAIT, LAST_ACK, CLOSE; refused: SYN_SENT, CLOSE
  { probe: /^kprobe:tcp_set_state$/, stages: [[2, 1, 4, 5, 7], [2, 1, 4, 5, 7], [1, 8, 9, 7], [2, 7]], ns: [100_000, 300_000_000] },
];

/** How long asynchronous work takes before its completion fires, in ns, by probe name. */
const ASYNC_NS: readonly [RegExp, [number, number]][] = [
  [/block|blk_|bio/, [80_000, 25_000_000]],
  [/writeback/, [1_000_000, 60_000_000]],
  [/sched/, [3_000, 4_000_000]],
];

/** Syscalls only some processes make: privilege changes by root daemons, signals by shells and supervisors. */
const CALLERS: readonly [RegExp, readonly string[]][] = [
  [/^(set(res|re|fs)?[ug]id|setgroups)$/, ['sshd', 'cron', 'systemd', 'containerd']],
  [/^(kill|tkill|tgkill)$/, ['bash', 'systemd', 'containerd', 'python3', 'node', 'sshd']],
  [/accept|syn_recv|listen/, ['nginx', 'postgres', 'sshd', 'node']],
  [/connect/, ['curl', 'python3', 'node', 'nginx', 'containerd', 'systemd-resolve']],
  [/^(tcp|udp|inet|sock|sk)_|_sendmsg$|_recvmsg$/, ['nginx', 'postgres', 'sshd', 'node', 'python3', 'curl', 'containerd', 'systemd-resolve']],
  [/^unix_/, ['systemd', 'systemd-journal', 'rsyslogd', 'containerd', 'python3', 'node', 'sshd']],
];

/** Events a kernel thread is more likely than a user process to be running for. */
const KERNEL_WORK = /writeback|kswapd|vmscan|workqueue|softirq|irq|timer|block|blk_|bio|jbd2|ext4_|xfs_|kworker|flush|mm_/;

interface Source {
  name: string;
  ai: AttachInfo;
  kind: string;
  /** The function, event or syscall it is about. */
  fn: string;
  syscall?: string;
  space: 'syscall' | 'kernel' | 'user';
  use: ProbeUsage;
  rule?: ReturnRule;
  users: readonly Proc[];
  followUps: { source: Source; sameTask: boolean }[];
  followsOther: boolean;
}

export interface GenerateOptions {
  /** How many events to make (default and most for an interactive run: 400; at most 1,000,000). */
  count?: number;
}

/** Concrete probe names one attach point stands for (wildcards resolved to a few matches). */
function concreteNames(ai: AttachInfo, sc: ScriptCompiler, rnd: Rnd): string[] {
  const kind = ai.kind!;
  const t = ai.target!;
  if (kind.name === 'tracepoint') {
    if (ai.tracepoints?.length) return ai.tracepoints.slice(0, 3).map((f) => `tracepoint:${f.category}:${f.event}`);
    return t.wildcard ? [] : [canonicalName(kind, ai.node.parts)];
  }
  if ((kind.name === 'kprobe' || kind.name === 'kretprobe') && t.wildcard && t.func) {
    const pool = [...(sc.checked.info.types.btf?.funcNames() ?? [])].filter((f) => globMatch(t.func!, f));
    const known = KERNEL_FUNCS.filter((f) => globMatch(t.func!, f));
    const picks = known.length ? known : pool.slice(0, 50);
    if (!picks.length) return [`${kind.name}:${t.func.replace(/[*?]/g, '') || 'func'}`];
    const out = new Set<string>();
    for (let i = 0; i < Math.min(3, picks.length); i++) out.add(`${kind.name}:${picks[Math.floor(rnd() * picks.length)]!}`);
    return [...out];
  }
  if (t.wildcard) return [canonicalName(kind, ai.node.parts).replace(/[*?]/g, 'x')];
  return [canonicalName(kind, ai.node.parts)];
}

/** A BTF type as C text: `char *`, `struct sock *`, `size_t`. */
function btfTypeText(btf: Btf, id: number, depth = 0): string {
  const t = btf.type(id);
  if (!t || depth > 8) return '';
  switch (t.kind) {
    case 'const':
    case 'volatile':
    case 'restrict':
    case 'type_tag':
      return btfTypeText(btf, t.ref, depth + 1);
    case 'ptr':
      return `${btfTypeText(btf, t.ref, depth + 1) || 'void'} *`;
    case 'struct':
    case 'union':
    case 'enum':
      return `${t.kind} ${t.name}`;
    case 'enum64':
      return `enum ${t.name}`;
    case 'void':
      return 'void';
    default:
      return t.name;
  }
}

/** A kernel function's return as a rule, from its BTF return type, for functions the tables do not know. */
function btfReturnRule(btf: Btf | undefined, fn: string): ReturnRule | undefined {
  const proto = btf?.funcProto(fn);
  if (!proto) return undefined;
  const text = btfTypeText(btf!, proto.ret);
  if (/\*$/.test(text)) return { match: /./, kind: 'kernel-pointer', errorRate: 0.01 };
  if (/^(ssize_t|long|size_t)$/.test(text)) return { match: /./, kind: 'count', errnos: [11, 4], errorRate: 0.03 };
  if (/^(int|long int)$/.test(text)) return { match: /./, kind: 'status', errnos: [22, 2], errorRate: 0.03 };
  return { match: /./, kind: 'status' };
}

/** The processes that would fire a probe: those running a uprobe's binary, user processes for syscalls, anyone in the kernel. */
function usersOf(s: Pick<Source, 'kind' | 'space' | 'name' | 'syscall'>, ai: AttachInfo): readonly Proc[] {
  const user = PROCESSES.filter((p) => !p.kernel);
  if (s.space === 'user') {
    const bin = ai.target?.binary ?? '';
    const base = bin.slice(bin.lastIndexOf('/') + 1).replace(/\.so(\.[\d.]+)?$/, '');
    if (/^(libc|c|libc-[\d.]+|libm|libdl|ld-linux.*)$/.test(base)) return user;
    const runs = user.filter((p) => p.comm === base || p.runs?.some((r) => r === base || (base.startsWith(r) && /^[\d.-]*$/.test(base.slice(r.length)))));
    if (runs.length) return runs;
    // A binary the cast does not run: a process of its own, named after it.
    let h = 0;
    for (let i = 0; i < base.length; i++) h = (Math.imul(h, 31) + base.charCodeAt(i)) >>> 0;
    return [{ pid: 7000 + (h % 900), comm: (base || 'a.out').slice(0, 15), uid: 1000, threads: 1, weight: 1, paths: [] }];
  }
  if (s.syscall && /^(execve|execveat)$/.test(s.syscall)) {
    const spawners = new Set(PROGRAMS.flatMap((p) => p.by));
    return user.filter((p) => spawners.has(p.comm));
  }
  const callers = CALLERS.find(([re]) => re.test(s.syscall && s.syscall !== 'raw' ? s.syscall : (s.name.split(':').pop() ?? '')))?.[1];
  if (callers) return user.filter((p) => callers.includes(p.comm));
  // The kernel's own work runs in kernel threads more often than for a user process; other
  // kernel functions mostly run for a process's syscall.
  if (s.space === 'kernel' && KERNEL_WORK.test(s.name)) return PROCESSES.map((p) => (p.kernel ? { ...p, weight: p.weight * 4 } : p));
  return user;
}

function pickWeighted(rnd: Rnd, procs: readonly Proc[]): Proc {
  const total = procs.reduce((n, p) => n + p.weight, 0);
  let r = rnd() * total;
  for (const p of procs) {
    r -= p.weight;
    if (r < 0) return p;
  }
  return procs[procs.length - 1]!;
}

function mergeUsage(list: ProbeUsage[]): ProbeUsage {
  const u: ProbeUsage = { maxArg: -1, strings: new Set(), lists: new Set(), structs: new Map() };
  for (const x of list) {
    u.maxArg = Math.max(u.maxArg, x.maxArg);
    x.strings.forEach((s) => u.strings.add(s));
    x.lists.forEach((s) => u.lists.add(s));
    x.structs.forEach((v, k) => u.structs.set(k, v));
  }
  return u;
}

function fnOf(kind: string, name: string, ai: AttachInfo): string {
  if (kind === 'tracepoint' || kind === 'rawtracepoint') return name.split(':').pop() ?? '';
  if (ai.target?.func && !ai.target.wildcard) return ai.target.func;
  return (name.split(':').pop() ?? '').replace(/\+.*$/, '');
}

function collectSources(sc: ScriptCompiler, rnd: Rnd): Source[] {
  const usages = scriptUsage(sc.probes);
  const btf = sc.checked.info.types.btf;
  const sources: Source[] = [];
  for (const info of sc.probes) {
    for (const ai of info.attach) {
      if (!ai.kind || !ai.target || ai.kind.special || ai.kind.name === 'interval' || ai.kind.name === 'profile') continue;
      for (const name of concreteNames(ai, sc, rnd)) {
        if (sources.some((s) => s.name === name)) continue;
        const kind = ai.kind.name;
        const fn = fnOf(kind, name, ai);
        const syscall = syscallOf(name) ?? (name.startsWith('tracepoint:raw_syscalls:') ? 'raw' : undefined);
        const space = kind === 'uprobe' || kind === 'uretprobe' || kind === 'usdt' ? 'user' : syscall ? 'syscall' : 'kernel';
        const use = mergeUsage(sc.probes.flatMap((p, i) => (p.attach.some((a) => attachMatches(a, name)) ? [usages[i]!] : [])));
        const rule = returnRule(syscall && syscall !== 'raw' ? syscall : fn, space) ?? (space === 'kernel' ? btfReturnRule(btf, fn) : undefined);
        const s: Source = { name, ai, kind, fn, syscall, space, use, rule, users: [], followUps: [], followsOther: false };
        s.users = usersOf(s, ai);
        sources.push(s);
      }
    }
  }
  for (const s of sources) {
    for (const f of FOLLOW_UPS) {
      if (!f.from.test(s.name)) continue;
      const next = sources.find((x) => x !== s && !x.followsOther && x.name === s.name.replace(f.from, f.to));
      if (!next) continue;
      next.followsOther = true;
      s.followUps.push({ source: next, sameTask: f.sameTask });
    }
  }
  return sources;
}

interface Planned {
  source: Source;
  call: CallValues;
  ts: number;
  /** Creation order: breaks ties of ts (an entry before its return). */
  order: number;
  /** The stage of a repeated firing. */
  stage?: number;
  task: { pid: number; tid: number; uid: number; comm: string; cpu: number };
}

/** Events for `sc`'s probes: deterministic for a seed, 400 unless asked for more (benchmarks). */
export function generateEvents(sc: ScriptCompiler, seed: number, opts: GenerateOptions = {}): ProbeEvent[] {
  const maxEvents = Math.max(1, Math.min(MAX_GENERATED, Math.floor(opts.count ?? MAX_EVENTS)));
  const rnd = prng(seed);
  const sources = collectSources(sc, rnd);
  if (!sources.length) return [];
  const btf = sc.checked.info.types.btf;
  const objects = new KernelObjects(sc.checked.info.types, recordUse(sc.probes));
  const firing = sources.filter((s) => !s.followsOther);
  const weight = firing.reduce((n, s) => n + 1 + s.followUps.length, 0);
  const perSource = opts.count === undefined ? Math.max(8, Math.min(60, Math.floor(MAX_EVENTS / Math.max(1, sources.length)))) : Math.ceil(maxEvents / Math.max(1, weight));
  const span = opts.count === undefined ? SPAN_NS : Math.max(SPAN_NS, maxEvents * 25_000);
  let lastPid = 7100;
  const nextPid = (): number => (lastPid += 1 + Math.floor(rnd() * 40));

  // Calls: each an entry and its follow-ups, with times relative to the entry.
  interface Call { source: Source; values: CallValues; start: number; duration: number; task: Planned['task']; after: { source: Source; at: number; task: Planned['task']; stage?: number }[] }
  const calls: Call[] = [];
  const cpuOf = new Map<number, number>();
  for (const s of firing) {
    for (let i = 0; i < perSource; i++) {
      const proc = pickWeighted(rnd, s.users);
      let tid = proc.pid + (proc.threads && rnd() < 0.5 ? 1 + Math.floor(rnd() * proc.threads) : 0);
      let pid = proc.pid;
      // exec runs in a freshly forked child, still named after its parent; its pid is given in
      // time order once the events are sorted (a placeholder until then).
      if (s.syscall === 'execve' || s.syscall === 'execveat') pid = tid = -1 - calls.length;
      // A thread mostly stays on its CPU.
      let cpu = cpuOf.get(tid) ?? Math.floor(rnd() * CPUS);
      if (rnd() < 0.1) cpu = Math.floor(rnd() * CPUS);
      cpuOf.set(tid, cpu);
      const values = new CallValues({ rnd, proc, tid, cpu, fn: s.fn, syscall: s.syscall, rule: s.rule, nextPid, objects, serial: calls.length });
      const task = { pid, tid, uid: proc.uid, comm: proc.comm, cpu };
      const call: Call = { source: s, values, start: rnd() * span, duration: 0, task, after: [] };
      let asyncAt = 0;
      // A probe some object passes several times (a socket through its states) fires once per stage.
      const life = LIFECYCLES.find((l) => l.probe.test(s.name));
      if (life) {
        const stages = pick(rnd, life.stages);
        values.stage = stages[0];
        for (const stage of stages.slice(1)) {
          asyncAt += logUniform(rnd, life.ns[0], life.ns[1]);
          call.after.push({ source: s, at: asyncAt, task, stage });
        }
      }
      for (const f of s.followUps) {
        if (f.sameTask) {
          call.duration = Math.max(call.duration, values.durationNs);
          // A successful exec returns in the new program, which has its name.
          const renamed = s.syscall?.startsWith('exec') && values.ret === 0n ? { ...task, comm: values.program.file.slice(values.program.file.lastIndexOf('/') + 1).slice(0, 15) } : task;
          call.after.push({ source: f.source, at: call.duration, task: renamed });
        } else {
          // Stages of asynchronous work (queued, dispatched, done) come one after another.
          const [lo, hi] = ASYNC_NS.find(([re]) => re.test(f.source.name))?.[1] ?? values.rule?.ns ?? [5_000, 5_000_000];
          const by = pickWeighted(rnd, PROCESSES.filter((p) => p !== values.other));
          asyncAt += logUniform(rnd, lo, hi);
          call.after.push({ source: f.source, at: asyncAt, task: { pid: by.pid, tid: by.pid, uid: by.uid, comm: by.comm, cpu: Math.floor(rnd() * CPUS) } });
        }
      }
      calls.push(call);
    }
  }
  // One call at a time per thread: a call starting before the thread's previous one ended waits.
  const byTid = new Map<number, Call[]>();
  for (const c of calls) {
    const list = byTid.get(c.task.tid);
    if (list) list.push(c);
    else byTid.set(c.task.tid, [c]);
  }
  for (const list of byTid.values()) {
    list.sort((a, b) => a.start - b.start);
    for (let i = 1; i < list.length; i++) {
      const prevEnd = list[i - 1]!.start + list[i - 1]!.duration;
      if (list[i]!.start <= prevEnd) list[i]!.start = prevEnd + 1_000 + rnd() * 50_000;
    }
  }
  const planned: Planned[] = [];
  for (const c of calls) {
    planned.push({ source: c.source, call: c.values, ts: c.start, order: planned.length, task: c.task });
    for (const a of c.after) planned.push({ source: a.source, call: c.values, ts: c.start + Math.max(1, a.at), order: planned.length, task: a.task, stage: a.stage });
  }
  planned.sort((a, b) => a.ts - b.ts || a.order - b.order);
  const out = planned.slice(0, maxEvents);
  // New processes get increasing pids in the order they appear.
  const fresh = new Map<number, number>();
  for (const p of out) {
    if (p.task.pid >= 0) continue;
    if (!fresh.has(p.task.pid)) fresh.set(p.task.pid, nextPid());
    const pid = fresh.get(p.task.pid)!;
    p.task = { ...p.task, pid, tid: pid };
  }
  return out.map((p, i) => makeEvent(p, i + 1, btf));
}

function makeEvent(p: Planned, line: number, btf: Btf | undefined): ProbeEvent {
  const { source: s, call, task } = p;
  if (p.stage !== undefined) call.stage = p.stage;
  const ev: ProbeEvent = { line, probe: s.name, ts: BigInt(Math.floor(p.ts)), pid: task.pid, tid: task.tid, uid: task.uid, gid: task.uid, cpu: task.cpu, comm: task.comm };
  const use = s.use;
  const k = s.kind;
  if (k === 'tracepoint') {
    const fmt = s.ai.tracepoints?.find((f) => `tracepoint:${f.category}:${f.event}` === s.name);
    if (fmt) ev.args = Object.fromEntries(fmt.fields.filter((f) => f.name !== '__syscall_nr' && !f.name.startsWith('common_')).map((f) => [f.name, fieldValue(f, call, s)]));
  } else if (k === 'kprobe' || k === 'uprobe' || k === 'rawtracepoint' || k === 'usdt') {
    const n = Math.min(MAX_ARGS, Math.max(0, use.maxArg + 1));
    const proto = k === 'kprobe' ? btf?.funcProto(s.fn) : undefined;
    const known = KNOWN_PARAMS[s.fn];
    ev.args = Array.from({ length: n }, (_, i): ArgValue => {
      const param = proto?.params[i] ? ([proto.params[i].name, btfTypeText(btf!, proto.params[i].type)] as const) : known?.[i];
      const cast = use.structs.get(`arg${i}`);
      const [name, type] = [param?.[0] || `arg${i}`, cast ? `struct ${cast} *` : (param?.[1] ?? '')];
      const v = call.value(name, type, s.fn, { asText: use.strings.has(`arg${i}`), asList: use.lists.has(`arg${i}`), kernel: s.space === 'kernel' });
      // Past the sixth, arguments are on the stack, where only numbers are placed.
      return i >= REGISTER_ARGS && typeof v !== 'bigint' ? 0x7ffd_1000_0000n + BigInt(i * 64) : call.sameAs(`arg${i}`, v);
    });
  } else if (k === 'kretprobe' || k === 'uretprobe') {
    const ret = call.ret;
    const cast = use.structs.get('retval');
    if (use.strings.has('retval') && typeof ret === 'bigint') ev.retval = call.value('retval', 'char *', s.fn);
    else if (cast && ret !== 0n) ev.retval = call.object(`struct ${cast}`, 'retval') ?? ret;
    else ev.retval = ret;
  }
  return ev;
}

function fieldValue(f: TracepointField, call: CallValues, s: Source): ArgValue {
  // A script's str() on a field makes it text only where the record can hold text.
  const textual = f.dataLoc || /\*|char\s*\[/.test(f.type);
  const cast = s.use.structs.get(`args.${f.name}`);
  const type = f.dataLoc ? '__data_loc char[]' : cast && /\*\s*$/.test(f.type) ? `struct ${cast} *` : f.type;
  return call.value(f.name, type, s.syscall && s.syscall !== 'raw' ? `sys_${s.syscall}` : s.fn, { asText: textual && s.use.strings.has(`args.${f.name}`), asList: s.use.lists.has(`args.${f.name}`), kernel: s.space === 'kernel' });
}

/**
 * Who a timer (profile, interval) interrupts on a CPU when no event says: idle a third of the
 * time, else one of the workload's processes. The same for the same seed, CPU and time.
 */
export function backgroundTask(seed: number): (cpu: number, ts: bigint) => { pid: number; tid: number; uid: number; comm: string } {
  return (cpu, ts) => {
    const rnd = prng((seed ^ Math.imul(cpu + 1, 0x9e3779b1) ^ Number(BigInt.asUintN(32, ts / 1000n))) >>> 0);
    rnd();
    if (rnd() < 0.35) return { pid: 0, tid: 0, uid: 0, comm: `swapper/${cpu}` };
    const p = pickWeighted(rnd, PROCESSES);
    const tid = p.pid + (p.threads && rnd() < 0.5 ? 1 + Math.floor(rnd() * p.threads) : 0);
    return { pid: p.pid, tid, uid: p.uid, comm: p.comm };
  };
}
