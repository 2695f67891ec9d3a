import { describe, expect, it } from 'vitest';
import type * as A from '../../server/src/probe/ast';
import { parseScript } from '../../server/src/probe/parser';
import { exprOf, firstStmt, parseOk, sexpr, show } from './helpers';

const e = (src: string): string => sexpr(exprOf(src));

describe('program structure', () => {
  it('reads a shebang, includes, defines and probes with several attach points', () => {
    const p = parseOk('#!/usr/bin/env bpftrace\n#include <linux/sched.h>\n#define MAX 10\nkprobe:vfs_read,\nkprobe:vfs_write /pid == 1/ { @[comm] = count(); }\n');
    expect(p.shebang).toBe('#!/usr/bin/env bpftrace');
    expect(p.directives.map((d) => [d.name, d.arg])).toEqual([['shebang', undefined], ['include', 'linux/sched.h'], ['define', 'MAX']]);
    expect(p.directives[2]!.value).toBe('10');
    expect(p.probes).toHaveLength(1);
    expect(p.probes[0]!.attachPoints.map((a) => a.raw)).toEqual(['kprobe:vfs_read', 'kprobe:vfs_write']);
    expect(sexpr(p.probes[0]!.predicate!)).toBe('(== pid 1)');
  });

  it('splits attach points into provider and parts, keeping paths, wildcards and quotes', () => {
    const p = parseOk('uprobe:/bin/bash:readline, kprobe:lookup_fast.constprop.*, usdt:"/opt/my app/x":prov:probe, software:cpu-clock:100, BEGIN { }');
    const aps = p.probes[0]!.attachPoints;
    expect(aps.map((a) => [a.provider, a.parts])).toEqual([
      ['uprobe', ['/bin/bash', 'readline']],
      ['kprobe', ['lookup_fast.constprop.*']],
      ['usdt', ['/opt/my app/x', 'prov', 'probe']],
      ['software', ['cpu-clock', '100']],
      ['BEGIN', []],
    ]);
    expect(aps[0]!.partRanges[1]).toEqual({ start: { line: 0, col: 17 }, end: { line: 0, col: 25 } });
  });

  it('keeps C++ names with :: in a uprobe part', () => {
    const ap = parseOk('uprobe:/bin/x:cpp:ns::fn { }').probes[0]!.attachPoints[0]!;
    expect(ap.parts).toEqual(['/bin/x', 'cpp', 'ns::fn']);
  });

  it('tells a predicate-ending slash from a division', () => {
    const p = parseOk('kprobe:f / $1 / 2 > arg0 / { }\nkprobe:g /@start[arg0]/\n{ }');
    expect(sexpr(p.probes[0]!.predicate!)).toBe('(> (/ $1 2) arg0)');
    expect(sexpr(p.probes[1]!.predicate!)).toBe('@start[arg0]');
  });

  it('accepts old and new spellings', () => {
    const p = parseOk('BEGIN { } begin { } END { } end { } tracepoint:syscalls:sys_enter_openat { $a = args->filename; $b = args.filename; }');
    expect(p.probes.map((x) => x.attachPoints[0]!.provider)).toEqual(['BEGIN', 'begin', 'END', 'end', 'tracepoint']);
    const stmts = p.probes[4]!.body.stmts as A.AssignStmt[];
    expect(stmts.map((s) => sexpr(s.value))).toEqual(['(-> args filename)', '(. args filename)']);
  });

  it('reads struct, union, enum and typedef definitions', () => {
    const p = parseOk(`
struct nameidata {
  struct path path;
  struct qstr last;
  unsigned long flags, *ptrs[4];
  char comm[16];
  int bits : 3;
  void (*cb)(int, char *);
  union { int a; long b; };
};
union u { int i; char c[4]; }
enum color { RED, GREEN = 5, BLUE, };
typedef unsigned int myint;
BEGIN { }`);
    expect(p.cdefs.map((d) => `${d.tag} ${d.name}`)).toEqual(['struct nameidata', 'union u', 'enum color', 'typedef myint']);
    const f = p.cdefs[0]!.fields;
    expect(f.map((x) => x.name)).toEqual(['path', 'last', 'flags', 'ptrs', 'comm', 'bits', 'cb', '']);
    expect(f[3]!.type).toMatchObject({ base: 'unsigned long', pointerDepth: 1, arrayLength: 4 });
    expect(f[5]!.bits).toBe(3);
    expect(f[6]!.type.pointerDepth).toBe(1);
    expect(f[7]!.nested?.tag).toBe('union');
    expect(p.cdefs[2]!.enumerators.map((x) => x.name)).toEqual(['RED', 'GREEN', 'BLUE']);
    expect(p.cdefs[3]!.aliased).toMatchObject({ base: 'unsigned int', pointerDepth: 0 });
  });

  it('reads config, macros, map declarations and functions', () => {
    const p = parseOk(`
config = { max_map_keys = 100; stack_mode = perf }
let @a = lruhash(100);
macro add_one(x) { x + 1 }
macro bump($v, @m) { $v += 1; @m++; }
fn twice($n: int64): int64 { return $n * 2; }
begin { print(add_one(1)); }`);
    expect(p.config!.items.map((i) => i.key)).toEqual(['max_map_keys', 'stack_mode']);
    expect(p.mapDecls[0]).toMatchObject({ mapType: 'lruhash' });
    expect(p.macros.map((m) => [m.name, m.params.map((x) => x.sigil + ':' + x.name)])).toEqual([
      ['add_one', [':x']],
      ['bump', ['$:$v', '@:@m']],
    ]);
    expect(sexpr(p.macros[0]!.value!)).toBe('(+ x 1)');
    expect(p.fns[0]).toMatchObject({ name: 'twice', returnType: { base: 'int64' } });
  });

  it('evaluates #ifdef/#ifndef/#else against BPFTRACE_HAVE_BTF', () => {
    const src = '#ifndef BPFTRACE_HAVE_BTF\nstruct a { int x; };\n#else\nstruct b { int y; };\n#endif\nBEGIN { }';
    expect(parseScript(src).ast.cdefs.map((d) => d.name)).toEqual(['b']);
    expect(parseScript(src, undefined, { defines: {} }).ast.cdefs.map((d) => d.name)).toEqual(['a']);
  });

  it('skips a shebang-like comment line inside a block comment', () => {
    parseOk('/*\n # not a directive\n */\nBEGIN { }');
  });
});

