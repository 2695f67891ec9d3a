// Scalar bounds as the kernel keeps them: a tnum plus signed/unsigned 64- and 32-bit ranges,
// kept consistent with each other (reg_bounds_sync). Scalars are values: every operation
// returns a new object and never changes its inputs.
import {
  addOverflowsSigned, fmtSigned, fmtUnsigned, max, min, mulOverflowsSigned, S32_MAX, S32_MIN, s32, S64_MAX, S64_MIN, s64,
  subOverflowsSigned, u32, U32_MAX, u64, U64_MAX,
} from './num';
import {
  TNUM_UNKNOWN, tnumAdd, tnumAnd, tnumArshift, tnumCast, tnumClearSubreg, tnumConst, tnumIntersect, tnumIsConst,
  tnumIsUnknown, tnumLshift, tnumMul, tnumNeg, tnumOr, tnumRange, tnumRshift, tnumStr, tnumSub, tnumSubreg,
  tnumSubregIsConst, tnumXor, type Tnum,
} from './tnum';

export interface Scalar {
  var: Tnum;
  smin: bigint;
  smax: bigint;
  umin: bigint;
  umax: bigint;
  s32min: bigint;
  s32max: bigint;
  u32min: bigint;
  u32max: bigint;
}

export const SCALAR_UNKNOWN: Readonly<Scalar> = Object.freeze({
  var: TNUM_UNKNOWN,
  smin: S64_MIN, smax: S64_MAX, umin: 0n, umax: U64_MAX,
  s32min: S32_MIN, s32max: S32_MAX, u32min: 0n, u32max: U32_MAX,
});

/** A known 64-bit value (any sign; stored as u64 in var). */
export function scalarConst(v: bigint): Scalar {
  const x = u64(v);
  return {
    var: tnumConst(x),
    smin: s64(x), smax: s64(x), umin: x, umax: x,
    s32min: s32(x), s32max: s32(x), u32min: u32(x), u32max: u32(x),
  };
}

export const scalarUnknown = (): Scalar => ({ ...SCALAR_UNKNOWN });
export const isConst = (s: Scalar): boolean => tnumIsConst(s.var);
export const constValue = (s: Scalar): bigint => s.var.value;
export const isZero = (s: Scalar): boolean => tnumIsConst(s.var) && s.var.value === 0n;

/** Known 32-bit subregister with the upper half unknown-but-bounded as the kernel's __mark_reg32_known. */
function markKnown32(r: Scalar, v: bigint): void {
  r.var = tnumOr(tnumClearSubreg(r.var), tnumConst(u32(v)));
  r.s32min = r.s32max = s32(v);
  r.u32min = r.u32max = u32(v);
}

function mark64Unbounded(r: Scalar): void {
  r.smin = S64_MIN;
  r.smax = S64_MAX;
  r.umin = 0n;
  r.umax = U64_MAX;
}

function mark32Unbounded(r: Scalar): void {
  r.s32min = S32_MIN;
  r.s32max = S32_MAX;
  r.u32min = 0n;
  r.u32max = U32_MAX;
}

/** A range whose bounds are the extremes and whose bits are all unknown. */
export function markUnbounded(s: Scalar): Scalar {
  const r = { ...s };
  mark64Unbounded(r);
  mark32Unbounded(r);
  return r;
}

// ---- bounds synchronisation -------------------------------------------------------------

function updateReg32Bounds(r: Scalar): void {
  const v = tnumSubreg(r.var);
  r.s32min = max(r.s32min, s32(v.value | (v.mask & 0x80000000n)));
  r.s32max = min(r.s32max, s32(v.value | (v.mask & 0x7fffffffn)));
  r.u32min = max(r.u32min, u32(v.value));
  r.u32max = min(r.u32max, u32(v.value | v.mask));
}

function updateReg64Bounds(r: Scalar): void {
  const v = r.var;
  r.smin = max(r.smin, s64(v.value | (v.mask & (1n << 63n))));
  r.smax = min(r.smax, s64(v.value | (v.mask & S64_MAX)));
  r.umin = max(r.umin, v.value);
  r.umax = min(r.umax, v.value | v.mask);
}

