// The abstract domains are sound: for concrete values inside abstract ones, the concrete result
// of every ALU operation lies inside the abstract result, bounds stay consistent after syncing,
// and each side of a branch keeps every value for which that side is taken.
import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import { s32, s64, u32, u64 } from '../../server/src/verifier/num';
import {
  coerceToSize, isInconsistent, scalarAlu, scalarConst, scalarEndian, scalarURange, signExtend, signExtend32, sync, zext32,
  type Scalar, type ScalarAluOp,
} from '../../server/src/verifier/scalar';
import { tnumAdd, tnumAnd, tnumConst, tnumIn, tnumMul, tnumOr, tnumRange, tnumSub, tnumXor, type Tnum } from '../../server/src/verifier/tnum';
import { branchTaken } from '../../server/src/verifier/jmp';
import type { JmpCondName } from '../../server/src/isa/table';

const U64 = fc.bigInt({ min: 0n, max: (1n << 64n) - 1n });
const interesting = fc.oneof(
  U64,
  fc.bigInt({ min: 0n, max: 300n }),
  fc.bigInt({ min: (1n << 64n) - 300n, max: (1n << 64n) - 1n }),
  fc.constantFrom(0n, 1n, 0x7fffffffn, 0x80000000n, 0xffffffffn, 0x100000000n, (1n << 63n) - 1n, 1n << 63n),
);

/** An abstract value containing x: a constant, an unsigned range around x, or x with unknown bits. */
const around = (x: bigint) =>
  fc.oneof(
    fc.constant(scalarConst(x)),
    fc.tuple(fc.bigInt({ min: 0n, max: 1n << 40n }), fc.bigInt({ min: 0n, max: 1n << 40n })).map(([a, b]) => {
      const lo = x - a < 0n ? 0n : x - a;
      const hi = x + b > (1n << 64n) - 1n ? (1n << 64n) - 1n : x + b;
      return scalarURange(lo, hi);
    }),
    U64.map((m) => sync({ ...scalarConst(0n), var: { value: x & ~m & ((1n << 64n) - 1n), mask: m }, smin: -(1n << 63n), smax: (1n << 63n) - 1n, umin: 0n, umax: (1n << 64n) - 1n, s32min: -(1n << 31n), s32max: (1n << 31n) - 1n, u32min: 0n, u32max: (1n << 32n) - 1n })),
  );

function contains(s: Scalar, v: bigint): boolean {
  const x = u64(v);
  return s.umin <= x && x <= s.umax && s.smin <= s64(x) && s64(x) <= s.smax && s.u32min <= u32(x) && u32(x) <= s.u32max &&
    s.s32min <= s32(x) && s32(x) <= s.s32max && tnumIn(s.var, tnumConst(x));
}

function concrete(op: ScalarAluOp, width: 32 | 64, a: bigint, b: bigint): bigint | undefined {
  const w = width === 32 ? u32 : u64;
  const x = w(a);
  const y = w(b);
  switch (op) {
    case 'add': return w(x + y);
    case 'sub': return w(x - y);
    case 'mul': return w(x * y);
    case 'and': return x & y;
    case 'or': return x | y;
    case 'xor': return x ^ y;
    case 'lsh': return y < BigInt(width) ? w(x << y) : undefined;
    case 'rsh': return y < BigInt(width) ? x >> y : undefined;
    case 'arsh': return y < BigInt(width) ? w((width === 32 ? s32(x) : s64(x)) >> y) : undefined;
    case 'neg': return w(-x);
    case 'div': return y === 0n ? 0n : x / y;
    default: return undefined;
  }
}

const OPS: ScalarAluOp[] = ['add', 'sub', 'mul', 'and', 'or', 'xor', 'lsh', 'rsh', 'arsh', 'neg', 'div'];

