import type { Finding } from '../../server/src/core/types';
import type * as A from '../../server/src/probe/ast';
import { parseScript } from '../../server/src/probe/parser';
import { checkScript, type CheckOptions } from '../../server/src/probe/checker';

/** Parses and returns the AST, failing the test on any finding. */
export function parseOk(text: string): A.Program {
  const r = parseScript(text);
  if (r.findings.length) throw new Error(`unexpected findings:\n${r.findings.map(show).join('\n')}`);
  return r.ast;
}

export function show(f: Finding): string {
  return `${f.range.start.line + 1}:${f.range.start.col + 1} ${f.severity} ${f.code}: ${f.message}`;
}

/** The first statement of the first probe. */
export function firstStmt(text: string): A.Stmt {
  return parseOk(text).probes[0]!.body.stmts[0]!;
}

/** The expression of `BEGIN { $x = EXPR; }`. */
export function exprOf(src: string): A.Expr {
  const s = firstStmt(`BEGIN { $x = ${src}; }`);
  if (s.kind !== 'Assign') throw new Error(`not an assignment: ${s.kind}`);
  return s.value;
}

/** A compact s-expression of an expression tree, for precedence tests. */
export function sexpr(e: A.Expr): string {
  switch (e.kind) {
    case 'Int':
      return String(e.value);
    case 'Str':
      return JSON.stringify(e.value);
    case 'Bool':
      return String(e.value);
    case 'Ident':
      return e.name;
    case 'Var':
      return e.name;
    case 'Param':
      return e.index === 0 ? '$#' : `$${e.index}`;
    case 'Map':
      return e.keys ? `${e.name}[${e.keys.map(sexpr).join(' ')}]` : e.name;
    case 'Call':
      return `(${e.callee}${e.args.map((a) => ' ' + sexpr(a)).join('')})`;
    case 'Binary':
      return `(${e.op} ${sexpr(e.left)} ${sexpr(e.right)})`;
    case 'Unary':
      return `(${e.op} ${sexpr(e.operand)})`;
    case 'IncDec':
      return e.prefix ? `(${e.op}pre ${sexpr(e.operand)})` : `(${e.op}post ${sexpr(e.operand)})`;
    case 'Ternary':
      return `(? ${sexpr(e.cond)} ${sexpr(e.then)} ${sexpr(e.else)})`;
    case 'Field':
      return `(${e.arrow ? '->' : '.'} ${sexpr(e.object)} ${e.field})`;
    case 'TupleIndex':
      return `(.${e.index} ${sexpr(e.object)})`;
    case 'Index':
      return `([] ${sexpr(e.object)} ${sexpr(e.index)})`;
    case 'Cast':
      return `(cast ${e.target.base}${'*'.repeat(e.target.pointerDepth)}${e.target.arrayLength !== undefined ? `[${e.target.arrayLength}]` : ''} ${sexpr(e.operand)})`;
    case 'Tuple':
      return `(tuple${e.elems.map((a) => ' ' + sexpr(a)).join('')})`;
    case 'Sizeof':
      return `(sizeof ${e.target.kind === 'TypeName' ? e.target.base : sexpr(e.target)})`;
    case 'Offsetof':
      return `(offsetof ${e.target.kind === 'TypeName' ? e.target.base : sexpr(e.target)} ${e.fields.join('.')})`;
    case 'BlockExpr':
      return `(block ${e.stmts.length} ${sexpr(e.value)})`;
    case 'ErrorExpr':
      return '<error>';
  }
}

/** Checks with the machine's BTF/tracefs/binaries turned off, so results do not depend on the host. */
export function checkHermetic(text: string, opts: CheckOptions = {}): Finding[] {
  return checkScript(text, { btf: null, useTracefs: false, checkBinaries: false, readHeaders: false, ...opts }).findings;
}

export function errors(fs: Finding[]): Finding[] {
  return fs.filter((f) => f.severity === 'error');
}