function updateBounds(r: Scalar): void {
  updateReg32Bounds(r);
  updateReg64Bounds(r);
}

function deduce32(r: Scalar): void {
  // The upper halves of the 64-bit range agree: its lower halves bound the subregister.
  if (r.umin >> 32n === r.umax >> 32n) {
    r.u32min = max(r.u32min, u32(r.umin));
    r.u32max = min(r.u32max, u32(r.umax));
    if (s32(r.umin) <= s32(r.umax)) {
      r.s32min = max(r.s32min, s32(r.umin));
      r.s32max = min(r.s32max, s32(r.umax));
    }
  }
  if (r.smin >> 32n === r.smax >> 32n) {
    r.u32min = max(r.u32min, u32(r.smin));
    r.u32max = min(r.u32max, u32(r.smax));
    if (s32(r.smin) <= s32(r.smax)) {
      r.s32min = max(r.s32min, s32(r.smin));
      r.s32max = min(r.s32max, s32(r.smax));
    }
  }
  // Upper halves differ by one and the lower halves cross zero: still a valid s32 range.
  if (u32((r.umin >> 32n) + 1n) === u32(r.umax >> 32n) && s32(r.umin) < 0n && s32(r.umax) >= 0n) {
    r.s32min = max(r.s32min, s32(r.umin));
    r.s32max = min(r.s32max, s32(r.umax));
  }
  if (u32((u64(r.smin) >> 32n) + 1n) === u32(u64(r.smax) >> 32n) && s32(r.smin) < 0n && s32(r.smax) >= 0n) {
    r.s32min = max(r.s32min, s32(r.smin));
    r.s32max = min(r.s32max, s32(r.smax));
  }
  if (s32(r.u32min) <= s32(r.u32max)) {
    r.s32min = max(r.s32min, s32(r.u32min));
    r.s32max = min(r.s32max, s32(r.u32max));
  }
  if (u32(r.s32min) <= u32(r.s32max)) {
    r.u32min = max(r.u32min, u32(r.s32min));
    r.u32max = min(r.u32max, u32(r.s32max));
  }
}

function deduce64(r: Scalar): void {
  if (s64(r.umin) <= s64(r.umax)) {
    r.smin = max(r.smin, s64(r.umin));
    r.smax = min(r.smax, s64(r.umax));
  }
  if (u64(r.smin) <= u64(r.smax)) {
    r.umin = max(r.umin, u64(r.smin));
    r.umax = min(r.umax, u64(r.smax));
  } else if (r.umax < u64(r.smin)) {
    // The signed range wraps through the sign boundary; the unsigned one sits in its lower part.
    r.smin = s64(r.umin);
    r.umax = min(r.umax, u64(r.smax));
  } else if (u64(r.smax) < r.umin) {
    r.smax = s64(r.umax);
    r.umin = max(r.umin, u64(r.smin));
  }
}

function deduceMixed(r: Scalar): void {
  const HI = ~0xffffffffn & U64_MAX;
  const newUmin = (r.umin & HI) | r.u32min;
  const newUmax = (r.umax & HI) | r.u32max;
  r.umin = max(r.umin, newUmin);
  r.umax = min(r.umax, newUmax);
  const newSmin = s64((u64(r.smin) & HI) | r.u32min);
  const newSmax = s64((u64(r.smax) & HI) | r.u32max);
  r.smin = max(r.smin, newSmin);
  r.smax = min(r.smax, newSmax);
  // After a sign-extending load the upper bits are all zeros or all ones.
  if (r.s32min >= 0n && r.smin >= S32_MIN && r.smax <= S32_MAX) {
    r.smin = r.s32min;
    r.smax = r.s32max;
    r.umin = u64(r.s32min);
    r.umax = u64(r.s32max);
    r.var = tnumIntersect(r.var, tnumRange(u64(r.smin), u64(r.smax)));
  }
}

function deduceBounds(r: Scalar): void {
  deduce32(r);
  deduce64(r);
  deduceMixed(r);
}

