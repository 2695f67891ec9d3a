// Reading the checker's types off the AST, with a clear error where the checker could not type
// something (the compiler needs sizes and signedness for every value it touches).
import type { Range } from '../../core/types';
import type * as A from '../ast';
import type { TypeEnv } from '../typeenv';
import { sizeOf, typeName, type Type } from '../types';
import { CompileError } from './errors';

export function typeOf(e: A.Expr): Type {
  const t = e.type;
  if (!t || t.kind === 'unknown') {
    throw new CompileError(e.range, 'The type of this expression is not known here (the checker could not work it out), so it cannot be compiled.', 'probe.compile-type');
  }
  return t;
}

/** Signed integer arithmetic and comparisons apply when either side is a signed integer. */
export function isSigned(t: Type): boolean {
  return (t.kind === 'int' && t.signed) || (t.kind === 'agg' && t.agg !== 'count');
}

/** Bits and sign of an integer-like type as it sits in a register. */
export function intShape(t: Type): { bits: number; signed: boolean } {
  if (t.kind === 'int') return { bits: t.bits, signed: t.signed };
  if (t.kind === 'bool') return { bits: 8, signed: false };
  return { bits: 64, signed: isSigned(t) };
}

export function byteSize(t: Type, env: TypeEnv, range: Range): number {
  const n = sizeOf(t, (name) => env.record(name)?.size);
  if (!n) throw new CompileError(range, `The size of ${typeName(t)} is not known here.`, 'probe.compile-type');
  return n;
}
