// Conditional jumps (check_cond_jmp_op): which way a branch can go (is_branch_taken), what each
// side learns about the compared registers (regs_refine_cond_op), NULL checks reaching every
// copy of a pointer, packet range checks against data_end, and linked scalar copies.
import type { Insn } from '../core/types';
import { CLASS, type InsnForm, type JmpCondName } from '../isa/table';
import { getReg, isPointerValue, needPrecise, readReg, type Env } from './env';
import { max, min, s32, u32, u64, U32_MAX, U64_MAX } from './num';
import { reject } from './reject';
import { isNullable, isPacketPtr, isPointer, type PtrReg, type RegState, type ScalarReg } from './reg';
import { isInconsistent, scalarAlu, scalarConst, sync, syncInPlace, zext32, type Scalar } from './scalar';
import { cloneState, curFrame, mapAllRegs, type VState } from './state';
import {
  tnumAnd, tnumConst, tnumIntersect, tnumIsConst, tnumOr, tnumOverlap, tnumSubreg, tnumWithSubreg, type Tnum,
} from './tnum';

const MAX_PACKET_OFF = 0xffff;
/** Packet pointer ranges that record a comparison proving the pointer at or beyond data_end. */
const AT_PKT_END = -1;
const BEYOND_PKT_END = -2;

type Op = JmpCondName | 'jset_not';

const FLIP: Record<JmpCondName, JmpCondName> = {
  jeq: 'jeq', jne: 'jne', jset: 'jset', jgt: 'jlt', jlt: 'jgt', jge: 'jle', jle: 'jge', jsgt: 'jslt', jslt: 'jsgt', jsge: 'jsle', jsle: 'jsge',
};
const REV: Record<JmpCondName, Op> = {
  jeq: 'jne', jne: 'jeq', jset: 'jset_not', jgt: 'jle', jle: 'jgt', jge: 'jlt', jlt: 'jge', jsgt: 'jsle', jsle: 'jsgt', jsge: 'jslt', jslt: 'jsge',
};

const isRegConst = (s: Scalar, is32: boolean): boolean => (is32 ? (s.var.mask & 0xffffffffn) === 0n : tnumIsConst(s.var));
const constVal = (s: Scalar, is32: boolean): bigint => (is32 ? s.var.value & 0xffffffffn : s.var.value);

interface View {
  t: Tnum;
  umin: bigint;
  umax: bigint;
  smin: bigint;
  smax: bigint;
}

function view(s: Scalar, is32: boolean): View {
  return is32
    ? { t: tnumSubreg(s.var), umin: s.u32min, umax: s.u32max, smin: s.s32min, smax: s.s32max }
    : { t: s.var, umin: s.umin, umax: s.umax, smin: s.smin, smax: s.smax };
}


/** is_scalar_branch_taken: 1 always, 0 never, -1 unknown. */
function scalarBranchTaken(r1: Scalar, r2: Scalar, op: JmpCondName, is32: boolean, same: boolean): number {
  const a = view(r1, is32);
  const b = view(r2, is32);
  if (same) {
    switch (op) {
      case 'jge': case 'jle': case 'jsge': case 'jsle': case 'jeq': return 1;
      case 'jgt': case 'jlt': case 'jsgt': case 'jslt': case 'jne': return 0;
      case 'jset':
        if (tnumIsConst(a.t)) return a.t.value !== 0n ? 1 : 0;
        return a.smin <= 0n && a.smax >= 0n ? -1 : 1;
    }
  }
  switch (op) {
    case 'jeq':
    case 'jne': {
      const eq = op === 'jeq';
      if (tnumIsConst(a.t) && tnumIsConst(b.t)) return (a.t.value === b.t.value) === eq ? 1 : 0;
      if (!tnumOverlap(a.t, b.t)) return eq ? 0 : 1;
      if (a.umin > b.umax || a.umax < b.umin) return eq ? 0 : 1;
      if (a.smin > b.smax || a.smax < b.smin) return eq ? 0 : 1;
      if (!is32) {
        if (r1.u32min > r2.u32max || r1.u32max < r2.u32min) return eq ? 0 : 1;
        if (r1.s32min > r2.s32max || r1.s32max < r2.s32min) return eq ? 0 : 1;
      }
      return -1;
    }
    case 'jset': {
      let x = a;
      let y = b;
      let ys = r2;
      if (!isRegConst(ys, is32)) {
        [x, y] = [b, a];
        ys = r1;
      }
      if (!isRegConst(ys, is32)) return -1;
      if ((~x.t.mask & x.t.value) & y.t.value) return 1;
      if (!((x.t.mask | x.t.value) & y.t.value)) return 0;
      return -1;
    }
    case 'jgt': return a.umin > b.umax ? 1 : a.umax <= b.umin ? 0 : -1;
    case 'jsgt': return a.smin > b.smax ? 1 : a.smax <= b.smin ? 0 : -1;
    case 'jlt': return a.umax < b.umin ? 1 : a.umin >= b.umax ? 0 : -1;
    case 'jslt': return a.smax < b.smin ? 1 : a.smin >= b.smax ? 0 : -1;
    case 'jge': return a.umin >= b.umax ? 1 : a.umax < b.umin ? 0 : -1;
    case 'jsge': return a.smin >= b.smax ? 1 : a.smax < b.smin ? 0 : -1;
    case 'jle': return a.umax <= b.umin ? 1 : a.umin > b.umax ? 0 : -1;
    case 'jsle': return a.smax <= b.smin ? 1 : a.smin > b.smax ? 0 : -1;
  }
}