function boundOffset(r: Scalar): void {
  const var64 = tnumIntersect(r.var, tnumRange(r.umin, r.umax));
  const var32 = tnumIntersect(tnumSubreg(var64), tnumRange(r.u32min, r.u32max));
  r.var = tnumOr(tnumClearSubreg(var64), var32);
}

/** reg_bounds_sync: learn what each representation tells the others. Mutates r. */
export function syncInPlace(r: Scalar): void {
  updateBounds(r);
  deduceBounds(r);
  deduceBounds(r);
  boundOffset(r);
  updateBounds(r);
}

export function sync(s: Scalar): Scalar {
  const r = { ...s };
  syncInPlace(r);
  return r;
}

/** Bounds that contradict each other: the kernel treats the path as impossible. */
export function isInconsistent(r: Scalar): boolean {
  return r.umin > r.umax || r.smin > r.smax || r.u32min > r.u32max || r.s32min > r.s32max ||
    !((r.var.value & ~r.var.mask) === r.var.value);
}

// ---- zero/sign extension -------------------------------------------------------------

const bound32InS64 = (a: bigint): boolean => a >= 0n && a <= S32_MAX;

function assign32Into64(r: Scalar): void {
  r.umin = r.u32min;
  r.umax = r.u32max;
  if (bound32InS64(r.s32min) && bound32InS64(r.s32max)) {
    r.smin = r.s32min;
    r.smax = r.s32max;
  } else {
    r.smin = 0n;
    r.smax = U32_MAX;
  }
}

/** The upper half becomes zero (every 32-bit ALU result). */
export function zext32(s: Scalar): Scalar {
  const r = { ...s };
  zext32InPlace(r);
  return r;
}

function zext32InPlace(r: Scalar): void {
  r.var = tnumSubreg(r.var);
  assign32Into64(r);
}

/** Truncation to a load/store width (coerce_reg_to_size). */
export function coerceToSize(s: Scalar, size: number): Scalar {
  if (size >= 8) return { ...s };
  const r = { ...s };
  r.var = tnumCast(r.var, size);
  const mask = (1n << BigInt(size * 8)) - 1n;
  if ((r.umin & ~mask & U64_MAX) === (r.umax & ~mask & U64_MAX)) {
    r.umin &= mask;
    r.umax &= mask;
  } else {
    r.umin = 0n;
    r.umax = mask;
  }
  r.smin = r.umin;
  r.smax = r.umax;
  if (size < 4) mark32Unbounded(r);
  syncInPlace(r);
  return r;
}

const sext = (v: bigint, bits: number): bigint => BigInt.asIntN(bits, v);

/** Sign extension of the low `size` bytes to 64 bits (coerce_reg_to_size_sx); no resync, as in the kernel. */
export function signExtend(s: Scalar, size: number): Scalar {
  const bits = size * 8;
  if (tnumIsConst(s.var)) {
    const v = u64(sext(s.var.value, bits));
    return { var: tnumConst(v), smin: s64(v), smax: s64(v), umin: v, umax: v, s32min: s32(v), s32max: s32(v), u32min: u32(v), u32max: u32(v) };
  }
  const r = { ...s };
  const nb = BigInt(bits);
  const topMax = (u64(r.smax) >> nb) << nb;
  const topMin = (u64(r.smin) >> nb) << nb;
  if (topMax === topMin) {
    const a = sext(u64(r.smax), bits);
    const b = sext(u64(r.smin), bits);
    const hi = max(a, b);
    const lo = min(a, b);
    if ((hi >= 0n) === (lo >= 0n)) {
      r.smin = lo;
      r.smax = hi;
      r.s32min = s32(lo);
      r.s32max = s32(hi);
      r.umin = u64(lo);
      r.umax = u64(hi);
      r.u32min = u32(r.umin);
      r.u32max = u32(r.umax);
      r.var = tnumRange(u64(lo), u64(hi));
      return r;
    }
  }
  const lo = -(1n << (nb - 1n));
  const hi = (1n << (nb - 1n)) - 1n;
  r.smin = lo;
  r.s32min = lo;
  r.smax = hi;
  r.s32max = hi;
  r.umin = 0n;
  r.u32min = 0n;
  r.umax = U64_MAX;
  r.u32max = U32_MAX;
  r.var = TNUM_UNKNOWN;
  return r;
}

