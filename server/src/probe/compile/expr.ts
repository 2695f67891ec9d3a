// Expressions: integers end up in a register (r6-r8), everything else (strings, tuples, buffers)
// in a stack temporary. Conditions compile to jumps, so `if`, predicates, `&&` and `||` never
// materialise a boolean unless it is used as a value.
import type * as A from '../ast';
import type { FieldLayout } from '../typeenv';
import type { Type } from '../types';
import { builtinInt, builtinMem, commInto, constantIdent } from './builtins';
import { callInt, callMem, callStore } from './calls';
import { CompileError, unsupported } from './errors';
import { align8 } from './frame';
import { CTX, MEM_SIZE, off, type Gen, type Mem } from './gen';
import { elemSize, isWord, storageSize, tupleOffsets } from './layout';
import { mapIncDec, mapReadInt, mapReadInto, mapReadMem } from './mapops';
import { stringEquals } from './strings';
import { byteSize, intShape, isSigned, typeOf } from './types-util';

const ARITH: Record<string, string> = {
  '+': '+=', '-': '-=', '*': '*=', '/': '/=', '%': '%=', '&': '&=', '|': '|=', '^': '^=', '<<': '<<=', '>>': '>>=',
};

const COMPARE = new Set(['==', '!=', '<', '<=', '>', '>=']);

/** The jump that is taken when `a OP b` is false. */
const NEGATE: Record<string, string> = { '==': '!=', '!=': '==', '<': '>=', '<=': '>', '>': '<=', '>=': '<' };

function jumpOp(op: string, signed: boolean): string {
  return signed && op !== '==' && op !== '!=' ? `s${op}` : op;
}

const fitsImm = (v: bigint): boolean => v >= -(1n << 31n) && v < 1n << 31n;

function intLiteral(e: A.Expr): bigint | undefined {
  if (e.kind === 'Int') return e.value;
  if (e.kind === 'Unary' && e.op === '-' && e.operand.kind === 'Int') return -e.operand.value;
  return undefined;
}

// ------------------------------------------------------------------ integers

export function genInt(g: Gen, e: A.Expr): number {
  switch (e.kind) {
    case 'Int': {
      const r = g.acquire(e.range);
      g.imm(`r${r}`, e.value);
      return r;
    }
    case 'Bool': {
      const r = g.acquire(e.range);
      g.ins(`r${r} = ${e.value ? 1 : 0}`);
      return r;
    }
    case 'Param':
      return paramInt(g, e);
    case 'Var': {
      const v = varSlot(g, e);
      if (!isWord(v.type)) throw new CompileError(e.range, `${e.name} holds a ${v.type.kind}, not an integer.`, 'probe.compile-type');
      const r = g.acquire(e.range);
      g.ins(`r${r} = *(u64 *)(r10 ${off(v.off)})`, e.name);
      return r;
    }
    case 'Map':
      return mapReadInt(g, e);
    case 'Ident': {
      const c = constantIdent(g, e);
      if (c !== undefined) {
        const r = g.acquire(e.range);
        g.imm(`r${r}`, c);
        return r;
      }
      return builtinInt(g, e);
    }
    case 'Call':
      return callInt(g, e);
    case 'Binary':
      return binaryInt(g, e);
    case 'Unary':
      return unaryInt(g, e);
    case 'IncDec':
      return incDec(g, e);
    case 'Ternary': {
      const slot = g.tmp(8, e.range, 'a ?: result');
      const no = g.label('else');
      const end = g.label('endif');
      g.cond(e.cond, no);
      storeWord(g, e.then, slot);
      g.ins(`goto ${end}`);
      g.place(no);
      storeWord(g, e.else, slot);
      g.place(end);
      const r = g.acquire(e.range);
      g.ins(`r${r} = *(u64 *)(r10 ${off(slot)})`);
      // Both branches convert to the ?: type (int16 -1 is 0xffff as uint16).
      const t = typeOf(e);
      if (t.kind === 'int') g.extend(`r${r}`, t.bits, t.signed);
      return r;
    }
    case 'Field':
      return fieldInt(g, e);
    case 'TupleIndex': {
      const t = typeOf(e.object);
      if (t.kind !== 'tuple') throw new CompileError(e.range, 'Not a tuple.', 'probe.compile-type');
      const m = g.mem(e.object);
      const r = g.acquire(e.range);
      g.ins(`r${r} = *(u64 *)(r10 ${off(m.off + tupleOffsets(t.elems)[e.index]!)})`);
      return r;
    }
    case 'Index':
      return indexInt(g, e);
    case 'Cast':
      return castInt(g, e);
    case 'Sizeof': {
      const t = e.target.kind === 'TypeName' ? g.env.types.resolveTypeName(e.target).type : typeOf(e.target);
      const r = g.acquire(e.range);
      g.imm(`r${r}`, BigInt(byteSize(t, g.env.types, e.range)));
      return r;
    }
    case 'Offsetof': {
      const r = g.acquire(e.range);
      g.imm(`r${r}`, BigInt(offsetOf(g, e)));
      return r;
    }
    case 'BlockExpr':
      g.ops.stmts(g, e.stmts);
      return g.int(e.value);
    case 'Str':
    case 'Tuple':
      throw new CompileError(e.range, `A ${e.kind === 'Str' ? 'string' : 'tuple'} is not an integer.`, 'probe.compile-type');
    case 'ErrorExpr':
      throw new CompileError(e.range, 'This expression did not parse.', 'probe.compile-type');
  }
}