describe('statements', () => {
  it('reads assignments and every compound operator', () => {
    for (const op of ['=', '+=', '-=', '*=', '/=', '%=', '&=', '|=', '^=', '<<=', '>>=']) {
      const s = firstStmt(`BEGIN { @x ${op} 2; }`) as A.AssignStmt;
      expect(s.kind).toBe('Assign');
      expect(s.op).toBe(op);
    }
  });

  it('reads map keys as tuples', () => {
    const s = firstStmt('BEGIN { @m[pid, comm] = 1; }') as A.AssignStmt;
    expect(sexpr(s.target)).toBe('@m[pid comm]');
  });

  it('reads let with and without type and value', () => {
    const p = parseOk('BEGIN { let $a; let $b = 1; let $c: uint32 = 2; let $d: struct task_struct *; }');
    const lets = p.probes[0]!.body.stmts as A.LetStmt[];
    expect(lets.map((l) => [l.target.name, l.declType?.base ?? null, l.value ? sexpr(l.value) : null])).toEqual([
      ['$a', null, null],
      ['$b', null, '1'],
      ['$c', 'uint32', '2'],
      ['$d', 'struct task_struct', null],
    ]);
  });

  it('reads if / else if / else chains', () => {
    const s = firstStmt('BEGIN { if ($a) { } else if ($b) { x(); } else { y(); } }') as A.IfStmt;
    expect(s.kind).toBe('If');
    expect((s.else as A.IfStmt).kind).toBe('If');
    expect(((s.else as A.IfStmt).else as A.Block).stmts).toHaveLength(1);
  });

  it('reads loops and jumps', () => {
    const p = parseOk('BEGIN { unroll(3) { @x++; } while ($i < 10) { $i++; if ($i == 5) { break; } continue; } for ($kv : @m) { print($kv.0); } for ($i : 0..10) { } return; }');
    const s = p.probes[0]!.body.stmts;
    expect(s.map((x) => x.kind)).toEqual(['Unroll', 'While', 'For', 'For', 'Jump']);
    expect((s[2] as A.ForStmt).iterable.kind).toBe('Map');
    const r = (s[3] as A.ForStmt).iterable as A.RangeExpr;
    expect([sexpr(r.start), sexpr(r.end)]).toEqual(['0', '10']);
  });

  it('lets the last statement of a block skip its semicolon', () => {
    parseOk('BEGIN { $a = 1; @b = 2 }');
  });

  it('reads a discard and a block expression', () => {
    const p = parseOk('BEGIN { _ = has_key(@a, 1); $v = { let $b = 1; $b + 1 }; }');
    expect(p.probes[0]!.body.stmts[0]!.kind).toBe('Discard');
    expect(sexpr((p.probes[0]!.body.stmts[1] as A.AssignStmt).value)).toBe('(block 1 (+ $b 1))');
  });
});

