// What a script does with each probe's inputs, so a generated workload gives it values of the
// right shape: which argN/retval/args fields it reads as strings (str) or string lists (join),
// following values through scratch variables and maps (gethostlatency keeps arg0 in @name[tid] at
// entry and prints str(@name[tid]) at return), which it casts to a struct pointer, and which
// struct fields it reads (so a generated kernel object fills just those).
import type * as A from '../ast';
import { exprChildren } from '../ast';
import type { ProbeInfo } from '../checker';
import type { Type } from '../types';

export interface ProbeUsage {
  /** Highest argN the probe reads, -1 for none. */
  maxArg: number;
  /** Inputs read as text: 'arg0', 'retval', 'args.filename'. */
  strings: Set<string>;
  /** Inputs read as lists of strings (join). */
  lists: Set<string>;
  /** Inputs cast to a struct pointer: 'arg0' → 'sock' for `(struct sock *)arg0`. */
  structs: Map<string, string>;
}

/** Where a value comes from: an input of the probe, a map, or a scratch variable of the probe. */
type Node = { input: string } | { node: string };

const MAX_DEPTH = 100;

/** The input an expression reads directly (through casts): argN, retval or args.F. */
export function inputOf(e: A.Expr | undefined): string | undefined {
  for (let depth = 0; e && depth < MAX_DEPTH; depth++) {
    if (e.kind === 'Cast') {
      e = e.operand;
      continue;
    }
    if (e.kind === 'Ident') return /^arg\d+$/.test(e.name) || e.name === 'retval' ? e.name : undefined;
    if (e.kind === 'Field' && e.object.kind === 'Ident' && e.object.name === 'args') return `args.${e.field}`;
    return undefined;
  }
  return undefined;
}

function nodeOf(e: A.Expr | undefined, probe: number): Node | undefined {
  for (let depth = 0; e && depth < MAX_DEPTH; depth++) {
    if (e.kind === 'Cast') {
      e = e.operand;
      continue;
    }
    if (e.kind === 'Map') return { node: `map ${e.name}` };
    if (e.kind === 'Var') return { node: `var ${probe} ${e.name}` };
    const input = inputOf(e);
    return input ? { input } : undefined;
  }
  return undefined;
}

/** The expressions a run evaluates: sizeof/offsetof operands are not evaluated. */
function children(e: A.Expr): A.Expr[] {
  return e.kind === 'Sizeof' || e.kind === 'Offsetof' ? [] : exprChildren(e);
}

/** Every expression and assignment of a probe, each visited once (depth-bounded). */
function walk(info: ProbeInfo, onExpr: (e: A.Expr) => void, onAssign: (target: A.Var | A.MapRef, value: A.Expr) => void): void {
  const expr = (e: A.Expr | undefined, depth: number): void => {
    if (!e || depth > MAX_DEPTH) return;
    onExpr(e);
    if (e.kind === 'BlockExpr') stmts(e.stmts, depth + 1);
    for (const c of children(e)) expr(c, depth + 1);
  };
  const stmts = (list: A.Stmt[], depth: number): void => {
    if (depth > MAX_DEPTH) return;
    for (const s of list) {
      switch (s.kind) {
        case 'ExprStmt':
          expr(s.expr, depth);
          break;
        case 'Discard':
          expr(s.value, depth);
          break;
        case 'Assign':
          expr(s.value, depth);
          expr(s.target, depth);
          if (s.op === '=') onAssign(s.target, s.value);
          break;
        case 'Let':
          expr(s.value, depth);
          if (s.value) onAssign(s.target, s.value);
          break;
        case 'If':
          expr(s.cond, depth);
          stmts(s.then.stmts, depth + 1);
          if (s.else) stmts(s.else.kind === 'If' ? [s.else] : s.else.stmts, depth + 1);
          break;
        case 'While':
          expr(s.cond, depth);
          stmts(s.body.stmts, depth + 1);
          break;
        case 'Unroll':
        case 'For':
          stmts(s.body.stmts, depth + 1);
          break;
        case 'Jump':
          expr(s.value, depth);
          break;
        case 'Block':
          stmts(s.stmts, depth + 1);
          break;
      }
    }
  };
  expr(info.probe.predicate, 0);
  stmts(info.probe.body.stmts, 0);
}

