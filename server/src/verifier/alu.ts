// ALU instructions (check_alu_op): register reads in the kernel's order, the reserved-field
// checks, scalar arithmetic through the bounds domain, and the pointer arithmetic rules.
import type { Insn } from '../core/types';
import { CLASS, type AluOpName, type InsnForm } from '../isa/table';
import { assignIdBeforeMov, checkDst, getReg, isPointerValue, needPrecise, readReg, setReg, type Env } from './env';
import { fls64, S64_MAX, S64_MIN, u64 } from './num';
import { reject } from './reject';
import { isNullable, isPacketPtr, regTypeName, type PtrReg, type RegState, type ScalarReg } from './reg';
import {
  scalarAlu, scalarConst, scalarEndian, scalarUnknown, signExtend, signExtend32, syncInPlace, zext32,
  type Scalar, type ScalarAluOp,
} from './scalar';
import { tnumAdd, tnumIsConst, tnumStr, tnumSub } from './tnum';
import type { VState } from './state';

/** The kernel's bpf_alu_string, indexed by opcode >> 4. */
const ALU_STRING = ['+=', '-=', '*=', '/=', '|=', '&=', '<<=', '>>=', 'neg', '%=', '^=', '=', 's>>=', 'endian'];
export const BPF_MAX_VAR_OFF = 1 << 29;


/** The kernel's reserved-field message for a malformed ALU instruction of this opcode. */
export function aluReservedMessage(insn: Insn): string {
  const op = insn.opcode & 0xf0;
  if (op === 0x80) return 'BPF_NEG uses reserved fields';
  if (op === 0xd0) return 'BPF_END uses reserved fields';
  if (op === 0xb0) {
    if ((insn.opcode & 7) === CLASS.ALU64 && insn.off === 1 && (insn.opcode & 0x08)) {
      return 'addr_space_cast insn can only be used in a program that has an associated arena';
    }
    return 'BPF_MOV uses reserved fields';
  }
  return 'BPF_ALU uses reserved fields';
}

/** Bits needed for the largest unsigned value (get_reg_width). */
const regWidth = (s: Scalar): number => fls64(s.umax);

export function checkAlu(env: Env, st: VState, insn: Insn, form: InsnForm | undefined, at: number): void {
  if (!form) reject('reserved-fields', aluReservedMessage(insn));
  const width = form.width;
  switch (form.kind) {
    case 'neg':
    case 'endian':
    case 'bswap': {
      const dst = readReg(st, insn.dst);
      if (isPointerValue(env, dst)) reject('ptr-arith', `R${insn.dst} pointer arithmetic prohibited`, { reg: insn.dst });
      checkDst(insn.dst);
      if (dst.type !== 'scalar') {
        setReg(st, insn.dst, { type: 'scalar', v: scalarUnknown(), id: 0, at });
        return;
      }
      // le64 on a little-endian machine changes nothing, and the kernel keeps the register as is.
      if (form.kind === 'endian' && form.order === 'le' && form.swapBits === 64) return;
      const v = form.kind === 'neg'
        ? scalarAlu('neg', width, dst.v, dst.v)
        : scalarEndian(dst.v, form.swapBits!, form.kind === 'bswap' || form.order === 'be');
      setReg(st, insn.dst, { type: 'scalar', v, id: 0, at });
      return;
    }
    case 'movsx':
    case 'addr_space_cast':
    case 'alu':
      break;
    default:
      reject('reserved-fields', aluReservedMessage(insn));
  }
  if (form.kind === 'addr_space_cast') {
    reject('unsupported', 'addr_space_cast insn can only be used in a program that has an associated arena');
  }
  if (form.kind === 'movsx' || form.alu?.name === 'mov') return checkMov(env, st, insn, form, at);
  const op = form.alu!.name;
  if (form.source === 'reg') readReg(st, insn.src);
  readReg(st, insn.dst);
  if ((op === 'div' || op === 'mod' || op === 'sdiv' || op === 'smod') && form.source === 'imm' && insn.imm === 0) {
    reject('div-by-zero', 'div by zero');
  }
  if ((op === 'lsh' || op === 'rsh' || op === 'arsh') && form.source === 'imm') {
    if (insn.imm < 0 || insn.imm >= width) reject('invalid-shift', `invalid shift ${insn.imm}`);
  }
  checkDst(insn.dst);
  adjustRegMinMax(env, st, insn, form, op, at);
}