describe('expressions and precedence', () => {
  it('orders binary operators as bpftrace does', () => {
    expect(e('1 + 2 * 3')).toBe('(+ 1 (* 2 3))');
    expect(e('1 << 2 + 3')).toBe('(<< 1 (+ 2 3))');
    expect(e('1 < 2 == 3 > 4')).toBe('(== (< 1 2) (> 3 4))');
    expect(e('a & b == c')).toBe('(& a (== b c))');
    expect(e('a | b ^ c & d')).toBe('(| a (^ b (& c d)))');
    expect(e('a || b && c | d')).toBe('(|| a (&& b (| c d)))');
    expect(e('a - b - c')).toBe('(- (- a b) c)');
    expect(e('a / b % c * d')).toBe('(* (% (/ a b) c) d)');
  });

  it('puts the ternary lowest and nests it to the right', () => {
    expect(e('a || b ? 1 : c ? 2 : 3')).toBe('(? (|| a b) 1 (? c 2 3))');
  });

  it('reads unary operators, increments and casts', () => {
    expect(e('-!~*&$y')).toBe('(- (! (~ (* (& $y)))))');
    expect(e('$i++ + ++$j')).toBe('(+ (++post $i) (++pre $j))');
    expect(e('(uint32)arg0 + 1')).toBe('(+ (cast uint32 arg0) 1)');
    expect(e('((struct sock *)arg0)->sk_num')).toBe('(-> (cast struct sock* arg0) sk_num)');
    expect(e('(struct task_struct *)curtask')).toBe('(cast struct task_struct* curtask)');
    expect(e('(uint8[4])$a')).toBe('(cast uint8[4] $a)');
    expect(e('(unsigned long)$p')).toBe('(cast unsigned long $p)');
    expect(e('(int8)retval >= 1')).toBe('(>= (cast int8 retval) 1)');
    expect(e('(uint64_t)$x')).toBe('(cast uint64_t $x)');
  });

  it('does not mistake a parenthesised value for a cast', () => {
    expect(e('(pid) + 1')).toBe('(+ pid 1)');
    expect(e('(a * b)')).toBe('(* a b)');
    // A name, `*` and an operand inside parentheses is a product, not a cast to a pointer.
    expect(e('(arg0 * 5)')).toBe('(* arg0 5)');
    expect(e('(pid * 2) + 1')).toBe('(+ (* pid 2) 1)');
    expect(e('(my_t * 5)')).toBe('(* my_t 5)');
    expect(e('($x * 3)')).toBe('(* $x 3)');
    expect(e('(arg1 * arg2)')).toBe('(* arg1 arg2)');
    expect(e('(comm)')).toBe('comm');
  });

  it('reads a cast to a typedef the script or BTF defines, or a name with a pointer', () => {
    expect(e('(my_t *)arg0')).toBe('(cast my_t* arg0)');
    expect(e('(my_t **)arg0')).toBe('(cast my_t** arg0)');
    expect(e('(struct sock *)arg0')).toBe('(cast struct sock* arg0)');
    const own = parseScript('typedef unsigned int handle; kprobe:f { $x = (handle)arg0; $y = (handle) + 2; }');
    expect(own.findings).toEqual([]);
    const stmts = own.ast.probes[0]!.body.stmts as A.AssignStmt[];
    expect(sexpr(stmts[0]!.value)).toBe('(cast handle arg0)');
    expect(sexpr(stmts[1]!.value)).toBe('(+ handle 2)');
    // Unknown to the script, a bare name is a value; a BTF typedef makes it a type.
    expect(sexpr((parseScript('kprobe:f { $x = (umode)arg0; }').ast.probes[0]!.body.stmts[0] as A.AssignStmt).value)).not.toMatch(/cast/);
    const btf = parseScript('kprobe:f { $x = (umode)arg0; }', undefined, { isTypeName: (n) => n === 'umode' });
    expect(sexpr((btf.ast.probes[0]!.body.stmts[0] as A.AssignStmt).value)).toBe('(cast umode arg0)');
  });

  it('reads field chains, indexes, tuples and tuple access', () => {
    expect(e('$t->real_parent->comm')).toBe('(-> (-> $t real_parent) comm)');
    expect(e('$sk->__sk_common.skc_v6_daddr.in6_u.u6_addr8')).toBe('(. (. (. (-> $sk __sk_common) skc_v6_daddr) in6_u) u6_addr8)');
    expect(e('$a[1][2]')).toBe('([] ([] $a 1) 2)');
    expect(e('(1, "a", $x)')).toBe('(tuple 1 "a" $x)');
    expect(e('(1,)')).toBe('(tuple 1)');
    expect(e('()')).toBe('(tuple)');
    expect(e('$kv.0.1')).toBe('(.1 (.0 $kv))');
  });

  it('reads calls, sizeof, offsetof, literals and parameters', () => {
    expect(e('printf("%d", 1)')).toBe('(printf "%d" 1)');
    expect(e('sizeof(struct task_struct)')).toBe('(sizeof struct task_struct)');
    expect(e('sizeof($x)')).toBe('(sizeof $x)');
    expect(e('offsetof(struct sk_buff, len)')).toBe('(offsetof struct sk_buff len)');
    expect(e('true && false')).toBe('(&& true false)');
    expect(e('$1 + $#')).toBe('(+ $1 $#)');
    expect(e('"a" "b"')).toBe('"ab"');
    expect(e('1s')).toBe('1000000000');
  });
});

