// The bpftrace syntax tree. Every node has a `kind` discriminant and a `range`; expressions get a
// `type` from the checker (see types.ts), which is what the compiler reads.
import type { Range } from '../core/types';
import type { Type } from './types';

interface NodeBase {
  range: Range;
}

// ---------------------------------------------------------------- expressions

interface ExprBase extends NodeBase {
  /** Set by the checker. */
  type?: Type;
}

export interface IntLit extends ExprBase {
  kind: 'Int';
  value: bigint;
  /** Duration unit written in the source (`1s`); `value` is already in nanoseconds. */
  unit?: string;
  text: string;
}

export interface StrLit extends ExprBase {
  kind: 'Str';
  value: string;
}

export interface BoolLit extends ExprBase {
  kind: 'Bool';
  value: boolean;
}

/** A bare identifier: a builtin (`pid`, `arg0`, `args`), a zero-argument helper, a macro, an enum or `#define` constant. */
export interface Ident extends ExprBase {
  kind: 'Ident';
  name: string;
}

/** `$1`, `$2`, ... and `$#`. */
export interface PositionalParam extends ExprBase {
  kind: 'Param';
  /** 0 for `$#` (the count). */
  index: number;
}

/** A scratch variable `$x`. */
export interface Var extends ExprBase {
  kind: 'Var';
  name: string; // with the '$'
}

/** A map `@m`, `@m[k]` or `@m[k1, k2]` (several keys form a tuple key). */
export interface MapRef extends ExprBase {
  kind: 'Map';
  name: string; // with the '@'; '@' alone for the anonymous map
  keys?: Expr[];
  nameRange: Range;
}

export interface Call extends ExprBase {
  kind: 'Call';
  callee: string;
  calleeRange: Range;
  args: Expr[];
}

export type BinaryOp =
  | '||' | '&&' | '|' | '^' | '&' | '==' | '!=' | '<' | '<=' | '>' | '>=' | '<<' | '>>' | '+' | '-' | '*' | '/' | '%';

export interface Binary extends ExprBase {
  kind: 'Binary';
  op: BinaryOp;
  left: Expr;
  right: Expr;
  opRange: Range;
}

export type UnaryOp = '!' | '~' | '-' | '*' | '&';

export interface Unary extends ExprBase {
  kind: 'Unary';
  op: UnaryOp;
  operand: Expr;
}

/** `++x`, `x++`, `--x`, `x--`. */
export interface IncDec extends ExprBase {
  kind: 'IncDec';
  op: '++' | '--';
  prefix: boolean;
  operand: Expr;
}

export interface Ternary extends ExprBase {
  kind: 'Ternary';
  cond: Expr;
  then: Expr;
  else: Expr;
}

/** `a.b` or `a->b` (the same thing in bpftrace: `.` dereferences a pointer as needed). */
export interface FieldAccess extends ExprBase {
  kind: 'Field';
  object: Expr;
  field: string;
  arrow: boolean;
  fieldRange: Range;
}

/** `t.0`: tuple element. */
export interface TupleIndex extends ExprBase {
  kind: 'TupleIndex';
  object: Expr;
  index: number;
}

/** `a[i]`: array or pointer element (or tuple element with a constant index). */
export interface IndexExpr extends ExprBase {
  kind: 'Index';
  object: Expr;
  index: Expr;
}

/** `(type)expr`. */
export interface Cast extends ExprBase {
  kind: 'Cast';
  target: TypeName;
  operand: Expr;
}

export interface TupleExpr extends ExprBase {
  kind: 'Tuple';
  elems: Expr[];
}

/** `sizeof(type)` or `sizeof(expr)`. */
export interface SizeofExpr extends ExprBase {
  kind: 'Sizeof';
  target: TypeName | Expr;
}

/** `offsetof(struct x, field[.sub])`. */
export interface OffsetofExpr extends ExprBase {
  kind: 'Offsetof';
  target: TypeName | Expr;
  fields: string[];
}

