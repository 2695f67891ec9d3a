// The machine: registers, frames, memory, maps and output of one run, and the driver that moves
// between the compiled engine (fast, whole blocks) and the stepping interpreter (one instruction,
// any situation). Both engines share this state, so a run can switch between them at any block.
import type { MapSpec, Program, ProgType } from '../core/types';
import { returnMeaning } from '../core/contexts';
import { buildContext, type CtxInput, type PacketState, parseBytes, resolveValue, type ValueInput } from './context';
import { decode, type Decoded } from './decode';
import { StopProgram, TailCall } from './control';
import { fault, hex64, VmFault } from './faults';
import { Memory, type Region, type WriteRecord } from './memory';
import { createMap, mapSpecProblem, ProgArrayMap, RingbufMap, type MapDump, type VmMap } from './maps/index';
import { mapStructImage } from './maps/kernel-struct';
import type { StreamRecord } from './maps/streams';
import { HELPERS, type Helper } from './helpers/index';
import { helperName } from '../isa/helpers';
import { tracepointFormat } from '../probe/tracepoints';
import { stepOnce } from './interp';
import { compileProgram, type CompiledFn } from './jit';

export const MAX_FRAMES = 8;
export const STACK_SIZE = 512;
/** Words saved per frame: r6-r9 as lo/hi pairs, the return slot, the frame kind. */
export const FRAME_WORDS = 10;
export const FRAME_CALL = 0;
export const FRAME_CALLBACK = 1;
export const MAX_TAIL_CALLS = 33;
/** BPF_MAX_LOOPS: the iterations may_goto allows per frame before it takes the jump. */
export const MAY_GOTO_BUDGET = 8 * 1024 * 1024;
export const DEFAULT_BUDGET = 1_000_000;
/**
 * Instructions the interpreter runs before 'auto' compiles the program: at least this many, and
 * more for long programs, whose compilation (tens of microseconds per slot) must pay for itself.
 */
export const JIT_THRESHOLD = 20_000;
const JIT_INSNS_PER_SLOT = 200;

export interface TaskInfo {
  pid: number;
  tgid: number;
  uid: number;
  gid: number;
  comm: string;
  /** Simulated call stacks for get_stackid / get_stack, innermost first. */
  kernelStack: bigint[];
  userStack: bigint[];
}

export interface ClockOptions {
  /** ktime_get_ns at the first instruction (default 1 s). */
  startNs?: bigint | number;
  /** Simulated nanoseconds per executed instruction (default 1). */
  nsPerInsn?: number;
  /** ktime_get_boot_ns - ktime_get_ns (time spent suspended; default 0). */
  bootOffsetNs?: bigint | number;
}

/** Initial map contents: key → value, or key → one value per CPU; prog_array values name programs. */
export interface MapInitEntry {
  key: ValueInput | number[];
  value?: ValueInput | number[];
  values?: (ValueInput | number[])[];
}

export interface VmOptions {
  /** Conformance-style memory: r1 = its address, r2 = its length (instead of a context). */
  mem?: Uint8Array | number[] | string;
  ctx?: CtxInput;
  /** Override the program's type (from its section). */
  progType?: ProgType;
  budget?: number;
  cpus?: number;
  cpu?: number;
  seed?: number;
  conformance?: boolean;
  /** Other programs of the same object, as tail-call targets. */
  programs?: Program[];
  maps?: Record<string, MapInitEntry[]>;
  task?: Partial<TaskInfo>;
  clock?: ClockOptions;
  /**
   * 'auto' steps first and compiles the program to JavaScript once it has run JIT_THRESHOLD
   * instructions (compiling costs more than short runs take); 'jit' compiles at once; 'interp'
   * only steps. All three give the same results.
   */
  engine?: 'auto' | 'jit' | 'interp';
  /** Record a step-by-step trace (forces the interpreter). */
  trace?: boolean;
  /** Most trace entries kept (default 100,000). */
  traceLimit?: number;
}

export interface OutputLine {
  kind: 'printk' | 'note';
  text: string;
  pc: number;
}