function storeWord(g: Gen, e: A.Expr, slot: number): void {
  const r = g.int(e);
  g.ins(`*(u64 *)(r10 ${off(slot)}) = r${r}`);
  g.release(r);
}

export function varSlot(g: Gen, e: A.Var): { off: number; type: Type } {
  const v = g.vars.get(e.name);
  if (!v && g.info.variables.has(e.name)) {
    throw new CompileError(e.range, `The type of ${e.name} is not known here (the checker could not work it out, often a struct missing from the kernel's BTF), so it cannot be compiled.`, 'probe.compile-type');
  }
  if (!v) throw new CompileError(e.range, `${e.name} has no storage (it is never assigned in this probe).`, 'probe.compile-var');
  return v;
}

function paramValue(g: Gen, e: A.PositionalParam): string {
  if (e.index === 0) return String(g.env.params.length);
  const v = g.env.params[e.index - 1];
  if (v === undefined) {
    throw new CompileError(e.range, `$${e.index} is not given: pass positional parameters to the run (like bpftrace script.bt ARG1 ARG2).`, 'probe.missing-param');
  }
  return v;
}

function paramInt(g: Gen, e: A.PositionalParam): number {
  const v = paramValue(g, e);
  if (!/^-?(0x[0-9a-f]+|\d+)$/i.test(v)) throw new CompileError(e.range, `$${e.index} is "${v}", not a number.`, 'probe.compile-type');
  const neg = v.startsWith('-');
  const r = g.acquire(e.range);
  g.imm(`r${r}`, (neg ? -1n : 1n) * BigInt(neg ? v.slice(1) : v));
  return r;
}

function binaryInt(g: Gen, e: A.Binary): number {
  if (e.op === '&&' || e.op === '||' || COMPARE.has(e.op)) return boolOf(g, e);
  const lt = typeOf(e.left);
  const rt = typeOf(e.right);
  // bpftrace divides, takes remainders and shifts right as unsigned numbers (udiv, urem, lshr).
  const op = ARITH[e.op]!;
  // Pointer arithmetic steps by the pointee's size, as in C.
  const scale = lt.kind === 'pointer' && (e.op === '+' || e.op === '-') && rt.kind !== 'pointer' ? elemSize(lt.to) ?? 1 : 1;
  const lit = intLiteral(e.right);
  if (lit !== undefined && fitsImm(lit * BigInt(scale))) {
    const a = g.int(e.left);
    g.ins(`r${a} ${op} ${lit * BigInt(scale)}`);
    return a;
  }
  const p = g.pair(e.left, e.right);
  if (scale > 1) g.ins(`r${p.b} *= ${scale}`);
  g.ins(`${p.a} ${op} r${p.b}`);
  return p.done();
}

