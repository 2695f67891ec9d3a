// The reference semantics of the arithmetic, jump and byte-order forms, on unsigned 64-bit BigInts,
// as Linux executes them. The stepping interpreter uses these directly; the compiled engine has its
// own 32-bit-pair code, tested against these on random programs.
import type { AluOpName, JmpCondName } from '../isa/table';

const M64 = (1n << 64n) - 1n;
const M32 = 0xffffffffn;

const u64 = (v: bigint) => BigInt.asUintN(64, v);
const s64 = (v: bigint) => BigInt.asIntN(64, v);
const s32 = (v: bigint) => BigInt.asIntN(32, v);

type Alu = (a: bigint, b: bigint) => bigint;

/** 64-bit ALU: operands and result are unsigned 64-bit. */
export const ALU64: Readonly<Record<AluOpName, Alu>> = {
  add: (a, b) => (a + b) & M64,
  sub: (a, b) => (a - b) & M64,
  mul: (a, b) => (a * b) & M64,
  div: (a, b) => (b === 0n ? 0n : a / b),
  sdiv: (a, b) => (b === 0n ? 0n : u64(s64(a) / s64(b))),
  or: (a, b) => a | b,
  and: (a, b) => a & b,
  lsh: (a, b) => (a << (b & 63n)) & M64,
  rsh: (a, b) => a >> (b & 63n),
  mod: (a, b) => (b === 0n ? a : a % b),
  smod: (a, b) => (b === 0n ? a : u64(s64(a) % s64(b))),
  xor: (a, b) => a ^ b,
  mov: (_a, b) => b,
  arsh: (a, b) => u64(s64(a) >> (b & 63n)),
};

/** 32-bit ALU: only the low halves count; the result is zero-extended. */
export const ALU32: Readonly<Record<AluOpName, Alu>> = {
  add: (a, b) => (a + b) & M32,
  sub: (a, b) => (a - b) & M32,
  mul: (a, b) => ((a & M32) * (b & M32)) & M32,
  div: (a, b) => ((b & M32) === 0n ? 0n : (a & M32) / (b & M32)),
  sdiv: (a, b) => ((b & M32) === 0n ? 0n : BigInt.asUintN(32, s32(a) / s32(b))),
  or: (a, b) => (a | b) & M32,
  and: (a, b) => a & b & M32,
  lsh: (a, b) => (a << (b & 31n)) & M32,
  rsh: (a, b) => (a & M32) >> (b & 31n),
  mod: (a, b) => ((b & M32) === 0n ? a & M32 : (a & M32) % (b & M32)),
  smod: (a, b) => ((b & M32) === 0n ? a & M32 : BigInt.asUintN(32, s32(a) % s32(b))),
  xor: (a, b) => (a ^ b) & M32,
  mov: (_a, b) => b & M32,
  arsh: (a, b) => BigInt.asUintN(32, s32(a) >> (b & 31n)),
};

type Cond = (a: bigint, b: bigint) => boolean;

/** Conditions on unsigned operands already truncated to the jump's width. */
export const CONDS: Readonly<Record<JmpCondName, (bits: 32 | 64) => Cond>> = {
  jeq: () => (a, b) => a === b,
  jne: () => (a, b) => a !== b,
  jgt: () => (a, b) => a > b,
  jge: () => (a, b) => a >= b,
  jlt: () => (a, b) => a < b,
  jle: () => (a, b) => a <= b,
  jset: () => (a, b) => (a & b) !== 0n,
  jsgt: (bits) => (a, b) => BigInt.asIntN(bits, a) > BigInt.asIntN(bits, b),
  jsge: (bits) => (a, b) => BigInt.asIntN(bits, a) >= BigInt.asIntN(bits, b),
  jslt: (bits) => (a, b) => BigInt.asIntN(bits, a) < BigInt.asIntN(bits, b),
  jsle: (bits) => (a, b) => BigInt.asIntN(bits, a) <= BigInt.asIntN(bits, b),
};

export function condHolds(name: JmpCondName, bits: 32 | 64, a: bigint, b: bigint): boolean {
  const m = bits === 32 ? M32 : M64;
  return CONDS[name](bits)(a & m, b & m);
}

/** Reverses the byte order of the low `bits` of v; the rest becomes zero. */
export function byteSwap(v: bigint, bits: 16 | 32 | 64): bigint {
  let out = 0n;
  for (let i = 0; i < bits / 8; i++) out = (out << 8n) | ((v >> BigInt(8 * i)) & 0xffn);
  return out;
}

/** `le`/`be` on a little-endian machine: `le` only truncates; `be` swaps. */
export function endian(v: bigint, bits: 16 | 32 | 64, order: 'le' | 'be'): bigint {
  return order === 'le' ? v & ((1n << BigInt(bits)) - 1n) : byteSwap(v, bits);
}

export function signExtend(v: bigint, fromBits: number, toBits: 32 | 64): bigint {
  return BigInt.asUintN(toBits, BigInt.asIntN(fromBits, v));
}

/** The immediate as a source operand: sign-extended to 64 bits, or its 32-bit pattern. */
export function immOperand(imm: number, width: 32 | 64): bigint {
  return width === 64 ? u64(BigInt(imm | 0)) : BigInt(imm >>> 0);
}