/** Pointers the kernel knows are never NULL (reg_not_null). */
function notNull(r: PtrReg): boolean {
  if (isNullable(r)) return false;
  return r.type === 'sock' || r.type === 'map_value' || r.type === 'map_key' || r.type === 'mem' || r.type === 'map_ptr';
}

function pktBranchTaken(d: PtrReg, s: PtrReg, op: JmpCondName): number {
  let pkt: PtrReg;
  if (s.type === 'packet_end') pkt = d;
  else if (d.type === 'packet_end') {
    pkt = s;
    op = FLIP[op];
  } else return -1;
  const range = 'range' in pkt ? pkt.range : 0;
  if (range >= 0) return -1;
  switch (op) {
    case 'jle': case 'jgt':
      if (range === BEYOND_PKT_END) return op === 'jgt' ? 1 : 0;
      break;
    case 'jlt': case 'jge':
      if (range === BEYOND_PKT_END || range === AT_PKT_END) return op === 'jge' ? 1 : 0;
      break;
  }
  return -1;
}

/** is_branch_taken over any two registers. */
export function branchTaken(d: RegState, s: RegState, op: JmpCondName, is32: boolean, same: boolean): number {
  if (isPointer(d) && isPointer(s) && (isPacketPtr(d) || d.type === 'packet_end') && (isPacketPtr(s) || s.type === 'packet_end') && !is32) {
    return pktBranchTaken(d, s, op);
  }
  if (isPointer(d) || isPointer(s)) {
    let p = d;
    let k = s;
    if (!(k.type === 'scalar' && isRegConst(k.v, is32))) {
      op = FLIP[op];
      [p, k] = [s, d];
    }
    if (!(k.type === 'scalar' && isRegConst(k.v, is32))) return -1;
    if (!isPointer(p) || !notNull(p)) return -1;
    if (constVal(k.v, is32) !== 0n) return -1;
    return op === 'jeq' ? 0 : op === 'jne' ? 1 : -1;
  }
  return scalarBranchTaken((d as ScalarReg).v, (s as ScalarReg).v, op, is32, same);
}