function checkMov(env: Env, st: VState, insn: Insn, form: InsnForm, at: number): void {
  const alu64 = (insn.opcode & 7) === CLASS.ALU64;
  if (form.source === 'reg') readReg(st, insn.src);
  checkDst(insn.dst);
  if (form.source === 'imm') {
    const v = alu64 ? BigInt(insn.imm) : BigInt(insn.imm >>> 0);
    setReg(st, insn.dst, { type: 'scalar', v: scalarConst(v), id: 0, at });
    return;
  }
  const src = getReg(st, insn.src);
  if (alu64 && form.kind === 'alu') {
    const s = assignIdBeforeMov(env, st, insn.src) ?? src;
    setReg(st, insn.dst, { ...s, at: s.type === 'scalar' ? at : s.at } as RegState);
    return;
  }
  if (alu64) {
    // r1 = (s8/s16/s32) r2
    if (isPointerValue(env, src)) reject('pointer-leak', `R${insn.src} sign-extension part of pointer`, { reg: insn.src });
    if (src.type !== 'scalar') {
      setReg(st, insn.dst, { type: 'scalar', v: scalarUnknown(), id: 0, at });
      return;
    }
    const bits = form.signBits!;
    const noSext = src.v.umax < 1n << BigInt(bits - 1);
    const s = noSext ? assignIdBeforeMov(env, st, insn.src)! : src;
    setReg(st, insn.dst, { type: 'scalar', v: signExtend(s.v, bits / 8), id: noSext ? s.id : 0, at });
    return;
  }
  // w1 = w2, w1 = (s8/s16) w2
  if (isPointerValue(env, src)) reject('pointer-leak', `R${insn.src} partial copy of pointer`, { reg: insn.src });
  if (src.type !== 'scalar') {
    setReg(st, insn.dst, { type: 'scalar', v: zext32(scalarUnknown()), id: 0, at });
    return;
  }
  if (form.kind === 'alu') {
    const fits = regWidth(src.v) <= 32;
    const s = fits ? assignIdBeforeMov(env, st, insn.src)! : src;
    const v = zext32(s.v);
    syncInPlace(v);
    setReg(st, insn.dst, { type: 'scalar', v, id: fits ? s.id : 0, at });
    return;
  }
  const bits = form.signBits!;
  const noSext = src.v.umax < 1n << BigInt(bits - 1);
  const s = noSext ? assignIdBeforeMov(env, st, insn.src)! : src;
  setReg(st, insn.dst, { type: 'scalar', v: signExtend32(s.v, bits / 8), id: noSext ? s.id : 0, at });
}

const SCALAR_OPS: Partial<Record<AluOpName, ScalarAluOp>> = {
  add: 'add', sub: 'sub', mul: 'mul', div: 'div', sdiv: 'sdiv', mod: 'mod', smod: 'smod', and: 'and', or: 'or',
  xor: 'xor', lsh: 'lsh', rsh: 'rsh', arsh: 'arsh',
};

/** adjust_reg_min_max_vals: pointer arithmetic or scalar arithmetic, and linked-register bookkeeping. */
function adjustRegMinMax(env: Env, st: VState, insn: Insn, form: InsnForm, op: AluOpName, at: number): void {
  const dst = getReg(st, insn.dst);
  const alu32 = form.width === 32;
  let src: RegState;
  if (form.source === 'reg') {
    src = getReg(st, insn.src);
    if (src.type !== 'scalar') {
      if (dst.type !== 'scalar') {
        if (op === 'sub' && env.allowPtrLeaks) {
          setReg(st, insn.dst, { type: 'scalar', v: scalarUnknown(), id: 0, at });
          return;
        }
        reject('ptr-arith', `R${insn.dst} pointer ${ALU_STRING[form.alu!.code >> 4]} pointer prohibited`, { reg: insn.dst });
      }
      // scalar += pointer: the result is the pointer moved by the scalar.
      needPrecise(env, insn.dst);
      return adjustPtr(env, st, insn, form, op, src as PtrReg, dst, at);
    }
    if (dst.type !== 'scalar') {
      needPrecise(env, insn.src);
      return adjustPtr(env, st, insn, form, op, dst as PtrReg, src, at);
    }
  } else {
    src = { type: 'scalar', v: scalarConst(BigInt(insn.imm)), id: 0, at };
    if (dst.type !== 'scalar') return adjustPtr(env, st, insn, form, op, dst as PtrReg, src as ScalarReg, at);
  }
  const d = dst as ScalarReg;
  const s = src as ScalarReg;
  const scalarOp = SCALAR_OPS[op]!;
  const srcV = alu32 && form.source === 'imm' ? scalarConst(BigInt(insn.imm >>> 0)) : s.v;
  const v = scalarAlu(scalarOp, form.width, d.v, srcV);
  let id = 0;
  let linkOff: number | undefined;
  // rX += K keeps rX linked to the registers it was copied from, with K remembered.
  if (env.privileged && (op === 'add' || op === 'sub') && d.id && isConstFor(srcV, alu32)) {
    const raw = alu32 ? srcV.var.value & 0xffffffffn : BigInt.asIntN(64, srcV.var.value);
    const fits = alu32 || (raw >= -(1n << 31n) && raw < 1n << 31n);
    let k = BigInt.asIntN(32, raw);
    const negOverflow = op === 'sub' && k === -(1n << 31n);
    if (op === 'sub') k = -k;
    // A 32-bit add links only values that already fit in 32 bits (zero extension keeps the relation).
    const narrow = !alu32 || regWidth(d.v) <= 32;
    if (fits && narrow && !negOverflow && d.linkOff === undefined) {
      id = d.id;
      linkOff = Number(k);
    }
  }
  setReg(st, insn.dst, { type: 'scalar', v, id, at, ...(linkOff !== undefined ? { linkOff, link32: alu32 } : {}) });
}

