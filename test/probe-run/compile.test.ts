// The compiler, construct by construct: each script compiles without findings, its assembly
// text re-assembles to the same instructions, the source map points back into the script, and
// (where the process may use bpf()) the kernel's verifier loads it as the program type it names.
import { describe, expect, test } from 'vitest';
import { assemble } from '../../server/src/asm/assembler';
import { closeFd, kernelAvailable } from '../../server/src/kernel/bpf';
import { loadProgram } from '../../server/src/kernel/programMaps';
import { compileScript, type CompiledProgram } from '../../server/src/probe/compile';
import { verify } from '../../server/src/verifier';

const avail = kernelAvailable();
if (!avail.ok) console.warn(`skipping kernel verifier checks of compiled probes: ${avail.reason}`);

const CONSTRUCTS: Record<string, string> = {
  'count() keyed by comm, with a predicate': 'kprobe:vfs_read /pid == 42/ { @reads[comm] = count(); }',
  'sum, avg, min, max, stats of an argument': 'kprobe:vfs_read { @s = sum(arg2); @a = avg(arg2); @mn = min(arg2); @mx = max(arg2); @st = stats(arg2); }',
  'hist and lhist': 'kprobe:vfs_read { @h = hist(arg2); @l[comm] = lhist(arg2, 0, 4096, 256); }',
  'tuple keys': 'kprobe:vfs_read { @x[comm, pid, "lit"] = count(); }',
  'str() of an argument as a key': 'kprobe:do_sys_open { @files[str(arg1)] = count(); @short[str(arg1, 16)] = count(); }',
  'printf with integers and strings': 'kprobe:vfs_read { printf("%s %d %u %x %s\\n", comm, pid, arg2, arg1, str(arg1)); }',
  'if / else if / else, ternary, && || !': 'kprobe:f { if (arg0 > 5 && arg1 < 3 || !(arg2 == 0)) { @a = 1; } else if (arg0 == 1) { @a = 2; } else { @a = arg0 > 1 ? 3 : 4; } }',
  'signed and unsigned comparisons': 'kretprobe:f { if (retval < 0) { @neg = count(); } if ((uint64)retval > 100) { @big = count(); } if (retval >= -5 && retval <= 5) { @near = count(); } }',
  '$variables: integers and strings': 'kprobe:f { $n = arg0 + 1; $s = comm; $t = str(arg1); $n *= 2; @v[$s, $t] = sum($n); }',
  'while, unroll and for over a range': 'kprobe:f { $i = 0; while ($i < 10) { $i++; if ($i == 7) { break; } } unroll(4) { $i += 1; } for ($j : 0..5) { $i += $j; } @i = $i; }',
  'delete, clear, zero, print, exit, time': 'kprobe:f { @m[arg0] = count(); @h[arg0] = hist(arg1); delete(@m[arg0]); delete(@h[arg0]); print(@m); print(arg0 + 1); clear(@m); zero(@h); time("%H\\n"); exit(); }',
  'kretprobe retval': 'kretprobe:vfs_read { @ret = hist(retval); @err[retval < 0 ? "err" : "ok"] = count(); }',
  'tracepoint fields: integers, a string pointer, a char array': 'tracepoint:syscalls:sys_enter_openat { @f[str(args->filename)] = count(); @flags = sum(args->flags); } tracepoint:sched:sched_switch { @sw[args->prev_comm, args->next_pid] = count(); }',
  'tracepoint __data_loc string': 'tracepoint:sched:sched_process_exec { printf("%s\\n", str(args->filename)); }',
  'interval and profile (perf_event programs)': 'interval:s:1 { @ticks++; print(@ticks); } profile:hz:99 { @cpu[cpu] = count(); }',
  'BEGIN and END': 'BEGIN { printf("hello\\n"); @start = nsecs; } END { printf("took %d\\n", nsecs - @start); clear(@start); }',
  'task and time builtins': 'kprobe:f { @b[pid, tid, uid, gid, cpu] = count(); @t = nsecs; @e = elapsed; @r = rand; @c = cgroup; @k = curtask; @j = jiffies; @n = numaid; }',
  'kstack and ustack keys': 'kprobe:f { @k[kstack] = count(); @u[ustack] = count(); }',
  'string comparisons and strncmp': 'kprobe:f { $a = str(arg0); if ($a == "abc") { @x = 1; } if (comm != $a) { @y = 1; } if (strncmp(comm, "ba", 2) == 0) { @z = 1; } }',
  'casts, bitwise operators, shifts, division, modulo': 'kprobe:f { @v = ((uint8)arg0 | (int16)arg1 & 0xff ^ ~arg2) << 3 >> 1; @d = arg0 / 7 % 5; @n = -(int32)arg1; }',
  'map increments and compound assignment': 'kprobe:f { @a++; @b--; @c += arg0; @d -= 2; @e = 10; @e *= 3; @f[comm] += 1; }',
  'has_key': 'kprobe:f { @seen[arg0] = 1; if (has_key(@seen, arg1)) { @hit = count(); } }',
  'probe and func': 'kprobe:vfs_read,kprobe:vfs_write { @[probe, func] = count(); printf("%s %s\\n", probe, func); }',
  'raw tracepoint arguments': 'rawtracepoint:sched_switch { @a[arg0] = count(); }',
  'a struct from the script through a pointer': 'struct foo { int a; long b; char c; } kprobe:f { $p = (struct foo *)arg0; @b = sum($p->b); @a = $p->a; }',
  'large immediates': 'kprobe:f { if (arg0 == 0x123456789abcdef) { @x = 0xffffffffffff; } }',
  'bswap and ksym': 'kprobe:f { @s[ksym(arg0)] = count(); @b = bswap((uint32)arg1); }',
  'ntop of integers and byte arrays': 'struct in6 { unsigned char a[16]; } kprobe:f { @a[ntop(arg0)] = count(); $x = ntop(10, ((struct in6 *)arg1)->a); printf("%s %s\\n", ntop(arg0), $x); }',
  'uprobe arguments': 'uprobe:/bin/bash:readline { @lines[str(arg0)] = count(); } uretprobe:/bin/bash:readline { @ret[str(retval)] = count(); }',
  'arguments on the stack: arg6 and later, sargN': 'kprobe:f { @a = sum(arg6); @b[arg7, sarg0] = count(); } uprobe:/bin/bash:readline { @u = arg8 + sarg1; }',
  'kaddr and uaddr (simulated symbol addresses)': 'kprobe:f { @k[ksym(kaddr("jiffies"))] = count(); if (arg0 == kaddr("init_task")) { @hit = 1; } } uprobe:/bin/bash:readline { @u = uaddr("history_length"); }',
  'hist with sub-buckets, hist(n, k)': 'kretprobe:vfs_read { @h = hist(retval, 2); @k[comm] = hist(retval, 5); @z = hist(retval, 0); }',
  'buf(): constant and run-time lengths, an array, a map key': 'struct pkt { unsigned char h[6]; } kprobe:f { printf("%r %r %r\\n", buf(arg0, 16), buf(arg1, arg2), buf(((struct pkt *)arg3)->h)); @b[buf(arg0, 8)] = count(); }',
  'join(): an argv array, the default and a custom separator': 'tracepoint:syscalls:sys_enter_execve { join(args->argv); } kprobe:f { join(arg0, ", "); } uprobe:/bin/bash:readline { join(arg1); }',
  'for over a map (bpf_for_each_map_elem with a callback), $kv.0 and $kv.1, break and continue': 'kprobe:f { @m[comm, pid] = count(); @v[arg0] = arg1; $n = 0; for ($kv : @m) { if ($kv.1 > 5) { continue; } $n += $kv.1; printf("%s %d\\n", $kv.0.0, $kv.1); } for ($e : @v) { if ($e.0 == arg2) { break; } @seen[$e.0] = $e.1 + $n; } }',
  'address-of: a $variable and a field through a pointer': 'struct s { long a; long b; } kprobe:f { $x = arg0; $p = &$x; @v = *$p; $q = (struct s *)arg1; @f = (uint64)&$q->b; }',
  'bitwise and (not the address-of)': 'kprobe:f { @a = arg0 & 0xff; $m = arg1; $m &= 6; @b[$m & arg2] = count(); if (arg0&1) { @odd = count(); } }',
};

