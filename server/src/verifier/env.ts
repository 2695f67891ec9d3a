// The verification environment: the program, options, id generator, counters and the
// per-instruction records the editor reads afterwards. Shared by every check module.
import type { Insn, MapSpec, ProgType } from '../core/types';
import type { Cfg } from './cfg';
import { reject } from './reject';
import { isPointer, unknownScalar, type RegState, type ScalarReg } from './reg';
import { curFrame, FP, pushPath, REG_COUNT, type StoredState, type VState } from './state';

export interface VerifyOptions {
  /** Verify as a loader without CAP_BPF/CAP_PERFMON would be verified. */
  unprivileged?: boolean;
  /** Overrides the program's own type. */
  progType?: ProgType;
  /** Produce a kernel-format verifier log. */
  log?: boolean;
  /** Most checkpoint states kept per instruction before older ones are dropped (default 64). */
  maxStates?: number;
  /** The processed-instruction limit (the kernel's 1,000,000). */
  insnLimit?: number;
  /** CPUs the kernel reports (bounds bpf_get_smp_processor_id). */
  nrCpus?: number;
  /** Source dialect, for the text of suggested fixes. */
  dialect?: 'llvm' | 'mnemonic';
  /**
   * Stop after this many milliseconds (for editors that verify on every keystroke). The result is
   * then a 'timeout' finding, not the kernel's verdict.
   */
  timeBudgetMs?: number;
}

export const INSN_LIMIT = 1_000_000;
/** The kernel's BPF_COMPLEXITY_LIMIT_JMP_SEQ: pending branches at once. */
export const JMP_SEQ_LIMIT = 8192;

export interface PendingBranch {
  state: VState;
  insn: number;
  prev: number;
}

/** What the explorer remembers about each instruction for the editor and for warnings. */
export interface InsnRecord {
  /** Distinct states seen before the instruction (capped), the first one first. */
  states: VState[];
  visits: number;
}

const GPL_COMPATIBLE = new Set(['GPL', 'GPL v2', 'GPL and additional rights', 'Dual BSD/GPL', 'Dual MIT/GPL', 'Dual MPL/GPL']);

export class Env {
  readonly privileged: boolean;
  readonly gplCompatible: boolean;
  readonly insnLimit: number;
  readonly maxStates: number;
  readonly nrCpus: number;
  idGen = 0;
  insnIdx = 0;
  prevInsnIdx = -1;
  insnProcessed = 0;
  jmpsProcessed = 0;
  prevInsnProcessed = 0;
  prevJmpsProcessed = 0;
  totalStates = 0;
  liveStates = 0;
  peakStates = 0;
  readonly explored = new Map<number, StoredState[]>();
  readonly pending: PendingBranch[] = [];
  readonly records: (InsnRecord | undefined)[];
  /** Deepest stack use seen per subprogram, in bytes. */
  readonly stackDepth: number[];
  readonly logLines: string[] | undefined;
  /** Lookups whose result was never tested against NULL on some path (for a warning). */
  readonly uncheckedLookups = new Set<number>();
  readonly checkedLookups = new Set<number>();
  /** Map lookups whose result was used at all. */
  readonly usedLookups = new Set<number>();
  /** Calls to bpf_loop and the like whose flags argument is a constant other than 0 (for a warning). */
  readonly nonZeroFlags = new Set<number>();
  /** Registers the instruction being verified needs exactly (a decided branch, a size argument...). */
  preciseMask = 0;
  /** performance.now() after which the walk stops (Infinity: never). */
  readonly deadline: number;