describe('syntax errors: one finding each, at the right place, and the rest still parses', () => {
  const one = (src: string): { msg: string; at: string; probes: number } => {
    const r = parseScript(src);
    expect(r.findings, r.findings.map(show).join('\n')).toHaveLength(1);
    const f = r.findings[0]!;
    return { msg: f.message, at: `${f.range.start.line + 1}:${f.range.start.col + 1}`, probes: r.ast.probes.length };
  };

  it('missing semicolon between statements', () => {
    const r = one('BEGIN {\n  $a = 1\n  $b = 2;\n}\nEND { }');
    expect(r.msg).toMatch(/Expected ";" after this statement, found "\$b"/);
    expect(r.at).toBe('2:9');
    expect(r.probes).toBe(2);
  });

  it('missing closing brace before the next probe', () => {
    const r = one('kprobe:a {\n  @x = 1;\nkprobe:b { @y = 2; }');
    expect(r.msg).toMatch(/Missing "}" to close the block opened at line 1/);
    expect(r.at).toBe('3:1');
    expect(r.probes).toBe(2);
  });

  it('block never closed at end of file', () => {
    const r = one('BEGIN { @x = 1;');
    expect(r.msg).toMatch(/never closed/);
    expect(r.probes).toBe(1);
  });

  it('bad expression in one statement, next statements and probes still read', () => {
    const r = parseScript('BEGIN { $a = ; $b = 2; }\nEND { @c = 3; }');
    expect(r.findings.map(show)).toEqual(['1:14 error probe.syntax: Expected a value before ";".']);
    expect(r.ast.probes[0]!.body.stmts).toHaveLength(1);
    expect(r.ast.probes[1]!.body.stmts).toHaveLength(1);
  });

  it('assignment to something that is not a variable or map', () => {
    const r = one('BEGIN { pid = 1; }');
    expect(r.msg).toMatch(/Only a \$variable or an @map can be assigned to/);
    expect(r.at).toBe('1:13');
  });

  it('unclosed predicate', () => {
    const r = one('kprobe:f /pid == 1 { }\nBEGIN { }');
    expect(r.msg).toMatch(/Expected "\/" to end the predicate/);
    expect(r.probes).toBe(1);
  });

  it('empty predicate', () => {
    expect(one('kprobe:f // { }').msg).toBeDefined();
    expect(one('kprobe:f / / { }').msg).toMatch(/predicate is empty/);
  });

  it('statement outside a probe', () => {
    const r = one('@x = 1;\nBEGIN { }');
    expect(r.msg).toMatch(/Expected a probe .* Statements must be inside/);
    expect(r.at).toBe('1:1');
  });

  it('missing body', () => {
    const r = one('kprobe:f\nBEGIN { }');
    expect(r.msg).toMatch(/Expected "\{" to start the body of probe "kprobe:f", found "BEGIN"/);
  });

  it('stray closing brace', () => {
    const r = one('BEGIN { }\n}\nEND { }');
    expect(r.msg).toMatch(/closes nothing/);
    expect(r.probes).toBe(2);
  });

  it('if without parentheses', () => {
    expect(one('BEGIN { if $x { } }').msg).toMatch(/Expected "\(" after "if"/);
  });

  it('else without if', () => {
    expect(one('BEGIN { else { } }').msg).toMatch(/"else" without an "if"/);
  });

  it('bad for loop', () => {
    expect(one('BEGIN { for ($i : 5) { } }').msg).toMatch(/A for loop goes over a map/);
    expect(one('BEGIN { for (i : @m) { } }').msg).toMatch(/Expected a \$variable after "for \("/);
  });

  it('a lexer error is reported once, not again by the parser', () => {
    const r = one('BEGIN { $a = 1 ` 2; }');
    expect(r.msg).toMatch(/Unexpected character/);
  });

  it('unterminated string', () => {
    const r = one('BEGIN { printf("abc); }\nEND { }');
    expect(r.msg).toMatch(/never closed/);
    expect(r.probes).toBe(2);
  });

  it('#if without #endif and unknown directives', () => {
    expect(one('#ifdef X\nBEGIN { }').msg).toMatch(/no matching #endif/);
    expect(one('#frobnicate\nBEGIN { }').msg).toMatch(/Unknown preprocessor directive "#frobnicate"/);
  });

  it('two config blocks', () => {
    expect(one('config = { a = 1 }\nconfig = { b = 2 }\nBEGIN { }').msg).toMatch(/Only one config block/);
  });

  it('deep nesting is reported, not a stack overflow', () => {
    const r = parseScript(`BEGIN { $x = ${'('.repeat(5000)}1${')'.repeat(5000)}; }`);
    expect(r.findings.some((f) => f.code === 'probe.too-deep')).toBe(true);
  });

  it('several independent mistakes give one finding each', () => {
    const r = parseScript('BEGIN { $a = ; }\nkprobe:f { @x = 1 @y = 2; }\nEND { if { } }\nkprobe:g { ok(); }');
    expect(r.findings.map((f) => f.range.start.line + 1)).toEqual([1, 2, 3]);
    expect(r.ast.probes).toHaveLength(4);
  });
});
