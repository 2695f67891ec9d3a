// Runs a bpftrace script against events in the VM and prints what bpftrace would print:
// BEGIN first; then each event, in order, runs every probe that matches it (interval and profile
// probes fire as the events' timestamps pass their period); END last, or right after exit();
// then the maps. Map contents persist across all of it, as in the kernel.
import { rangeOnLine, zeroRange, type Finding, type Range } from '../../core/types';
import type { AttachInfo } from '../checker';
import { RECORD_HEADER, type Action, type ArgSlot } from '../compile/actions';
import { CompileError } from '../compile/errors';
import { attachMatches, ScriptCompiler, type CompileOptions } from '../compile/index';
import { JOIN_ARG_SIZE, JOIN_ARGS, START_MAP, internalMapSpecs, type MapPlan } from '../compile/maps';
import type { CompiledProgram } from '../compile/program';
import { symbolAddress } from '../compile/symbols';
import { canonicalName } from '../compile/sections';
import { formatPrintf } from '../output/printf';
import { strftime } from '../output/strftime';
import { summarizeMap, type SummaryRow } from '../output/maps';
import { decodeValue, readCString, readU64, type Resolver, type Value } from '../output/values';
import { createWriter, type OutputFormat, type OutputWriter } from '../output/writer';
import { globMatch } from '../tracepoints';
import { buildContext } from './context';
import { eventsFromObjects, readEvents, type EventInput, type ProbeEvent } from './events';
import { backgroundTask, generateEvents, GENERATED_CPUS } from './generate';
import { UserMemory, type UserMemoryLimits } from './user-memory';
import { MapStore, runInVm, type TaskState } from './vm';

export interface RunOptions extends Omit<CompileOptions, 'ncpus'> {
  file?: string;
  /** JSON Lines text or event objects; omitted: a synthetic workload is generated. */
  events?: EventInput[] | string;
  /** Name of the events file, for messages. */
  eventsFile?: string;
  format?: OutputFormat;
  /** Seed for the generated workload and bpf_get_prandom_u32. */
  seed?: number;
  /** Simulated CPUs (default: the highest cpu in the events + 1). */
  cpus?: number;
  /** How long timer-only scripts run, in ns (default 10 s). */
  durationNs?: bigint;
  /** Instructions one program run may execute (default 1,000,000). */
  budget?: number;
  /** How much of the events' strings stays readable (default: user-memory.ts DEFAULT_USER_MEMORY). */
  userMemory?: Partial<UserMemoryLimits>;
}

export interface MapSummary {
  name: string;
  /** hist/lhist maps: every entry has its buckets. */
  kind: 'hist' | 'lhist' | 'value';
  /** Entries in bpftrace's print order; values as bpftrace prints them (hist/lhist: their bucket lines and buckets). */
  entries: SummaryRow[];
}

export interface RunScriptResult {
  /** What bpftrace would print. */
  output: string;
  /** The maps at the end, entry by entry, as text. */
  maps: MapSummary[];
  /** Script findings (check/compile), events-file findings, and run-time problems. */
  findings: Finding[];
  /** Findings about the events file, for file:line:column messages against it. */
  eventFindings: Finding[];
  /** How many program runs there were. */
  runs: number;
  exited: boolean;
}

const BPFTRACE_TASK = { pid: 4242, tid: 4242, uid: 0, gid: 0, comm: 'bpftrace' };
const DEFAULT_DURATION = 10_000_000_000n;
const MAX_TIMER_FIRINGS = 100_000;
const MAX_RUNS = 2_000_000;
const MAX_CONCRETE_PROBES = 512;

interface Timer {
  probeIndex: number;
  program: CompiledProgram;
  period: bigint;
  next: bigint;
  everyCpu: boolean;
}

