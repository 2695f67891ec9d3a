// One attach point → one eBPF program: prologue, scratch variables, predicate, body, epilogue,
// then the assembly text goes through our assembler, and the program's source map is pointed
// back from assembly lines to the script's ranges.
import { assemble } from '../../asm/assembler';
import type { MapSpec, Program, Range } from '../../core/types';
import type * as A from '../ast';
import { exprChildren } from '../ast';
import type { ProbeInfo } from '../checker';
import type { Type } from '../types';
import { CompileError } from './errors';
import { genCond, genInt, genMem, genStore } from './expr';
import { CTX, Gen, off, type Ops, type ScriptEnv } from './gen';
import { storageSize } from './layout';
import { internalMapSpecs } from './maps';
import type { AttachSpec } from './sections';
import { genStmts } from './stmt';

export interface CompiledProgram {
  /** The attach point this program is for, e.g. `kprobe:vfs_read`. */
  probe: string;
  /** Index of the probe in the script (ast.probes). */
  probeIndex: number;
  attach: AttachSpec;
  program: Program;
  /** The program as LLVM-syntax assembly; assembling it gives `program` again. */
  asmText: string;
}

const OPS: Ops = { int: genInt, mem: genMem, cond: genCond, store: genStore, stmts: genStmts };

/** Scratch variables assigned anywhere in the probe, in first-seen order, with their types. */
function scratchVars(info: ProbeInfo): Map<string, { type: Type; range: Range }> {
  const out = new Map<string, { type: Type; range: Range }>();
  const note = (v: A.Var): void => {
    if (out.has(v.name)) return;
    const t = info.variables.get(v.name) ?? v.type ?? { kind: 'unknown' };
    out.set(v.name, { type: t, range: v.range });
  };
  const exprs = (e: A.Expr | undefined, depth: number): void => {
    if (!e || depth > 200) return;
    if (e.kind === 'IncDec' && e.operand.kind === 'Var') note(e.operand);
    if (e.kind === 'BlockExpr') stmts(e.stmts, depth + 1);
    if (e.kind === 'Binary') {
      exprs(e.left, depth + 1);
      exprs(e.right, depth + 1);
      return;
    }
    for (const c of childExprs(e)) exprs(c, depth + 1);
  };
  const stmts = (list: A.Stmt[], depth: number): void => {
    if (depth > 200) return;
    for (const s of list) {
      switch (s.kind) {
        case 'Assign':
          if (s.target.kind === 'Var') note(s.target);
          else for (const k of s.target.keys ?? []) exprs(k, depth + 1);
          exprs(s.value, depth + 1);
          break;
        case 'Let':
          note(s.target);
          exprs(s.value, depth + 1);
          break;
        case 'ExprStmt':
          exprs(s.expr, depth + 1);
          break;
        case 'Discard':
          exprs(s.value, depth + 1);
          break;
        case 'If':
          exprs(s.cond, depth + 1);
          stmts(s.then.stmts, depth + 1);
          if (s.else) stmts(s.else.kind === 'If' ? [s.else] : s.else.stmts, depth + 1);
          break;
        case 'While':
          exprs(s.cond, depth + 1);
          stmts(s.body.stmts, depth + 1);
          break;
        case 'Unroll':
        case 'For':
          stmts(s.body.stmts, depth + 1);
          break;
        case 'Block':
          stmts(s.stmts, depth + 1);
          break;
        case 'Jump':
          break;
      }
    }
  };
  exprs(info.probe.predicate, 0);
  stmts(info.probe.body.stmts, 0);
  return out;
}

/** As exprChildren, without sizeof/offsetof operands (never evaluated) and a block expression's value. */
function childExprs(e: A.Expr): A.Expr[] {
  return e.kind === 'Sizeof' || e.kind === 'Offsetof' || e.kind === 'BlockExpr' ? [] : exprChildren(e);
}