/** 0 or 1 in a register, from a condition. */
function boolOf(g: Gen, e: A.Expr): number {
  const no = g.label('false');
  const end = g.label('bool');
  g.cond(e, no);
  const r = g.acquire(e.range);
  g.ins(`r${r} = 1`);
  g.ins(`goto ${end}`);
  g.place(no);
  g.ins(`r${r} = 0`);
  g.place(end);
  return r;
}

function unaryInt(g: Gen, e: A.Unary): number {
  switch (e.op) {
    case '-': {
      const r = g.int(e.operand);
      g.ins(`r${r} = -r${r}`);
      return r;
    }
    case '~': {
      const r = g.int(e.operand);
      g.ins(`r${r} ^= -1`);
      const s = intShape(typeOf(e));
      g.extend(`r${r}`, s.bits, s.signed);
      return r;
    }
    case '!':
      return boolOf(g, e);
    case '*': {
      const t = typeOf(e);
      const size = t.kind === 'int' ? t.bits / 8 : 8;
      const r = g.int(e.operand);
      const at = readPointer(g, `r${r}`, size, e);
      loadSized(g, `r${r}`, at, t);
      return r;
    }
    case '&':
      return addressOf(g, e);
  }
}

/**
 * `&$x` is the variable's place on the stack (valid while the probe runs, read back through
 * probe_read like any address); `&p->f` is the pointer plus the field's offset, with nothing read.
 */
function addressOf(g: Gen, e: A.Unary): number {
  const o = e.operand;
  if (o.kind === 'Var') {
    const v = varSlot(g, o);
    const r = g.acquire(e.range);
    g.ins(`r${r} = r10`, `&${o.name}`);
    g.ins(`r${r} += ${v.off}`);
    return r;
  }
  if (o.kind === 'Field' && !isArgs(o.object)) return fieldAddress(g, o);
  throw unsupported(e.range, 'Taking the address of this with "&"', 'the compiler takes the address of a $variable (&$x) or of a field through a pointer (&$p->f)');
}

/** x++, ++x, x--, --x on a $variable or a map; returns the value the expression has. */
function incDec(g: Gen, e: A.IncDec): number {
  const delta = e.op === '++' ? 1 : -1;
  if (e.operand.kind === 'Var') {
    const v = varSlot(g, e.operand);
    const r = g.acquire(e.range);
    g.ins(`r${r} = *(u64 *)(r10 ${off(v.off)})`, e.operand.name);
    g.ins(`r${r} += ${delta}`);
    const s = intShape(v.type);
    g.extend(`r${r}`, s.bits, s.signed);
    g.ins(`*(u64 *)(r10 ${off(v.off)}) = r${r}`);
    if (!e.prefix) g.ins(`r${r} += ${-delta}`, 'the old value');
    return r;
  }
  if (e.operand.kind === 'Map') return mapIncDec(g, e.operand, delta, e.prefix);
  throw new CompileError(e.range, `${e.op} works only on a $variable or an @map.`, 'probe.compile-type');
}

function castInt(g: Gen, e: A.Cast): number {
  const to = typeOf(e);
  if (to.kind === 'array' || to.kind === 'record') throw unsupported(e.range, `A cast to ${to.kind === 'array' ? 'an array' : 'a struct'}`);
  const r = g.int(e.operand);
  if (to.kind === 'int') g.extend(`r${r}`, to.bits, to.signed);
  else if (to.kind === 'bool') {
    const z = g.label('zero');
    g.ins(`if r${r} == 0 goto ${z}`);
    g.ins(`r${r} = 1`);
    g.place(z);
  }
  return r;
}