class Run {
  readonly findings: Finding[] = [];
  readonly eventFindings: Finding[] = [];
  readonly store: MapStore;
  /** The traced processes' strings, readable across events. */
  readonly userMemory: UserMemory;
  readonly writer: OutputWriter;
  readonly plans: Map<string, MapPlan>;
  readonly symbols: Map<string, bigint>;
  private readonly concrete = new Map<string, { probeIndex: number; program: CompiledProgram }[]>();
  private readonly lastTask = new Map<number, TaskState>();
  exited = false;
  /** Set by exit(): the run stops after the current program. */
  exitCalled = false;
  runs = 0;
  now = 0n;
  private readonly reported = new Set<string>();

  constructor(
    readonly sc: ScriptCompiler,
    format: OutputFormat,
    cpus: number,
    readonly start: bigint,
    readonly budget: number,
    readonly eventsFile: string,
    seed?: number,
    userMemory?: Partial<UserMemoryLimits>,
  ) {
    this.store = new MapStore(cpus, seed);
    this.userMemory = new UserMemory(this.store.session, userMemory);
    this.plans = new Map(sc.maps.map((m) => [m.name, m]));
    for (const m of sc.maps) this.store.declare(m.spec);
    const start8 = new Uint8Array(8);
    new DataView(start8.buffer).setBigUint64(0, start, true);
    this.store.declare(internalMapSpecs()[START_MAP]!);
    this.store.set(START_MAP, new Uint8Array(4), start8);
    this.symbols = sc.env.symbols;
    this.writer = createWriter(format, this.resolver());
  }

  private resolver(): Resolver {
    const byAddr = (): Map<bigint, string> => new Map([...this.symbols].map(([n, a]) => [a, n]));
    return {
      probe: (id) => this.sc.env.probeNames[id] ?? `probe#${id}`,
      // Unknown addresses print as C++ prints a void*: "0" for null, else hex.
      ksym: (addr) => byAddr().get(addr) ?? (addr === 0n ? '0' : `0x${addr.toString(16)}`),
      username: (uid) => (uid === 0n ? 'root' : ''),
      stack: (id, _user, indent) => {
        const ips = id >= 0n ? this.store.stack(Number(id)) : undefined;
        if (!ips) return '';
        const names = byAddr();
        const pad = ' '.repeat(indent);
        return '\n' + ips.map((ip) => `${pad}${names.has(ip) ? `${names.get(ip)}+0` : `0x${ip.toString(16)}`}\n`).join('');
      },
    };
  }

  symbol(name: string, space: 'kernel' | 'user' = 'kernel'): bigint {
    return symbolAddress(this.symbols, name, space);
  }

  /** A warning about the script, at a range in it. */
  warn(message: string, range: Range = zeroRange): void {
    const key = `s:${range.start.line}:${message}`;
    if (this.reported.has(key) || this.reported.size > 200) return;
    this.reported.add(key);
    this.findings.push({ range, severity: 'warning', message, code: 'probe.run' });
  }

  /** A warning about one line of the events file. */
  warnEvent(message: string, line: number): void {
    const key = `e:${line}:${message}`;
    if (this.reported.has(key) || this.reported.size > 200) return;
    this.reported.add(key);
    this.eventFindings.push({ range: rangeOnLine(line - 1, 0, 1), severity: 'warning', message, code: 'probe.events' });
  }


  /** Programs to run for an event's probe, compiled once per concrete name. */
  programsFor(probe: string): { probeIndex: number; program: CompiledProgram }[] {
    let hit = this.concrete.get(probe);
    if (hit) return hit;
    hit = [];
    if (this.concrete.size < MAX_CONCRETE_PROBES) {
      this.sc.probes.forEach((info, i) => {
        if (!info.attach.some((ai) => attachMatches(ai, probe))) return;
        try {
          hit!.push({ probeIndex: i, program: this.sc.compileFor(i, probe) });
        } catch (e) {
          if (!(e instanceof CompileError)) throw e;
          this.warn(`cannot run ${probe}: ${e.message}`, e.range);
        }
      });
    }
    this.concrete.set(probe, hit);
    return hit;
  }