export interface TraceEntry {
  pc: number;
  /** Registers the instruction changed, as hex. */
  regs: Record<string, string>;
  writes: { address: string; bytes: number[] }[];
}

export interface FaultInfo {
  kind: VmFault['kind'];
  message: string;
  pc: number;
  /** 1-based source line, when the program has a source map. */
  line?: number;
  address?: string;
  size?: number;
  region?: string;
}

export interface FrameState {
  depth: number;
  /** Slot of the function's first instruction. */
  entry: number;
  /** Where the caller continues, for frames above the first. */
  returnPc?: number;
  callback: boolean;
  r10: string;
  stack: number[];
}

export type Status = 'ready' | 'running' | 'exited' | 'faulted';

export interface VmState {
  status: Status;
  program: string;
  pc: number;
  insnCount: number;
  registers: string[];
  frames: FrameState[];
  maps: MapDump[];
  output: OutputLine[];
  records: StreamRecord[];
  packet?: number[];
  r0?: string;
  meaning?: string;
  fault?: FaultInfo;
}

/** A program made ready to run against this machine's maps. */
export interface Loaded {
  program: Program;
  decoded: Decoded;
  /** program.maps[i] → the machine's map of that name. */
  maps: VmMap[];
  code: Region;
  compiled?: CompiledFn | null;
  /** Instructions this program has run over a session's runs (when 'auto' compiles it). */
  sessionInsns: number;
}

/** What changes from one run of a session to the next. */
export interface RunSetup {
  /** The program to run (loaded, with its maps, the first time it is seen). */
  program: Program;
  cpu?: number;
  task?: Partial<TaskInfo>;
  clock?: ClockOptions;
  ctx?: CtxInput;
  budget?: number;
}

const defaultTask: TaskInfo = {
  pid: 4242,
  tgid: 4242,
  uid: 1000,
  gid: 1000,
  comm: 'ebpf-studio',
  kernelStack: [0xffffffff81a01234n, 0xffffffff81a05678n, 0xffffffff81000abcn],
  userStack: [0x0000555555555123n, 0x00007ffff7df0456n],
};

function splitmix(seed: bigint): () => bigint {
  let s = BigInt.asUintN(64, seed);
  return () => {
    s = BigInt.asUintN(64, s + 0x9e3779b97f4a7c15n);
    let z = s;
    z = BigInt.asUintN(64, (z ^ (z >> 30n)) * 0xbf58476d1ce4e5b9n);
    z = BigInt.asUintN(64, (z ^ (z >> 27n)) * 0x94d049bb133111ebn);
    return z ^ (z >> 31n);
  };
}

export class Machine {
  readonly mem = new Memory();
  private readonly regsBuf = new ArrayBuffer(8 * 11);
  /** Registers as unsigned 64-bit values (interpreter and helpers). */
  readonly R = new BigUint64Array(this.regsBuf);
  /** The same registers as 32-bit halves: I[2n] low, I[2n+1] high (compiled code). */
  readonly I = new Int32Array(this.regsBuf);
  readonly frameSave = new Int32Array(MAX_FRAMES * FRAME_WORDS);
  readonly frameEntry = new Int32Array(MAX_FRAMES);
  readonly mayGoto = new Int32Array(MAX_FRAMES);
  readonly stacks: Region[] = [];
  readonly stackHi = new Int32Array(MAX_FRAMES);
  depth = 0;
  pc = 0;
  insnCount = 0;
  budget: number;
  status: Status = 'ready';
  faultInfo?: FaultInfo;
  r0?: bigint;
  tailCalls = 0;
  readonly output: OutputLine[] = [];
  readonly maps = new Map<string, VmMap>();
  readonly loaded = new Map<string, Loaded>();
  prog: Loaded;
  progType: ProgType;
  ctxRegion?: Region;
  packet?: PacketState;
  task: TaskInfo;
  readonly cpus: number;
  cpuId: number;
  readonly conformance: boolean;
  /** Instruction count from which the compiled engine is used (Infinity: never). */
  jitFrom: number;
  private readonly engine: 'auto' | 'jit' | 'interp';
  /** Set by bpf_redirect / bpf_redirect_map, for the result. */
  redirect?: { ifindex?: number; map?: string; key?: number; flags: number };
  trace?: TraceEntry[];
  private readonly traceLimit: number;
  private traceWrites: WriteRecord[] = [];
  private clockStart: bigint;
  private nsPerInsn: bigint;
  bootOffset: bigint;
  random: () => bigint;
  /** Nested callback runs in progress (bpf_loop). */
  private callbackDepth = 0;
  private cbReturned = false;
  readonly helpers: ReadonlyMap<number, Helper> = HELPERS;
  private entry: Loaded;
  private readonly seed: bigint;
  private readonly options: VmOptions;
  private ctxInput: CtxInput | undefined;
  /** The context, packet and named memory of the current run, freed when the next one starts. */
  private inputRegions: Region[] = [];
  /** Programs loaded by a session, by identity (names may repeat across a script's probes). */
  private readonly byProgram = new WeakMap<Program, Loaded>();

