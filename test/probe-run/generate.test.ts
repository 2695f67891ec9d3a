// The synthetic workload used when no events file is given, and runs of bpftrace's own tools
// collection against it (read from the installed package, never copied into the repo).
import fc from 'fast-check';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { describe, expect, test } from 'vitest';
import { ScriptCompiler } from '../../server/src/probe/compile';
import { generateEvents, runScript } from '../../server/src/probe/run';

const compiler = (text: string) => new ScriptCompiler(text, 't.bt', { btf: null, useTracefs: false });

describe('generated events', () => {
  const script = 'kprobe:vfs_read { @s[str(arg1)] = count(); @n = sum(arg2); } kretprobe:vfs_read { @r = hist(retval); } tracepoint:syscalls:sys_enter_openat { @f[str(args->filename)] = count(); }';

  test('the same seed gives the same events; another seed others', () => {
    const a = generateEvents(compiler(script), 7);
    const b = generateEvents(compiler(script), 7);
    const c = generateEvents(compiler(script), 8);
    expect(a).toEqual(b);
    expect(a).not.toEqual(c);
  });

  test('bounded, in time order, over a couple of seconds, on two CPUs', () => {
    const ev = generateEvents(compiler(script), 1);
    expect(ev.length).toBeGreaterThan(20);
    expect(ev.length).toBeLessThanOrEqual(400);
    for (let i = 1; i < ev.length; i++) expect(ev[i]!.ts >= ev[i - 1]!.ts).toBe(true);
    expect(ev[ev.length - 1]!.ts).toBeLessThan(3_000_000_000n);
    expect(new Set(ev.map((e) => e.cpu))).toEqual(new Set([0, 1]));
  });

  test('a larger workload on request (benchmarks): exactly that many, in order, entries before returns', () => {
    const ev = generateEvents(compiler(script), 3, { count: 5000 });
    expect(ev).toHaveLength(5000);
    for (let i = 1; i < ev.length; i++) expect(ev[i]!.ts >= ev[i - 1]!.ts).toBe(true);
    expect(ev.map((e) => e.line)).toEqual(ev.map((_, i) => i + 1));
    // Per thread, kretprobe:vfs_read never comes before a kprobe:vfs_read.
    const open = new Map<number, number>();
    for (const e of ev) {
      if (e.probe === 'kprobe:vfs_read') open.set(e.tid, (open.get(e.tid) ?? 0) + 1);
      if (e.probe === 'kretprobe:vfs_read') expect(open.get(e.tid) ?? 0).toBeGreaterThan(0);
    }
  });

  test('arguments read with str() are strings; the others numbers; tracepoints get their fields', () => {
    const ev = generateEvents(compiler(script), 1);
    const kp = ev.filter((e) => e.probe === 'kprobe:vfs_read');
    expect(kp.length).toBeGreaterThan(0);
    for (const e of kp) {
      const args = e.args as unknown[];
      expect(args).toHaveLength(3);
      expect(typeof args[0]).toBe('bigint');
      expect(typeof args[1]).toBe('string');
      expect(typeof args[2]).toBe('bigint');
    }
    const tp = ev.find((e) => e.probe === 'tracepoint:syscalls:sys_enter_openat')!;
    expect(Object.keys(tp.args as object).sort()).toEqual(['dfd', 'filename', 'flags', 'mode']);
    expect(typeof (tp.args as Record<string, unknown>).filename).toBe('string');
  });

  test('each return fires after an entry of the same thread', () => {
    const ev = generateEvents(compiler(script), 3);
    const open = new Map<number, number>();
    for (const e of ev) {
      if (e.probe === 'kprobe:vfs_read') open.set(e.tid, (open.get(e.tid) ?? 0) + 1);
      if (e.probe === 'kretprobe:vfs_read') {
        expect(open.get(e.tid) ?? 0).toBeGreaterThan(0);
        open.set(e.tid, open.get(e.tid)! - 1);
      }
    }
  });

  test('timer-only scripts get no events but still run their timers', () => {
    expect(generateEvents(compiler('BEGIN { @x = 1; } interval:s:1 { @t++; }'), 1)).toEqual([]);
    const r = runScript('interval:s:1 { @t++; if (@t == 3) { exit(); } }', { btf: null });
    expect(r.output).toBe('Attaching 1 probe...\n\n\n@t: 3\n');
  });

  test('a whole run with the generated workload', () => {
    const r = runScript(script, { btf: null, useTracefs: false, seed: 5 });
    expect(r.findings.filter((f) => f.severity !== 'hint')).toEqual([]);
    expect(r.output).toMatch(/^Attaching 3 probes\.\.\.\n\n\n@f\[\/[^\]]*\]: \d+\n/);
    expect(r.output).toContain('@r: \n');
  });
});

const TOOLS = '/usr/sbin';
const tools = existsSync(TOOLS) ? readdirSync(TOOLS).filter((f) => f.endsWith('.bt')) : [];
if (!tools.length) console.warn('skipping the tools-collection runs: bpftrace\'s tools are not installed (apt-get install bpftrace)');