/** regs_refine_cond_op: narrows r1 and r2 (mutable copies) assuming `r1 op r2` holds. */
function refine(r1: Scalar, r2: Scalar, op: Op, is32: boolean): void {
  if (op === 'jge' || op === 'jgt' || op === 'jsge' || op === 'jsgt') {
    op = FLIP[op];
    [r1, r2] = [r2, r1];
  }
  switch (op) {
    case 'jeq':
      if (is32) {
        r1.u32min = max(r1.u32min, r2.u32min);
        r1.u32max = min(r1.u32max, r2.u32max);
        r1.s32min = max(r1.s32min, r2.s32min);
        r1.s32max = min(r1.s32max, r2.s32max);
        r2.u32min = r1.u32min;
        r2.u32max = r1.u32max;
        r2.s32min = r1.s32min;
        r2.s32max = r1.s32max;
        const t = tnumIntersect(tnumSubreg(r1.var), tnumSubreg(r2.var));
        r1.var = tnumWithSubreg(r1.var, t);
        r2.var = tnumWithSubreg(r2.var, t);
      } else {
        r1.umin = max(r1.umin, r2.umin);
        r1.umax = min(r1.umax, r2.umax);
        r1.smin = max(r1.smin, r2.smin);
        r1.smax = min(r1.smax, r2.smax);
        r2.umin = r1.umin;
        r2.umax = r1.umax;
        r2.smin = r1.smin;
        r2.smax = r1.smax;
        r1.var = tnumIntersect(r1.var, r2.var);
        r2.var = r1.var;
      }
      break;
    case 'jne': {
      if (!isRegConst(r2, is32)) [r1, r2] = [r2, r1];
      if (!isRegConst(r2, is32)) break;
      const val = constVal(r2, is32);
      if (is32) {
        if (r1.u32min === u32(val)) r1.u32min++;
        if (r1.u32max === u32(val)) r1.u32max = u32(r1.u32max - 1n);
        if (r1.s32min === s32(val)) r1.s32min++;
        if (r1.s32max === s32(val)) r1.s32max--;
      } else {
        if (r1.umin === val) r1.umin++;
        if (r1.umax === val) r1.umax = u64(r1.umax - 1n);
        if (r1.smin === BigInt.asIntN(64, val)) r1.smin++;
        if (r1.smax === BigInt.asIntN(64, val)) r1.smax--;
      }
      break;
    }
    case 'jset': {
      if (!isRegConst(r2, is32)) [r1, r2] = [r2, r1];
      if (!isRegConst(r2, is32)) break;
      const val = constVal(r2, is32);
      if (val === 0n || (val & (val - 1n)) !== 0n) break;
      if (is32) r1.var = tnumWithSubreg(r1.var, tnumOr(tnumSubreg(r1.var), tnumConst(val)));
      else r1.var = tnumOr(r1.var, tnumConst(val));
      break;
    }
    case 'jset_not': {
      if (!isRegConst(r2, is32)) [r1, r2] = [r2, r1];
      if (!isRegConst(r2, is32)) break;
      const val = constVal(r2, is32);
      Object.assign(r1, { smin: -(1n << 63n), smax: (1n << 63n) - 1n, umin: 0n, umax: U64_MAX, s32min: -(1n << 31n), s32max: (1n << 31n) - 1n, u32min: 0n, u32max: U32_MAX });
      if (is32) r1.var = tnumWithSubreg(r1.var, tnumAnd(tnumSubreg(r1.var), tnumConst(~val & U32_MAX)));
      else r1.var = tnumAnd(r1.var, tnumConst(~val & U64_MAX));
      break;
    }
    case 'jle':
      if (is32) {
        r1.u32max = min(r1.u32max, r2.u32max);
        r2.u32min = max(r1.u32min, r2.u32min);
      } else {
        r1.umax = min(r1.umax, r2.umax);
        r2.umin = max(r1.umin, r2.umin);
      }
      break;
    case 'jlt':
      if (is32) {
        r1.u32max = min(r1.u32max, u32(r2.u32max - 1n));
        r2.u32min = max(u32(r1.u32min + 1n), r2.u32min);
      } else {
        r1.umax = min(r1.umax, u64(r2.umax - 1n));
        r2.umin = max(u64(r1.umin + 1n), r2.umin);
      }
      break;
    case 'jsle':
      if (is32) {
        r1.s32max = min(r1.s32max, r2.s32max);
        r2.s32min = max(r1.s32min, r2.s32min);
      } else {
        r1.smax = min(r1.smax, r2.smax);
        r2.smin = max(r1.smin, r2.smin);
      }
      break;
    case 'jslt':
      if (is32) {
        r1.s32max = min(r1.s32max, s32(r2.s32max - 1n));
        r2.s32min = max(s32(r1.s32min + 1n), r2.s32min);
      } else {
        r1.smax = min(r1.smax, BigInt.asIntN(64, r2.smax - 1n));
        r2.smin = max(BigInt.asIntN(64, r1.smin + 1n), r2.smin);
      }
      break;
    default:
      break;
  }
}

/** Copies of a scalar (same id) learn what a comparison taught the compared one (sync_linked_regs). */
function syncLinked(st: VState, known: ScalarReg): void {
  if (!known.id) return;
  const kOff = known.linkOff ?? 0;
  mapAllRegs(st, (r) => {
    if (r === known || r.type !== 'scalar' || r.id !== known.id) return r;
    const rOff = r.linkOff ?? 0;
    if (rOff === kOff) return { ...r, v: known.v };
    let v = scalarAlu('add', 64, known.v, scalarConst(BigInt(rOff - kOff)));
    if (r.link32) v = sync(zext32(v));
    return { ...r, v };
  });
}