  constructor(program: Program, options: VmOptions = {}) {
    this.options = options;
    this.budget = options.budget ?? DEFAULT_BUDGET;
    if (!Number.isFinite(this.budget) || this.budget < 0) throw new Error(`budget must be a non-negative number, got ${options.budget}`);
    this.cpus = Math.max(1, Math.min(256, Math.floor(options.cpus ?? 2)));
    this.cpuId = Math.max(0, Math.min(this.cpus - 1, Math.floor(options.cpu ?? 0)));
    this.conformance = options.conformance ?? false;
    const engine = options.engine ?? 'auto';
    this.engine = options.trace ? 'interp' : engine;
    this.jitFrom = this.jitStart(program.insns.length, 0);
    this.ctxInput = options.ctx;
    this.traceLimit = options.traceLimit ?? 100_000;
    this.task = { ...defaultTask, ...(options.task ?? {}) };
    this.clockStart = BigInt(options.clock?.startNs ?? 1_000_000_000n);
    this.nsPerInsn = BigInt(Math.max(0, Math.floor(options.clock?.nsPerInsn ?? 1)));
    this.bootOffset = BigInt(options.clock?.bootOffsetNs ?? 0n);
    this.seed = BigInt(options.seed ?? 0x5eed);
    this.random = splitmix(this.seed);
    this.progType = options.progType ?? program.type;

    for (let d = 0; d < MAX_FRAMES; d++) {
      const r = this.mem.alloc('stack', `stack frame ${d}`, STACK_SIZE);
      this.stacks.push(r);
      this.stackHi[d] = r.hi;
    }
    for (const p of [program, ...(options.programs ?? [])]) for (const spec of p.maps) this.addMap(spec);
    this.prog = this.load(program);
    for (const p of options.programs ?? []) if (!this.loaded.has(p.name)) this.load(p);
    this.initMaps(options.maps ?? {});

    if (options.trace) this.trace = [];
    this.entry = this.prog;
    this.reset();
  }

  /** When the compiled engine takes over in a run, given what the program ran in earlier runs. */
  private jitStart(slots: number, earlier: number): number {
    if (this.engine === 'interp') return Infinity;
    if (this.engine === 'jit') return 0;
    const threshold = Math.max(JIT_THRESHOLD, JIT_INSNS_PER_SLOT * slots);
    return Math.max(0, threshold - earlier);
  }

  /** Loads a program (and declares its maps) for a session; the same Program object loads once. */
  addProgram(program: Program): Loaded {
    const had = this.byProgram.get(program);
    if (had) return had;
    for (const spec of program.maps) this.addMap(spec);
    const l = this.load(program);
    this.byProgram.set(program, l);
    return l;
  }

  /** Declares a map for a session before any program uses it. Throws Error for a bad or conflicting spec. */
  declareMap(spec: MapSpec): VmMap {
    this.addMap(spec);
    return this.maps.get(spec.name)!;
  }