describe.skipIf(!tools.length)('bpftrace tools collection on a generated workload', () => {
  test.each(tools)('%s runs or says clearly what it cannot compile', (name) => {
    const r = runScript(readFileSync(`${TOOLS}/${name}`, 'utf8'), { file: name, seed: 1 });
    const errors = r.findings.filter((f) => f.severity === 'error');
    if (errors.length) {
      expect(r.output).toBe('');
      for (const f of errors) expect(f.message).toMatch(/not supported|not known here|has no field|cannot/);
    } else {
      expect(r.output).toMatch(/^Attaching \d+ probes?\.\.\.\n/);
      // The generated events fit the probes and no program stops early in the VM.
      expect([...r.findings, ...r.eventFindings].filter((f) => /^probe\.(run|events|run-internal)$/.test(f.code ?? '')).map((f) => f.message)).toEqual([]);
    }
  });

  // What a few tools print should look like what they print on a machine: every row's fields filled.
  const rowChecks: [string, RegExp, RegExp][] = [
    // PID COMM FD ERR PATH: an fd or -1 with an errno, and a path
    ['opensnoop.bt', /^\d+ /, /^\d+\s+\S+\s+(\d{1,2}\s+0|-1\s+(2|13|20|24))\s+\/\S+$/],
    // TIME(ms) PID ARGS: a command line
    ['execsnoop.bt', /^\d+\s+\d+\s/, /^\d+\s+\d{4,}\s+\S.*$/],
    // TIME PID COMM SADDR SPORT DADDR DPORT
    ['tcpconnect.bt', /^\d\d:\d\d:\d\d /, /^\S+ \d+\s+\S+\s+[\d.:a-f]+\s+\d{5}\s+[\d.:a-f]+\s+(443|80|5432|53|6379)\s*$/],
    // TIME(ms) DISK COMM PID LAT(ms)
    ['biosnoop.bt', /^\d+ /, /^\d+\s+(sda|nvme0n1|vda)\s+\S+\s+\d+\s+\d+$/],
    // TIME PID COMM LATms HOST
    ['gethostlatency.bt', /^\d\d:\d\d:\d\d /, /^\S+\s+\d+\s+\S+\s+\d+\s+[a-z][\w.-]+$/],
  ];
  test.each(rowChecks.filter(([t]) => tools.includes(t)))('%s prints plausible rows', (name, row, shape) => {
    const r = runScript(readFileSync(`${TOOLS}/${name}`, 'utf8'), { file: name, seed: 1 });
    if (r.findings.some((f) => f.severity === 'error')) {
      console.warn(`${name} does not compile here (${r.findings.find((f) => f.severity === 'error')!.message}); its rows are not checked`);
      return;
    }
    const rows = r.output.split('\n').filter((l) => row.test(l));
    expect(rows.length).toBeGreaterThan(10);
    for (const l of rows) expect(l).toMatch(shape);
  });
});

describe('scripts made of random pieces', () => {
  const ANY = [
    '@c[comm] = count();', '$x = pid + 1; $x++; @x = $x;', 'printf("%d %s\\n", pid, comm);', 'if (pid > 10) { @a = 1; } else { @a = 2; }', 'delete(@c[comm]);',
    'clear(@c);', 'print(@c);', 'exit();', '$i = 0; while ($i < 3) { $i++; }', 'unroll(2) { @u++; }', 'time();', '@ = nsecs - elapsed;', 'return;',
    '@m = min(tid); @n = max(tid); @a2 = avg(cpu); @st = stats(uid);', '@h = hist(nsecs % 1000);', '@t[comm, pid] = sum(tid);',
  ];
  const PROBES: [string, string[]][] = [
    ['BEGIN', []], ['END', []], ['interval:ms:300', []], ['profile:hz:3', []],
    ['kprobe:vfs_read', ['@s = sum(arg0);', '@l = lhist(arg1, 0, 100, 10);', '$s = str(arg1); @z[$s] = 1;', 'printf("%s\\n", ntop(arg0));', '@k[kstack] = count();']],
    ['kprobe:vfs_*', ['@f[func, probe] = count();', '@s2 = sum(arg2);']],
    ['kretprobe:vfs_read', ['@h2 = hist(retval);', '@r[retval < 0 ? "err" : "ok"] = count();']],
    ['tracepoint:syscalls:sys_enter_openat', ['@o[str(args->filename)] = count();', '@v = args->flags;']],
    ['rawtracepoint:sched_switch', ['@w[arg0 % 4] = count();']],
  ];
  test('never throw, whatever compiles or not', () => {
    let ran = 0;
    const probe = fc.constantFrom(...PROBES).chain(([name, own]) => fc.array(fc.constantFrom(...ANY, ...own), { maxLength: 5 }).map((body) => `${name} { ${body.join(' ')} }`));
    fc.assert(
      fc.property(fc.array(probe, { minLength: 1, maxLength: 4 }), fc.integer({ min: 1, max: 1000 }), (probes, seed) => {
        const script = probes.join('\n');
        const r = runScript(script, { btf: null, useTracefs: false, seed, checkBinaries: false });
        expect(r.findings.filter((f) => f.code === 'probe.run-internal' || f.code === 'probe.compile-internal')).toEqual([]);
        if (!r.findings.some((f) => f.severity === 'error')) {
          ran++;
          expect(r.output).toMatch(/^Attaching \d+ probes?\.\.\.\n/);
        }
      }),
      { numRuns: 150, seed: 99 },
    );
    console.log(`random scripts: ${ran} of 150 compiled and ran`);
    expect(ran).toBeGreaterThan(50);
  });
});
