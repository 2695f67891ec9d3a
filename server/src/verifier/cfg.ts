// The checks the kernel makes before walking any path, in its order: subprogram starts and
// call targets, jumps within their subprogram and the last instruction, the 64-bit immediate
// loads and opcodes, then the control-flow graph (unreachable instructions, back-edges,
// jumps into the middle of a 64-bit load). Also computes prune points and register liveness.
import type { Insn, MapSpec } from '../core/types';
import { CLASS, JMP, PSEUDO, type InsnForm } from '../isa/table';
import { matchForm } from '../isa/codec';
import { SYNC_CALLBACK_HELPERS } from './callback';
import { analyseRelevance } from './relevance';
import { reject } from './reject';

const LDDW = 0x18;
/** Opcodes the kernel knows that the instruction table has no form for (8/16-bit atomics for load-acquire/store-release). */
export const KERNEL_ONLY_OPCODES: ReadonlySet<number> = new Set([0xcb, 0xd3]);
/** Opcodes the instruction table knows that this kernel does not (callx). */
export const KERNEL_UNKNOWN_OPCODES: ReadonlySet<number> = new Set([0x8d]);
/** Bounded by the kernel's BPF_MAX_VAR_OFF. */
const MAX_VAR_OFF = 1 << 29;

export interface Cfg {
  /** Start slot of each subprogram, ascending; [0] is the main program. */
  subprogs: number[];
  /** Form of each slot (undefined for fillers and kernel-only opcodes). */
  forms: (InsnForm | undefined)[];
  prunePoint: Uint8Array;
  /** Registers (bit i = ri) that some path may read before writing, at each slot. */
  liveIn: Uint16Array;
  /** Registers whose exact value may matter for safety later (live and flowing into a check). */
  relevantIn: Uint16Array;
  /** Own-frame stack slots whose spilled value may matter later (two 32-bit words per slot index). */
  slotsIn: Uint32Array;
  /** Successors of each slot (for warnings about dead code). */
  succ: number[][];
  /** Prune points where a checkpoint is always stored (may_goto, calls that run callbacks). */
  forceCheckpoint: Uint8Array;
  /** Helper calls that run a callback (the kernel's calls_callback): a callback returns to them. */
  callsCallback: Uint8Array;
  /**
   * Like relevantIn and slotsIn, but counting only real uses (a store through a pointer that may
   * point anywhere does not make its value matter): what decides which scalars a returning
   * callback's iteration keeps exact and which it widens, as the kernel keeps precise ones.
   */
  useRelevantIn: Uint16Array;
  useSlotsIn: Uint32Array;
}

export interface CfgOptions {
  maps: readonly MapSpec[];
  privileged: boolean;
  /** Program types whose main-program return value the kernel range-checks. */
  checksReturn: boolean;
  /** The loader gives BTF func_info (Program.funcInfo). */
  funcInfo?: boolean;
}

const isJmpClass = (op: number): boolean => (op & 7) === CLASS.JMP || (op & 7) === CLASS.JMP32;
const jmpOp = (op: number): number => op & 0xf0;
const isPseudoCall = (i: Insn): boolean => i.opcode === (CLASS.JMP | JMP.CALL) && i.src === PSEUDO.CALL;
const isPseudoFunc = (i: Insn): boolean => i.opcode === LDDW && i.src === PSEUDO.FUNC;
const isKfuncCall = (i: Insn): boolean => i.opcode === (CLASS.JMP | JMP.CALL) && i.src === PSEUDO.KFUNC_CALL;