function offsetOf(g: Gen, e: A.OffsetofExpr): number {
  let t: Type = e.target.kind === 'TypeName' ? g.env.types.resolveTypeName(e.target).type : typeOf(e.target);
  if (t.kind === 'pointer') t = t.to;
  let at = 0;
  for (const name of e.fields) {
    const f = t.kind === 'record' ? g.env.types.record(t.name)?.fields.find((x) => x.name === name) : undefined;
    if (!f) throw new CompileError(e.range, `offsetof: no field "${name}" here.`, 'probe.compile-type');
    at += f.offset;
    t = f.type;
  }
  return at;
}

// ------------------------------------------------------------------ fields and indexing

/** The tracepoint field behind `args.NAME`, from this program's own record layout. */
function tracepointField(g: Gen, e: A.FieldAccess) {
  const tp = g.tracepoint;
  if (!tp) throw new CompileError(e.range, `The record layout of ${g.attach.name} is not known, so args.${e.field} cannot be compiled.`, 'probe.compile-args');
  const f = tp.fields.find((x) => x.name === e.field);
  if (!f) throw new CompileError(e.fieldRange, `${tp.category}:${tp.event} has no field "${e.field}".`, 'probe.compile-args');
  return f;
}

function isArgs(e: A.Expr): boolean {
  return e.kind === 'Ident' && e.name === 'args';
}

/** Loads `size` bytes at r9 + at, widening to 64 bits with the field's sign. */
function ctxLoad(g: Gen, reg: string, at: number, size: number, signed: boolean): void {
  const w = MEM_SIZE[size];
  if (!w) throw new CompileError(g.attach.range, `A ${size}-byte context field cannot be loaded as an integer.`, 'probe.compile-args');
  g.ins(`${reg} = *(${w} *)(r${CTX} ${off(at)})`);
  if (signed && size < 8) g.extend(reg, size * 8, true);
}

/** The record layout field `name` of the struct a pointer/record type names. */
function recordField(g: Gen, t: Type, e: A.FieldAccess): FieldLayout {
  const rt = t.kind === 'pointer' ? t.to : t;
  if (rt.kind !== 'record') throw new CompileError(e.range, `Cannot read field "${e.field}": not a struct.`, 'probe.compile-type');
  const rec = g.env.types.record(rt.name);
  const f = rec?.fields.find((x) => x.name === e.field);
  if (!f) throw new CompileError(e.fieldRange, `${rt.name} has no field "${e.field}" the compiler knows.`, 'probe.compile-type');
  return f;
}

/** Reads `size` bytes at the address in `addr` into a new stack temporary (probe_read). */
export function readPointer(g: Gen, addr: string, size: number, e: A.Expr): number {
  const at = g.tmp(align8(size), e.range, 'a value read through a pointer');
  if (size % 8) g.zero(at + (size & ~7), 8);
  g.ins(`r3 = ${addr}`);
  g.ins('r1 = r10');
  g.ins(`r1 += ${at}`);
  g.ins(`r2 = ${size}`);
  g.call(userSpace(g) ? 'probe_read_user' : 'probe_read_kernel');
  return at;
}

/** Loads a `t`-typed value of its natural size from r10 + at. */
function loadSized(g: Gen, reg: string, at: number, t: Type): void {
  const size = t.kind === 'int' ? t.bits / 8 : 8;
  g.ins(`${reg} = *(${MEM_SIZE[size]} *)(r10 ${off(at)})`);
  if (t.kind === 'int' && t.signed && size < 8) g.extend(reg, size * 8, true);
}

/** Memory behind pointers in user-space probes (and syscall tracepoint arguments) is user memory. */
export function userSpace(g: Gen): boolean {
  return g.attach.kind.user || (g.attach.kind.name === 'tracepoint' && g.attach.target.category === 'syscalls');
}

/**
 * The address of a struct field in kernel (or user) memory: a pointer plus the field's offset,
 * following `a->b.c` and `(*p).c` through embedded structs without reading them.
 */
