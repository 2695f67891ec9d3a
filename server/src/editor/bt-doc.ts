// One analysis of a bpftrace script, shared by every feature: the parse, every expression with
// the scope it sits in (a probe, a function or a macro), and where @maps, $vars, functions and
// macros are defined and used. Built once per document version.
import type { Pos, Range } from '../core/types';
import type * as A from '../probe/ast';
import { exprChildren } from '../probe/ast';
import type { CheckInfo, CheckResult } from '../probe/checker';
import { parseScript, type ParseResult } from '../probe/parser';
import { rangeContains, type SymbolOccurrences } from './types';

/** A scope of $vars: each probe, function and macro has its own. */
export interface Scope {
  kind: 'probe' | 'fn' | 'macro' | 'top';
  node?: A.Probe | A.FnDef | A.MacroDef;
  index: number;
}

export interface VisitedExpr {
  expr: A.Expr;
  scope: Scope;
}

export interface ProbeDoc {
  text: string;
  lines: string[];
  parse: ParseResult;
  ast: A.Program;
  /** The checker's knowledge (map and variable types, probe args), when the script was checked. */
  info?: CheckInfo;
  /** Every expression, outermost first, with its scope. */
  exprs: VisitedExpr[];
  /** Occurrences: `map:@name`, `var:<scope>:$name`, `fn:name`, `macro:name`. */
  occurrences: Map<string, SymbolOccurrences>;
  /** The probe (or function/macro) whose range holds a position. */
  scopeAt(pos: Pos): Scope;
}

function walkStmts(stmts: readonly A.Stmt[], scope: Scope, onExpr: (e: A.Expr, scope: Scope) => void, onVarDef: (v: A.Var, scope: Scope) => void): void {
  const expr = (e: A.Expr | undefined) => {
    if (!e) return;
    // Iterative walk: deep expressions must not overflow the stack.
    const stack: A.Expr[] = [e];
    for (let guard = 0; stack.length > 0 && guard < 1_000_000; guard++) {
      const x = stack.pop()!;
      onExpr(x, scope);
      if (x.kind === 'BlockExpr') walkStmts(x.stmts, scope, onExpr, onVarDef);
      const kids = exprChildren(x);
      for (let i = kids.length - 1; i >= 0; i--) stack.push(kids[i]);
    }
  };
  const block = (b: A.Block | undefined) => b && walkStmts(b.stmts, scope, onExpr, onVarDef);
  for (const s of stmts) {
    switch (s.kind) {
      case 'ExprStmt':
        expr(s.expr);
        break;
      case 'Assign':
        if (s.target.kind === 'Var') onVarDef(s.target, scope);
        expr(s.target);
        expr(s.value);
        break;
      case 'Let':
        onVarDef(s.target, scope);
        expr(s.target);
        expr(s.value);
        break;
      case 'Discard':
        expr(s.value);
        break;
      case 'If': {
        expr(s.cond);
        block(s.then);
        if (s.else) walkStmts([s.else], scope, onExpr, onVarDef);
        break;
      }
      case 'Unroll':
        expr(s.count);
        block(s.body);
        break;
      case 'While':
        expr(s.cond);
        block(s.body);
        break;
      case 'For':
        onVarDef(s.variable, scope);
        expr(s.variable);
        if (s.iterable.kind === 'Range') {
          expr(s.iterable.start);
          expr(s.iterable.end);
        } else expr(s.iterable);
        block(s.body);
        break;
      case 'Jump':
        expr(s.value);
        break;
      case 'Block':
        walkStmts(s.stmts, scope, onExpr, onVarDef);
        break;
    }
  }
}

function scopeKey(scope: Scope): string {
  return `${scope.kind}${scope.index}`;
}