/** add_subprog_and_kfunc + check_subprogs: subprogram starts, jump ranges, last instructions. */
function findSubprogs(insns: readonly Insn[], privileged: boolean): number[] {
  const starts = new Set<number>([0]);
  for (let i = 0; i < insns.length; i++) {
    const insn = insns[i];
    if (!isPseudoFunc(insn) && !isPseudoCall(insn) && !isKfuncCall(insn)) continue;
    if (!privileged) {
      reject('unsupported', 'loading/calling other bpf or kernel functions are allowed for CAP_BPF and CAP_SYS_ADMIN', { insn: i });
    }
    if (isKfuncCall(insn)) {
      reject('unsupported', `kernel function calls (kfunc btf_id ${insn.imm}) need kernel BTF, which eBPF Studio does not model`, { insn: i });
    }
    const target = i + insn.imm + 1;
    if (target < 0 || target >= insns.length) reject('jump-out-of-range', 'call to invalid destination', { insn: i, other: target });
    starts.add(target);
  }
  const subprogs = [...starts].sort((a, b) => a - b);
  let cur = 0;
  let start = subprogs[0];
  let end = subprogs[1] ?? insns.length;
  for (let i = 0; i < insns.length; i++) {
    const op = insns[i].opcode;
    if (isJmpClass(op) && jmpOp(op) !== JMP.EXIT && jmpOp(op) !== JMP.CALL) {
      const target = op === (CLASS.JMP32 | JMP.JA) ? i + insns[i].imm + 1 : i + insns[i].off + 1;
      if (target < start || target >= end) {
        reject('jump-out-of-range', `jump out of range from insn ${i} to ${target}`, { insn: i, other: target });
      }
    }
    if (i === end - 1) {
      if (op !== (CLASS.JMP | JMP.EXIT) && op !== (CLASS.JMP32 | JMP.JA) && op !== (CLASS.JMP | JMP.JA)) {
        reject('last-insn', 'last insn is not an exit or jmp', { insn: i });
      }
      start = end;
      cur++;
      end = subprogs[cur + 1] ?? insns.length;
    }
  }
  return subprogs;
}

/** resolve_pseudo_ldimm64: LDX fields, 64-bit immediate loads and their maps, unknown opcodes. */
function checkLoadsAndOpcodes(insns: readonly Insn[], maps: readonly MapSpec[]): (InsnForm | undefined)[] {
  const forms: (InsnForm | undefined)[] = new Array(insns.length);
  for (let i = 0; i < insns.length; i++) {
    const insn = insns[i];
    const cls = insn.opcode & 7;
    const mode = insn.opcode & 0xe0;
    if (cls === CLASS.LDX && ((mode !== 0x60 && mode !== 0x80) || insn.imm !== 0)) {
      reject('reserved-fields', 'BPF_LDX uses reserved fields', { insn: i });
    }
    if (insn.opcode === LDDW) {
      const next = insns[i + 1];
      if (i === insns.length - 1 || next.opcode !== 0 || next.dst !== 0 || next.src !== 0 || next.off !== 0) {
        reject('bad-ldimm64', 'invalid bpf_ld_imm64 insn', { insn: i });
      }
      checkLdImm64(insn, next, i, maps);
      const m = matchForm(insn);
      forms[i] = 'form' in m ? m.form : undefined;
      i++;
      continue;
    }
    const m = matchForm(insn);
    if (KERNEL_UNKNOWN_OPCODES.has(insn.opcode)) {
      reject('unknown-opcode', `unknown opcode ${insn.opcode.toString(16).padStart(2, '0')}`, { insn: i });
    }
    if ('form' in m) {
      forms[i] = m.form;
    } else if (m.reason === 'unknown-opcode' && !KERNEL_ONLY_OPCODES.has(insn.opcode)) {
      reject('unknown-opcode', `unknown opcode ${insn.opcode.toString(16).padStart(2, '0')}`, { insn: i });
    }
  }
  return forms;
}

function checkLdImm64(insn: Insn, next: Insn, i: number, maps: readonly MapSpec[]): void {
  switch (insn.src) {
    case 0:
    case PSEUDO.FUNC:
      return;
    case PSEUDO.BTF_ID:
      reject('unsupported', 'loading kernel variables by BTF id (ld_imm64 src=3) needs kernel BTF, which eBPF Studio does not model', { insn: i });
      break;
    case PSEUDO.MAP_VALUE:
    case PSEUDO.MAP_IDX_VALUE:
      break;
    case PSEUDO.MAP_FD:
    case PSEUDO.MAP_IDX:
      if (next.imm === 0) break;
      reject('bad-ldimm64', 'unrecognized bpf_ld_imm64 insn', { insn: i });
      break;
    default:
      reject('bad-ldimm64', 'unrecognized bpf_ld_imm64 insn', { insn: i });
  }
  if (insn.src === PSEUDO.MAP_IDX || insn.src === PSEUDO.MAP_IDX_VALUE) {
    reject('bad-ldimm64', 'fd_idx without fd_array is invalid', { insn: i });
  }
  const map = maps[insn.imm];
  if (insn.imm < 0 || !map) reject('bad-ldimm64', `fd ${insn.imm} is not pointing to valid bpf_map`, { insn: i });
  if (insn.src === PSEUDO.MAP_VALUE) {
    const off = next.imm >>> 0;
    if (off >= MAX_VAR_OFF) reject('bad-ldimm64', `direct value offset of ${off} is not allowed`, { insn: i });
    if (map.type !== 'array') reject('bad-ldimm64', 'no direct value access support for this map type', { insn: i });
    if (off >= map.valueSize) reject('bad-ldimm64', `invalid access to map value pointer, value_size=${map.valueSize} off=${off}`, { insn: i });
  }
}