function fieldAddress(g: Gen, e: A.FieldAccess): number {
  const ot = typeOf(e.object);
  const f = recordField(g, ot, e);
  let r: number;
  if (ot.kind === 'pointer') r = g.int(e.object);
  else if (e.object.kind === 'Field' && !isArgs(e.object.object)) r = fieldAddress(g, e.object);
  else if (e.object.kind === 'Unary' && e.object.op === '*') r = g.int(e.object.operand);
  else throw unsupported(e.range, 'Reading a field of a struct value that is not in memory');
  if (f.offset) g.ins(`r${r} += ${f.offset}`, `&${e.arrow ? '->' : '.'}${e.field}`);
  return r;
}

function fieldInt(g: Gen, e: A.FieldAccess): number {
  if (isArgs(e.object)) {
    const k = g.attach.kind.name;
    if (k === 'tracepoint') {
      const f = tracepointField(g, e);
      const r = g.acquire(e.range);
      if (f.dataLoc) {
        // __data_loc: the low 16 bits are the data's offset in the record.
        g.ins(`r${r} = *(u32 *)(r${CTX} ${off(f.offset)})`, `args.${f.name} (__data_loc)`);
        g.ins(`r${r} &= 0xffff`);
        g.ins(`r${r} += r${CTX}`);
        return r;
      }
      ctxLoad(g, `r${r}`, f.offset, f.size, f.signed);
      return r;
    }
    if (k === 'rawtracepoint') {
      const f = recordField(g, typeOf(e.object), e);
      const r = g.acquire(e.range);
      g.ins(`r${r} = *(u64 *)(r${CTX} ${off(f.offset)})`, `args.${f.name}`);
      const s = intShape(f.type);
      g.extend(`r${r}`, s.bits, s.signed);
      return r;
    }
    throw unsupported(e.range, `args in ${k} probes`);
  }
  const ot = typeOf(e.object);
  const f = recordField(g, ot, e);
  const t = f.type;
  const size = t.kind === 'int' ? t.bits / 8 : t.kind === 'pointer' ? 8 : undefined;
  if (size === undefined) throw new CompileError(e.range, `Field "${e.field}" is not an integer or pointer.`, 'probe.compile-type');
  const r = fieldAddress(g, e);
  const at = readPointer(g, `r${r}`, size, e);
  loadSized(g, `r${r}`, at, t);
  if (f.bitSize !== undefined) {
    if (f.bitOffset) g.ins(`r${r} >>= ${f.bitOffset}`);
    g.ins(`r${r} &= ${(1n << BigInt(f.bitSize)) - 1n}`);
  }
  return r;
}

function indexInt(g: Gen, e: A.IndexExpr): number {
  const ot = typeOf(e.object);
  const lit = intLiteral(e.index);
  if (ot.kind === 'tuple') {
    if (lit === undefined) throw new CompileError(e.index.range, 'A tuple index must be a constant.', 'probe.compile-type');
    const m = g.mem(e.object);
    const r = g.acquire(e.range);
    g.ins(`r${r} = *(u64 *)(r10 ${off(m.off + tupleOffsets(ot.elems)[Number(lit)]!)})`);
    return r;
  }
  if (ot.kind === 'string' || ot.kind === 'array') {
    const es = ot.kind === 'string' ? 1 : elemSize(ot.elem);
    const et: Type = ot.kind === 'string' ? { kind: 'int', bits: 8, signed: true } : ot.elem;
    if (!es) throw unsupported(e.range, 'Indexing an array of this element type');
    if (lit === undefined) throw unsupported(e.index.range, 'A non-constant array index', 'use a constant index, like a[2]');
    const n = ot.kind === 'string' ? ot.size : ot.length;
    if (lit < 0n || lit >= BigInt(n)) throw new CompileError(e.index.range, `Index ${lit} is outside 0..${n - 1}.`, 'probe.compile-index');
    const m = g.mem(e.object);
    const r = g.acquire(e.range);
    loadSized(g, `r${r}`, m.off + Number(lit) * es, et);
    return r;
  }
  if (ot.kind === 'pointer') {
    const t = typeOf(e);
    const es = elemSize(t);
    if (!es) throw unsupported(e.range, 'Indexing a pointer to this type');
    const p = g.pair(e.object, e.index);
    if (es > 1) g.ins(`r${p.b} *= ${es}`);
    g.ins(`${p.a} += r${p.b}`);
    const r = p.done();
    const at = readPointer(g, `r${r}`, es, e);
    loadSized(g, `r${r}`, at, t);
    return r;
  }
  throw unsupported(e.range, `Indexing a ${ot.kind}`);
}

