// A made-up but plausible workload for a script run without an events file: a few processes
// (bash, sshd, nginx, ...) firing each of the script's probes over a couple of seconds, with
// arguments that look like what those probes see (file descriptors, sizes, paths, errno
// returns). Entry/return pairs (kprobe/kretprobe, sys_enter/sys_exit) fire in order per thread,
// so latency scripts get sensible numbers. Seeded and bounded.
import type * as A from '../ast';
import type { AttachInfo, ProbeInfo } from '../checker';
import type { ScriptCompiler } from '../compile/index';
import { canonicalName } from '../compile/sections';
import { globMatch, type TracepointField } from '../tracepoints';
import type { ArgValue, ProbeEvent } from './events';

const PROCESSES = [
  { pid: 1204, comm: 'bash', uid: 1000 },
  { pid: 842, comm: 'sshd', uid: 0 },
  { pid: 2210, comm: 'nginx', uid: 33 },
  { pid: 3150, comm: 'postgres', uid: 112 },
  { pid: 1, comm: 'systemd', uid: 0 },
  { pid: 4518, comm: 'python3', uid: 1000 },
];

const PATHS = ['/etc/passwd', '/var/log/syslog', '/home/user/notes.txt', '/usr/lib/x86_64-linux-gnu/libc.so.6', '/tmp/build.log', '/proc/self/stat'];
const KERNEL_FUNCS = ['vfs_read', 'vfs_write', 'vfs_open', 'vfs_fsync', 'do_sys_openat2', 'tcp_sendmsg', 'tcp_recvmsg', 'ksys_read', 'ksys_write', 'do_nanosleep'];
const SPAN_NS = 2_500_000_000;
const MAX_EVENTS = 400;
const MAX_GENERATED = 1_000_000;
const CPUS = 2;

/** mulberry32: small, fast, and the same everywhere. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

interface Usage {
  /** Highest argN the probe reads, -1 for none. */
  maxArg: number;
  /** argN read as strings (str(argN)). */
  strArgs: Set<number>;
  strRetval: boolean;
}

function usage(info: ProbeInfo): Usage {
  const u: Usage = { maxArg: -1, strArgs: new Set(), strRetval: false };
  const visit = (e: A.Expr | undefined, depth: number): void => {
    if (!e || depth > 100) return;
    if (e.kind === 'Ident') {
      const m = /^arg(\d+)$/.exec(e.name);
      if (m) u.maxArg = Math.max(u.maxArg, Number(m[1]));
    }
    if (e.kind === 'Call' && e.callee === 'str' && e.args[0]?.kind === 'Ident') {
      const m = /^arg(\d+)$/.exec(e.args[0].name);
      if (m) u.strArgs.add(Number(m[1]));
      if (e.args[0].name === 'retval') u.strRetval = true;
    }
    for (const c of children(e)) visit(c, depth + 1);
  };
  const stmts = (list: A.Stmt[], depth: number): void => {
    for (const s of list) {
      if (depth > 100) return;
      switch (s.kind) {
        case 'ExprStmt':
          visit(s.expr, depth);
          break;
        case 'Assign':
          visit(s.value, depth);
          if (s.target.kind === 'Map') for (const k of s.target.keys ?? []) visit(k, depth);
          break;
        case 'Let':
          visit(s.value, depth);
          break;
        case 'If':
          visit(s.cond, depth);
          stmts(s.then.stmts, depth + 1);
          if (s.else) stmts(s.else.kind === 'If' ? [s.else] : s.else.stmts, depth + 1);
          break;
        case 'While':
          visit(s.cond, depth);
          stmts(s.body.stmts, depth + 1);
          break;
        case 'Unroll':
        case 'For':
          stmts(s.body.stmts, depth + 1);
          break;
        case 'Block':
          stmts(s.stmts, depth + 1);
          break;
        default:
          break;
      }
    }
  };
  visit(info.probe.predicate, 0);
  stmts(info.probe.body.stmts, 0);
  return u;
}

function children(e: A.Expr): A.Expr[] {
  switch (e.kind) {
    case 'Map':
      return e.keys ?? [];
    case 'Call':
      return e.args;
    case 'Binary':
      return [e.left, e.right];
    case 'Unary':
    case 'Cast':
    case 'IncDec':
      return [e.operand];
    case 'Ternary':
      return [e.cond, e.then, e.else];
    case 'Field':
    case 'TupleIndex':
      return [e.object];
    case 'Index':
      return [e.object, e.index];
    case 'Tuple':
      return e.elems;
    default:
      return [];
  }
}