/**
 * A program that passes a callback (bpf_for_each_map_elem's function pointer, lddw src=4) loads
 * only with BTF func_info, as bpftrace loads it: the compiler marks its programs so
 * (Program.funcInfo) and our verifier checks callbacks as the kernel does then. The kernel bridge
 * may not load BTF, so the kernel's own check of such a program cannot run here.
 */
const FUNC_INFO_SKIP = 'needs BTF func_info, which these loaders cannot give';
const passesCallback = (p: CompiledProgram): boolean => p.program.insns.some((i) => i.opcode === 0x18 && i.src === 4);

function compileOk(text: string): CompiledProgram[] {
  const r = compileScript(text, 'test.bt', { btf: null, useTracefs: false, checkBinaries: false });
  const bad = r.findings.filter((f) => f.severity === 'error');
  if (bad.length) throw new Error(bad.map((f) => `${f.range.start.line + 1}:${f.range.start.col + 1} ${f.message}`).join('\n'));
  expect(r.programs.length).toBeGreaterThan(0);
  return r.programs;
}

describe('constructs compile', () => {
  for (const [name, text] of Object.entries(CONSTRUCTS)) {
    describe(name, () => {
      const programs = compileOk(text);

      test('the assembly text re-assembles to the same program', () => {
        for (const p of programs) {
          const again = assemble(p.asmText);
          expect(again.findings.filter((f) => f.severity === 'error')).toEqual([]);
          expect(again.programs[0]!.insns).toEqual(p.program.insns);
          expect(again.programs[0]!.type).toBe(p.program.type);
          expect(p.program.maps.map((m) => m.name).sort()).toEqual(again.maps.map((m) => m.name).sort());
        }
      });

      test('instructions map back to the script', () => {
        for (const p of programs) {
          const lines = new Set((p.program.sourceMap ?? []).filter(Boolean).map((r) => r!.start.line));
          expect(lines.size).toBeGreaterThan(0);
          for (const l of lines) expect(l).toBeLessThanOrEqual(text.split('\n').length);
        }
      });

      test('our verifier accepts it', () => {
        for (const p of programs) {
          expect(p.program.funcInfo).toBe(true);
          const v = verify(p.program);
          if (!v.accepted) throw new Error(`${p.probe}: rejected\n${v.findings.map((f) => `${f.insn}: ${f.message}`).join('\n')}\n${p.asmText}`);
        }
      });

      const needsFuncInfo = programs.some(passesCallback);
      if (needsFuncInfo && avail.ok) console.warn(`${name}: the kernel's check is skipped: the program ${FUNC_INFO_SKIP}`);
      test.skipIf(!avail.ok || needsFuncInfo)('the kernel verifier accepts it', () => {
        for (const p of programs) {
          const res = loadProgram(p.program);
          if (res.fd === undefined) throw new Error(`${p.probe}: kernel rejected it (errno ${res.errno})\n${res.log.split('\n').slice(-15).join('\n')}\n${p.asmText}`);
          closeFd(res.fd);
        }
      });
    });
  }
});