  /**
   * Sets up the next run of a session: the program, CPU, task, clock, context and budget, then
   * resets registers, stacks and inputs. Maps, the random sequence and compiled code carry over.
   * Throws Error for bad input (a context the program type cannot take...).
   */
  prepare(setup: RunSetup): Loaded {
    const l = this.addProgram(setup.program);
    this.entry = l;
    this.progType = setup.program.type;
    this.cpuId = Math.max(0, Math.min(this.cpus - 1, Math.floor(setup.cpu ?? 0)));
    this.task = { ...defaultTask, ...(setup.task ?? {}) };
    this.clockStart = BigInt(setup.clock?.startNs ?? 1_000_000_000n);
    this.nsPerInsn = BigInt(Math.max(0, Math.floor(setup.clock?.nsPerInsn ?? 1)));
    this.bootOffset = BigInt(setup.clock?.bootOffsetNs ?? 0n);
    this.budget = setup.budget ?? DEFAULT_BUDGET;
    if (!Number.isFinite(this.budget) || this.budget < 0) throw new Error(`budget must be a non-negative number, got ${setup.budget}`);
    this.ctxInput = setup.ctx;
    this.jitFrom = this.jitStart(setup.program.insns.length, l.sessionInsns);
    this.reset(false);
    return l;
  }

  /** A tracepoint program's record layout comes from the catalog when the caller gives none. */
  private withTracepointLayout(ctx: CtxInput | undefined): CtxInput | undefined {
    if (this.progType !== 'tracepoint' || ctx?.tracepointFields) return ctx;
    const [category, event] = (this.prog.program.attachTo ?? '').split('/');
    if (!category || !event) return ctx;
    const format = tracepointFormat(category, event, { useTracefs: false }) ?? tracepointFormat(category, event);
    return format ? { ...(ctx ?? {}), tracepointFields: format.fields } : ctx;
  }

  /** The memory, context and packet r1 (and r2) start with; fresh for every reset. */
  private buildInputs(): { r1: bigint; r2: bigint } {
    const o = this.options;
    if (o.mem !== undefined) {
      const bytes = parseBytes(o.mem, 'mem');
      const r = this.mem.alloc('mem', 'memory (r1)', bytes);
      return { r1: bytes.length > 0 ? r.base : 0n, r2: BigInt(bytes.length) };
    }
    if (this.conformance) return { r1: 0n, r2: 0n };
    const built = buildContext(this.mem, this.progType, this.withTracepointLayout(this.ctxInput));
    this.ctxRegion = built.ctx;
    this.packet = built.packet;
    return { r1: built.r1, r2: 0n };
  }

  private addMap(spec: MapSpec): void {
    const old = this.maps.get(spec.name);
    if (old) {
      if (old.spec.type !== spec.type || old.spec.keySize !== spec.keySize || old.spec.valueSize !== spec.valueSize) {
        throw new Error(`map '${spec.name}' is declared twice with different shapes`);
      }
      return;
    }
    const problem = mapSpecProblem(spec, this.cpus);
    if (problem) throw new Error(problem);
    // A map pointer reads as the map's kernel struct (key_size, max_entries...), never written.
    const handle = this.mem.alloc('map', `map '${spec.name}'`, mapStructImage(spec, this.maps.size + 1), false);
    const env = { mem: this.mem, cpus: this.cpus, cpu: () => this.cpuId };
    const map = createMap(spec, handle, env);
    handle.owner = map;
    this.maps.set(spec.name, map);
  }

  private load(program: Program): Loaded {
    const decoded = decode(program);
    const maps = program.maps.map((s) => this.maps.get(s.name)!);
    const code = this.mem.alloc('code', `code of ${program.name || 'the program'}`, 0, false);
    const l: Loaded = { program, decoded, maps, code, sessionInsns: 0 };
    code.owner = l;
    this.loaded.set(program.name, l);
    return l;
  }