/** Concrete probe names one attach point stands for (wildcards resolved to a few matches). */
function concreteNames(ai: AttachInfo, sc: ScriptCompiler, rnd: () => number): string[] {
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

function sizeValue(rnd: () => number): bigint {
  const base = 1 << Math.floor(rnd() * 16);
  return BigInt(base + Math.floor(rnd() * base));
}

function fieldValue(f: TracepointField, rnd: () => number, proc: (typeof PROCESSES)[number]): ArgValue {
  const n = f.name;
  if (f.dataLoc || /char\s*\*/.test(f.type)) return n.includes('comm') ? PROCESSES[Math.floor(rnd() * PROCESSES.length)]!.comm : PATHS[Math.floor(rnd() * PATHS.length)]!;
  if (/char\s*\[/.test(f.type)) return n.includes('comm') ? PROCESSES[Math.floor(rnd() * PROCESSES.length)]!.comm : 'sim';
  if (/\*/.test(f.type)) return 0x7ffd_0000_0000n + BigInt(Math.floor(rnd() * 0xffff) * 16);
  if (n === 'ret') return rnd() < 0.1 ? BigInt.asUintN(64, -BigInt(2 + Math.floor(rnd() * 10))) : sizeValue(rnd);
  if (/fd$/.test(n)) return BigInt(3 + Math.floor(rnd() * 12));
  if (/(count|len|size|bytes|nr_bytes)$/.test(n)) return sizeValue(rnd);
  if (/pid$/.test(n)) return BigInt(proc.pid);
  if (/prio$/.test(n)) return BigInt(100 + Math.floor(rnd() * 40));
  if (/state$/.test(n)) return BigInt(Math.floor(rnd() * 2));
  if (/flags$/.test(n)) return BigInt(Math.floor(rnd() * 4) * 0x40);
  if (/sector$/.test(n)) return BigInt(Math.floor(rnd() * 1e7));
  return BigInt(Math.floor(rnd() * 100));
}

interface Source {
  name: string;
  ai: AttachInfo;
  use: Usage;
  /** The entry event this one returns from, for latency pairs. */
  entryOf?: string;
}

export interface GenerateOptions {
  /** How many events to make (default and most for an interactive run: 400; at most 1,000,000). */
  count?: number;
}

/** Events for `sc`'s probes: deterministic for a seed, 400 unless asked for more (benchmarks). */
export function generateEvents(sc: ScriptCompiler, seed: number, opts: GenerateOptions = {}): ProbeEvent[] {
  const maxEvents = Math.max(1, Math.min(MAX_GENERATED, Math.floor(opts.count ?? MAX_EVENTS)));
  const rnd = prng(seed);
  const sources: Source[] = [];
  for (const info of sc.probes) {
    const use = usage(info);
    for (const ai of info.attach) {
      if (!ai.kind || !ai.target || ai.kind.special || ai.kind.name === 'interval' || ai.kind.name === 'profile') continue;
      for (const name of concreteNames(ai, sc, rnd)) if (!sources.some((s) => s.name === name)) sources.push({ name, ai, use });
    }
  }
  // Returns pair with entries: kretprobe:F after kprobe:F, sys_exit_X after sys_enter_X.
  const returns = new Map<string, Source>();
  for (const s of sources) {
    const entry = s.name.startsWith('kretprobe:') ? s.name.replace('kretprobe:', 'kprobe:') : s.name.startsWith('uretprobe:') ? s.name.replace('uretprobe:', 'uprobe:') : s.name.replace(':sys_exit_', ':sys_enter_');
    if (entry !== s.name) {
      s.entryOf = entry;
      returns.set(entry, s);
    }
  }
  if (!sources.length) return [];
  const firing = sources.filter((s) => !s.entryOf || !sources.some((x) => x.name === s.entryOf));
  // A return probe doubles its entry's events, so sources with one count for two.
  const weight = firing.reduce((n, s) => n + (returns.has(s.name) ? 2 : 1), 0);
  const perSource = opts.count === undefined ? Math.max(8, Math.min(60, Math.floor(MAX_EVENTS / Math.max(1, sources.length)))) : Math.ceil(maxEvents / Math.max(1, weight));
  const raw: ProbeEvent[] = [];
  let line = 0;
  const make = (s: Source, ts: number, proc: (typeof PROCESSES)[number], cpu: number, tid: number): ProbeEvent => {
    const ev: ProbeEvent = { line: ++line, probe: s.name, ts: BigInt(Math.floor(ts)), pid: proc.pid, tid, uid: proc.uid, gid: proc.uid, cpu, comm: proc.comm };
    const k = s.ai.kind!.name;
    if (k === 'tracepoint') {
      const fmt = s.ai.tracepoints?.find((f) => `tracepoint:${f.category}:${f.event}` === s.name);
      if (fmt) ev.args = Object.fromEntries(fmt.fields.filter((f) => f.name !== '__syscall_nr').map((f) => [f.name, fieldValue(f, rnd, proc)]));
    } else if (k === 'kprobe' || k === 'uprobe' || k === 'rawtracepoint') {
      // Arguments after the sixth go on the stack, where only numbers are placed.
      const n = Math.min(16, Math.max(0, s.use.maxArg + 1));
      ev.args = Array.from({ length: n }, (_, i) => (s.use.strArgs.has(i) && i < 6 ? PATHS[Math.floor(rnd() * PATHS.length)]! : i === 0 ? BigInt(3 + Math.floor(rnd() * 12)) : sizeValue(rnd)));
    } else if (k === 'kretprobe' || k === 'uretprobe') {
      ev.retval = s.use.strRetval ? PATHS[Math.floor(rnd() * PATHS.length)]! : rnd() < 0.1 ? BigInt.asUintN(64, -11n) : sizeValue(rnd);
    }
    return ev;
  };
  for (const s of firing) {
    for (let i = 0; i < perSource; i++) {
      const proc = PROCESSES[Math.floor(rnd() * PROCESSES.length)]!;
      const tid = proc.pid + (rnd() < 0.3 ? 1 + Math.floor(rnd() * 3) : 0);
      const cpu = Math.floor(rnd() * CPUS);
      const ts = rnd() * SPAN_NS;
      raw.push(make(s, ts, proc, cpu, tid));
      const ret = returns.get(s.name);
      if (ret) raw.push(make(ret, ts + 10_000 + rnd() * 2_000_000, proc, cpu, tid));
    }
  }
  raw.sort((a, b) => (a.ts < b.ts ? -1 : a.ts > b.ts ? 1 : a.line - b.line));
  const out = raw.slice(0, maxEvents);
  out.forEach((e, i) => (e.line = i + 1));
  return out;
}
