// Compares our parse trees with bpftrace's own (`bpftrace -d`, a dry run that prints the AST and
// attaches nothing) for the installed tool scripts and a few hand-written ones.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type * as A from '../../server/src/probe/ast';
import { builtinInfo } from '../../server/src/probe/catalog';
import { parseScript } from '../../server/src/probe/parser';

const BPFTRACE = '/usr/bin/bpftrace';
const haveBpftrace = existsSync(BPFTRACE);
if (!haveBpftrace) console.warn('oracle tests skipped: /usr/bin/bpftrace is not installed (apt-get install bpftrace)');

/** bpftrace's parser-stage AST, without types, without attach point lines. */
function oracle(path: string): string[] | undefined {
  let out: string;
  try {
    out = execFileSync(BPFTRACE, ['-d', path], { encoding: 'utf8', timeout: 30_000, stdio: ['ignore', 'pipe', 'pipe'] });
  } catch (e) {
    out = (e as { stdout?: string }).stdout ?? '';
  }
  const lines = out.split('\n');
  const start = lines.findIndex((l) => l === 'AST after: parser');
  if (start < 0 || lines[start + 2] !== 'Program') return undefined;
  const body: string[] = [];
  for (let i = start + 3; i < lines.length && lines[i] !== ''; i++) body.push(lines[i]!.replace(/ :: type\[.*$/, ''));
  // Attach points sit at depth 1 (wildcards are expanded there, so they are left out).
  return body.filter((l) => !/^ \S/.test(l));
}

/** Our AST printed the way bpftrace 0.17 prints its parser stage. */
function mine(text: string): string[] {
  const r = parseScript(text);
  const out: string[] = [];
  const put = (d: number, s: string): void => {
    out.push(' '.repeat(d) + s);
  };
  const expr = (e: A.Expr, d: number): void => {
    switch (e.kind) {
      case 'Int':
        return put(d, `int: ${e.value}`);
      case 'Str':
        return put(d, `string: ${e.value.replace(/\\/g, '\\\\').replace(/\n/g, '\\n').replace(/\t/g, '\\t')}`);
      case 'Ident':
        return put(d, builtinInfo(e.name) ? `builtin: ${e.name}` : `identifier: ${e.name}`);
      case 'Var':
        return put(d, `variable: ${e.name}`);
      case 'Param':
        return put(d, `param: $${e.index}`);
      case 'Map':
        put(d, `map: ${e.name}`);
        for (const k of e.keys ?? []) expr(k, d + 1);
        return;
      case 'Call':
        put(d, `call: ${e.callee}`);
        for (const a of e.args) expr(a, d + 1);
        return;
      case 'Binary':
        put(d, e.op);
        expr(e.left, d + 1);
        expr(e.right, d + 1);
        return;
      case 'Unary':
        put(d, e.op === '*' ? 'dereference' : e.op);
        expr(e.operand, d + 1);
        return;
      case 'IncDec':
        expr(e.operand, d);
        put(d + 1, e.op);
        return;
      case 'Ternary':
        put(d, '?:');
        expr(e.cond, d + 1);
        expr(e.then, d + 1);
        expr(e.else, d + 1);
        return;
      case 'Field':
        put(d, '.');
        if (e.arrow) {
          put(d + 1, 'dereference');
          expr(e.object, d + 2);
        } else expr(e.object, d + 1);
        put(d + 1, e.field);
        return;
      case 'TupleIndex':
        put(d, '.');
        expr(e.object, d + 1);
        put(d + 1, String(e.index));
        return;
      case 'Cast':
        put(d, `(${e.target.base}${'*'.repeat(e.target.pointerDepth)})`);
        expr(e.operand, d + 1);
        return;
      case 'Tuple':
        put(d, 'tuple:');
        for (const x of e.elems) expr(x, d + 1);
        return;
      default:
        return put(d, `<${e.kind}>`);
    }
  };
  const stmt = (s: A.Stmt, d: number): void => {
    switch (s.kind) {
      case 'ExprStmt':
        return expr(s.expr, d);
      case 'Assign':
        put(d, '=');
        expr(s.target, d + 1);
        if (s.op === '=') expr(s.value, d + 1);
        else {
          put(d + 1, s.op.slice(0, -1));
          expr(s.target, d + 2);
          expr(s.value, d + 2);
        }
        return;
      case 'If':
        put(d, 'if');
        expr(s.cond, d + 1);
        put(d + 1, 'then');
        for (const x of s.then.stmts) stmt(x, d + 2);
        if (s.else) {
          put(d + 1, 'else');
          if (s.else.kind === 'If') stmt(s.else, d + 2);
          else for (const x of s.else.stmts) stmt(x, d + 2);
        }
        return;
      case 'Unroll':
        put(d, 'unroll');
        expr(s.count, d + 1);
        put(d + 1, 'block');
        for (const x of s.body.stmts) stmt(x, d + 2);
        return;
      default:
        return put(d, `<${s.kind}>`);
    }
  };
  for (const p of r.ast.probes) {
    if (p.predicate) {
      put(2, 'pred');
      expr(p.predicate, 3);
    }
    for (const s of p.body.stmts) stmt(s, 2);
  }
  return out;
}

const handWritten = [
  'kprobe:vfs_read,kprobe:vfs_write /pid == 1 && comm != "x"/ { @a[tid, 1] = count(); $x = (uint32)arg0 + 2 * 3; $y = $x > 1 ? -$x : ~$x; if ($x) { @b = hist($x); } else { delete(@a[tid, 1]); } }',
  'kprobe:f { $z = ((struct task_struct *)curtask)->pid; $w = (1, "a"); $v = $w.1; $u = 1; $u++; unroll(2) { @c += 1; } @d = *arg1; @e = !arg1; @g = arg0 << 1 | 3 & 4 ^ 5; }',
  'kprobe:f { @p = (arg0 * 5); @q = (pid * 2) + (arg1 * arg2); $r = (uint64 *)arg0; @s = ((struct task_struct *)curtask)->pid * (tid * 3); @t = (comm); }',
  'kprobe:f { @x = arg0 - 1 - 2; @y = arg0 / 2 % 3 * 4; @z = arg0 < 1 == arg1 >= 2; @w = arg0 || arg1 && arg2; if (arg0) { } else if (arg1) { @q = 1; } else { @q = 2; } }',
];

describe.skipIf(!haveBpftrace)('parse trees match bpftrace -d', () => {
  const dir = mkdtempSync(join(tmpdir(), 'bt-oracle-'));
  handWritten.forEach((src, i) => {
    it(`hand-written script ${i + 1}`, () => {
      const path = join(dir, `h${i}.bt`);
      writeFileSync(path, src);
      const want = oracle(path);
      expect(want, 'bpftrace printed no parse tree').toBeDefined();
      expect(mine(src)).toEqual(want);
    });
  });

  const tools = existsSync('/usr/sbin') ? readdirSync('/usr/sbin').filter((f) => f.endsWith('.bt')).sort() : [];
  const picked = tools;
  for (const f of picked) {
    it(`tool ${f}`, () => {
      const path = `/usr/sbin/${f}`;
      const want = oracle(path);
      if (!want) {
        console.warn(`${f}: bpftrace could not parse it on this machine (missing headers); skipped`);
        return;
      }
      expect(mine(readFileSync(path, 'utf8'))).toEqual(want);
    });
  }
});