/** Sign extension within the 32-bit subregister (coerce_subreg_to_size_sx), then zero extension and sync. */
export function signExtend32(s: Scalar, size: number): Scalar {
  const bits = size * 8;
  const r = { ...s };
  if (tnumIsConst(r.var)) {
    const v = u64(sext(r.var.value, bits));
    r.var = tnumConst(v);
    r.s32min = r.s32max = s32(v);
    r.u32min = r.u32max = u32(v);
  } else {
    const nb = BigInt(bits);
    const topMax = (u32(r.s32max) >> nb) << nb;
    const topMin = (u32(r.s32min) >> nb) << nb;
    let done = false;
    if (topMax === topMin) {
      const a = sext(u32(r.s32max), bits);
      const b = sext(u32(r.s32min), bits);
      const hi = max(a, b);
      const lo = min(a, b);
      if ((lo >= 0n) === (hi >= 0n)) {
        r.s32min = lo;
        r.s32max = hi;
        r.u32min = u32(lo);
        r.u32max = u32(hi);
        r.var = tnumSubreg(tnumRange(u64(lo), u64(hi)));
        done = true;
      }
    }
    if (!done) {
      r.s32min = -(1n << (nb - 1n));
      r.s32max = (1n << (nb - 1n)) - 1n;
      r.u32min = 0n;
      r.u32max = U32_MAX;
      r.var = tnumSubreg(TNUM_UNKNOWN);
    }
  }
  zext32InPlace(r);
  syncInPlace(r);
  return r;
}

// ---- ALU transfer functions ---------------------------------------------------------

export type ScalarAluOp = 'add' | 'sub' | 'mul' | 'div' | 'sdiv' | 'mod' | 'smod' | 'and' | 'or' | 'xor' | 'lsh' | 'rsh' | 'arsh' | 'neg';

/**
 * The unsigned range of a sum or difference whose raw ends are lo..hi: kept when both ends are in
 * range, wrapped when both ends left it on the same side (the range stays contiguous), else unknown.
 */
function unsignedRange(lo: bigint, hi: bigint, bits: 32 | 64): [bigint, bigint] {
  const max = bits === 32 ? U32_MAX : U64_MAX;
  const inRange = (x: bigint) => x >= 0n && x <= max;
  if (inRange(lo) && inRange(hi)) return [lo, hi];
  if (!inRange(lo) && !inRange(hi) && hi - lo <= max) return [BigInt.asUintN(bits, lo), BigInt.asUintN(bits, hi)];
  return [0n, max];
}

function add32(d: Scalar, s: Scalar): void {
  if (addOverflowsSigned(d.s32min, s.s32min, 32) || addOverflowsSigned(d.s32max, s.s32max, 32)) {
    d.s32min = S32_MIN;
    d.s32max = S32_MAX;
  } else {
    d.s32min += s.s32min;
    d.s32max += s.s32max;
  }
  [d.u32min, d.u32max] = unsignedRange(d.u32min + s.u32min, d.u32max + s.u32max, 32);
}

function add64(d: Scalar, s: Scalar): void {
  if (addOverflowsSigned(d.smin, s.smin, 64) || addOverflowsSigned(d.smax, s.smax, 64)) {
    d.smin = S64_MIN;
    d.smax = S64_MAX;
  } else {
    d.smin += s.smin;
    d.smax += s.smax;
  }
  [d.umin, d.umax] = unsignedRange(d.umin + s.umin, d.umax + s.umax, 64);
}

function sub32(d: Scalar, s: Scalar): void {
  if (subOverflowsSigned(d.s32min, s.s32max, 32) || subOverflowsSigned(d.s32max, s.s32min, 32)) {
    d.s32min = S32_MIN;
    d.s32max = S32_MAX;
  } else {
    d.s32min -= s.s32max;
    d.s32max -= s.s32min;
  }
  [d.u32min, d.u32max] = unsignedRange(d.u32min - s.u32max, d.u32max - s.u32min, 32);
}