describe('tnum operations are sound', () => {
  const withUnknownBits = (x: bigint) => U64.map((m): Tnum => ({ value: x & ~m & ((1n << 64n) - 1n), mask: m }));
  test.each([
    ['add', tnumAdd, (a: bigint, b: bigint) => u64(a + b)],
    ['sub', tnumSub, (a: bigint, b: bigint) => u64(a - b)],
    ['mul', tnumMul, (a: bigint, b: bigint) => u64(a * b)],
    ['and', tnumAnd, (a: bigint, b: bigint) => a & b],
    ['or', tnumOr, (a: bigint, b: bigint) => a | b],
    ['xor', tnumXor, (a: bigint, b: bigint) => a ^ b],
  ] as const)('%s', (_n, f, c) => {
    fc.assert(fc.property(interesting, interesting, (a, b) =>
      fc.assert(fc.property(withUnknownBits(a), withUnknownBits(b), (ta, tb) => tnumIn(f(ta, tb), tnumConst(c(a, b))))) ?? true), { numRuns: 60 });
  });

  test('range', () => {
    fc.assert(fc.property(U64, U64, U64, (a, b, x) => {
      const [lo, hi] = a < b ? [a, b] : [b, a];
      const v = lo + (x % (hi - lo + 1n));
      return tnumIn(tnumRange(lo, hi), tnumConst(v));
    }));
  });
});

describe('scalar arithmetic is sound', () => {
  test.each(OPS.flatMap((op) => [[op, 64], [op, 32]] as const))('%s (%i-bit)', (op, width) => {
    fc.assert(
      fc.property(interesting, interesting, (a, b) => {
        const shift = op === 'lsh' || op === 'rsh' || op === 'arsh';
        const bb = shift ? b % BigInt(width) : b;
        const expected = concrete(op, width, a, bb);
        fc.pre(expected !== undefined);
        fc.assert(fc.property(around(a), shift ? fc.constant(scalarConst(bb)) : around(bb), (da, db) => {
          const r = scalarAlu(op, width, da, db);
          return !isInconsistent(r) && contains(r, expected!);
        }), { numRuns: 20 });
      }),
      { numRuns: 40 },
    );
  });

  test('truncation, sign extension and byte swaps', () => {
    fc.assert(fc.property(interesting, (a) => {
      fc.assert(fc.property(around(a), fc.constantFrom(1, 2, 4), (da, size) => {
        const bits = BigInt(size * 8);
        const trunc = a & ((1n << bits) - 1n);
        const sx = u64(BigInt.asIntN(Number(bits), a));
        const sx32 = size < 4 ? u64(u32(BigInt.asIntN(Number(bits), a))) : undefined;
        return contains(coerceToSize(da, size), trunc) && contains(signExtend(da, size), sx) &&
          (sx32 === undefined || contains(signExtend32(da, size), sx32)) && contains(zext32(da), u32(a)) &&
          contains(scalarEndian(da, 16, false), a & 0xffffn) && contains(scalarEndian(da, 32, false), u32(a));
      }), { numRuns: 20 });
    }), { numRuns: 60 });
  });
});

describe('branch prediction is sound', () => {
  const holds: Record<JmpCondName, (a: bigint, b: bigint) => boolean> = {
    jeq: (a, b) => a === b, jne: (a, b) => a !== b, jset: (a, b) => (a & b) !== 0n,
    jgt: (a, b) => a > b, jge: (a, b) => a >= b, jlt: (a, b) => a < b, jle: (a, b) => a <= b,
    jsgt: (a, b) => s64(a) > s64(b), jsge: (a, b) => s64(a) >= s64(b), jslt: (a, b) => s64(a) < s64(b), jsle: (a, b) => s64(a) <= s64(b),
  };
  test.each(Object.keys(holds) as JmpCondName[])('%s never rules out a side that can happen', (op) => {
    fc.assert(fc.property(interesting, interesting, (a, b) => {
      fc.assert(fc.property(around(a), around(b), (da, db) => {
        const pred = branchTaken({ type: 'scalar', v: da, id: 0, at: 0 }, { type: 'scalar', v: db, id: 0, at: 0 }, op, false, false);
        const truth = holds[op](a, b);
        return pred === -1 || (pred === 1) === truth;
      }), { numRuns: 20 });
    }), { numRuns: 40 });
  });
});

describe('bounds stay consistent', () => {
  test('sync keeps every member and never contradicts itself', () => {
    fc.assert(fc.property(interesting, (a) => {
      fc.assert(fc.property(around(a), (s) => !isInconsistent(sync(s)) && contains(sync(s), a)), { numRuns: 20 });
    }), { numRuns: 100 });
  });

  test('a worked example matches the kernel: [0,255] << 3', () => {
    const r = scalarAlu('lsh', 64, scalarURange(0n, 255n), scalarConst(3n));
    expect([r.umin, r.umax, r.var.value, r.var.mask]).toEqual([0n, 2040n, 0n, 0x7f8n]);
  });
});