/** How each probe of the script uses its inputs (index = probe index). */
export function scriptUsage(probes: readonly ProbeInfo[]): ProbeUsage[] {
  const usages: ProbeUsage[] = probes.map(() => ({ maxArg: -1, strings: new Set(), lists: new Set(), structs: new Map() }));
  const textNodes = new Set<string>();
  const listNodes = new Set<string>();
  // target node ← source (an input of probe `probe`, or another node)
  const flows: { target: string; source: Node; probe: number }[] = [];
  probes.forEach((info, i) => {
    const u = usages[i]!;
    const sink = (e: A.Expr | undefined, list: boolean): void => {
      const n = nodeOf(e, i);
      if (!n) return;
      if ('input' in n) (list ? u.lists : u.strings).add(n.input);
      else (list ? listNodes : textNodes).add(n.node);
    };
    walk(
      info,
      (e) => {
        if (e.kind === 'Ident') {
          const m = /^arg(\d+)$/.exec(e.name);
          if (m) u.maxArg = Math.max(u.maxArg, Number(m[1]));
        } else if (e.kind === 'Call' && (e.callee === 'str' || e.callee === 'buf')) {
          sink(e.args[0], false);
        } else if (e.kind === 'Call' && e.callee === 'join') {
          sink(e.args[0], true);
        } else if (e.kind === 'Cast' && e.target.pointerDepth === 1 && /^struct\s+\w+$/.test(e.target.base)) {
          const input = inputOf(e.operand);
          if (input) u.structs.set(input, e.target.base.replace(/^struct\s+/, ''));
        }
      },
      (target, value) => {
        const t = nodeOf(target, i);
        const s = nodeOf(value, i);
        if (t && 'node' in t && s) flows.push({ target: t.node, source: s, probe: i });
      },
    );
  });
  // Back along the flows: a node read as text makes what was stored in it text (bounded passes).
  for (let pass = 0; pass < 16; pass++) {
    let changed = false;
    for (const f of flows) {
      for (const [set, pick] of [[textNodes, 'strings'], [listNodes, 'lists']] as const) {
        if (!set.has(f.target)) continue;
        if ('input' in f.source) {
          const into = usages[f.probe]![pick];
          if (!into.has(f.source.input)) {
            into.add(f.source.input);
            changed = true;
          }
        } else if (!set.has(f.source.node)) {
          set.add(f.source.node);
          changed = true;
        }
      }
    }
    if (!changed) break;
  }
  return usages;
}

export interface RecordUse {
  /** Struct fields the script reads, as `struct sock_common.skc_family`. */
  fields: Set<string>;
  /** Structs the script casts pointers to (`struct tcp_sock`): an object may be one of those around the one passed. */
  casts: Set<string>;
}

function recordName(t: Type | undefined): string | undefined {
  if (t?.kind === 'record') return t.name;
  if (t?.kind === 'pointer' && t.to.kind === 'record') return t.to.name;
  return undefined;
}

/** The struct fields and casts of the whole script (from the checker's types). */
export function recordUse(probes: readonly ProbeInfo[]): RecordUse {
  const use: RecordUse = { fields: new Set(), casts: new Set() };
  for (const info of probes) {
    walk(
      info,
      (e) => {
        if (e.kind === 'Field') {
          const r = recordName(e.object.type);
          if (r) use.fields.add(`${r}.${e.field}`);
        } else if (e.kind === 'Cast' && e.target.pointerDepth === 1 && /^(struct|union)\s+\w+$/.test(e.target.base)) {
          use.casts.add(e.target.base.replace(/\s+/, ' '));
        }
      },
      () => undefined,
    );
  }
  return use;
}