  private initMaps(init: Record<string, MapInitEntry[]>): void {
    for (const [name, entries] of Object.entries(init)) {
      const map = this.maps.get(name);
      if (!map) throw new Error(`map init: the program has no map named '${name}'`);
      const spec = map.spec;
      if (!Array.isArray(entries)) throw new Error(`map init '${name}': expected a list of { key, value } entries`);
      for (const [i, e] of entries.entries()) {
        const where = `map init '${name}' entry ${i}`;
        if (map instanceof ProgArrayMap) {
          const index = Number(encodeValue(e.key, 4, where));
          const target = typeof e.value === 'string' ? e.value : undefined;
          if (!target || !this.loaded.has(target)) throw new Error(`${where}: value must name a program (${[...this.loaded.keys()].join(', ')})`);
          const rc = map.set(index, target);
          if (rc) throw new Error(`${where}: index ${index} is outside the map (${spec.maxEntries} entries)`);
          continue;
        }
        const key = spec.keySize > 0 ? bytesOfValue(e.key, spec.keySize, `${where} key`) : new Uint8Array(0);
        if (map.push && spec.keySize === 0) {
          const rc = map.push(bytesOfValue(e.value ?? 0, spec.valueSize, `${where} value`), 0);
          if (rc) throw new Error(`${where}: push failed (${rc})`);
          continue;
        }
        const values = e.values ? e.values.map((v, c) => bytesOfValue(v, spec.valueSize, `${where} value for cpu ${c}`)) : [bytesOfValue(e.value ?? 0, spec.valueSize, `${where} value`)];
        const rc = map.setAll ? map.setAll(key, values) : map.update(key, values[0], 0);
        if (rc) throw new Error(`${where}: the map refused the entry (${errnoText(rc)})`);
      }
    }
  }

  /**
   * Back to the first instruction with fresh registers, stacks and inputs; maps keep their
   * contents. The previous run's inputs and the map elements it deleted are freed.
   */
  reset(reseed = true): void {
    for (const r of this.inputRegions) this.mem.free(r);
    this.mem.collect();
    this.prog = this.entry;
    this.mem.track();
    let inputs: { r1: bigint; r2: bigint };
    try {
      inputs = this.buildInputs();
    } finally {
      this.inputRegions = this.mem.untrack();
    }
    const { r1, r2 } = inputs;
    if (reseed) this.random = splitmix(this.seed);
    this.R.fill(0n);
    this.R[1] = r1;
    this.R[2] = r2;
    this.depth = 0;
    this.frameEntry[0] = 0;
    this.mayGoto[0] = MAY_GOTO_BUDGET;
    for (const s of this.stacks) s.u8.fill(0);
    this.R[10] = this.stacks[0].base + BigInt(STACK_SIZE);
    this.pc = 0;
    this.insnCount = 0;
    this.status = 'ready';
    this.faultInfo = undefined;
    this.r0 = undefined;
    this.tailCalls = 0;
    this.callbackDepth = 0;
    this.cbReturned = false;
    this.output.length = 0;
    this.redirect = undefined;
    if (this.trace) this.trace.length = 0;
  }

  // ---- helpers' view --------------------------------------------------------------------------

  arg(i: number): bigint {
    return this.R[i];
  }

  now(): bigint {
    return this.clockStart + BigInt(this.insnCount) * this.nsPerInsn;
  }

  /** The map a helper argument points at. */
  mapArg(address: bigint, what = 'map argument'): VmMap {
    const r = this.mem.regionOf(address);
    if (!r || r.kind !== 'map' || BigInt.asUintN(64, address) !== r.base) fault('helper', `${what} (${hex64(address)}) is not a map`);
    return r.owner as VmMap;
  }

  note(text: string): void {
    this.output.push({ kind: 'note', text, pc: this.pc });
  }

  print(text: string): void {
    this.output.push({ kind: 'printk', text, pc: this.pc });
  }

  records(): StreamRecord[] {
    const out: StreamRecord[] = [];
    for (const m of this.maps.values()) if ('records' in m) out.push(...(m as { records: StreamRecord[] }).records);
    return out;
  }

  /** Runs a subprogram as a callback (bpf_loop) and returns its r0. */
  invokeCallback(slot: number, args: bigint[]): bigint {
    const saved = this.R.slice();
    const savedPc = this.pc;
    const savedDepth = this.depth;
    this.pushFrame(slot, savedPc, FRAME_CALLBACK);
    args.forEach((a, i) => (this.R[i + 1] = a));
    this.callbackDepth++;
    try {
      this.loop();
    } finally {
      this.callbackDepth--;
    }
    this.cbReturned = false;
    const r0 = this.R[0];
    this.R.set(saved);
    this.pc = savedPc;
    this.depth = savedDepth;
    return r0;
  }