function sub64(d: Scalar, s: Scalar): void {
  if (subOverflowsSigned(d.smin, s.smax, 64) || subOverflowsSigned(d.smax, s.smin, 64)) {
    d.smin = S64_MIN;
    d.smax = S64_MAX;
  } else {
    d.smin -= s.smax;
    d.smax -= s.smin;
  }
  [d.umin, d.umax] = unsignedRange(d.umin - s.umax, d.umax - s.umin, 64);
}

function mul32(d: Scalar, s: Scalar): void {
  const ulo = d.u32min * s.u32min;
  const uhi = d.u32max * s.u32max;
  if (uhi > U32_MAX || ulo > U32_MAX) {
    d.u32min = 0n;
    d.u32max = U32_MAX;
  } else {
    d.u32min = ulo;
    d.u32max = uhi;
  }
  const p = [d.s32min * s.s32min, d.s32min * s.s32max, d.s32max * s.s32min, d.s32max * s.s32max];
  if (p.some((x) => mulOverflowsSigned(x, 1n, 32))) {
    d.s32min = S32_MIN;
    d.s32max = S32_MAX;
  } else {
    d.s32min = p.reduce(min);
    d.s32max = p.reduce(max);
  }
}

function mul64(d: Scalar, s: Scalar): void {
  const ulo = d.umin * s.umin;
  const uhi = d.umax * s.umax;
  if (uhi > U64_MAX || ulo > U64_MAX) {
    d.umin = 0n;
    d.umax = U64_MAX;
  } else {
    d.umin = ulo;
    d.umax = uhi;
  }
  const p = [d.smin * s.smin, d.smin * s.smax, d.smax * s.smin, d.smax * s.smax];
  if (p.some((x) => x !== s64(x))) {
    d.smin = S64_MIN;
    d.smax = S64_MAX;
  } else {
    d.smin = p.reduce(min);
    d.smax = p.reduce(max);
  }
}

function and32(d: Scalar, s: Scalar): void {
  const dv = tnumSubreg(d.var);
  if (tnumSubregIsConst(s.var) && tnumSubregIsConst(d.var)) {
    markKnown32(d, dv.value);
    return;
  }
  d.u32min = dv.value;
  d.u32max = min(d.u32max, s.u32max);
  if (s32(d.u32min) <= s32(d.u32max)) {
    d.s32min = s32(d.u32min);
    d.s32max = s32(d.u32max);
  } else {
    d.s32min = S32_MIN;
    d.s32max = S32_MAX;
  }
}

function and64(d: Scalar, s: Scalar, srcKnown: boolean, dstKnown: boolean): void {
  if (srcKnown && dstKnown) {
    setKnown64(d, d.var.value);
    return;
  }
  d.umin = d.var.value;
  d.umax = min(d.umax, s.umax);
  signedFromUnsigned64(d);
  updateBounds(d);
}

function or32(d: Scalar, s: Scalar): void {
  const dv = tnumSubreg(d.var);
  if (tnumSubregIsConst(s.var) && tnumSubregIsConst(d.var)) {
    markKnown32(d, dv.value);
    return;
  }
  d.u32min = max(d.u32min, s.u32min);
  d.u32max = dv.value | dv.mask;
  if (s32(d.u32min) <= s32(d.u32max)) {
    d.s32min = s32(d.u32min);
    d.s32max = s32(d.u32max);
  } else {
    d.s32min = S32_MIN;
    d.s32max = S32_MAX;
  }
}

function or64(d: Scalar, s: Scalar, srcKnown: boolean, dstKnown: boolean): void {
  if (srcKnown && dstKnown) {
    setKnown64(d, d.var.value);
    return;
  }
  d.umin = max(d.umin, s.umin);
  d.umax = d.var.value | d.var.mask;
  signedFromUnsigned64(d);
  updateBounds(d);
}

function xor32(d: Scalar, s: Scalar): void {
  const dv = tnumSubreg(d.var);
  if (tnumSubregIsConst(s.var) && tnumSubregIsConst(d.var)) {
    markKnown32(d, dv.value);
    return;
  }
  d.u32min = dv.value;
  d.u32max = dv.value | dv.mask;
  if (s32(d.u32min) <= s32(d.u32max)) {
    d.s32min = s32(d.u32min);
    d.s32max = s32(d.u32max);
  } else {
    d.s32min = S32_MIN;
    d.s32max = S32_MAX;
  }
}

