// Statements. Each one runs with a fresh set of stack temporaries (released when it ends) and
// a comment carrying its source line, so the compiled listing reads alongside the script.
import type * as A from '../ast';
import { exprChildren } from '../ast';
import type { Type } from '../types';
import { callStmt } from './calls';
import { CompileError, unsupported } from './errors';
import { CTX, off, type Gen } from './gen';
import { isWord, storageSize, tupleOffsets } from './layout';
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

/** The $variables a list of statements reads or writes (bounded walk). */
function varsUsed(stmts: A.Stmt[]): Set<string> {
  const out = new Set<string>();
  const expr = (e: A.Expr | undefined, depth: number): void => {
    if (!e || depth > 200) return;
    if (e.kind === 'Var') out.add(e.name);
    if (e.kind === 'BlockExpr') list(e.stmts, depth + 1);
    for (const c of exprChildren(e)) expr(c, depth + 1);
  };
  const list = (ss: A.Stmt[], depth: number): void => {
    if (depth > 200) return;
    for (const st of ss) {
      switch (st.kind) {
        case 'ExprStmt':
          expr(st.expr, depth);
          break;
        case 'Discard':
          expr(st.value, depth);
          break;
        case 'Assign':
          expr(st.target, depth);
          expr(st.value, depth);
          break;
        case 'Let':
          out.add(st.target.name);
          expr(st.value, depth);
          break;
        case 'If':
          expr(st.cond, depth);
          list(st.then.stmts, depth + 1);
          if (st.else) list(st.else.kind === 'If' ? [st.else] : st.else.stmts, depth + 1);
          break;
        case 'While':
          expr(st.cond, depth);
          list(st.body.stmts, depth + 1);
          break;
        case 'Unroll':
          expr(st.count, depth);
          list(st.body.stmts, depth + 1);
          break;
        case 'For':
          if (st.iterable.kind === 'Range') {
            expr(st.iterable.start, depth);
            expr(st.iterable.end, depth);
          }
          list(st.body.stmts, depth + 1);
          break;
        case 'Block':
          list(st.stmts, depth + 1);
          break;
        case 'Jump':
          expr(st.value, depth);
          break;
      }
    }
  };
  list(stmts, 0);
  return out;
}

/**
 * for ($kv : @m) { body }: bpf_for_each_map_elem with the body as a callback subprogram, as
 * bpftrace compiles it. The callback has its own stack frame: it gets the program context back
 * from a slot the caller passes (callback_ctx), copies the key and value into $kv, and copies the
 * $variables the body uses in from the caller's frame and back out when it returns (0 to go on,
 * 1 for break). Per-CPU maps give the current CPU's value, as the kernel does.
 */