/** Successor edges as the kernel's check_cfg orders them: fallthrough first, then the branch. */
function edges(insns: readonly Insn[], t: number): { to: number; branch: boolean }[] {
  const insn = insns[t];
  const op = insn.opcode;
  if (op === LDDW) {
    const out = [{ to: t + 2, branch: false }];
    if (insn.src === PSEUDO.FUNC) out.push({ to: t + insn.imm + 1, branch: true });
    return out;
  }
  if (!isJmpClass(op)) return [{ to: t + 1, branch: false }];
  const o = jmpOp(op);
  if (o === JMP.EXIT) return [];
  if (o === JMP.CALL) {
    const out = [{ to: t + 1, branch: false }];
    if (isPseudoCall(insn)) out.push({ to: t + insn.imm + 1, branch: true });
    return out;
  }
  if (o === JMP.JA) {
    const target = (op & 7) === CLASS.JMP32 ? t + insn.imm + 1 : t + insn.off + 1;
    return [{ to: target, branch: false }];
  }
  return [{ to: t + 1, branch: false }, { to: t + insn.off + 1, branch: true }];
}

interface Marks {
  prunePoint: Uint8Array;
  forceCheckpoint: Uint8Array;
  callsCallback: Uint8Array;
}

/** check_cfg: an iterative depth-first walk from the first instruction, as the kernel does it. */
function walkCfg(insns: readonly Insn[], privileged: boolean, marks: Marks): void {
  const { prunePoint } = marks;
  const n = insns.length;
  const DISCOVERED = 1;
  const EXPLORED = 2;
  const state = new Uint8Array(n);
  const nextEdge = new Uint8Array(n);
  const stack: number[] = [0];
  state[0] = DISCOVERED;
  // Each instruction is pushed once and each edge examined once: bounded by 2n + edges.
  while (stack.length > 0) {
    const t = stack[stack.length - 1];
    const es = edges(insns, t);
    const insn = insns[t];
    if (isJmpClass(insn.opcode)) {
      const o = jmpOp(insn.opcode);
      if (o === JMP.CALL) {
        prunePoint[t + 1] = 1;
        if (isPseudoCall(insn)) prunePoint[t] = 1;
        // A callback returns to its call, which then schedules the next iteration: a checkpoint
        // there is what lets the iterations converge.
        if (insn.src === 0 && SYNC_CALLBACK_HELPERS.has(insn.imm)) {
          prunePoint[t] = 1;
          marks.forceCheckpoint[t] = 1;
          marks.callsCallback[t] = 1;
        }
      } else if (o === JMP.JA) {
        if (es[0].to >= 0 && es[0].to < n) prunePoint[es[0].to] = 1;
      } else if (o !== JMP.EXIT) {
        prunePoint[t] = 1;
        if (o === JMP.JCOND) marks.forceCheckpoint[t] = 1;
      }
    } else if (isPseudoFunc(insn)) {
      // visit_func_call_insn: the load of a callback's address is treated like a call.
      prunePoint[t] = 1;
      if (t + 2 < n) prunePoint[t + 2] = 1;
    }
    let pushed = false;
    while (nextEdge[t] < es.length) {
      const e = es[nextEdge[t]++];
      const w = e.to;
      if (w < 0 || w >= n) reject('jump-out-of-range', `jump out of range from insn ${t} to ${w}`, { insn: t, other: w });
      if (e.branch) prunePoint[w] = 1;
      if (state[w] === 0) {
        state[w] = DISCOVERED;
        stack.push(w);
        pushed = true;
        break;
      }
      if (state[w] === DISCOVERED && !privileged) {
        reject('back-edge', `back-edge from insn ${t} to ${w}`, { insn: t, other: w });
      }
    }
    if (!pushed) {
      state[t] = EXPLORED;
      stack.pop();
    }
  }
  for (let i = 0; i < n; i++) {
    if (state[i] !== EXPLORED) reject('unreachable', `unreachable insn ${i}`, { insn: i });
    if (insns[i].opcode === LDDW) {
      if (state[i + 1] !== 0) reject('jump-out-of-range', `jump into the middle of ldimm64 insn ${i}`, { insn: i });
      i++;
    }
  }
}

