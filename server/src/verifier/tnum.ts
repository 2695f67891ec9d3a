// Tristate numbers: a value whose bits are known (value) or unknown (mask), the kernel's
// var_off. A bit set in mask is unknown; value has zeros where mask has ones.
import { fls64, hex, s32, s64, u32, u64, U64_MAX } from './num';

export interface Tnum {
  readonly value: bigint;
  readonly mask: bigint;
}

const T = (value: bigint, mask: bigint): Tnum => ({ value, mask });

export const TNUM_UNKNOWN: Tnum = T(0n, U64_MAX);
export const TNUM_ZERO: Tnum = T(0n, 0n);

export const tnumConst = (v: bigint): Tnum => T(u64(v), 0n);

/** The smallest tnum covering [min, max] (unsigned). */
export function tnumRange(min: bigint, max: bigint): Tnum {
  const chi = u64(min ^ max);
  const bits = fls64(chi);
  if (bits > 63) return TNUM_UNKNOWN;
  const delta = (1n << BigInt(bits)) - 1n;
  return T(u64(min) & ~delta & U64_MAX, delta);
}

export const tnumIsConst = (a: Tnum): boolean => a.mask === 0n;
export const tnumIsUnknown = (a: Tnum): boolean => a.mask === U64_MAX;
export const tnumEquals = (a: Tnum, b: Tnum): boolean => a.value === b.value && a.mask === b.mask;

export const tnumLshift = (a: Tnum, shift: number): Tnum => T(u64(a.value << BigInt(shift)), u64(a.mask << BigInt(shift)));
export const tnumRshift = (a: Tnum, shift: number): Tnum => T(a.value >> BigInt(shift), a.mask >> BigInt(shift));

/** Arithmetic shift right at the given operation width (sign bit taken from bit 31 or 63). */
export function tnumArshift(a: Tnum, shift: number, bits: 32 | 64): Tnum {
  const s = BigInt(shift);
  if (bits === 32) return T(u32(s32(a.value) >> s), u32(s32(a.mask) >> s));
  return T(u64(s64(a.value) >> s), u64(s64(a.mask) >> s));
}

export function tnumAdd(a: Tnum, b: Tnum): Tnum {
  const sm = u64(a.mask + b.mask);
  const sv = u64(a.value + b.value);
  const sigma = u64(sm + sv);
  const chi = sigma ^ sv;
  const mu = chi | a.mask | b.mask;
  return T(sv & ~mu & U64_MAX, mu);
}

export function tnumSub(a: Tnum, b: Tnum): Tnum {
  const dv = u64(a.value - b.value);
  const alpha = u64(dv + a.mask);
  const beta = u64(dv - b.mask);
  const chi = alpha ^ beta;
  const mu = chi | a.mask | b.mask;
  return T(dv & ~mu & U64_MAX, mu);
}

export const tnumNeg = (a: Tnum): Tnum => tnumSub(TNUM_ZERO, a);

export function tnumAnd(a: Tnum, b: Tnum): Tnum {
  const alpha = a.value | a.mask;
  const beta = b.value | b.mask;
  const v = a.value & b.value;
  return T(v, alpha & beta & ~v & U64_MAX);
}

export function tnumOr(a: Tnum, b: Tnum): Tnum {
  const v = a.value | b.value;
  const mu = a.mask | b.mask;
  return T(v, mu & ~v & U64_MAX);
}

export function tnumXor(a: Tnum, b: Tnum): Tnum {
  const v = a.value ^ b.value;
  const mu = a.mask | b.mask;
  return T(v & ~mu & U64_MAX, mu);
}

/** Every value either a or b can take (and possibly more). */
export function tnumUnion(a: Tnum, b: Tnum): Tnum {
  const v = a.value & b.value;
  const mu = (a.value ^ b.value) | a.mask | b.mask;
  return T(v & ~mu & U64_MAX, mu);
}

/** Long multiplication over tristate bits: an unknown bit of a contributes either 0 or b (their union). */
export function tnumMul(a0: Tnum, b0: Tnum): Tnum {
  let a = a0;
  let b = b0;
  let acc = TNUM_ZERO;
  // At most 64 rounds: a loses a bit each time.
  while (a.value !== 0n || a.mask !== 0n) {
    if (a.value & 1n) acc = tnumAdd(acc, b);
    else if (a.mask & 1n) acc = tnumUnion(acc, tnumAdd(acc, b));
    a = tnumRshift(a, 1);
    b = tnumLshift(b, 1);
  }
  return acc;
}

/** Whether the bits known in both agree (so the two sets can share a value). */
export function tnumOverlap(a: Tnum, b: Tnum): boolean {
  const mu = ~a.mask & ~b.mask & U64_MAX;
  return (a.value & mu) === (b.value & mu);
}

/** What both a and b know (the kernel uses it to combine two facts about one value). */
export function tnumIntersect(a: Tnum, b: Tnum): Tnum {
  const v = a.value | b.value;
  const mu = a.mask & b.mask;
  return T(v & ~mu & U64_MAX, mu);
}

/** Truncates to `size` bytes. */
export function tnumCast(a: Tnum, size: number): Tnum {
  const m = size >= 8 ? U64_MAX : (1n << BigInt(size * 8)) - 1n;
  return T(a.value & m, a.mask & m);
}

/** True when every value b can take is one a can take. */
export function tnumIn(a: Tnum, b: Tnum): boolean {
  if (b.mask & ~a.mask & U64_MAX) return false;
  return a.value === (b.value & ~a.mask & U64_MAX);
}

export function tnumIsAligned(a: Tnum, size: number): boolean {
  if (size === 0) return true;
  return ((a.value | a.mask) & BigInt(size - 1)) === 0n;
}

export const tnumSubreg = (a: Tnum): Tnum => tnumCast(a, 4);
export const tnumClearSubreg = (a: Tnum): Tnum => tnumLshift(tnumRshift(a, 32), 32);
export const tnumWithSubreg = (reg: Tnum, subreg: Tnum): Tnum => tnumOr(tnumClearSubreg(reg), tnumSubreg(subreg));
export const tnumConstSubreg = (a: Tnum, v: bigint): Tnum => tnumWithSubreg(a, tnumConst(u32(v)));
export const tnumSubregIsConst = (a: Tnum): boolean => (a.mask & 0xffffffffn) === 0n;

export const tnumStr = (a: Tnum): string => `(${hex(a.value)}; ${hex(a.mask)})`;