  exec(program: CompiledProgram, task: TaskState, cpu: number, ts: bigint, ev?: ProbeEvent, force = false): void {
    if ((this.exited && !force) || this.runs >= MAX_RUNS) return;
    this.runs++;
    this.now = ts;
    const built = ev ? buildContext(program.attach, ev, (v) => this.userMemory.place(ev.pid, v)) : { ctx: {}, problems: [] };
    for (const p of built.problems) if (ev) this.warnEvent(p, ev.line);
    const out = runInVm(this.store, { program: program.program, task, cpu, ts, ctx: built.ctx }, this.budget);
    for (const rec of out.records) this.action(rec);
    if (out.fault) this.warn(`${program.probe} stopped early in the VM${ev ? ` (${this.eventsFile} line ${ev.line})` : ''}: ${out.fault}`, program.attach.range);
  }

  private action(rec: Uint8Array): void {
    const id = Number(readU64(rec, 0));
    const a: Action | undefined = this.sc.actionList[id];
    if (!a) return;
    const r = this.resolver();
    switch (a.kind) {
      case 'printf':
        this.writer.printf(formatPrintf(a.format, a.args.map((s) => this.decodeSlot(s, rec, r))));
        return;
      case 'print_value':
        this.writer.value(this.decodeSlot(a.arg, rec, r));
        return;
      case 'print_map': {
        const plan = this.plans.get(a.map);
        if (plan) this.writer.map(plan, this.store.entries(plan.sym), { top: a.top, div: a.div });
        return;
      }
      case 'clear':
        this.store.clear(this.plans.get(a.map)?.sym ?? '');
        return;
      case 'zero':
        this.store.zero(this.plans.get(a.map)?.sym ?? '');
        return;
      case 'delete_buckets':
        this.store.deletePrefix(this.plans.get(a.map)?.sym ?? '', rec.subarray(RECORD_HEADER, RECORD_HEADER + a.keySize));
        return;
      case 'time':
        this.writer.time(strftime(a.format, Number(this.now / 1_000_000n)));
        return;
      case 'exit':
        this.exited = true;
        this.exitCalled = true;
        return;
      case 'join':
        this.writer.join(joinedArgs(rec, a.separator));
        return;
    }
  }

  /** An argument of a record; strftime() values become text on the simulated UTC clock. */
  private decodeSlot(s: ArgSlot, rec: Uint8Array, r: Resolver): Value {
    if (s.strftime !== undefined) return { kind: 'sym', text: strftime(s.strftime, Number(readU64(rec, s.offset) / 1_000_000n)) };
    return decodeValue(s.type, rec, s.offset, r);
  }

  taskFor(ev: ProbeEvent): TaskState {
    const fn = ev.probe.split(':').pop()!.replace(/\+.*$/, '');
    const kprobe = ev.probe.startsWith('kprobe:') || ev.probe.startsWith('kretprobe:');
    const kstack = (ev.kstack ?? (kprobe ? [fn] : [])).map((n) => this.symbol(n));
    const ustack = (ev.ustack ?? []).map((n) => this.symbol(n, 'user'));
    const t: TaskState = { pid: ev.pid, tid: ev.tid, uid: ev.uid, gid: ev.gid, comm: ev.comm, kernelStack: kstack, userStack: ustack };
    this.lastTask.set(ev.cpu, t);
    return t;
  }

  /** For a generated workload: who runs on a CPU at a time when no event has said. */
  background?: (cpu: number, ts: bigint) => { pid: number; tid: number; uid: number; comm: string };