  constructor(
    readonly insns: readonly Insn[],
    readonly maps: readonly MapSpec[],
    readonly progType: ProgType,
    readonly cfg: Cfg,
    readonly options: VerifyOptions,
    license: string | undefined,
    /** The loader gives BTF func_info: subprograms may be callbacks. */
    readonly funcInfo = false,
  ) {
    this.privileged = !options.unprivileged;
    this.gplCompatible = license === undefined || GPL_COMPATIBLE.has(license);
    this.insnLimit = options.insnLimit ?? INSN_LIMIT;
    this.maxStates = options.maxStates ?? 64;
    this.nrCpus = options.nrCpus ?? 64;
    this.records = new Array(insns.length);
    this.stackDepth = cfg.subprogs.map(() => 0);
    this.logLines = options.log ? [] : undefined;
    this.deadline = options.timeBudgetMs !== undefined ? performance.now() + options.timeBudgetMs : Infinity;
  }

  newId(): number {
    return ++this.idGen;
  }

  /** Pointer values may be copied, compared and returned only by privileged loaders. */
  get allowPtrLeaks(): boolean {
    return this.privileged;
  }

  get allowUninitStack(): boolean {
    return this.privileged;
  }

  get bypassSpecV1(): boolean {
    return this.privileged;
  }

  subprogOf(insn: number): number {
    const s = this.cfg.subprogs;
    let lo = 0;
    for (let i = 0; i < s.length; i++) if (s[i] <= insn) lo = i;
    return lo;
  }

  log(line: string): void {
    this.logLines?.push(line);
  }
}

export type Regs = RegState[];

/**
 * push_stack: `next` waits to be walked from `target`. A branch records its jump on the path
 * (for diagnostics); a scheduled callback does not.
 */
export function pushPending(env: Env, st: VState, next: VState, from: number, target: number, branch = false): void {
  if (branch) next.path = pushPath(st.path, from, target, true);
  if (next.parent) next.parent.branches++;
  env.pending.push({ state: next, insn: target, prev: from });
  if (env.pending.length > JMP_SEQ_LIMIT) {
    reject('too-complex', `The sequence of ${env.pending.length} jumps is too complex.`);
  }
}

/** check_reg_arg(SRC_OP): the register must exist and hold a value. */
export function readReg(st: VState, regno: number): RegState {
  if (regno >= REG_COUNT) reject('bad-register', `R${regno} is invalid`, { reg: regno });
  const r = curFrame(st).regs[regno];
  if (r.type === 'not_init') reject('uninit-reg', `R${regno} !read_ok`, { reg: regno });
  return r;
}

/** check_reg_arg(DST_OP): the register must exist and not be the frame pointer. */
export function checkDst(regno: number): void {
  if (regno >= REG_COUNT) reject('bad-register', `R${regno} is invalid`, { reg: regno });
  if (regno === FP) reject('fp-readonly', 'frame pointer is read only', { reg: regno });
}

export function setReg(st: VState, regno: number, r: RegState): void {
  curFrame(st).regs[regno] = r;
}

export function getReg(st: VState, regno: number): RegState {
  return curFrame(st).regs[regno];
}

/** Unprivileged loaders may not see pointer values as numbers (__is_pointer_value). */
export function isPointerValue(env: Env, r: RegState): boolean {
  return !env.allowPtrLeaks && isPointer(r);
}

/**
 * assign_scalar_id_before_mov: an unknown scalar gets an id before it is copied (to a register or
 * a stack slot) so that bounds learnt later reach both copies; a `+K` link is dropped first.
 */
export function assignIdBeforeMov(env: Env, st: VState, regno: number): ScalarReg | undefined {
  const r = getReg(st, regno);
  if (r.type !== 'scalar') return undefined;
  let next: ScalarReg = r;
  if (r.linkOff !== undefined) next = { ...next, id: 0, linkOff: undefined, link32: undefined };
  if (next.id === 0 && next.v.var.mask !== 0n) next = { ...next, id: env.newId() };
  if (next !== r) setReg(st, regno, next);
  return next;
}

/** Records that the current instruction's outcome depends on the exact value of `regno`. */
export function needPrecise(env: Env, regno: number): void {
  env.preciseMask |= 1 << regno;
}

export function markUnknown(st: VState, regno: number, at: number): void {
  setReg(st, regno, unknownScalar(at));
}