describe('program types and sections', () => {
  const cases: [string, string, string][] = [
    ['kprobe:vfs_read { @x = count(); }', 'kprobe/vfs_read', 'kprobe'],
    ['kretprobe:vfs_read { @x = count(); }', 'kretprobe/vfs_read', 'kprobe'],
    ['uprobe:/bin/bash:readline { @x = count(); }', 'uprobe//bin/bash:readline', 'kprobe'],
    ['tracepoint:syscalls:sys_enter_read { @x = count(); }', 'tracepoint/syscalls/sys_enter_read', 'tracepoint'],
    ['rawtracepoint:sched_switch { @x = count(); }', 'raw_tracepoint/sched_switch', 'raw_tracepoint'],
    ['interval:s:1 { @x = count(); }', 'perf_event', 'perf_event'],
    ['software:page-faults:100 { @x = count(); }', 'perf_event', 'perf_event'],
    ['BEGIN { @x = count(); }', 'uprobe/BEGIN_trigger', 'kprobe'],
  ];
  test.each(cases)('%s → section %s, type %s', (text, section, type) => {
    const [p] = compileOk(text);
    expect(p!.program.section).toBe(section);
    expect(p!.program.type).toBe(type);
  });

  test('one program per attach point; wildcard tracepoints expand to what they match', () => {
    const ps = compileOk('kprobe:vfs_read, kprobe:vfs_write { @x = count(); } tracepoint:syscalls:sys_enter_openat* { @y = count(); }');
    expect(ps.map((p) => p.probe)).toEqual(['kprobe:vfs_read', 'kprobe:vfs_write', 'tracepoint:syscalls:sys_enter_openat', 'tracepoint:syscalls:sys_enter_openat2']);
  });

  test('maps: aggregations are per-CPU hashes, plain values hashes; keys laid out 8-byte aligned', () => {
    const r = compileScript('kprobe:f { @c[comm, pid] = count(); @v[str(arg0, 5)] = arg1; @h = hist(arg0); }', 't.bt', { btf: null });
    const byName = Object.fromEntries(r.maps.map((m) => [m.name, m.spec]));
    expect(byName['@c']).toMatchObject({ type: 'percpu_hash', keySize: 24, valueSize: 8 });
    // str(p, 5) is a 6-byte string, stored in 8 bytes.
    expect(byName['@v']).toMatchObject({ type: 'hash', keySize: 8, valueSize: 8 });
    // hist keys carry the bucket index after the (zero) key.
    expect(byName['@h']).toMatchObject({ type: 'percpu_hash', keySize: 16, valueSize: 8 });
  });
});

