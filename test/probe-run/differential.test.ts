// Random integer expressions, compiled and run in the VM, against a reference evaluator of
// bpftrace's integer rules: 64-bit wrapping arithmetic, unsigned division, remainder and right
// shift, shift counts taken mod 64, casts that truncate and extend, comparisons that are signed
// only when both sides are, and the BPF rules for division by zero (x / 0 = 0, x % 0 = x).
// Deep expressions exercise the register allocator's spills.
import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import { closeFd, kernelAvailable } from '../../server/src/kernel/bpf';
import { loadProgram } from '../../server/src/kernel/programMaps';
import { compileScript } from '../../server/src/probe/compile';
import { runScript } from '../../server/src/probe/run';
import { verify } from '../../server/src/verifier';

const kernel = kernelAvailable();

interface Ty {
  bits: 8 | 16 | 32 | 64;
  signed: boolean;
  bool?: boolean;
}

interface Node {
  text: string;
  ty: Ty;
  /** The 64-bit register value for args (arg0, arg1, arg2). */
  eval(args: bigint[]): bigint;
}

const I64: Ty = { bits: 64, signed: true };
const U64: Ty = { bits: 64, signed: false };
const BOOL: Ty = { bits: 8, signed: false, bool: true };
const M64 = (1n << 64n) - 1n;

const norm = (v: bigint, t: Ty): bigint => BigInt.asUintN(64, t.signed ? BigInt.asIntN(t.bits, v) : BigInt.asUintN(t.bits, v));
const signedView = (v: bigint): bigint => BigInt.asIntN(64, v);
const arithTy = (a: Ty, b: Ty): Ty => ({ bits: 64, signed: (a.bool ? true : a.signed) && (b.bool ? true : b.signed) });

const ARITH: Record<string, (a: bigint, b: bigint) => bigint> = {
  '+': (a, b) => a + b,
  '-': (a, b) => a - b,
  '*': (a, b) => a * b,
  '/': (a, b) => (b === 0n ? 0n : a / b),
  '%': (a, b) => (b === 0n ? a : a % b),
  '&': (a, b) => a & b,
  '|': (a, b) => a | b,
  '^': (a, b) => a ^ b,
  '<<': (a, b) => a << (b & 63n),
  '>>': (a, b) => a >> (b & 63n),
};

const CMP: Record<string, (a: bigint, b: bigint) => boolean> = {
  '==': (a, b) => a === b,
  '!=': (a, b) => a !== b,
  '<': (a, b) => a < b,
  '<=': (a, b) => a <= b,
  '>': (a, b) => a > b,
  '>=': (a, b) => a >= b,
};

const CASTS: Ty[] = [
  { bits: 8, signed: false }, { bits: 8, signed: true }, { bits: 16, signed: false }, { bits: 16, signed: true },
  { bits: 32, signed: false }, { bits: 32, signed: true }, U64, I64,
];
const castName = (t: Ty): string => `${t.signed ? '' : 'u'}int${t.bits}`;

const leaf: fc.Arbitrary<Node> = fc.oneof(
  fc.integer({ min: 0, max: 2 }).map((i): Node => ({ text: `arg${i}`, ty: U64, eval: (args) => args[i]! })),
  fc.oneof(fc.integer({ min: -300, max: 300 }), fc.constantFrom(0x7fffffff, -0x80000000, 0x100000000, 4294967295)).map((v): Node => ({
    text: v < 0 ? `(${v})` : String(v),
    ty: I64,
    eval: () => BigInt.asUintN(64, BigInt(v)),
  })),
);