  /** The task a timer interrupts on a CPU: the last one seen there, else the workload's or the idle task. */
  timerTask(cpu: number, ts: bigint): TaskState {
    const seen = this.lastTask.get(cpu);
    if (seen) return seen;
    const t = this.background?.(cpu, ts) ?? { pid: 0, tid: 0, uid: 0, comm: `swapper/${cpu}` };
    return { ...t, gid: t.uid, kernelStack: [], userStack: [] };
  }

  printMaps(): void {
    this.writer.exitBanner();
    for (const plan of this.sc.maps) this.writer.map(plan, this.store.entries(plan.sym));
  }

  summaries(): MapSummary[] {
    const r = this.resolver();
    return this.sc.maps.map((plan) => ({ name: plan.name, kind: plan.agg === 'hist' || plan.agg === 'lhist' ? plan.agg : 'value', entries: summarizeMap(plan, this.store.entries(plan.sym), r) }));
  }

}

/** join()'s strings, up to the first empty one, with the separator between them. */
function joinedArgs(rec: Uint8Array, separator: string): string {
  const parts: string[] = [];
  for (let i = 0; i < JOIN_ARGS; i++) {
    const at = RECORD_HEADER + i * JOIN_ARG_SIZE;
    if (at >= rec.length || rec[at] === 0) break;
    parts.push(readCString(rec, at, JOIN_ARG_SIZE));
  }
  return parts.join(separator);
}

function periodOf(ai: AttachInfo): bigint | undefined {
  const t = ai.target;
  if (!t) return undefined;
  if (t.periodNs) return BigInt(Math.max(1, Math.round(t.periodNs)));
  if (t.hz) return BigInt(Math.max(1, Math.round(1e9 / t.hz)));
  return undefined;
}

/** How many probes bpftrace would say it attaches: wildcards count what they match. */
function attachCount(sc: ScriptCompiler): number {
  let n = 0;
  const funcs = sc.checked.info.types.btf?.funcNames();
  for (const info of sc.probes) {
    for (const ai of info.attach) {
      if (!ai.kind) continue;
      if (ai.tracepoints && ai.tracepoints.length > 1) n += ai.tracepoints.length;
      else if (ai.target?.wildcard && ai.target.func && funcs && (ai.kind.name === 'kprobe' || ai.kind.name === 'kretprobe')) {
        let c = 0;
        for (const f of funcs) if (globMatch(ai.target.func, f)) c++;
        n += Math.max(1, c);
      } else n++;
    }
  }
  return n;
}

/** Runs a script. Never throws: problems come back as findings. */
export function runScript(text: string, options: RunOptions = {}): RunScriptResult {
  try {
    return runUnguarded(text, options);
  } catch (e) {
    const why = e instanceof Error ? e.message : String(e);
    const finding: Finding = { range: zeroRange, severity: 'error', message: `internal error while running the script: ${why}. Please report this script.`, code: 'probe.run-internal' };
    return { output: '', maps: [], findings: [finding], eventFindings: [], runs: 0, exited: false };
  }
}