  /** The code pointer's target slot (lddw src=4), or undefined when the value is not one. */
  codeTarget(address: bigint): number | undefined {
    const r = this.mem.regionOf(address);
    if (!r || r.kind !== 'code' || r.owner !== this.prog) return undefined;
    return Number(BigInt.asUintN(64, address) & 0xffffffffn);
  }

  // ---- frames -----------------------------------------------------------------------------------

  pushFrame(target: number, returnPc: number, kind: number): void {
    const d = this.depth + 1;
    if (d >= MAX_FRAMES) fault('call-depth', `call depth exceeds ${MAX_FRAMES} frames (the kernel's limit): too deep recursion of bpf-to-bpf calls`);
    const n = this.prog.decoded.ops.length;
    if (target < 0 || target >= n) fault('bad-jump', `call target ${target} is outside the program (0..${n - 1})`);
    const base = d * FRAME_WORDS;
    const I = this.I;
    for (let k = 0; k < 8; k++) this.frameSave[base + k] = I[12 + k];
    this.frameSave[base + 8] = returnPc;
    this.frameSave[base + 9] = kind;
    this.frameEntry[d] = target;
    this.mayGoto[d] = MAY_GOTO_BUDGET;
    this.depth = d;
    this.stacks[d].u8.fill(0);
    this.R[10] = this.stacks[d].base + BigInt(STACK_SIZE);
    this.pc = target;
  }

  /** `exit`: ends the program at depth 0, else returns to the caller. */
  exitFrame(): void {
    const d = this.depth;
    if (d === 0) {
      this.finish(this.R[0]);
      return;
    }
    const base = d * FRAME_WORDS;
    for (let k = 0; k < 8; k++) this.I[12 + k] = this.frameSave[base + k];
    this.pc = this.frameSave[base + 8];
    const kind = this.frameSave[base + 9];
    this.depth = d - 1;
    this.R[10] = this.stacks[d - 1].base + BigInt(STACK_SIZE);
    if (kind === FRAME_CALLBACK) this.cbReturned = true;
  }

  finish(r0: bigint): void {
    this.r0 = BigInt.asUintN(64, r0);
    this.R[0] = this.r0;
    this.status = 'exited';
    for (const m of this.maps.values()) {
      if (m instanceof RingbufMap) {
        if (m.open.size > 0) this.note(`${m.open.size} ring buffer record(s) of '${m.spec.name}' were reserved and never submitted or discarded`);
        m.drain();
      }
    }
  }

  // ---- helpers ----------------------------------------------------------------------------------

  callHelper(id: number): void {
    if (this.conformance && id === 5) {
      // The conformance suite's "unwind": returns r1, and stops the program when r1 is 0.
      if (this.R[1] === 0n) throw new StopProgram(0n, 'unwind helper called with r1 = 0');
      this.R[0] = this.R[1];
      return;
    }
    const h = this.helpers.get(id);
    if (!h) {
      const known = id > 0 ? helperName(id) : undefined;
      fault('unknown-helper', known ? `helper ${known} (#${id}) is not implemented by the VM` : `call to unknown helper #${id}`);
    }
    this.R[0] = BigInt.asUintN(64, h.run(this));
  }

  tailCall(mapAddr: bigint, index: bigint): bigint | undefined {
    const map = this.mapArg(mapAddr, 'bpf_tail_call map');
    if (!(map instanceof ProgArrayMap)) fault('helper', `bpf_tail_call needs a prog_array map, got '${map.spec.name}' (${map.spec.type})`);
    const i = Number(BigInt.asUintN(32, index));
    if (i >= map.spec.maxEntries) return undefined;
    if (this.tailCalls >= MAX_TAIL_CALLS) {
      this.note(`tail call limit (${MAX_TAIL_CALLS}) reached: bpf_tail_call falls through`);
      return undefined;
    }
    const target = map.slots.get(i);
    if (target === undefined) return undefined;
    if (this.depth !== 0 || this.callbackDepth > 0) fault('unsupported', 'bpf_tail_call from a subprogram or callback is not modelled by the VM');
    this.tailCalls++;
    throw new TailCall(target);
  }