const expr: fc.Arbitrary<Node> = fc.letrec<{ e: Node }>((tie) => ({
  e: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    leaf,
    fc.tuple(tie('e'), fc.constantFrom(...Object.keys(ARITH)), tie('e')).map(([a, op, b0]): Node => {
      // A literal 0 divisor is a checker error; keep divisions by zero to run-time values.
      const b = (op === '/' || op === '%') && b0.text === '0' ? { ...b0, text: '1', eval: () => 1n } : b0;
      return {
        text: `(${a.text} ${op} ${b.text})`,
        ty: arithTy(a.ty, b.ty),
        eval: (args) => BigInt.asUintN(64, ARITH[op]!(a.eval(args), b.eval(args))),
      };
    }),
    fc.tuple(tie('e'), fc.constantFrom(...Object.keys(CMP)), tie('e')).map(([a, op, b]): Node => {
      const signed = a.ty.signed && !a.ty.bool && b.ty.signed && !b.ty.bool;
      return {
        text: `(${a.text} ${op} ${b.text})`,
        ty: BOOL,
        eval: (args) => {
          const x = a.eval(args);
          const y = b.eval(args);
          return CMP[op]!(signed ? signedView(x) : x, signed ? signedView(y) : y) ? 1n : 0n;
        },
      };
    }),
    fc.tuple(tie('e'), fc.constantFrom('&&', '||'), tie('e')).map(([a, op, b]): Node => ({
      text: `(${a.text} ${op} ${b.text})`,
      ty: BOOL,
      eval: (args) => (op === '&&' ? a.eval(args) !== 0n && b.eval(args) !== 0n : a.eval(args) !== 0n || b.eval(args) !== 0n) ? 1n : 0n,
    })),
    fc.tuple(fc.constantFrom(...CASTS), tie('e')).map(([t, a]): Node => ({ text: `((${castName(t)})${a.text})`, ty: t, eval: (args) => norm(a.eval(args), t) })),
    tie('e').map((a): Node => ({ text: `(-${a.text})`, ty: I64, eval: (args) => BigInt.asUintN(64, -a.eval(args)) })),
    tie('e').map((a): Node => {
      const t = a.ty.bool ? I64 : a.ty;
      return { text: `(~${a.text})`, ty: t, eval: (args) => norm(a.eval(args) ^ M64, t) };
    }),
    tie('e').map((a): Node => ({ text: `(!${a.text})`, ty: BOOL, eval: (args) => (a.eval(args) === 0n ? 1n : 0n) })),
    fc.tuple(tie('e'), tie('e'), tie('e')).map(([c, a, b]): Node => {
      // The checker's rule: two integers widen (signed only when both are); a bool takes the
      // other branch's integer type; two bools stay bool. Both branches convert to that type.
      const ty: Ty = a.ty.bool && b.ty.bool ? BOOL : a.ty.bool ? b.ty : b.ty.bool ? a.ty : { bits: Math.max(a.ty.bits, b.ty.bits) as Ty['bits'], signed: a.ty.signed && b.ty.signed };
      return {
        text: `(${c.text} ? ${a.text} : ${b.text})`,
        ty,
        eval: (args) => norm(c.eval(args) !== 0n ? a.eval(args) : b.eval(args), ty),
      };
    }),
  ),
})).e;

const arg = fc.oneof(fc.bigInt({ min: 0n, max: M64 }), fc.bigInt({ min: 0n, max: 255n }), fc.constantFrom(0n, 1n, M64, 1n << 63n, 0xffffffffn));

describe('integer expressions: VM run equals the reference', () => {
  test('three expressions per probe, three events', () => {
    fc.assert(
      fc.property(fc.array(expr, { minLength: 3, maxLength: 3 }), fc.array(fc.array(arg, { minLength: 3, maxLength: 3 }), { minLength: 3, maxLength: 3 }), (exprs, argSets) => {
        const script = `kprobe:f { printf("%ld %ld %ld\\n", ${exprs.map((e) => e.text).join(', ')}); }`;
        const events = argSets.map((a, i) => JSON.stringify({ probe: 'kprobe:f', ts: i + 1, args: a.map(String) }).replace(/"(\d+)"/g, '$1')).join('\n');
        const r = runScript(script, { events, btf: null });
        const problems = [...r.findings, ...r.eventFindings].filter((f) => f.severity !== 'hint');
        if (problems.length) throw new Error(`${script}\n${problems.map((f) => f.message).join('\n')}`);
        const want = argSets.map((a) => exprs.map((e) => signedView(e.eval(a)).toString()).join(' ')).join('\n');
        expect(r.output).toBe(`Attaching 1 probe...\n${want}\n\n\n`);
      }),
      { numRuns: 120, seed: 20240611 },
    );
  });

  test('the same programs pass our verifier and (where available) the kernel\'s', () => {
    fc.assert(
      fc.property(fc.array(expr, { minLength: 1, maxLength: 3 }), (exprs) => {
        const script = `kprobe:f { @m[${exprs[0]!.text}] = sum(${exprs[exprs.length - 1]!.text}); if (${exprs.map((e) => e.text).join(' > ')}) { printf("%d\\n", ${exprs[0]!.text}); } }`;
        const r = compileScript(script, 'p.bt', { btf: null });
        expect(r.findings.filter((f) => f.severity === 'error')).toEqual([]);
        for (const p of r.programs) {
          const v = verify(p.program);
          if (!v.accepted) throw new Error(`${script}\n${v.findings.map((f) => f.message).join('\n')}`);
          if (kernel.ok) {
            const k = loadProgram(p.program);
            if (k.fd === undefined) throw new Error(`${script}\nkernel: ${k.log.split('\n').slice(-5).join('\n')}`);
            closeFd(k.fd);
          }
        }
      }),
      { numRuns: 60, seed: 7 },
    );
  });
});