// ------------------------------------------------------------------ memory values

export function genMem(g: Gen, e: A.Expr): Mem {
  switch (e.kind) {
    case 'Str': {
      const size = align8(Buffer.byteLength(e.value, 'utf8') + 1);
      const at = g.tmp(size, e.range, 'a string literal');
      g.literal(e.value, at, size);
      return { off: at, size };
    }
    case 'Param': {
      const v = paramValue(g, e);
      const size = align8(Buffer.byteLength(v, 'utf8') + 1);
      const at = g.tmp(size, e.range, 'a string parameter');
      g.literal(v, at, size);
      return { off: at, size };
    }
    case 'Var': {
      const v = varSlot(g, e);
      return { off: v.off, size: storageSize(v.type) ?? 8 };
    }
    case 'Map':
      return mapReadMem(g, e);
    case 'Ident':
      return builtinMem(g, e);
    case 'Call':
      return callMem(g, e);
    case 'Ternary':
    case 'Tuple': {
      const t = typeOf(e);
      const size = storageSize(t);
      if (size === undefined) throw unsupported(e.range, `A ${t.kind} value`);
      const at = g.tmp(size, e.range, `a ${e.kind === 'Tuple' ? 'tuple' : '?: result'}`);
      g.store(e, t, at);
      return { off: at, size };
    }
    case 'TupleIndex': {
      const t = typeOf(e.object);
      if (t.kind !== 'tuple') throw new CompileError(e.range, 'Not a tuple.', 'probe.compile-type');
      const m = g.mem(e.object);
      const el = t.elems[e.index]!;
      return { off: m.off + tupleOffsets(t.elems)[e.index]!, size: storageSize(el) ?? 8 };
    }
    case 'Field':
      return fieldMem(g, e);
    case 'BlockExpr':
      g.ops.stmts(g, e.stmts);
      return g.mem(e.value);
    default: {
      const t = typeOf(e);
      throw new CompileError(e.range, `A ${t.kind} value cannot be used here.`, 'probe.compile-type');
    }
  }
}

function fieldMem(g: Gen, e: A.FieldAccess): Mem {
  const t = typeOf(e);
  const size = storageSize(t);
  if (size === undefined) throw unsupported(e.range, `Reading a ${t.kind} field`);
  const natural = t.kind === 'string' ? t.size : t.kind === 'array' ? (elemSize(t.elem) ?? 1) * t.length : size;
  if (isArgs(e.object) && g.attach.kind.name === 'tracepoint') {
    const f = tracepointField(g, e);
    const at = g.tmp(size, e.range, `args.${f.name}`);
    g.zero(at, size);
    // Copy the inline array out of the record in the widest aligned pieces.
    let i = 0;
    while (i < natural) {
      const w = [8, 4, 2, 1].find((n) => (f.offset + i) % n === 0 && i + n <= natural)!;
      g.ins(`r1 = *(${MEM_SIZE[w]} *)(r${CTX} ${off(f.offset + i)})`);
      g.ins(`*(${MEM_SIZE[w]} *)(r10 ${off(at + i)}) = r1`);
      i += w;
    }
    return { off: at, size };
  }
  const r = fieldAddress(g, e);
  const at = readPointer(g, `r${r}`, natural, e);
  g.release(r);
  return { off: at, size };
}