  private enterTailCall(t: TailCall): void {
    const l = this.loaded.get(t.program)!;
    this.prog = l;
    this.pc = 0;
    this.frameEntry[0] = 0;
    this.mayGoto[0] = MAY_GOTO_BUDGET;
    this.stacks[0].u8.fill(0);
    this.R[10] = this.stacks[0].base + BigInt(STACK_SIZE);
  }

  // ---- running ----------------------------------------------------------------------------------

  private compiled(): CompiledFn | null {
    const l = this.prog;
    if (l.compiled === undefined) {
      try {
        l.compiled = compileProgram(l);
      } catch (e) {
        this.note(`the JavaScript compiler gave up on this program (${e instanceof Error ? e.message : String(e)}); stepping instead`);
        l.compiled = null;
      }
    }
    return l.compiled;
  }

  /** The instruction loop; returns when the program ends or a callback frame returns. */
  private loop(): void {
    for (;;) {
      if (this.status !== 'running' || this.cbReturned) return;
      if (this.insnCount >= this.jitFrom && this.prog.decoded.leaders[this.pc] === 1) {
        const fn = this.compiled();
        if (fn) {
          fn(this);
          if (this.status !== 'running' || this.cbReturned) return;
        }
      }
      this.stepInner();
    }
  }

  /** One instruction, by the interpreter. */
  private stepInner(): void {
    if (this.insnCount >= this.budget) {
      fault('budget', `instruction budget of ${this.budget.toLocaleString('en-US')} exhausted: the program may loop forever (raise it with --budget)`);
    }
    if (this.trace) {
      const before = this.R.slice();
      const pc = this.pc;
      this.traceWrites = [];
      this.mem.onWrite = (w) => this.traceWrites.push(w);
      try {
        stepOnce(this);
      } finally {
        this.mem.flushWrites();
        this.mem.onWrite = undefined;
        if (this.trace.length < this.traceLimit) {
          const regs: Record<string, string> = {};
          for (let i = 0; i < 11; i++) if (this.R[i] !== before[i]) regs[`r${i}`] = hex64(this.R[i]);
          this.trace.push({ pc, regs, writes: this.traceWrites.map((w) => ({ address: hex64(w.address), bytes: Array.from(w.bytes) })) });
        }
      }
    } else {
      stepOnce(this);
    }
  }

  /** Runs control-flow exceptions and faults into the machine's status. */
  private guard(body: () => void): void {
    if (this.status === 'exited' || this.status === 'faulted') return;
    this.status = 'running';
    for (;;) {
      try {
        body();
        return;
      } catch (e) {
        if (e instanceof TailCall) {
          this.enterTailCall(e);
          continue;
        }
        if (e instanceof StopProgram) {
          this.note(`program stopped: ${e.why}`);
          this.finish(e.r0);
          return;
        }
        if (e instanceof VmFault) {
          if (e.pc < 0) e.pc = this.pc;
          this.setFault(e);
          return;
        }
        if (e instanceof RangeError && /call stack/i.test(e.message)) {
          this.setFault(new VmFault('call-depth', 'callbacks nested too deeply'));
          return;
        }
        // Whatever else goes wrong inside the VM stops this run, never the host.
        const internal = new VmFault('internal', `internal VM error (please report it): ${e instanceof Error ? e.message : String(e)}`);
        internal.pc = this.pc;
        this.setFault(internal);
        return;
      }
    }
  }

  private setFault(e: VmFault): void {
    this.status = 'faulted';
    const line = this.lineOf(e.pc);
    const where = `insn ${e.pc}${line !== undefined ? ` (line ${line})` : ''}`;
    this.faultInfo = {
      kind: e.kind,
      message: `${where}: ${e.detail}`,
      pc: e.pc,
      ...(line !== undefined ? { line } : {}),
      ...(e.info.address !== undefined ? { address: hex64(e.info.address) } : {}),
      ...(e.info.size !== undefined ? { size: e.info.size } : {}),
      ...(e.info.region !== undefined ? { region: e.info.region } : {}),
    };
  }