function xor64(d: Scalar, srcKnown: boolean, dstKnown: boolean): void {
  if (srcKnown && dstKnown) {
    setKnown64(d, d.var.value);
    return;
  }
  d.umin = d.var.value;
  d.umax = d.var.value | d.var.mask;
  signedFromUnsigned64(d);
  updateBounds(d);
}

function signedFromUnsigned64(d: Scalar): void {
  if (s64(d.umin) <= s64(d.umax)) {
    d.smin = s64(d.umin);
    d.smax = s64(d.umax);
  } else {
    d.smin = S64_MIN;
    d.smax = S64_MAX;
  }
}

/** __mark_reg_known keeps nothing of the old bounds. */
function setKnown64(d: Scalar, v: bigint): void {
  Object.assign(d, scalarConst(v));
}

function lsh32Bounds(d: Scalar, uminVal: bigint, umaxVal: bigint): void {
  d.s32min = S32_MIN;
  d.s32max = S32_MAX;
  if (umaxVal > 31n || d.u32max > 1n << (31n - umaxVal)) {
    d.u32min = 0n;
    d.u32max = U32_MAX;
  } else {
    d.u32min <<= uminVal;
    d.u32max <<= umaxVal;
  }
}

function lsh64Bounds(d: Scalar, uminVal: bigint, umaxVal: bigint): void {
  // <<32 then s>>32 is how compilers sign-extend a subregister: keep the sign information.
  d.smax = uminVal === 32n && umaxVal === 32n && d.s32max >= 0n ? d.s32max << 32n : S64_MAX;
  d.smin = uminVal === 32n && umaxVal === 32n && d.s32min >= 0n ? d.s32min << 32n : S64_MIN;
  if (umaxVal > 63n || d.umax > 1n << (63n - umaxVal)) {
    d.umin = 0n;
    d.umax = U64_MAX;
  } else {
    d.umin <<= uminVal;
    d.umax <<= umaxVal;
  }
}

function isSafeToCompute(op: ScalarAluOp, width: 32 | 64, src: Scalar): boolean {
  switch (op) {
    case 'add': case 'sub': case 'neg': case 'and': case 'xor': case 'or': case 'mul':
      return true;
    case 'lsh': case 'rsh': case 'arsh': {
      const known = width === 32
        ? tnumSubregIsConst(src.var) && src.s32min === src.s32max && src.u32min === src.u32max
        : tnumIsConst(src.var) && src.smin === src.smax && src.umin === src.umax;
      return known && src.umax < BigInt(width);
    }
    default:
      return false;
  }
}

/**
 * The result of `dst op= src` on scalars (adjust_scalar_min_max_vals). For 'neg' src is ignored.
 * Division and modulo results are unknown, as in the kernel.
 */