/** Successors for the relevance analysis: calls return to the next instruction; callees are analysed on their own. */
function flowSuccessors(insns: readonly Insn[]): number[][] {
  const n = insns.length;
  const out: number[][] = [];
  for (let t = 0; t < n; t++) {
    const call = isJmpClass(insns[t].opcode) && jmpOp(insns[t].opcode) === JMP.CALL;
    out.push(edges(insns, t).filter((e) => !e.branch || (isJmpClass(insns[t].opcode) && !call)).map((e) => e.to).filter((w) => w >= 0 && w < n));
  }
  return out;
}

/**
 * check_abnormal_return: without BTF function info, subprograms may not use LD_ABS or tail calls.
 * With it the kernel allows both in subprograms returning int, which eBPF Studio does not model.
 */
function checkAbnormalReturn(insns: readonly Insn[], subprogs: readonly number[], funcInfo: boolean): void {
  for (let i = 1; i < subprogs.length; i++) {
    const end = subprogs[i + 1] ?? insns.length;
    let ldAbs = -1;
    let tailCall = -1;
    for (let t = subprogs[i]; t < end; t++) {
      const op = insns[t].opcode;
      if ((op & 7) === CLASS.LD && ((op & 0xe0) === 0x20 || (op & 0xe0) === 0x40) && ldAbs < 0) ldAbs = t;
      if (op === (CLASS.JMP | JMP.CALL) && insns[t].src === 0 && insns[t].imm === 12 && tailCall < 0) tailCall = t;
    }
    if (funcInfo) {
      if (ldAbs >= 0) reject('unsupported', 'LD_ABS in a subprogram (allowed with BTF func_info) is not modelled by eBPF Studio', { insn: ldAbs });
      if (tailCall >= 0) reject('unsupported', 'tail calls in a subprogram (allowed with BTF func_info) are not modelled by eBPF Studio', { insn: tailCall });
    }
    if (ldAbs >= 0) reject('unsupported', 'LD_ABS is not allowed in subprogs without BTF', { insn: ldAbs });
    if (tailCall >= 0) reject('unsupported', 'tail_call is not allowed in subprogs without BTF', { insn: tailCall });
  }
}

/** Runs the pre-walk checks (throws Reject) and returns what the walk needs. */
export function analyseCfg(insns: readonly Insn[], o: CfgOptions): Cfg {
  const subprogs = findSubprogs(insns, o.privileged);
  const forms = checkLoadsAndOpcodes(insns, o.maps);
  const marks: Marks = {
    prunePoint: new Uint8Array(insns.length + 1),
    forceCheckpoint: new Uint8Array(insns.length + 1),
    callsCallback: new Uint8Array(insns.length + 1),
  };
  walkCfg(insns, o.privileged, marks);
  checkAbnormalReturn(insns, subprogs, o.funcInfo ?? false);
  const succ = flowSuccessors(insns);
  const rel = analyseRelevance(insns, forms, subprogs, succ, o.checksReturn);
  // The use-only variant matters only where a callback returns; without callbacks it is not needed.
  const hasCallbacks = insns.some((i) => isPseudoFunc(i));
  const uses = hasCallbacks ? analyseRelevance(insns, forms, subprogs, succ, o.checksReturn, true) : rel;
  return {
    subprogs, forms, prunePoint: marks.prunePoint, liveIn: rel.liveIn, relevantIn: rel.relevantIn, slotsIn: rel.slotsIn, succ,
    forceCheckpoint: marks.forceCheckpoint, callsCallback: marks.callsCallback, useRelevantIn: uses.relevantIn, useSlotsIn: uses.slotsIn,
  };
}