/** mark_ptr_or_null_regs: every copy of the pointer with this id becomes NULL (0) or non-NULL. */
function markPtrOrNull(st: VState, regno: number, isNull: boolean): void {
  const r = curFrame(st).regs[regno] as PtrReg;
  const id = r.id;
  if (!id) return;
  if (isNull && r.refObjId && r.refObjId === id) st.refs = st.refs.filter((x) => x.id !== id);
  mapAllRegs(st, (x) => {
    if (!isPointer(x) || !isNullable(x) || x.id !== id) return x;
    if (isNull) return { type: 'scalar', v: scalarConst(0n), id: 0, at: x.at };
    return { ...x, nullable: false, id: 0 } as RegState;
  });
}

/** find_good_pkt_pointers: every copy of the checked packet pointer may now be read up to `off`. */
function goodPktPointers(st: VState, dst: PtrReg, rightOpen: boolean): void {
  if (dst.off < 0 || (dst.off === 0 && rightOpen)) return;
  if (dst.v.umax > BigInt(MAX_PACKET_OFF) || dst.v.umax + BigInt(dst.off) > BigInt(MAX_PACKET_OFF)) return;
  const newRange = dst.off + (rightOpen ? 1 : 0);
  mapAllRegs(st, (x) => {
    if (x.type === dst.type && x.id === dst.id && 'range' in x && x.range < newRange) return { ...x, range: newRange } as RegState;
    return x;
  });
}

function markPktEnd(st: VState, regno: number, rangeOpen: boolean): void {
  const r = curFrame(st).regs[regno];
  if (r.type !== 'packet') return;
  curFrame(st).regs[regno] = { ...r, range: rangeOpen ? BEYOND_PKT_END : AT_PKT_END };
}

const isInitPkt = (r: RegState, type: 'packet'): boolean => r.type === type && r.off === 0 && tnumIsConst(r.v.var) && r.v.var.value === 0n;

/** try_match_pkt_pointers. `taken` is the jump-taken state, `fall` the fall-through one. */
function matchPktPointers(insn: Insn, op: JmpCondName, d: RegState, s: RegState, fall: VState, taken: VState): boolean {
  const dataVsEnd = (a: RegState, b: RegState) => (a.type === 'packet' && b.type === 'packet_end') || (a.type === 'packet_meta' && isInitPkt(b, 'packet'));
  const endVsData = (a: RegState, b: RegState) => (a.type === 'packet_end' && b.type === 'packet') || (isInitPkt(a, 'packet') && b.type === 'packet_meta');
  const dp = d as PtrReg;
  const sp = s as PtrReg;
  switch (op) {
    case 'jgt':
      if (dataVsEnd(d, s)) { goodPktPointers(fall, dp, false); markPktEnd(taken, insn.dst, true); }
      else if (endVsData(d, s)) { goodPktPointers(taken, sp, true); markPktEnd(fall, insn.src, false); }
      else return false;
      return true;
    case 'jlt':
      if (dataVsEnd(d, s)) { goodPktPointers(taken, dp, true); markPktEnd(fall, insn.dst, false); }
      else if (endVsData(d, s)) { goodPktPointers(fall, sp, false); markPktEnd(taken, insn.src, true); }
      else return false;
      return true;
    case 'jge':
      if (dataVsEnd(d, s)) { goodPktPointers(fall, dp, true); markPktEnd(taken, insn.dst, false); }
      else if (endVsData(d, s)) { goodPktPointers(taken, sp, false); markPktEnd(fall, insn.src, true); }
      else return false;
      return true;
    case 'jle':
      if (dataVsEnd(d, s)) { goodPktPointers(taken, dp, false); markPktEnd(fall, insn.dst, true); }
      else if (endVsData(d, s)) { goodPktPointers(fall, sp, true); markPktEnd(taken, insn.src, false); }
      else return false;
      return true;
    default:
      return false;
  }
}

export interface JumpOutcome {
  /** 1: always jumps, 0: never jumps, -1: both ways (the jump side is `taken`). */
  pred: number;
  taken?: VState;
  /** A side whose refined bounds are contradictory cannot happen at run time. */
  takenImpossible?: boolean;
  fallImpossible?: boolean;
}