function forMap(g: Gen, s: A.ForStmt, m: A.MapRef): void {
  const map = g.map(m.name, m.range);
  const kvType = s.variable.type;
  if (!kvType || kvType.kind !== 'tuple' || kvType.elems.length !== 2) throw new CompileError(s.variable.range, `The type of ${s.variable.name} is not known here.`, 'probe.compile-type');
  if (map.agg === 'hist' || map.agg === 'lhist' || map.agg === 'avg' || map.agg === 'stats') throw unsupported(m.range, `Iterating over a ${map.agg}() map`);
  const [kt, vt] = kvType.elems as [Type, Type];
  const kvSize = storageSize(kvType);
  const keyBytes = storageSize(kt);
  const valBytes = storageSize(vt);
  if (kvSize === undefined || keyBytes !== map.keySize || valBytes === undefined) throw unsupported(m.range, `Iterating over ${map.name} (its key or value layout)`);
  const offs = tupleOffsets(kvType.elems);
  const copyVal = Math.min(valBytes, map.spec.valueSize) & ~7;
  const captured = [...varsUsed(s.body.stmts)]
    .filter((n) => n !== s.variable.name && g.vars.has(n))
    .map((name) => ({ name, ...g.vars.get(name)!, size: storageSize(g.vars.get(name)!.type) ?? 8 }));

  const ctxSlot = g.tmp(8, s.range, 'the program context, passed to the loop body');
  const cb = g.label('for_each').replace(/^\.L/, '');
  g.ins(`*(u64 *)(r10 ${off(ctxSlot)}) = r${CTX}`, 'callback_ctx: the program context');
  g.useMap(map.sym);
  g.ins(`r1 = ${map.sym} ll`, `for (${s.variable.name} : ${map.name})`);
  g.ins(`r2 = ${cb} ll`);
  g.ins('r3 = r10');
  g.ins(`r3 += ${ctxSlot}`);
  g.ins('r4 = 0');
  g.call('for_each_map_elem');

  g.inSubprogram(s.range, () => {
    g.asm.comment(`${cb}(map, key, value, ctx): the body of for (${s.variable.name} : ${map.name})`);
    g.place(cb);
    const ctxPtr = g.tmp(8, s.range, "the caller's frame pointer");
    g.ins(`*(u64 *)(r10 ${off(ctxPtr)}) = r4`);
    g.ins(`r${CTX} = *(u64 *)(r4 + 0)`, 'the program context');
    const kv = g.tmp(kvSize, s.variable.range, s.variable.name);
    g.zero(kv, kvSize);
    for (let i = 0; i < keyBytes; i += 8) {
      g.ins(`r0 = *(u64 *)(r2 + ${i})`, i === 0 ? `${s.variable.name}.0: the key` : undefined);
      g.ins(`*(u64 *)(r10 ${off(kv + offs[0]! + i)}) = r0`);
    }
    for (let i = 0; i < copyVal; i += 8) {
      g.ins(`r0 = *(u64 *)(r3 + ${i})`, i === 0 ? `${s.variable.name}.1: the value` : undefined);
      g.ins(`*(u64 *)(r10 ${off(kv + offs[1]! + i)}) = r0`);
    }
    g.vars.clear();
    g.vars.set(s.variable.name, { off: kv, type: kvType });
    const copies = captured.map((c) => {
      const slot = g.tmp(c.size, s.range, c.name);
      g.vars.set(c.name, { off: slot, type: c.type });
      return { ...c, slot, delta: c.off - ctxSlot };
    });
    for (const c of copies) {
      for (let i = 0; i < c.size; i += 8) {
        g.ins(`r0 = *(u64 *)(r4 ${off(c.delta + i)})`, i === 0 ? `${c.name}, from the caller` : undefined);
        g.ins(`*(u64 *)(r10 ${off(c.slot + i)}) = r0`);
      }
    }
    const cont = g.label('for_each_next');
    const brk = g.label('for_each_break');
    const ret = g.label('for_each_ret');
    g.loops.push({ brk, cont });
    g.exitLabel = brk;
    block(g, s.body);
    g.loops.pop();
    // The kernel refuses unreachable instructions: each exit path is written only when reached.
    const lines = g.asm.lines;
    const jumpsTo = (label: string): boolean => lines.some((l) => new RegExp(`\\bgoto ${label.replace(/\./g, '\\.')}(\\s|$)`).test(l.text));
    // The body falls through unless its last line (labels count, comments do not) is a goto.
    const last = [...lines].reverse().find((l) => !/^\s*#/.test(l.text));
    const fallsThrough = !last || !/^\s*goto /.test(last.text);
    const broken = jumpsTo(brk);
    if (fallsThrough || jumpsTo(cont)) {
      g.place(cont);
      g.ins('r0 = 0', 'go on to the next element');
      if (broken) g.ins(`goto ${ret}`);
    }
    if (broken) {
      g.place(brk);
      g.ins('r0 = 1', 'stop');
    }
    g.place(ret);
    if (copies.length) g.ins(`r1 = *(u64 *)(r10 ${off(ctxPtr)})`);
    for (const c of copies) {
      for (let i = 0; i < c.size; i += 8) {
        g.ins(`r2 = *(u64 *)(r10 ${off(c.slot + i)})`, i === 0 ? `${c.name}, back to the caller` : undefined);
        g.ins(`*(u64 *)(r1 ${off(c.delta + i)}) = r2`);
      }
    }
    g.ins('exit');
  });
}

function forStmt(g: Gen, s: A.ForStmt): void {
  if (s.iterable.kind !== 'Range') {
    forMap(g, s, s.iterable);
    return;
  }
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