const isConstFor = (s: Scalar, alu32: boolean): boolean =>
  alu32 ? (s.var.mask & 0xffffffffn) === 0n : tnumIsConst(s.var);

/** The reasons the kernel gives for refusing arithmetic on this pointer type. */
function ptrArithAllowed(ptr: PtrReg, known: boolean, smin: bigint, op: AluOpName): boolean {
  switch (ptr.type) {
    case 'ctx': case 'map_value': case 'map_key': case 'stack': case 'packet_meta': case 'packet': case 'mem': case 'func':
      return true;
    case 'map_ptr':
      return known && smin === 0n && op === 'add';
    default:
      return false;
  }
}

/** check_reg_sane_offset. */
function checkSaneOffset(off: Scalar, fixedOff: number, typeName: string): void {
  const known = tnumIsConst(off.var);
  const val = BigInt.asIntN(64, off.var.value);
  const max = BigInt(BPF_MAX_VAR_OFF);
  if (known && (val >= max || val <= -max)) reject('ptr-arith', `math between ${typeName} pointer and ${val} is not allowed`);
  if (fixedOff >= BPF_MAX_VAR_OFF || fixedOff <= -BPF_MAX_VAR_OFF) reject('ptr-arith', `${typeName} pointer offset ${fixedOff} is not allowed`);
  if (off.smin === S64_MIN) reject('ptr-arith', `math between ${typeName} pointer and register with unbounded min value is not allowed`);
  if (off.smin >= max || off.smin <= -max) reject('ptr-arith', `value ${off.smin} makes ${typeName} pointer be out of bounds`);
}

/** adjust_ptr_min_max_vals: pointer ± scalar. */
function adjustPtr(env: Env, st: VState, insn: Insn, form: InsnForm, op: AluOpName, ptr: PtrReg, offReg: RegState, at: number): void {
  const off = (offReg as ScalarReg).v;
  const known = tnumIsConst(off.var);
  const dstno = insn.dst;
  if ((known && (off.smin !== off.smax || off.umin !== off.umax)) || off.smin > off.smax || off.umin > off.umax) {
    setReg(st, dstno, { type: 'scalar', v: scalarUnknown(), id: 0, at });
    return;
  }
  if (form.width !== 64) {
    if (op === 'sub' && env.allowPtrLeaks) {
      setReg(st, dstno, { type: 'scalar', v: scalarUnknown(), id: 0, at });
      return;
    }
    reject('ptr-arith', `R${dstno} 32-bit pointer arithmetic prohibited`, { reg: dstno });
  }
  const typeName = regTypeName(ptr);
  if (isNullable(ptr)) {
    reject('null-deref', `R${dstno} pointer arithmetic on ${typeName} prohibited, null-check it first`, { reg: dstno });
  }
  if (!ptrArithAllowed(ptr, known, off.smin, op)) {
    reject('ptr-arith', `R${dstno} pointer arithmetic on ${typeName} prohibited`, { reg: dstno });
  }
  checkSaneOffset(off, 0, typeName);
  checkSaneOffset(ptr.v, ptr.off, typeName);
  const p = ptr.v;
  const smin = off.smin;
  let result: PtrReg;
  switch (op) {
    case 'add': {
      const sum = ptr.off + Number(smin);
      if (known && sum === (sum | 0)) {
        result = { ...ptr, off: sum, at };
        break;
      }
      const v = ptrVarAdd(p, off);
      result = { ...ptr, v, at };
      if (isPacketPtr(ptr)) result = { ...result, id: env.newId(), range: 0 } as PtrReg;
      break;
    }
    case 'sub': {
      if (offReg === getReg(st, dstno) && offReg.type === 'scalar') {
        reject('ptr-arith', `R${dstno} tried to subtract pointer from scalar`, { reg: dstno });
      }
      if (ptr.type === 'stack') reject('ptr-arith', `R${dstno} subtraction from stack pointer prohibited`, { reg: dstno });
      const diff = ptr.off - Number(smin);
      if (known && diff === (diff | 0)) {
        result = { ...ptr, off: diff, at };
        break;
      }
      const v = ptrVarSub(p, off);
      result = { ...ptr, v, at };
      if (isPacketPtr(ptr)) {
        result = { ...result, id: env.newId() } as PtrReg;
        if (off.smin < 0n) result = { ...result, range: 0 } as PtrReg;
      }
      break;
    }
    case 'and': case 'or': case 'xor':
      reject('ptr-arith', `R${dstno} bitwise operator ${ALU_STRING[form.alu!.code >> 4]} on pointer prohibited`, { reg: dstno });
      break;
    default:
      reject('ptr-arith', `R${dstno} pointer arithmetic with ${ALU_STRING[form.alu!.code >> 4]} operator prohibited`, { reg: dstno });
  }
  checkSaneOffset(result.v, result.off, typeName);
  if (!env.bypassSpecV1) sanitizeBounds(env, dstno, result);
  setReg(st, dstno, result);
}