function runUnguarded(text: string, options: RunOptions): RunScriptResult {
  const eventsFile = options.eventsFile ?? 'events';
  const empty = (findings: Finding[], eventFindings: Finding[] = []): RunScriptResult => ({ output: '', maps: [], findings, eventFindings, runs: 0, exited: false });
  let events: ProbeEvent[];
  let eventFindings: Finding[] = [];
  let probe: ScriptCompiler | undefined;
  if (options.events === undefined) {
    probe = new ScriptCompiler(text, options.file, options);
    if (probe.hasErrors) return empty(probe.findings);
    events = generateEvents(probe, options.seed ?? 1);
  } else {
    const r = typeof options.events === 'string' ? readEvents(options.events) : eventsFromObjects(options.events);
    events = r.events;
    eventFindings = r.findings;
    if (eventFindings.some((f) => f.severity === 'error')) return empty([], eventFindings);
  }
  // A generated workload runs on its machine's CPUs even when no event names them (timer-only scripts).
  const cpus = Math.max(1, options.cpus ?? events.reduce((m, e) => Math.max(m, e.cpu), options.events === undefined ? GENERATED_CPUS - 1 : 0) + 1);
  const sc = probe && cpus === 1 ? probe : new ScriptCompiler(text, options.file, { ...options, ncpus: cpus });
  if (sc.hasErrors) return empty(sc.findings, eventFindings);
  const all = sc.compileAll();
  if (all.findings.length) return empty([...sc.findings, ...all.findings], eventFindings);

  const start = events[0]?.ts ?? 0n;
  const run = new Run(sc, options.format ?? 'text', cpus, start, options.budget ?? 1_000_000, eventsFile, options.seed, options.userMemory);
  run.findings.push(...sc.findings);
  if (options.events === undefined) run.background = backgroundTask(options.seed ?? 1);
  run.writer.attached(attachCount(sc));

  const byKind = (k: string) => all.programs.filter((p) => p.attach.kind.name === k);
  const bpftrace: TaskState = { ...BPFTRACE_TASK, kernelStack: [], userStack: [] };
  for (const p of byKind('BEGIN')) run.exec(p, bpftrace, 0, start);

  const timers: Timer[] = [];
  for (const p of all.programs) {
    const k = p.attach.kind.name;
    if (k !== 'interval' && k !== 'profile') continue;
    const ai = sc.probes[p.probeIndex]!.attach.find((a) => a.kind?.name === k && canonicalName(a.kind, a.node.parts) === p.probe);
    const period = ai && periodOf(ai);
    if (period) timers.push({ probeIndex: p.probeIndex, program: p, period, next: start + period, everyCpu: k === 'profile' });
  }
  let firings = 0;
  const fireUntil = (ts: bigint): void => {
    for (;;) {
      if (run.exited || !timers.length || firings >= MAX_TIMER_FIRINGS) return;
      let t = timers[0]!;
      for (const x of timers) if (x.next < t.next || (x.next === t.next && x.probeIndex < t.probeIndex)) t = x;
      if (t.next > ts) return;
      const at = t.next;
      t.next += t.period;
      firings++;
      const cpusToRun = t.everyCpu ? [...Array(cpus).keys()] : [0];
      for (const c of cpusToRun) run.exec(t.program, run.timerTask(c, at), c, at);
    }
  };

  for (const ev of events) {
    if (run.exited) break;
    fireUntil(ev.ts);
    if (run.exited) break;
    const progs = run.programsFor(ev.probe);
    if (!progs.length) continue;
    const task = run.taskFor(ev);
    for (const { program } of progs) {
      run.exec(program, task, ev.cpu, ev.ts, ev);
      if (run.exited) break;
    }
  }
  const hasEventProbes = sc.probes.some((p) => p.attach.some((a) => a.kind && !a.kind.special && a.kind.name !== 'interval' && a.kind.name !== 'profile'));
  const end = options.durationNs !== undefined ? start + options.durationNs : events.length || hasEventProbes ? (events[events.length - 1]?.ts ?? start) : start + DEFAULT_DURATION;
  fireUntil(end);
  if (firings >= MAX_TIMER_FIRINGS) run.warn(`interval/profile probes fired ${MAX_TIMER_FIRINGS} times; the run stopped there`);

  // END runs even after exit() (exit() inside END itself just ends that probe).
  for (const p of byKind('END')) run.exec(p, bpftrace, 0, run.now, undefined, true);
  const printMaps = !sc.checked.ast.config?.items.some((i) => i.key.replace(/^bpftrace_/i, '').toLowerCase() === 'print_maps_on_exit' && i.value.kind === 'Int' && i.value.value === 0n);
  if (printMaps) run.printMaps();
  else run.writer.exitBanner();
  return { output: run.writer.text(), maps: run.summaries(), findings: run.findings, eventFindings: [...eventFindings, ...run.eventFindings], runs: run.runs, exited: run.exitCalled };
}