// ------------------------------------------------------------------ stores

/** Writes the value of `e`, laid out as type `t`, at r10 + at. */
export function genStore(g: Gen, e: A.Expr, t: Type, at: number): void {
  if (isWord(t)) {
    storeWord(g, e, at);
    return;
  }
  const size = storageSize(t);
  if (size === undefined) throw unsupported(e.range, `Storing a ${t.kind} value`);
  if (e.kind === 'Str') {
    g.literal(e.value, at, size);
    return;
  }
  if (e.kind === 'Tuple' && t.kind === 'tuple') {
    const offs = tupleOffsets(t.elems);
    e.elems.forEach((x, i) => g.store(x, t.elems[i]!, at + offs[i]!));
    return;
  }
  if (e.kind === 'Ternary') {
    const no = g.label('else');
    const end = g.label('endif');
    g.cond(e.cond, no);
    g.store(e.then, t, at);
    g.ins(`goto ${end}`);
    g.place(no);
    g.store(e.else, t, at);
    g.place(end);
    return;
  }
  if (e.kind === 'Call' && callStore(g, e, at, size)) return;
  if (e.kind === 'Map' && e.keys) {
    mapReadInto(g, e, at, size);
    return;
  }
  if (e.kind === 'Ident' && e.name === 'comm' && size >= 16) {
    commInto(g, at);
    if (size > 16) g.zero(at + 16, size - 16);
    return;
  }
  const m = g.mem(e);
  g.copyResized(at, size, m);
}

// ------------------------------------------------------------------ conditions

/** Jumps to `no` when `e` is false; falls through when it is true. */
export function genCond(g: Gen, e: A.Expr, no: string): void {
  if (e.kind === 'Binary') {
    if (e.op === '&&') {
      g.cond(e.left, no);
      g.cond(e.right, no);
      return;
    }
    if (e.op === '||') {
      const yes = g.label('or_true');
      const next = g.label('or_next');
      g.cond(e.left, next);
      g.ins(`goto ${yes}`);
      g.place(next);
      g.cond(e.right, no);
      g.place(yes);
      return;
    }
    if (COMPARE.has(e.op)) {
      compare(g, e, no);
      return;
    }
  }
  if (e.kind === 'Unary' && e.op === '!') {
    const wasFalse = g.label('not');
    g.cond(e.operand, wasFalse);
    g.ins(`goto ${no}`);
    g.place(wasFalse);
    return;
  }
  if (e.kind === 'Bool') {
    if (!e.value) g.ins(`goto ${no}`);
    return;
  }
  const r = g.int(e);
  g.ins(`if r${r} == 0 goto ${no}`);
  g.release(r);
}

function compare(g: Gen, e: A.Binary, no: string): void {
  const lt = typeOf(e.left);
  const rt = typeOf(e.right);
  if (lt.kind === 'string' || rt.kind === 'string') {
    if (e.op !== '==' && e.op !== '!=') throw new CompileError(e.opRange, `Strings compare only with == and !=.`, 'probe.compile-type');
    stringEquals(g, e.left, e.right, e.op === '==' ? undefined : no, e.op === '==' ? no : undefined);
    return;
  }
  if (!isWord(lt) || !isWord(rt)) throw unsupported(e.range, `Comparing ${lt.kind} values`);
  // Signed comparison only when both sides are signed, as bpftrace compares.
  const signed = isSigned(lt) && isSigned(rt);
  const jop = jumpOp(NEGATE[e.op]!, signed);
  const lit = intLiteral(e.right);
  if (lit !== undefined && fitsImm(lit)) {
    const a = g.int(e.left);
    g.ins(`if r${a} ${jop} ${lit} goto ${no}`);
    g.release(a);
    return;
  }
  const p = g.pair(e.left, e.right);
  g.ins(`if ${p.a} ${jop} r${p.b} goto ${no}`);
  g.release(p.done());
}