function mapDirective(spec: MapSpec): string {
  if (spec.type === 'ringbuf') return `.map ${spec.name} ringbuf entries=${spec.maxEntries}`;
  return `.map ${spec.name} ${spec.type} key=${spec.keySize} value=${spec.valueSize} entries=${spec.maxEntries}`;
}

/** Compiles one probe for one attach point. Throws CompileError for what it cannot compile. */
export function compileProgram(env: ScriptEnv, info: ProbeInfo, probeIndex: number, spec: AttachSpec, file?: string): CompiledProgram {
  let probeId = env.probeNames.indexOf(spec.name);
  if (probeId < 0) probeId = env.probeNames.push(spec.name) - 1;
  const g = new Gen(env, spec, info, probeId, OPS);
  g.asm.range = info.probe.range;
  g.ins(`r${CTX} = r1`, 'keep the context: helper calls clobber r1-r5');
  const vars = scratchVars(info);
  for (const [name, v] of vars) {
    if (v.type.kind === 'unknown') continue; // reported where it is used
    const size = storageSize(v.type);
    if (size === undefined) throw new CompileError(v.range, `${name} holds a ${v.type.kind}, which the compiler cannot keep in a variable.`, 'probe.compile-var');
    const at = g.tmp(size, v.range, name);
    g.vars.set(name, { off: at, type: v.type });
    g.asm.comment(`${name} at r10 ${off(at)} (${size} bytes)`);
    g.zero(at, size);
  }
  if (info.probe.predicate) {
    g.asm.comment(`predicate: ${env.sourceLines[info.probe.predicate.range.start.line]?.trim() ?? ''}`);
    g.asm.range = info.probe.predicate.range;
    g.cond(info.probe.predicate, g.exitLabel);
  }
  genStmts(g, info.probe.body.stmts);
  g.asm.range = info.probe.range;
  g.place(g.exitLabel);
  g.ins('r0 = 0');
  g.ins('exit');
  if (g.subprograms.length) {
    g.checkCallbackStacks();
    g.asm.append(g.subprograms);
  }

  const internal = internalMapSpecs();
  const mapLines: string[] = [];
  for (const sym of g.usedMaps) {
    const user = [...env.maps.values()].find((m) => m.sym === sym);
    const spec2 = user?.spec ?? internal[sym];
    if (!spec2) throw new CompileError(spec.range, `internal compiler error: unknown map ${sym}`, 'probe.compile-internal');
    mapLines.push(user ? `${mapDirective(spec2)}    # ${user.name}` : mapDirective(spec2));
  }
  const header = [
    `# ${spec.name} — compiled by eBPF Studio (stack: ${g.frame.peak} of 512 bytes)`,
    // A name with "//" or "#" (uprobe paths) is quoted so the assembler does not read a comment.
    /\/\/|#|;/.test(spec.section) ? `.section "${spec.section}"` : `.section ${spec.section}`,
    '.license "GPL"',
    '.func_info', // bpftrace loads BTF func_info with its programs: for ($kv : @map) bodies are callbacks
    ...mapLines,
  ];
  const asmText = header.join('\n') + '\n' + g.asm.text();
  const result = assemble(asmText, { dialect: 'llvm' });
  const errors = result.findings.filter((f) => f.severity === 'error');
  const program = result.programs[0];
  if (errors.length || !program) {
    const first = errors[0];
    const where = first ? ` (assembly line ${first.range.start.line + 1}: ${first.message})` : '';
    throw new CompileError(spec.range, `internal compiler error: the generated assembly did not assemble${where}`, 'probe.compile-internal');
  }
  const byLine: (Range | undefined)[] = [...header.map(() => undefined), ...g.asm.rangesByLine()];
  program.sourceMap = (program.sourceMap ?? []).map((r) => (r ? byLine[r.start.line] : undefined));
  program.name = spec.name;
  if (file) program.file = file;
  return { probe: spec.name, probeIndex, attach: spec, program, asmText };
}
