import { describe, expect, it } from 'vitest';
import type * as A from '../../server/src/probe/ast';
import { checkScript } from '../../server/src/probe/checker';
import { typeName } from '../../server/src/probe/types';
import { checkHermetic, errors, show } from './helpers';

/** The single error of a script (fails if there are zero or several). */
function oneError(src: string, opts = {}): { message: string; code: string; at: string } {
  const errs = errors(checkHermetic(src, opts));
  expect(errs.map(show), 'expected exactly one error').toHaveLength(1);
  const f = errs[0]!;
  return { message: f.message, code: f.code!, at: `${f.range.start.line + 1}:${f.range.start.col + 1}-${f.range.end.col + 1}` };
}

function clean(src: string, opts = {}): void {
  const fs = checkHermetic(src, opts);
  expect(fs.map(show)).toEqual([]);
}

describe('checker: clean scripts', () => {
  it('accepts common one-liners', () => {
    clean('kprobe:vfs_read /pid == 42/ { @reads[comm] = count(); }');
    clean('tracepoint:syscalls:sys_enter_openat { printf("%s %s\\n", comm, str(args->filename)); }');
    clean('tracepoint:syscalls:sys_enter_openat { printf("%d\\n", args.flags); }');
    clean('kretprobe:vfs_read { @bytes = hist(retval); @s = sum(retval); @l = lhist(retval, 0, 1000, 10); }');
    clean('profile:hz:99 { @[kstack] = count(); @u[ustack(perf, 5)] = count(); }');
    clean('interval:s:1 { print(@x); clear(@x); } kprobe:f { @x[tid] = 1; }');
    clean('BEGIN { @m[1, "a"] = 2; for ($kv : @m) { printf("%d %s %d\\n", $kv.0.0, $kv.0.1, $kv.1); } }');
    clean('BEGIN { $i = 0; while ($i < 10) { $i++; if ($i > 5) { break; } } for ($j : 0..5) { @s = sum($j); } }');
    clean('BEGIN { $t = (1, "two", 3); printf("%s\\n", $t.1); exit(); }');
    clean('struct task_struct { int pid; }; kprobe:f { $s = (struct task_struct *)curtask; @x = $s->pid; }');
  });

  it('types expressions for the compiler', () => {
    const r = checkScript('kprobe:f { $a = (uint32)arg0; $b = comm; $c = str(arg1, 16); @m[pid] = count(); $d = (1, "x"); }', { btf: null, useTracefs: false, checkBinaries: false });
    expect(r.findings.map(show)).toEqual([]);
    const body = r.ast.probes[0]!.body.stmts as A.AssignStmt[];
    expect(body.map((s) => typeName(s.value.type!))).toEqual(['uint32', 'string[16]', 'string[17]', 'count()', '(int64, string[2])']);
    const m = r.info.maps.get('@m')!;
    expect(m.keys!.map(typeName)).toEqual(['uint32']);
    expect(typeName(m.value!)).toBe('count()');
    expect(typeName(r.info.probes[0]!.variables.get('$a')!)).toBe('uint32');
  });

  it('types ?: with a bool and an integer branch as the integer (the common integer type)', () => {
    const r = checkScript(
      'kprobe:f { $a = arg0 ? (arg1 > 2) : 5; $b = arg0 ? 5 : (arg1 > 2); $c = arg0 ? (arg1 > 2) : (uint8)5; $d = arg0 ? (arg1 > 2) : (arg1 < 2); $e = arg0 ? (uint32)1 : (int8)-1; $f = arg0 ? (int16)-1 : (int32)2; $g = arg0 ? (arg1 == 1) : (int8)-1; }',
      { btf: null, useTracefs: false, checkBinaries: false },
    );
    expect(r.findings.map(show)).toEqual([]);
    const body = r.ast.probes[0]!.body.stmts as A.AssignStmt[];
    expect(body.map((s) => typeName(s.value.type!))).toEqual(['int64', 'int64', 'uint8', 'bool', 'uint32', 'int32', 'int8']);
  });

  it('gives tracepoint args a record with the catalog layout', () => {
    const r = checkScript('tracepoint:sched:sched_switch { @x[args->next_comm] = args->prev_pid; }', { btf: null, useTracefs: false, checkBinaries: false });
    expect(r.findings.map(show)).toEqual([]);
    const rec = r.info.types.record('struct _tracepoint_sched_sched_switch')!;
    expect(rec.fields.find((f) => f.name === 'next_comm')).toMatchObject({ offset: 40, type: { kind: 'string', size: 16 } });
    expect(typeName(r.info.maps.get('@x')!.value!)).toBe('int32');
  });

  it('lays out script structs with C alignment', () => {
    const r = checkScript('struct s { char a; int b; char c[3]; long d; short e : 3; short f : 5; }; kprobe:f { $p = (struct s *)arg0; @x = $p->d; }', { btf: null, useTracefs: false, checkBinaries: false });
    expect(r.findings.map(show)).toEqual([]);
    const rec = r.info.types.record('struct s')!;
    expect(rec.fields.map((f) => [f.name, f.offset])).toEqual([['a', 0], ['b', 4], ['c', 8], ['d', 16], ['e', 24], ['f', 24]]);
    expect(rec.fields[5]!.bitOffset).toBe(3);
    expect(rec.size).toBe(32);
  });

  it('resolves script enums and #defines as constants', () => {
    clean('#define LIMIT 10\nenum e { A, B = 5, C };\nBEGIN { @x = LIMIT + A + C; }');
  });
});