export function scalarAlu(op: ScalarAluOp, width: 32 | 64, dst: Scalar, src: Scalar): Scalar {
  if (!isSafeToCompute(op, width, src)) return scalarUnknown();
  // Known operands give a known result: the bounds arithmetic would end in the same constant.
  if (dst.var.mask === 0n && src.var.mask === 0n) {
    const c = constAlu(op, width, dst.var.value, src.var.value);
    if (c !== undefined) return scalarConst(c);
  }
  const d: Scalar = { ...dst };
  const alu32 = width === 32;
  switch (op) {
    case 'add':
      add32(d, src);
      add64(d, src);
      d.var = tnumAdd(d.var, src.var);
      break;
    case 'sub':
      sub32(d, src);
      sub64(d, src);
      d.var = tnumSub(d.var, src.var);
      break;
    case 'neg': {
      const old = { ...dst };
      Object.assign(d, scalarConst(0n));
      sub32(d, old);
      sub64(d, old);
      d.var = tnumNeg(old.var);
      break;
    }
    case 'mul':
      d.var = tnumMul(d.var, src.var);
      mul32(d, src);
      mul64(d, src);
      break;
    case 'and': {
      d.var = tnumAnd(d.var, src.var);
      const srcKnown = tnumIsConst(src.var);
      const dstKnown = tnumIsConst(d.var);
      and32(d, src);
      and64(d, src, srcKnown, dstKnown);
      break;
    }
    case 'or': {
      d.var = tnumOr(d.var, src.var);
      const srcKnown = tnumIsConst(src.var);
      const dstKnown = tnumIsConst(d.var);
      or32(d, src);
      or64(d, src, srcKnown, dstKnown);
      break;
    }
    case 'xor': {
      d.var = tnumXor(d.var, src.var);
      const srcKnown = tnumIsConst(src.var);
      const dstKnown = tnumIsConst(d.var);
      xor32(d, src);
      xor64(d, srcKnown, dstKnown);
      break;
    }
    case 'lsh':
      if (alu32) {
        const amount = src.u32min;
        const sub = tnumSubreg(d.var);
        lsh32Bounds(d, src.u32min, src.u32max);
        d.var = tnumSubreg(tnumLshift(sub, Number(amount)));
        mark64Unbounded(d);
        updateReg32Bounds(d);
      } else {
        lsh64Bounds(d, src.umin, src.umax);
        lsh32Bounds(d, src.umin, src.umax);
        d.var = tnumLshift(d.var, Number(src.umin));
        updateBounds(d);
      }
      break;
    case 'rsh':
      if (alu32) {
        d.s32min = S32_MIN;
        d.s32max = S32_MAX;
        d.var = tnumRshift(tnumSubreg(d.var), Number(src.u32min));
        d.u32min >>= src.u32max;
        d.u32max >>= src.u32min;
        mark64Unbounded(d);
        updateReg32Bounds(d);
      } else {
        d.smin = S64_MIN;
        d.smax = S64_MAX;
        d.var = tnumRshift(d.var, Number(src.umin));
        d.umin >>= src.umax;
        d.umax >>= src.umin;
        mark32Unbounded(d);
        updateBounds(d);
      }
      break;
    case 'arsh':
      if (alu32) {
        const sh = src.u32min;
        d.s32min >>= sh;
        d.s32max >>= sh;
        d.var = tnumArshift(tnumSubreg(d.var), Number(sh), 32);
        d.u32min = 0n;
        d.u32max = U32_MAX;
        mark64Unbounded(d);
        updateReg32Bounds(d);
      } else {
        const sh = src.umin;
        d.smin >>= sh;
        d.smax >>= sh;
        d.var = tnumArshift(d.var, Number(sh), 64);
        d.umin = 0n;
        d.umax = U64_MAX;
        mark32Unbounded(d);
        updateBounds(d);
      }
      break;
    default:
      return scalarUnknown();
  }
  if (alu32) zext32InPlace(d);
  syncInPlace(d);
  return d;
}

function constAlu(op: ScalarAluOp, width: 32 | 64, a: bigint, b: bigint): bigint | undefined {
  const wrap = width === 32 ? u32 : u64;
  const x = wrap(a);
  const y = wrap(b);
  switch (op) {
    case 'add': return wrap(x + y);
    case 'sub': return wrap(x - y);
    case 'mul': return wrap(x * y);
    case 'and': return x & y;
    case 'or': return x | y;
    case 'xor': return x ^ y;
    case 'lsh': return wrap(x << y);
    case 'rsh': return x >> y;
    case 'arsh': return wrap((width === 32 ? s32(x) : s64(x)) >> y);
    case 'neg': return wrap(-x);
    default: return undefined;
  }
}

/** Byte swap of the low `bits` bits of a tnum, upper bits cleared. */
function tnumBswap(t: Tnum, bits: 16 | 32 | 64): Tnum {
  const swap = (x: bigint): bigint => {
    let out = 0n;
    for (let i = 0n; i < BigInt(bits / 8); i++) out = (out << 8n) | ((x >> (8n * i)) & 0xffn);
    return out;
  };
  return { value: swap(t.value), mask: swap(t.mask) };
}