function ptrVarAdd(p: Scalar, off: Scalar): Scalar {
  const r: Scalar = { ...p, s32min: -(1n << 31n), s32max: (1n << 31n) - 1n, u32min: 0n, u32max: (1n << 32n) - 1n };
  const smin = p.smin + off.smin;
  const smax = p.smax + off.smax;
  if (smin !== BigInt.asIntN(64, smin) || smax !== BigInt.asIntN(64, smax)) {
    r.smin = S64_MIN;
    r.smax = S64_MAX;
  } else {
    r.smin = smin;
    r.smax = smax;
  }
  const umin = p.umin + off.umin;
  const umax = p.umax + off.umax;
  if (umin !== u64(umin) || umax !== u64(umax)) {
    r.umin = 0n;
    r.umax = (1n << 64n) - 1n;
  } else {
    r.umin = umin;
    r.umax = umax;
  }
  r.var = tnumAdd(p.var, off.var);
  syncInPlace(r);
  return r;
}

function ptrVarSub(p: Scalar, off: Scalar): Scalar {
  const r: Scalar = { ...p, s32min: -(1n << 31n), s32max: (1n << 31n) - 1n, u32min: 0n, u32max: (1n << 32n) - 1n };
  const smin = p.smin - off.smax;
  const smax = p.smax - off.smin;
  if (smin !== BigInt.asIntN(64, smin) || smax !== BigInt.asIntN(64, smax)) {
    r.smin = S64_MIN;
    r.smax = S64_MAX;
  } else {
    r.smin = smin;
    r.smax = smax;
  }
  if (p.umin < off.umax) {
    r.umin = 0n;
    r.umax = (1n << 64n) - 1n;
  } else {
    r.umin = p.umin - off.umax;
    r.umax = p.umax - off.umin;
  }
  r.var = tnumSub(p.var, off.var);
  syncInPlace(r);
  return r;
}

/** sanitize_check_bounds: unprivileged pointer arithmetic must stay inside the object. */
function sanitizeBounds(env: Env, dstno: number, r: PtrReg): void {
  if (r.type === 'stack') {
    if (!tnumIsConst(r.v.var)) {
      reject('ptr-arith', `R${dstno} variable stack access prohibited for !root, var_off=${tnumStr(r.v.var)} off=${r.off}`, { reg: dstno });
    }
    const off = r.off + Number(BigInt.asIntN(64, r.v.var.value));
    if (off >= 0 || off < -512) {
      reject('ptr-arith', `R${dstno} stack pointer arithmetic goes out of range, prohibited for !root; off=${off}`, { reg: dstno });
    }
  } else if (r.type === 'map_value') {
    const size = env.maps[r.map]?.valueSize ?? 0;
    const lo = r.v.smin + BigInt(r.off);
    const hi = r.v.umax + BigInt(r.off);
    if (r.v.smin < 0n || lo < 0n || hi + 1n > BigInt(size) || r.v.umax >= BigInt(BPF_MAX_VAR_OFF)) {
      reject('ptr-arith', `R${dstno} pointer arithmetic of map value goes out of range, prohibited for !root`, { reg: dstno });
    }
  }
}