  lineOf(pc: number): number | undefined {
    const r = this.prog.program.sourceMap?.[pc];
    return r ? r.start.line + 1 : undefined;
  }

  /** Runs to the end, or until the next instruction to run is a breakpoint slot (not on the one it starts at). */
  run(opts: { until?: Iterable<number> } = {}): void {
    const until = opts.until ? new Set(opts.until) : undefined;
    if (!until || until.size === 0) {
      this.guard(() => this.loop());
      return;
    }
    // With breakpoints every instruction goes through the interpreter, which checks before each one.
    let first = true;
    this.guard(() => {
      while (this.status === 'running' && (first || !until.has(this.pc))) {
        first = false;
        this.stepInner();
      }
    });
    if (this.status === 'running') this.status = 'ready';
  }

  step(): void {
    this.guard(() => this.stepInner());
    if (this.status === 'running') this.status = 'ready';
  }

  // ---- inspection -------------------------------------------------------------------------------

  state(): VmState {
    const frames: FrameState[] = [];
    for (let d = 0; d <= this.depth; d++) {
      frames.push({
        depth: d,
        entry: this.frameEntry[d],
        ...(d > 0 ? { returnPc: this.frameSave[d * FRAME_WORDS + 8] } : {}),
        callback: d > 0 && this.frameSave[d * FRAME_WORDS + 9] === FRAME_CALLBACK,
        r10: hex64(this.stacks[d].base + BigInt(STACK_SIZE)),
        stack: Array.from(this.stacks[d].u8),
      });
    }
    const r0 = this.r0;
    return {
      status: this.status,
      program: this.prog.program.name,
      pc: this.pc,
      insnCount: this.insnCount,
      registers: Array.from(this.R, (v) => hex64(v)),
      frames,
      maps: [...this.maps.values()].map((m) => m.dump()),
      output: this.output.slice(),
      records: this.records(),
      ...(this.packet ? { packet: Array.from(this.packet.region.u8.subarray(this.packet.data, this.packet.end)) } : {}),
      ...(r0 !== undefined ? { r0: hex64(r0), meaning: this.conformance || this.options.mem !== undefined ? undefined : returnMeaning(this.progType, r0) } : {}),
      ...(this.faultInfo ? { fault: this.faultInfo } : {}),
    };
  }
}


export function errnoText(rc: number): string {
  const names: Record<number, string> = { [-2]: '-ENOENT', [-7]: '-E2BIG', [-17]: '-EEXIST', [-22]: '-EINVAL', [-12]: '-ENOMEM', [-95]: '-EOPNOTSUPP' };
  return names[rc] ?? String(rc);
}

/** A key or value given as a number (little-endian), hex text, or bytes, exactly `size` bytes long. */
export function bytesOfValue(v: ValueInput | number[], size: number, what: string): Uint8Array {
  if (Array.isArray(v)) {
    const b = parseBytes(v as number[], what);
    if (b.length > size) throw new Error(`${what}: ${b.length} bytes given, the map's size is ${size}`);
    const out = new Uint8Array(size);
    out.set(b);
    return out;
  }
  if (typeof v === 'string' && /^\s*([0-9a-f]{2}[\s,]+)+[0-9a-f]{2}\s*$/i.test(v)) return bytesOfValue(Array.from(parseBytes(v, what)), size, what);
  const n = encodeValue(v, size, what);
  const out = new Uint8Array(size);
  let x = BigInt.asUintN(Math.min(size, 64) * 8, n);
  for (let i = 0; i < size && i < 8; i++) {
    out[i] = Number(x & 0xffn);
    x >>= 8n;
  }
  return out;
}

function encodeValue(v: ValueInput | number[], size: number, what: string): bigint {
  if (Array.isArray(v)) return BigInt(v[0] ?? 0);
  const n = resolveValue(v, new Map(), what);
  if (size < 8 && BigInt.asUintN(size * 8, n) !== n && BigInt.asIntN(64, n) >= 0n) {
    throw new Error(`${what}: ${n} does not fit in ${size} byte(s)`);
  }
  return n;
}
