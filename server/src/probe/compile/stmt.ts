// Statements. Each one runs with a fresh set of stack temporaries (released when it ends) and
// a comment carrying its source line, so the compiled listing reads alongside the script.
import type * as A from '../ast';
import type { Type } from '../types';
import { callStmt } from './calls';
import { CompileError, unsupported } from './errors';
import { off, type Gen } from './gen';
import { isWord } from './layout';
import { aggUpdate, mapAssign, mapCompound } from './mapops';
import { varSlot } from './expr';
import { intShape, typeOf } from './types-util';

const AGGS = new Set(['count', 'sum', 'min', 'max', 'avg', 'stats', 'hist', 'lhist']);
const MAX_UNROLL = 100;

function sourceComment(g: Gen, s: A.Stmt): void {
  const line = s.range.start.line;
  const text = g.env.sourceLines[line]?.trim();
  if (text) g.asm.comment(`${line + 1}: ${text.length > 100 ? text.slice(0, 97) + '...' : text}`);
}

export function genStmts(g: Gen, stmts: A.Stmt[]): void {
  for (const s of stmts) genStmt(g, s);
}

function genStmt(g: Gen, s: A.Stmt): void {
  const mark = g.frame.mark();
  const prevRange = g.asm.range;
  if (s.kind !== 'Block') sourceComment(g, s);
  g.asm.range = s.range;
  try {
    stmt(g, s);
  } finally {
    g.asm.range = prevRange;
    g.frame.release(mark);
  }
}

function block(g: Gen, b: A.Block): void {
  genStmts(g, b.stmts);
}

function stmt(g: Gen, s: A.Stmt): void {
  switch (s.kind) {
    case 'ExprStmt':
      exprStmt(g, s.expr);
      return;
    case 'Discard':
      exprStmt(g, s.value);
      return;
    case 'Assign':
      assign(g, s);
      return;
    case 'Let': {
      const v = varSlot(g, s.target);
      if (s.value) g.store(s.value, v.type, v.off);
      return;
    }
    case 'If': {
      const no = g.label('else');
      g.cond(s.cond, no);
      block(g, s.then);
      if (s.else) {
        const end = g.label('endif');
        g.ins(`goto ${end}`);
        g.place(no);
        if (s.else.kind === 'If') genStmt(g, s.else);
        else block(g, s.else);
        g.place(end);
      } else {
        g.place(no);
      }
      return;
    }
    case 'Unroll': {
      const n = s.count.kind === 'Int' ? Number(s.count.value) : NaN;
      if (!(n >= 1 && n <= MAX_UNROLL)) throw new CompileError(s.count.range, `unroll needs a constant count from 1 to ${MAX_UNROLL}.`, 'probe.compile-unroll');
      for (let i = 0; i < n; i++) block(g, s.body);
      return;
    }
    case 'While': {
      const top = g.label('while');
      const end = g.label('endwhile');
      g.place(top);
      g.cond(s.cond, end);
      g.loops.push({ brk: end, cont: top });
      block(g, s.body);
      g.loops.pop();
      g.ins(`goto ${top}`);
      g.place(end);
      return;
    }
    case 'For':
      forStmt(g, s);
      return;
    case 'Jump': {
      if (s.which === 'return') {
        g.ins(`goto ${g.exitLabel}`, 'return');
        return;
      }
      const loop = g.loops[g.loops.length - 1];
      if (!loop) throw new CompileError(s.range, `${s.which} outside a loop.`, 'probe.compile-jump');
      g.ins(`goto ${s.which === 'break' ? loop.brk : loop.cont}`, s.which);
      return;
    }
    case 'Block':
      block(g, s);
      return;
  }
}

function exprStmt(g: Gen, e: A.Expr): void {
  if (e.kind === 'Call') {
    if (AGGS.has(e.callee)) throw new CompileError(e.range, `${e.callee}() must be assigned to a map.`, 'probe.compile-agg');
    callStmt(g, e);
    return;
  }
  const t = typeOf(e);
  if (isWord(t)) g.release(g.int(e));
  else g.mem(e);
}

const COMPOUND: Record<string, string> = {
  '+=': '+=', '-=': '-=', '*=': '*=', '/=': '/=', '%=': '%=', '&=': '&=', '|=': '|=', '^=': '^=', '<<=': '<<=', '>>=': '>>=',
};

function assign(g: Gen, s: A.AssignStmt): void {
  const t = s.target;
  if (t.kind === 'Map') {
    if (s.op === '=' && s.value.kind === 'Call' && AGGS.has(s.value.callee)) aggUpdate(g, t, s.value);
    else if (s.op === '=') mapAssign(g, t, s.value);
    else mapCompound(g, { ...s, target: t });
    return;
  }
  const v = varSlot(g, t);
  if (s.op === '=') {
    g.store(s.value, v.type, v.off);
    return;
  }
  if (!isWord(v.type)) throw new CompileError(s.range, `${t.name} is not an integer.`, 'probe.compile-type');
  const r = g.int(s.value);
  const op = COMPOUND[s.op]!;
  g.ins(`r1 = *(u64 *)(r10 ${off(v.off)})`, t.name);
  g.ins(`r1 ${op} r${r}`);
  const sh = intShape(v.type);
  g.extend('r1', sh.bits, sh.signed);
  g.ins(`*(u64 *)(r10 ${off(v.off)}) = r1`);
  g.release(r);
}

function forStmt(g: Gen, s: A.ForStmt): void {
  if (s.iterable.kind !== 'Range') throw unsupported(s.iterable.range, 'Iterating over a map with for', 'print the map instead, or keep the values you need in a $variable');
  const name = s.variable.name;
  const type: Type = { kind: 'int', bits: 64, signed: true };
  const outer = g.vars.get(name);
  const slot = g.tmp(8, s.variable.range, `loop variable ${name}`);
  const endSlot = g.tmp(8, s.iterable.end.range, 'the loop bound');
  g.vars.set(name, { off: slot, type });
  try {
    g.store(s.iterable.start, type, slot);
    g.store(s.iterable.end, type, endSlot);
    const top = g.label('for');
    const next = g.label('for_next');
    const end = g.label('endfor');
    g.place(top);
    g.ins(`r1 = *(u64 *)(r10 ${off(slot)})`, name);
    g.ins(`r2 = *(u64 *)(r10 ${off(endSlot)})`);
    g.ins(`if r1 s>= r2 goto ${end}`);
    g.loops.push({ brk: end, cont: next });
    block(g, s.body);
    g.loops.pop();
    g.place(next);
    g.ins(`r1 = *(u64 *)(r10 ${off(slot)})`);
    g.ins('r1 += 1');
    g.ins(`*(u64 *)(r10 ${off(slot)}) = r1`);
    g.ins(`goto ${top}`);
    g.place(end);
  } finally {
    if (outer) g.vars.set(name, outer);
    else g.vars.delete(name);
  }
}