/** Analyses a script; pass the checker's result to reuse its (typed) syntax tree and findings. */
export function analyzeProbe(text: string, file?: string, checked?: CheckResult): ProbeDoc {
  const parse: ParseResult = checked ? { ast: checked.ast, findings: checked.findings, source: checked.source } : parseScript(text, file);
  const ast = parse.ast;
  const exprs: VisitedExpr[] = [];
  const occurrences = new Map<string, SymbolOccurrences>();
  const occ = (key: string, name: string, kind: SymbolOccurrences['kind']): SymbolOccurrences => {
    let o = occurrences.get(key);
    if (!o) occurrences.set(key, (o = { name, kind, definitions: [], references: [] }));
    return o;
  };
  const fnNames = new Set(ast.fns.map((f) => f.name));
  const macroNames = new Set(ast.macros.map((m) => m.name));
  for (const f of ast.fns) occ(`fn:${f.name}`, f.name, 'function').definitions.push(f.nameRange);
  for (const m of ast.macros) occ(`macro:${m.name}`, m.name, 'macro').definitions.push(m.nameRange);
  for (const d of ast.mapDecls) occ(`map:${d.map.name}`, d.map.name, 'map').definitions.push(d.map.nameRange);

  const varDefs = new Set<A.Var>();
  const onVarDef = (v: A.Var, scope: Scope) => {
    const o = occ(`var:${scopeKey(scope)}:${v.name}`, v.name, 'variable');
    // The first assignment (or let, or for) defines the variable; later ones are uses.
    if (o.definitions.length === 0) {
      o.definitions.push(v.range);
      varDefs.add(v);
    }
  };
  const onExpr = (e: A.Expr, scope: Scope) => {
    exprs.push({ expr: e, scope });
    if (e.kind === 'Var' && !varDefs.has(e)) occ(`var:${scopeKey(scope)}:${e.name}`, e.name, 'variable').references.push(e.range);
    else if (e.kind === 'Map' && e.name !== '@') occ(`map:${e.name}`, e.name, 'map').references.push(e.nameRange);
    else if (e.kind === 'Call' && fnNames.has(e.callee)) occ(`fn:${e.callee}`, e.callee, 'function').references.push(e.calleeRange);
    else if (e.kind === 'Call' && macroNames.has(e.callee)) occ(`macro:${e.callee}`, e.callee, 'macro').references.push(e.calleeRange);
  };

  const scopes: { scope: Scope; range: Range }[] = [];
  ast.probes.forEach((p, index) => {
    const scope: Scope = { kind: 'probe', node: p, index };
    scopes.push({ scope, range: p.range });
    if (p.predicate) walkStmts([{ kind: 'ExprStmt', expr: p.predicate, range: p.predicate.range }], scope, onExpr, onVarDef);
    walkStmts(p.body.stmts, scope, onExpr, onVarDef);
  });
  ast.fns.forEach((f, index) => {
    const scope: Scope = { kind: 'fn', node: f, index };
    scopes.push({ scope, range: f.range });
    for (const p of f.params) {
      const range = { start: p.range.start, end: { line: p.range.start.line, col: p.range.start.col + p.name.length } };
      occ(`var:${scopeKey(scope)}:${p.name}`, p.name, 'variable').definitions.push(range);
    }
    walkStmts(f.body.stmts, scope, onExpr, onVarDef);
  });
  ast.macros.forEach((m, index) => {
    const scope: Scope = { kind: 'macro', node: m, index };
    scopes.push({ scope, range: m.range });
    for (const p of m.params) {
      if (p.sigil === '$') occ(`var:${scopeKey(scope)}:${p.name}`, p.name, 'variable').definitions.push(p.range);
    }
    walkStmts(m.body.stmts, scope, onExpr, onVarDef);
    if (m.value) walkStmts([{ kind: 'ExprStmt', expr: m.value, range: m.value.range }], scope, onExpr, onVarDef);
  });
  const top: Scope = { kind: 'top', index: 0 };
  for (const d of ast.mapDecls) for (const a of d.args) walkStmts([{ kind: 'ExprStmt', expr: a, range: a.range }], top, onExpr, onVarDef);

  return {
    text,
    lines: text.split('\n'),
    parse,
    ast,
    info: checked?.info,
    exprs,
    occurrences,
    scopeAt: (pos) => scopes.find((s) => rangeContains(s.range, pos))?.scope ?? top,
  };
}

/** The innermost expression whose range holds a position. */
export function exprAt(doc: ProbeDoc, pos: Pos): VisitedExpr | undefined {
  let best: VisitedExpr | undefined;
  for (const v of doc.exprs) {
    if (!rangeContains(v.expr.range, pos)) continue;
    if (!best || within(v.expr.range, best.expr.range)) best = v;
  }
  return best;
}

function within(inner: Range, outer: Range): boolean {
  return rangeContains(outer, inner.start) && rangeContains(outer, inner.end);
}

/** The attach point (and which part) at a position. */
export function attachPointAt(doc: ProbeDoc, pos: Pos): { probe: A.Probe; ap: A.AttachPoint; part: number } | undefined {
  for (const probe of doc.ast.probes) {
    for (const ap of probe.attachPoints) {
      if (!rangeContains(ap.range, pos)) continue;
      const part = ap.partRanges.findIndex((r) => rangeContains(r, pos));
      return { probe, ap, part };
    }
  }
  return undefined;
}