/** le16/le32/le64 (truncation on a little-endian machine) and be/bswap (byte swap). */
export function scalarEndian(s: Scalar, bits: 16 | 32 | 64, swap: boolean): Scalar {
  if (!swap) {
    // Little-endian conversions only truncate: le32 keeps the subregister's bounds, le16 narrows.
    if (bits === 64) return s;
    if (bits === 32) return sync(zext32(s));
    return coerceToSize(s, 2);
  }
  const r = markUnbounded({ ...s, var: tnumBswap(s.var, bits) });
  syncInPlace(r);
  return r;
}

/** A scalar known to lie in [lo, hi] unsigned (e.g. a loaded byte: [0, 255]). */
export function scalarURange(lo: bigint, hi: bigint): Scalar {
  const r = scalarUnknown();
  r.umin = lo;
  r.umax = hi;
  r.var = tnumRange(lo, hi);
  syncInPlace(r);
  return r;
}

// ---- comparisons used by state pruning ------------------------------------------------

/** Every value cur can take, old can too (range_within + tnum_in). */
export function scalarWithin(old: Scalar, cur: Scalar): boolean {
  return old.umin <= cur.umin && old.umax >= cur.umax && old.smin <= cur.smin && old.smax >= cur.smax &&
    old.u32min <= cur.u32min && old.u32max >= cur.u32max && old.s32min <= cur.s32min && old.s32max >= cur.s32max &&
    tnumInHelper(old.var, cur.var);
}

function tnumInHelper(a: Tnum, b: Tnum): boolean {
  if (b.mask & ~a.mask & U64_MAX) return false;
  return a.value === (b.value & ~a.mask & U64_MAX);
}

export function scalarEquals(a: Scalar, b: Scalar): boolean {
  return a.var.value === b.var.value && a.var.mask === b.var.mask && a.umin === b.umin && a.umax === b.umax &&
    a.smin === b.smin && a.smax === b.smax && a.u32min === b.u32min && a.u32max === b.u32max &&
    a.s32min === b.s32min && a.s32max === b.s32max;
}

// ---- printing ---------------------------------------------------------------------------

/**
 * The bound list the kernel prints inside scalar(...): equal values are merged as
 * `smax=umax=255`; extreme values are omitted.
 */
/** 32-bit signed bounds print in decimal when small, otherwise as their u32 bit pattern. */
const small32 = (v: bigint): bigint => (v >= -32768n && v <= 32767n ? v : u32(v));

export function formatRanges(s: Scalar): string[] {
  const items = [
    { name: 'smin', val: s.smin, omit: s.smin === S64_MIN, signed: true },
    { name: 'smax', val: s.smax, omit: s.smax === S64_MAX, signed: true },
    { name: 'umin', val: s.umin, omit: s.umin === 0n, signed: false },
    { name: 'umax', val: s.umax, omit: s.umax === U64_MAX, signed: false },
    { name: 'smin32', val: small32(s.s32min), omit: s.s32min === S32_MIN, signed: true },
    { name: 'smax32', val: small32(s.s32max), omit: s.s32max === S32_MAX, signed: true },
    { name: 'umin32', val: s.u32min, omit: s.u32min === 0n, signed: false },
    { name: 'umax32', val: s.u32max, omit: s.u32max === U32_MAX, signed: false },
  ];
  const out: string[] = [];
  for (let i = 0; i < items.length; i++) {
    const m1 = items[i];
    if (m1.omit) continue;
    const neg1 = m1.signed && m1.val < 0n;
    let text = m1.name;
    for (let j = i + 2; j < items.length; j += 2) {
      const m2 = items[j];
      if (m2.omit) continue;
      const neg2 = m2.signed && m2.val < 0n;
      if (neg1 === neg2 && u64(m1.val) === u64(m2.val)) {
        text += `=${m2.name}`;
        m2.omit = true;
      }
    }
    out.push(`${text}=${m1.signed ? fmtSigned(m1.val) : fmtUnsigned(m1.val)}`);
  }
  if (!tnumIsUnknown(s.var)) out.push(`var_off=${tnumStr(s.var)}`);
  return out;
}
