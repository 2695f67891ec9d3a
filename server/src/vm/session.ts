// A session: many runs of many programs against one set of maps, as programs attached in the
// kernel share their maps. Each run says its program, CPU, task, clock, context and budget; the
// maps, the random sequence and compiled code carry over, and each run's inputs and deleted map
// elements are freed before the next, so a long session's memory stays bounded.
import type { MapSpec, Program } from '../core/types';
import { Machine, type ClockOptions, type FaultInfo, type Loaded, type OutputLine, type TaskInfo } from './machine';
import type { MapDump, VmMap } from './maps/types';
import { PerfEventArrayMap, RingbufMap, StackTraceMap } from './maps/index';
import type { CtxInput } from './context';
import type { StreamRecord } from './maps/streams';

export interface SessionOptions {
  /** Simulated CPUs (per-CPU maps keep one value each). Default 2. */
  cpus?: number;
  /** Seed of bpf_get_prandom_u32's sequence, which runs on across the session. */
  seed?: number;
  /** As VmOptions.engine; 'auto' compiles a program once its runs together are long enough. */
  engine?: 'auto' | 'jit' | 'interp';
  /** Maps to create before any program runs (programs add theirs when first run). */
  maps?: MapSpec[];
}

export interface SessionRun {
  program: Program;
  cpu?: number;
  task?: Partial<TaskInfo>;
  clock?: ClockOptions;
  ctx?: CtxInput;
  /** Instructions this run may execute (default 1,000,000). */
  budget?: number;
}

export interface SessionRunResult {
  /** The program ran to its exit. */
  ok: boolean;
  r0?: bigint;
  insnCount: number;
  /** trace_printk lines and VM notes of this run. */
  output: OutputLine[];
  /** Ring buffer and perf event records this run sent, in order. */
  records: StreamRecord[];
  fault?: FaultInfo;
  /** A problem with the run's input (a bad context, a map declared twice with different shapes): it did not run. */
  error?: string;
}

/** A program nobody runs: the machine needs one to exist before the session's first run. */
const IDLE: Program = { name: '(session)', section: '', type: 'kprobe', insns: [], maps: [], relocs: [], symbols: [] };

/** Marks regions placed by mapMemory, which only unmapMemory may end. */
const MAPPED = Symbol('mapped memory');

export class VmSession {
  private readonly m: Machine;
  private readonly streams: (RingbufMap | PerfEventArrayMap)[] = [];

  /** Throws Error for a bad map spec in `options.maps`. */
  constructor(options: SessionOptions = {}) {
    this.m = new Machine(IDLE, { cpus: options.cpus, seed: options.seed, engine: options.engine ?? 'auto' });
    for (const spec of options.maps ?? []) this.declareMap(spec);
  }

  get cpus(): number {
    return this.m.cpus;
  }

  /** Creates a map (or returns the one of that name). Throws Error for a spec that conflicts or the kernel would refuse. */
  declareMap(spec: MapSpec): VmMap {
    const known = this.m.maps.has(spec.name);
    const map = this.m.declareMap(spec);
    if (!known) this.noteStream(map);
    return map;
  }

  map(name: string): VmMap | undefined {
    return this.m.maps.get(name);
  }

  dump(name: string): MapDump | undefined {
    return this.m.maps.get(name)?.dump();
  }

  /** The addresses under a stack id in any stack_trace map, innermost first. */
  stackTrace(id: number): readonly bigint[] | undefined {
    for (const map of this.m.maps.values()) {
      if (map instanceof StackTraceMap) {
        const ips = map.trace(id);
        if (ips) return ips;
      }
    }
    return undefined;
  }

  /** Regions alive in the session's memory (maps' values, stacks, code...): bounded across runs. */
  get regionCount(): number {
    return this.m.mem.regionCount;
  }

  /**
   * Places bytes that outlive runs, as a traced process's own memory does (its strings, its
   * argv): later runs may read them with probe_read* until unmapMemory. Call between runs.
   */
  mapMemory(name: string, bytes: Uint8Array): bigint {
    const r = this.m.mem.alloc('user', name, bytes, false);
    r.owner = MAPPED;
    return r.base;
  }

  /**
   * Ends memory from mapMemory: reads at its addresses fault from now on. Its bytes are dropped
   * but its address range stays reserved, so a stale pointer keeps faulting, until a call with
   * `release` lets the range be handed out again. False when `address` is no mapped memory.
   */
  unmapMemory(address: bigint, release = false): boolean {
    const r = this.m.mem.regionOf(address);
    if (!r || r.owner !== MAPPED || r.base !== BigInt.asUintN(64, address)) return false;
    if (!r.dead) {
      r.replaceBytes(new Uint8Array(0));
      r.kill('unmapped');
    }
    if (release) this.m.mem.free(r);
    return true;
  }

  private noteStream(map: VmMap): void {
    if (map instanceof RingbufMap || map instanceof PerfEventArrayMap) this.streams.push(map);
  }

  /** Runs one program from its first instruction. Never throws. Records of several stream maps come map by map. */
  run(req: SessionRun): SessionRunResult {
    const m = this.m;
    const before = new Set(m.maps.keys());
    let loaded: Loaded;
    try {
      loaded = m.prepare({ program: req.program, cpu: req.cpu, task: req.task, clock: req.clock, ctx: req.ctx, budget: req.budget });
    } catch (e) {
      this.adoptNewMaps(before);
      return { ok: false, insnCount: 0, output: [], records: this.takeRecords(), error: e instanceof Error ? e.message : String(e) };
    }
    this.adoptNewMaps(before);
    m.run();
    loaded.sessionInsns += m.insnCount;
    return {
      ok: m.status === 'exited',
      ...(m.r0 !== undefined ? { r0: m.r0 } : {}),
      insnCount: m.insnCount,
      output: m.output.slice(),
      records: this.takeRecords(),
      ...(m.faultInfo ? { fault: m.faultInfo } : {}),
    };
  }

  private adoptNewMaps(before: Set<string>): void {
    if (before.size === this.m.maps.size) return;
    for (const [name, map] of this.m.maps) if (!before.has(name)) this.noteStream(map);
  }

  private takeRecords(): StreamRecord[] {
    const out: StreamRecord[] = [];
    for (const s of this.streams) {
      const recs = s.takeRecords();
      for (const r of recs) out.push(r);
    }
    return out;
  }
}
