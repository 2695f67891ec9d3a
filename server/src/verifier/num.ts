// Fixed-width integer helpers over bigint: the verifier's bounds live in u64/s64/u32/s32 and
// every operation must wrap exactly as the kernel's C arithmetic does.

export const U64_MAX = (1n << 64n) - 1n;
export const S64_MAX = (1n << 63n) - 1n;
export const S64_MIN = -(1n << 63n);
export const U32_MAX = (1n << 32n) - 1n;
export const S32_MAX = (1n << 31n) - 1n;
export const S32_MIN = -(1n << 31n);

export const u64 = (x: bigint): bigint => BigInt.asUintN(64, x);
export const s64 = (x: bigint): bigint => BigInt.asIntN(64, x);
export const u32 = (x: bigint): bigint => BigInt.asUintN(32, x);
export const s32 = (x: bigint): bigint => BigInt.asIntN(32, x);

export const max = (a: bigint, b: bigint): bigint => (a > b ? a : b);
export const min = (a: bigint, b: bigint): bigint => (a < b ? a : b);

/** True when a + b (both in a signed range of `bits`) leaves that range (C's check_add_overflow). */
export function addOverflowsSigned(a: bigint, b: bigint, bits: 32 | 64): boolean {
  const r = a + b;
  return bits === 64 ? r !== s64(r) : r !== s32(r);
}

export function subOverflowsSigned(a: bigint, b: bigint, bits: 32 | 64): boolean {
  const r = a - b;
  return bits === 64 ? r !== s64(r) : r !== s32(r);
}

export function mulOverflowsSigned(a: bigint, b: bigint, bits: 32 | 64): boolean {
  const r = a * b;
  return bits === 64 ? r !== s64(r) : r !== s32(r);
}

/** Index of the highest set bit plus one (the kernel's fls64); 0 for 0. */
export function fls64(x: bigint): number {
  const v = u64(x);
  if (v === 0n) return 0;
  const hi = Number(v >> 32n);
  return hi !== 0 ? 64 - Math.clz32(hi) : 32 - Math.clz32(Number(v & 0xffffffffn));
}

/** Signed values in [-32768, 32767] print in decimal, others as the u64 in hex (verbose_snum). */
export function fmtSigned(v: bigint): string {
  return v >= -32768n && v <= 32767n ? v.toString() : `0x${BigInt.asUintN(64, v).toString(16)}`;
}

/** Unsigned values up to 65535 print in decimal (verbose_unum). */
export function fmtUnsigned(v: bigint): string {
  return v <= 65535n ? v.toString() : `0x${v.toString(16)}`;
}

export const hex = (v: bigint): string => `0x${v.toString(16)}`;