/** `{ stmts; expr }` used as a value: the value is the final expression. */
export interface BlockExpr extends ExprBase {
  kind: 'BlockExpr';
  stmts: Stmt[];
  value: Expr;
}

/** Stands in for an expression that failed to parse (a diagnostic was already reported). */
export interface ErrorExpr extends ExprBase {
  kind: 'ErrorExpr';
}

export type Expr =
  | IntLit
  | StrLit
  | BoolLit
  | Ident
  | PositionalParam
  | Var
  | MapRef
  | Call
  | Binary
  | Unary
  | IncDec
  | Ternary
  | FieldAccess
  | TupleIndex
  | IndexExpr
  | Cast
  | TupleExpr
  | SizeofExpr
  | OffsetofExpr
  | BlockExpr
  | ErrorExpr;

/**
 * A type as written in the source: `uint32`, `struct task_struct *`, `unsigned long`,
 * `char[16]`, `int8[]`.
 */
export interface TypeName extends NodeBase {
  kind: 'TypeName';
  /** Base name: `uint32`, `struct task_struct`, `union u`, `enum e`, `unsigned long`, `string`. */
  base: string;
  pointerDepth: number;
  /** Array length; -1 for `[]` (size from the operand); 0 with `arrayLengthExpr` when symbolic. */
  arrayLength?: number;
  /** A symbolic array length in a C definition (`char comm[TASK_COMM_LEN]`). */
  arrayLengthExpr?: Expr;
}

// ---------------------------------------------------------------- statements

export type AssignOp = '=' | '+=' | '-=' | '*=' | '/=' | '%=' | '&=' | '|=' | '^=' | '<<=' | '>>=';

export interface ExprStmt extends NodeBase {
  kind: 'ExprStmt';
  expr: Expr;
}

export interface AssignStmt extends NodeBase {
  kind: 'Assign';
  op: AssignOp;
  target: Var | MapRef;
  value: Expr;
}

/** `let $x`, `let $x = e`, `let $x: type = e`. */
export interface LetStmt extends NodeBase {
  kind: 'Let';
  target: Var;
  declType?: TypeName;
  value?: Expr;
}

/** `_ = expr;` (evaluate, discard). */
export interface DiscardStmt extends NodeBase {
  kind: 'Discard';
  value: Expr;
}

export interface IfStmt extends NodeBase {
  kind: 'If';
  cond: Expr;
  then: Block;
  /** `else if` chains nest an IfStmt here. */
  else?: Block | IfStmt;
}

export interface UnrollStmt extends NodeBase {
  kind: 'Unroll';
  count: Expr;
  body: Block;
}

export interface WhileStmt extends NodeBase {
  kind: 'While';
  cond: Expr;
  body: Block;
}

export interface RangeExpr extends NodeBase {
  kind: 'Range';
  start: Expr;
  end: Expr;
}

/** `for ($kv : @map)` or `for ($i : a..b)`. */
export interface ForStmt extends NodeBase {
  kind: 'For';
  variable: Var;
  iterable: MapRef | RangeExpr;
  body: Block;
}

export interface JumpStmt extends NodeBase {
  kind: 'Jump';
  which: 'break' | 'continue' | 'return';
  value?: Expr;
}

export interface Block extends NodeBase {
  kind: 'Block';
  stmts: Stmt[];
}

export type Stmt =
  | ExprStmt
  | AssignStmt
  | LetStmt
  | DiscardStmt
  | IfStmt
  | UnrollStmt
  | WhileStmt
  | ForStmt
  | JumpStmt
  | Block;

// ---------------------------------------------------------------- top level

/** One attach point, `kprobe:vfs_read`, split at the colons (quoted parts unquoted). */
export interface AttachPoint extends NodeBase {
  kind: 'AttachPoint';
  raw: string;
  /** The provider as written (`k`, `kprobe`, `BEGIN`, ...). */
  provider: string;
  /** The colon-separated parts after the provider. */
  parts: string[];
  partRanges: Range[];
}

export interface Probe extends NodeBase {
  kind: 'Probe';
  attachPoints: AttachPoint[];
  predicate?: Expr;
  body: Block;
}