describe('what the compiler refuses, it names', () => {
  const cases: [string, RegExp][] = [
    ['kprobe:f { system("ls"); }', /system\(\) is not supported/],
    ['kprobe:f { cat("/proc/loadavg"); }', /cat\(\) is not supported.*reads a file on the machine, which a simulation cannot do/],
    ['kprobe:f { signal("KILL"); }', /signal\(\) is not supported.*sends a signal to a real process, which a simulation cannot do/],
    ['kprobe:f { override(-1); }', /override\(\) is not supported.*changes the return value of a real kernel function, which a simulation cannot do/],
    ['kprobe:f { $t = strftime("%H", nsecs); }', /strftime\(\) is not supported.*only directly as a printf\(\) argument/],
    ['fentry:vfs_read { @x = count(); }', /fentry probes are not supported/],
    ['kprobe:f { @x = arg40; }', /arg40 is not supported.*at most 32 arguments on the stack/],
    ['usdt:/bin/bash:probe { @x = arg0; }', /usdt arguments/],
    ['kprobe:f { @m = 1; $p = &@m; }', /Taking the address of this with "&" is not supported.*a \$variable \(&\$x\) or of a field through a pointer/],
    ['kprobe:f { @h = hist(arg0, 6); }', /second argument \(sub-buckets per power of two\) must be 0 to 5, not 6/],
    ['kprobe:f { @h = hist(arg0, 1); } kprobe:g { @h = hist(arg0, 2); }', /different hist\(\) sub-bucket counts/],
    ['kprobe:f { $a = str(arg0); $b = str(arg1); $c = str(arg2); $d = str(arg3); $e = str(arg4); $f = str(arg5); $g = comm; $h = str(arg0); @x[$a, $b, $c, $d, $e, $f, $g, $h] = count(); }', /more than the 512-byte eBPF stack/],
  ];
  test.each(cases)('%s', (text, message) => {
    const r = compileScript(text, 't.bt', { btf: null, checkBinaries: false });
    const errors = r.findings.filter((f) => f.severity === 'error');
    expect(errors.map((f) => f.message).join('\n')).toMatch(message);
    for (const f of errors) expect(f.range.start.line).toBe(0);
  });

  test('a refused construct in one probe still lets the others compile', () => {
    const r = compileScript('kprobe:a { system("ls"); }\nkprobe:b { @x = count(); }', 't.bt', { btf: null });
    expect(r.findings.some((f) => /system/.test(f.message))).toBe(true);
    expect(r.programs.map((p) => p.probe)).toEqual(['kprobe:b']);
  });
});