describe('checker: messages', () => {
  it('builtin unavailable on a probe kind', () => {
    const r = oneError('tracepoint:sched:sched_switch { @x = arg0; }');
    expect(r.message).toMatch(/^arg0 is not available in tracepoint probes \(tracepoint:sched:sched_switch\).*args\.NAME/);
    expect(r.at).toBe('1:38-42');
    expect(oneError('kprobe:vfs_read { @x = retval; }').message).toMatch(/retval is not available in kprobe probes.*kretprobe/);
    expect(oneError('kretprobe:vfs_read { @x = arg1; }').message).toMatch(/return probe has no arguments/);
    expect(oneError('kprobe:f { @x = args; }').message).toMatch(/args is not available in kprobe probes/);
    expect(oneError('BEGIN { @x = func; }').message).toMatch(/func is not available in BEGIN probes/);
    // Each attach point of a probe must provide it.
    expect(oneError('kprobe:a, tracepoint:sched:sched_switch { @x = arg0; }').message).toMatch(/tracepoint probes/);
  });

  it('map used with two value kinds, and key shape mismatch', () => {
    const r = oneError('BEGIN { @x = count(); }\nEND { @x = 5; }');
    expect(r.message).toMatch(/Type mismatch for @x: it holds count\(\) values \(first at line 1\), and this assigns integers/);
    expect(r.at).toBe('2:12-13');
    expect(oneError('BEGIN { @x = 1; @x = "a"; }').message).toMatch(/holds integers \(int64\).*strings/);
    expect(oneError('BEGIN { @h = hist(1); @h = lhist(1, 0, 10, 1); }').message).toMatch(/hist\(\) values.*lhist\(\) values/);
    expect(oneError('BEGIN { @x[1] = 1; @x[1, 2] = 1; }').message).toMatch(/Key mismatch for @x: it is used with 1 key \[int64\] elsewhere, but with 2 keys/);
    expect(oneError('BEGIN { @x[1] = 1; @x["a"] = 1; }').message).toMatch(/key 1 is int64 elsewhere, but string\[2\] here/);
  });

  it('learns map types from later probes', () => {
    clean('BEGIN { printf("%d\\n", @x); } kprobe:f { @x = 1; }');
  });

  it('undefined map and variable', () => {
    expect(oneError('BEGIN { print(@y); }').message).toMatch(/Undefined map: @y is read but never assigned/);
    const r = oneError('BEGIN { $x = 1; print($y); }');
    expect(r.message).toMatch(/Undefined variable \$y/);
    expect(r.at).toBe('1:23-25');
    expect(oneError('BEGIN { $count = 1; print($coutn); }').message).toMatch(/Did you mean "\$count"\?/);
  });

  it('variable type mismatch', () => {
    expect(oneError('BEGIN { $x = 1; $x = "s"; }').message).toMatch(/Type mismatch for \$x: it holds int64 \(set at line 1\), and this assigns string\[2\]/);
  });

  it('aggregations only as map values', () => {
    const r = oneError('BEGIN { $x = count(); }');
    expect(r.message).toMatch(/count\(\) can only be assigned directly to a map/);
    expect(oneError('BEGIN { @x = 1 + count(); }').code).toBe('probe.agg-not-assigned');
    expect(oneError('BEGIN { @x += sum(1); }').code).toBe('probe.agg-not-assigned');
  });

  it('function argument counts and types', () => {
    expect(oneError('BEGIN { @x = hist(); }').message).toMatch(/hist\(\) takes 1 to 2 arguments \(hist\(n\[, k\]\)\), but 0 are given/);
    expect(oneError('BEGIN { @x = lhist(1, 0, 10); }').message).toMatch(/lhist\(\) takes 4 arguments/);
    expect(oneError('BEGIN { @x = sum("a"); }').message).toMatch(/first argument of sum\(\) must be an integer, but this is string\[2\]/);
    expect(oneError('BEGIN { @x = hist(1, 9); }').message).toMatch(/must be 0 to 5, not 9/);
    expect(oneError('BEGIN { @x = lhist(1, 10, 5, 1); }').message).toMatch(/max \(5\) must be greater than min \(10\)/);
    expect(oneError('BEGIN { $n = 3; @x = lhist(1, 0, $n, 1); }').message).toMatch(/third argument of lhist\(\) must be a constant integer/);
    expect(oneError('BEGIN { @m[1] = 1; clear(@m[1]); }').message).toMatch(/must be a whole map, like clear\(@name\) — without the \[key\]/);
    expect(oneError('BEGIN { $a = strncmp(comm, 1, 3); }').message).toMatch(/second argument of strncmp\(\) must be a string/);
    expect(oneError('BEGIN { time(1); }').message).toMatch(/must be a string literal/);
    expect(oneError('BEGIN { frobnicate(1); }').message).toMatch(/Unknown function frobnicate\(\)/);
    expect(oneError('BEGIN { prinft("x"); }').message).toMatch(/Did you mean "printf"\?/);
    expect(oneError('kprobe:f { @x[kstack(fancy)] = count(); }').message).toMatch(/Unknown stack mode "fancy"/);
    expect(oneError('tracepoint:sched:sched_switch { $a = uaddr("x"); }').message).toMatch(/uaddr\(\) is not available in tracepoint probes/);
  });

  it('delete/has_key/len shapes', () => {
    clean('BEGIN { @a[1, 2] = 1; delete(@a[1, 2]); delete(@a, (1, 2)); $b = has_key(@a, (1, 2)); $n = len(@a); }');
    expect(oneError('BEGIN { @a[1] = 1; delete(@a); }').message).toMatch(/@a has keys: delete one with delete\(@a\[key\]\)/);
    expect(oneError('BEGIN { @a = 1; $b = has_key(@a, 1); }').message).toMatch(/@a has no keys; has_key\(\) needs a keyed map/);
    expect(oneError('BEGIN { $n = len(5); }').message).toMatch(/len\(\) takes a map/);
  });

  it('printf format checking', () => {
    const r = oneError('BEGIN { printf("%d %d\\n", 1); }');
    expect(r.message).toMatch(/printf: not enough arguments for the format string \(1 given, 2 expected by %d %d\)/);
    expect(r.at).toBe('1:9-29');
    expect(oneError('BEGIN { printf("%d\\n", 1, 2); }').message).toMatch(/too many arguments/);
    expect(oneError('BEGIN { printf("%s\\n", 1); }').message).toMatch(/%s expects a string .* argument 1 is int64/);
    expect(oneError('kprobe:f { printf("%s\\n", arg0); }').message).toMatch(/use str\(arg0\)/);
    expect(oneError('BEGIN { printf("%d\\n", comm); }').message).toMatch(/%d expects an integer, but argument 1 is string\[16\]. Use %s/);
    expect(oneError('BEGIN { printf("%r\\n", 1); }').message).toMatch(/%r expects a buffer/);
    expect(oneError('BEGIN { $f = "%d"; printf($f, 1); }').message).toMatch(/first argument of printf\(\) must be a string literal/);
    clean('kprobe:f { printf("%-10s %5d %lu %llx %p %c %% %r %s\\n", comm, pid, 1, 2, arg0, 65, buf(arg0, 4), kstack); }');
    const w = checkHermetic('BEGIN { printf("%q\\n"); }');
    expect(w.map((f) => f.severity)).toEqual(['warning']);
    expect(w[0]!.message).toMatch(/"%q" is not a conversion/);
  });

  it('unknown tracepoint field, and common fields', () => {
    const r = oneError('tracepoint:syscalls:sys_enter_openat { @x = args->filenam; }');
    expect(r.message).toMatch(/Tracepoint syscalls:sys_enter_openat has no field "filenam". Did you mean "filename"\? Fields: __syscall_nr, dfd, filename, flags, mode\./);
    expect(r.at).toBe('1:51-58');
    expect(oneError('tracepoint:sched:sched_switch { @x = args->common_pid; }').message).toMatch(/common tracepoint field "common_pid" cannot be read/);
    expect(oneError('tracepoint:syscalls:sys_enter_openat, tracepoint:syscalls:sys_enter_read { @x = args->filename; }').message).toMatch(/exists in some of this probe's tracepoints but not in syscalls:sys_enter_read/);
  });

  it('fields of script structs and of integers', () => {
    expect(oneError('struct s { int a; }; kprobe:f { @x = ((struct s *)arg0)->b; }').message).toMatch(/struct s has no field "b"/);
    expect(oneError('kprobe:f { @x = arg0->pid; }').message).toMatch(/Cannot read field "pid" from uint64: it is not a struct. Cast it to a struct pointer first/);
    expect(oneError('BEGIN { $t = (1, 2); @x = $t.5; }').message).toMatch(/Tuple index 5 is out of range: this tuple has 2 elements/);
  });

  it('casts', () => {
    expect(oneError('struct s { int a; }; kprobe:f { $x = (struct s)arg0; }').message).toMatch(/Cannot cast to a struct value \(struct s\); cast to a pointer instead/);
    expect(oneError('BEGIN { $x = (uint32)"a"; }').message).toMatch(/Cannot cast string\[2\] to uint32/);
    // Without BTF an unknown struct may still exist in the kernel: a warning, not an error.
    const w = checkHermetic('BEGIN { $x = (struct nope *)0; }');
    expect(w.map((f) => [f.severity, f.code])).toEqual([['warning', 'probe.unknown-struct']]);
    expect(w[0]!.message).toMatch(/no kernel BTF is readable here/);
  });

  it('operators on the wrong types', () => {
    expect(oneError('BEGIN { $x = comm + 1; }').message).toMatch(/"\+" needs integer operands, but this is string\[16\]. Strings cannot be added/);
    expect(oneError('BEGIN { if (comm == 1) { } }').message).toMatch(/Cannot compare a string with int64/);
    expect(oneError('BEGIN { if (comm) { } }').message).toMatch(/An if condition must be an integer or pointer, but this is string\[16\]/);
    expect(oneError('BEGIN { $x = 1 ? 2 : "a"; }').message).toMatch(/Both branches of "\? :" must have the same type/);
    expect(oneError('BEGIN { $x = 1 / 0; }').message).toMatch(/Division by zero/);
  });

  it('loops and jumps', () => {
    expect(oneError('BEGIN { break; }').message).toMatch(/"break" is only allowed inside a while or for loop/);
    expect(oneError('BEGIN { unroll(0) { } }').message).toMatch(/between 1 and 100/);
    expect(oneError('BEGIN { $n = 2; unroll($n) { } }').message).toMatch(/unroll needs a constant count/);
    expect(oneError('BEGIN { @x = 1; for ($kv : @x) { } }').message).toMatch(/@x has no keys/);
    expect(oneError('BEGIN { @h[1] = hist(1); for ($kv : @h) { } }').message).toMatch(/Cannot iterate over @h/);
  });

  it('attach points', () => {
    const r = oneError('kprob:vfs_read { }');
    expect(r.message).toMatch(/Unknown probe type "kprob". Did you mean "kprobe"\?/);
    expect(r.at).toBe('1:1-6');
    expect(oneError('interval:x:1 { }').message).toMatch(/Unknown time unit "x" for interval: use s, ms, us or hz/);
    expect(oneError('interval:s:abc { }').at).toBe('1:12-15');
    expect(oneError('profile:hz:0 { }').message).toMatch(/greater than zero/);
    expect(oneError('tracepoint:sched { }').message).toMatch(/"tracepoint" attach points look like tracepoint:CATEGORY:EVENT/);
    expect(oneError('software:nope:1 { }').message).toMatch(/Unknown software event "nope"/);
    expect(oneError('uprobe:readline { }').message).toMatch(/"uprobe" attach points look like/);
    expect(oneError('kretprobe:f+0x10 { }').message).toMatch(/cannot attach at an offset/);
    expect(oneError('BEGIN:x { }').message).toMatch(/"BEGIN" attach points look like BEGIN/);
    for (const ok of ['k:f', 'kr:f', 'u:/bin/sh:main', 'ur:/bin/sh:main', 't:sched:sched_switch', 'rt:sched_switch', 'U:/bin/sh:p', 'i:s:1', 'i:1s', 'p:hz:99', 's:faults:10', 'h:cache-misses:1000', 'f:vfs_read', 'fr:vfs_read', 'kfunc:vfs_read', 'kretfunc:vfs_read', 'kprobe:f+16', 'watchpoint:0x1000:8:rw', 'interval:ms:100', 'interval:us:5', 'profile:s:1']) {
      clean(`${ok} { }`);
    }
  });

  it('unsafe functions warn without --unsafe', () => {
    const w = checkHermetic('BEGIN { system("ls"); }');
    expect(w.map((f) => [f.severity, f.code])).toEqual([['warning', 'probe.unsafe']]);
    clean('BEGIN { system("ls %d", 1); }', { unsafe: true });
  });

  it('unknown identifiers: error without includes, warning with', () => {
    expect(oneError('BEGIN { @x = FOO_BAR; }').message).toMatch(/Unknown identifier "FOO_BAR"/);
    const w = checkHermetic('#include <nope.h>\nBEGIN { @x = FOO_BAR; }');
    expect(w.map((f) => [f.severity, f.code])).toEqual([['warning', 'probe.unresolved-identifier']]);
  });

  it('macros: argument count and kinds', () => {
    clean('macro add(x, y) { x + y } BEGIN { @x = add(1, 2); }');
    expect(oneError('macro add(x, y) { x + y } BEGIN { @x = add(1); }').message).toMatch(/Macro add takes 2 arguments \(x, y\), but 1 is given/);
    expect(oneError('macro inc($v) { $v += 1; } BEGIN { inc(5); }').message).toMatch(/expects a \$variable for \$v/);
  });

  it('config and map declarations', () => {
    const w = checkHermetic('config = { max_map_keyz = 10 }\nBEGIN { }');
    expect(w[0]!.message).toMatch(/Unknown config setting "max_map_keyz". Did you mean "max_map_keys"\?/);
    expect(oneError('let @a = fancymap(10);\nBEGIN { @a[1] = 1; }').message).toMatch(/Unknown map type "fancymap"/);
  });
});

describe('checker robustness', () => {
  it('never throws on broken scripts and reports syntax first', () => {
    const r = checkScript('BEGIN { $x = ; @y = $z; }', { btf: null, useTracefs: false });
    expect(r.findings[0]!.code).toBe('probe.syntax');
  });
});