/** A preprocessor line: `#include <linux/sched.h>`, `#define X 1`, `#ifdef ...`. */
export interface Directive extends NodeBase {
  kind: 'Directive';
  name: string; // include, define, ifdef, ...
  text: string; // the whole line
  /** include: the header path; define/undef/ifdef/ifndef: the macro name. */
  arg?: string;
  /** define: the replacement text. */
  value?: string;
  /** define: parameter names when function-like. */
  params?: string[];
  /** include: `<x>` (system) or `"x"` (local). */
  system?: boolean;
  /** False when the directive sits in a skipped #if branch. */
  active: boolean;
}

export interface CField extends NodeBase {
  kind: 'CField';
  name: string;
  type: TypeName;
  /** Bitfield width. */
  bits?: number;
  /** An inline nested struct/union definition for this field. */
  nested?: CDefinition;
}

/** `struct x { ... };`, `union u { ... }`, `enum e { A, B = 2 }`, `typedef ... name;`. */
export interface CDefinition extends NodeBase {
  kind: 'CDefinition';
  tag: 'struct' | 'union' | 'enum' | 'typedef';
  name: string;
  fields: CField[];
  enumerators: { name: string; value?: Expr; range: Range }[];
  /** typedef: the aliased type. */
  aliased?: TypeName;
  /** typedef of an inline struct/union/enum body: that definition. */
  nestedDef?: CDefinition;
}

export interface ConfigItem extends NodeBase {
  kind: 'ConfigItem';
  key: string;
  value: Expr | Ident;
}

export interface ConfigBlock extends NodeBase {
  kind: 'Config';
  items: ConfigItem[];
}

export interface MacroParam extends NodeBase {
  /** `$x` (a variable), `@m` (a map) or `x` (an expression). */
  name: string;
  sigil: '$' | '@' | '';
}

export interface MacroDef extends NodeBase {
  kind: 'Macro';
  name: string;
  nameRange: Range;
  params: MacroParam[];
  body: Block;
  /** The trailing expression without `;`, which is the macro's value. */
  value?: Expr;
}

/** `let @m = lruhash(100);` at the top level. */
export interface MapDecl extends NodeBase {
  kind: 'MapDecl';
  map: MapRef;
  mapType: string;
  args: Expr[];
}

/** `fn name($a: int64, ...): type { ... }` (user functions). */
export interface FnDef extends NodeBase {
  kind: 'Fn';
  name: string;
  nameRange: Range;
  params: { name: string; type: TypeName; range: Range }[];
  returnType?: TypeName;
  body: Block;
}

export type TopLevel = Directive | CDefinition | ConfigBlock | MacroDef | MapDecl | FnDef | Probe;

export interface Program extends NodeBase {
  kind: 'Program';
  shebang?: string;
  directives: Directive[];
  cdefs: CDefinition[];
  config?: ConfigBlock;
  macros: MacroDef[];
  mapDecls: MapDecl[];
  fns: FnDef[];
  probes: Probe[];
  /** Everything in source order. */
  items: TopLevel[];
}

export type Node = Expr | Stmt | TypeName | RangeExpr | TopLevel | AttachPoint | Program | CField | ConfigItem;

/** Children of an expression, in evaluation order (for walkers). */
export function exprChildren(e: Expr): Expr[] {
  switch (e.kind) {
    case 'Map':
      return e.keys ?? [];
    case 'Call':
      return e.args;
    case 'Binary':
      return [e.left, e.right];
    case 'Unary':
    case 'IncDec':
    case 'Cast':
      return [e.operand];
    case 'Ternary':
      return [e.cond, e.then, e.else];
    case 'Field':
    case 'TupleIndex':
      return [e.object];
    case 'Index':
      return [e.object, e.index];
    case 'Tuple':
      return e.elems;
    case 'Sizeof':
    case 'Offsetof':
      return e.target.kind === 'TypeName' ? [] : [e.target];
    case 'BlockExpr':
      return [e.value];
    default:
      return [];
  }
}