function scalarCopy(r: RegState): Scalar | undefined {
  return r.type === 'scalar' ? { ...r.v } : undefined;
}

/** check_cond_jmp_op. Mutates `st` into the fall-through state. */
export function checkCondJump(env: Env, st: VState, insn: Insn, form: InsnForm | undefined): JumpOutcome {
  if (!form || form.kind !== 'jcond') reject('reserved-fields', 'BPF_JMP/JMP32 uses reserved fields');
  const op = form.cond!.name;
  const is32 = (insn.opcode & 7) === CLASS.JMP32;
  const d = readReg(st, insn.dst);
  let s: RegState;
  if (form.source === 'reg') {
    s = readReg(st, insn.src);
    const bothPkt = (isPacketPtr(d) || d.type === 'packet_end') && (isPacketPtr(s) || s.type === 'packet_end');
    if (!bothPkt && isPointerValue(env, s)) reject('pointer-comparison', `R${insn.src} pointer comparison prohibited`, { reg: insn.src });
  } else {
    s = { type: 'scalar', v: scalarConst(BigInt(insn.imm)), id: 0, at: env.insnIdx };
  }
  const same = form.source === 'reg' && insn.src === insn.dst;
  const pred = branchTaken(d, s, op, is32, same);
  if (pred === 1 || pred === 0) {
    if (d.type === 'scalar') needPrecise(env, insn.dst);
    if (form.source === 'reg' && s.type === 'scalar') needPrecise(env, insn.src);
    return { pred };
  }

  const taken = cloneState(st);
  const outcome: JumpOutcome = { pred: -1, taken };
  if (d.type === 'scalar' && s.type === 'scalar') {
    const tRegs = curFrame(taken).regs;
    const fRegs = curFrame(st).regs;
    const fd = scalarCopy(d)!;
    const fs = same ? fd : scalarCopy(s)!;
    refine(fd, fs, REV[op], is32);
    syncInPlace(fd);
    if (!same) syncInPlace(fs);
    const td = scalarCopy(d)!;
    const ts = same ? td : scalarCopy(s)!;
    refine(td, ts, op, is32);
    syncInPlace(td);
    if (!same) syncInPlace(ts);
    if (isInconsistent(td) || isInconsistent(ts)) outcome.takenImpossible = true;
    if (isInconsistent(fd) || isInconsistent(fs)) outcome.fallImpossible = true;
    tRegs[insn.dst] = { ...(d as ScalarReg), v: td };
    fRegs[insn.dst] = { ...(d as ScalarReg), v: fd };
    if (form.source === 'reg' && !same) {
      tRegs[insn.src] = { ...(s as ScalarReg), v: ts };
      fRegs[insn.src] = { ...(s as ScalarReg), v: fs };
      syncLinked(st, fRegs[insn.src] as ScalarReg);
      syncLinked(taken, tRegs[insn.src] as ScalarReg);
    }
    syncLinked(st, fRegs[insn.dst] as ScalarReg);
    syncLinked(taken, tRegs[insn.dst] as ScalarReg);
  }
  // Comparing a maybe-NULL pointer with a non-NULL one: equal means non-NULL.
  if (!is32 && form.source === 'reg' && isPointer(d) && isPointer(s) && isNullable(d) !== isNullable(s)) {
    const eqState = op === 'jeq' ? taken : op === 'jne' ? st : undefined;
    if (eqState) {
      const regno = isNullable(s) ? insn.src : insn.dst;
      const r = curFrame(eqState).regs[regno] as PtrReg;
      curFrame(eqState).regs[regno] = { ...r, nullable: false } as RegState;
    }
  }
  if (!is32 && form.source === 'imm' && insn.imm === 0 && (op === 'jeq' || op === 'jne') && isNullable(d)) {
    markPtrOrNull(st, insn.dst, op === 'jne');
    markPtrOrNull(taken, insn.dst, op === 'jeq');
    const at = (d as PtrReg).at;
    if (at >= 0) env.checkedLookups.add(at);
  } else if (!(form.source === 'reg' && !is32 && matchPktPointers(insn, op, d, getReg(st, insn.src), st, taken)) && isPointerValue(env, d)) {
    reject('pointer-comparison', `R${insn.dst} pointer comparison prohibited`, { reg: insn.dst });
  }
  return outcome;
}

