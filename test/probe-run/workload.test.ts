// The generated workload looks like a machine's: entries and returns paired per thread, fds and
// byte counts in range, errno values that the call can fail with, paths and hosts where a
// script keeps a pointer and reads it later, and the same events for the same seed.
import { describe, expect, test } from 'vitest';
import { ScriptCompiler } from '../../server/src/probe/compile';
import { generateEvents, runScript, type ProbeEvent } from '../../server/src/probe/run';
import { COMMANDS, HOSTS, MISSING_PATHS, PATHS, PROCESSES, PROGRAMS } from '../../server/src/probe/run/workload';

const OPTS = { btf: null, useTracefs: false } as const;
const compiler = (text: string) => new ScriptCompiler(text, 't.bt', OPTS);
const signed = (v: unknown): bigint => BigInt.asIntN(64, v as bigint);
const field = (e: ProbeEvent, name: string): unknown => (e.args as Record<string, unknown>)[name];

// Written for these tests: keeps the filename pointer at entry, prints it with the fd at return.
const OPEN_SNOOP = `
tracepoint:syscalls:sys_enter_openat { @fname[tid] = args->filename; }
tracepoint:syscalls:sys_exit_openat /@fname[tid]/ {
  printf("OPEN %d %s %d %s\\n", pid, comm, args->ret, str(@fname[tid]));
  delete(@fname[tid]);
}`;

describe('an opensnoop-like script on the generated workload', () => {
  const r = runScript(OPEN_SNOOP, { ...OPTS, seed: 11 });
  const rows = r.output
    .split('\n')
    .filter((l) => l.startsWith('OPEN '))
    .map((l) => {
      const m = /^OPEN (\d+) (\S+) (-?\d+) (.*)$/.exec(l)!;
      return { pid: Number(m[1]), comm: m[2]!, ret: Number(m[3]), path: m[4]! };
    });

  test('prints every call with the path it opened', () => {
    expect(r.findings.filter((f) => f.severity !== 'hint')).toEqual([]);
    expect(rows.length).toBeGreaterThan(40);
    for (const row of rows) expect(PATHS).toContain(row.path);
  });

  test('fds are small, failures are errnos open fails with, and a missing file is one that is not there', () => {
    for (const { ret, path } of rows) {
      if (ret >= 0) expect(ret).toBeLessThan(100);
      else expect([-2, -13, -20, -24]).toContain(ret);
      if (ret === -2) expect(MISSING_PATHS).toContain(path);
    }
    expect(rows.some((x) => x.ret < 0)).toBe(true);
    expect(rows.filter((x) => x.ret >= 0).length).toBeGreaterThan(rows.length / 2);
  });

  test('several processes, each with its own name', () => {
    const comms = new Map(PROCESSES.map((p) => [p.pid, p.comm]));
    expect(new Set(rows.map((x) => x.comm)).size).toBeGreaterThanOrEqual(5);
    for (const { pid, comm } of rows) expect(comms.get(pid)).toBe(comm);
  });
});

/** Checks that per thread, every return follows its own entry and calls do not overlap. */
function expectPaired(ev: ProbeEvent[], entry: (e: ProbeEvent) => string | undefined, ret: (e: ProbeEvent) => string | undefined): number {
  const open = new Map<number, { name: string; e: ProbeEvent }>();
  let pairs = 0;
  for (const e of ev) {
    const en = entry(e);
    const rn = ret(e);
    if (en) {
      expect(open.has(e.tid), `thread ${e.tid} enters ${en} while in ${open.get(e.tid)?.name}`).toBe(false);
      open.set(e.tid, { name: en, e });
    } else if (rn) {
      const o = open.get(e.tid);
      expect(o?.name, `line ${e.line}: ${e.probe} without its entry`).toBe(rn);
      expect(e.ts > o!.e.ts).toBe(true);
      expect([e.pid, e.cpu]).toEqual([o!.e.pid, o!.e.cpu]);
      open.delete(e.tid);
      pairs++;
    }
  }
  return pairs;
}

describe('entries and returns', () => {
  const syscalls = `
tracepoint:syscalls:sys_enter_read, tracepoint:syscalls:sys_enter_write, tracepoint:syscalls:sys_enter_openat, tracepoint:syscalls:sys_enter_socket,
tracepoint:syscalls:sys_enter_accept4, tracepoint:syscalls:sys_enter_dup { @e[probe] = count(); }
tracepoint:syscalls:sys_exit_read, tracepoint:syscalls:sys_exit_write, tracepoint:syscalls:sys_exit_openat, tracepoint:syscalls:sys_exit_socket,
tracepoint:syscalls:sys_exit_accept4, tracepoint:syscalls:sys_exit_dup { @r[probe] = count(); }`;
  const ev = generateEvents(compiler(syscalls), 5, { count: 4000 });
  const sys = (kind: 'enter' | 'exit') => (e: ProbeEvent) => new RegExp(`sys_${kind}_(\\w+)$`).exec(e.probe)?.[1];

  test('a sys_exit follows its sys_enter on the same thread, one call at a time, in time order', () => {
    expect(expectPaired(ev, sys('enter'), sys('exit'))).toBeGreaterThan(1500);
    for (let i = 1; i < ev.length; i++) expect(ev[i]!.ts >= ev[i - 1]!.ts).toBe(true);
    expect(ev.map((e) => e.line)).toEqual(ev.map((_, i) => i + 1));
  });

  test('fd-returning syscalls return small fds or -errno; read and write at most what was asked', () => {
    const entered = new Map<number, ProbeEvent>();
    let checked = 0;
    for (const e of ev) {
      const name = sys('exit')(e);
      if (!name) {
        entered.set(e.tid, e);
        continue;
      }
      const ret = signed(field(e, 'ret'));
      const enter = entered.get(e.tid)!;
      if (ret < 0n) {
        expect(-ret).toBeLessThan(134n); // an errno
        expect(-ret).toBeGreaterThan(0n);
      } else if (name === 'read' || name === 'write') {
        expect(ret).toBeLessThanOrEqual(field(enter, 'count') as bigint);
      } else {
        expect(ret).toBeGreaterThanOrEqual(0n);
        expect(ret).toBeLessThan(100n);
      }
      checked++;
    }
    expect(checked).toBeGreaterThan(100);
    // The enter side's arguments look like a call's: fds small, sizes positive, paths real.
    for (const e of ev.filter((x) => x.probe.endsWith('sys_enter_read'))) {
      expect(field(e, 'fd') as bigint).toBeLessThan(100n);
      expect(field(e, 'count') as bigint).toBeGreaterThan(0n);
    }
    for (const e of ev.filter((x) => x.probe.endsWith('sys_enter_openat'))) expect(PATHS).toContain(field(e, 'filename'));
  });

  test('kretprobe after kprobe, uretprobe after uprobe; vfs_read returns at most arg2', () => {
    const script = 'kprobe:vfs_read { @a = arg2; } kretprobe:vfs_read { @b = retval; } uprobe:/bin/bash:readline { @c = 1; } uretprobe:/bin/bash:readline { printf("%s\\n", str(retval)); }';
    const kev = generateEvents(compiler(script), 9);
    const kfn = (prefix: string) => (e: ProbeEvent) => (e.probe.startsWith(prefix) ? e.probe.slice(prefix.length) : undefined);
    expect(expectPaired(kev.filter((e) => e.probe.includes('vfs_read')), kfn('kprobe:'), kfn('kretprobe:'))).toBeGreaterThan(20);
    expect(expectPaired(kev.filter((e) => e.probe.includes('readline')), kfn('uprobe:'), kfn('uretprobe:'))).toBeGreaterThan(5);
    const asked = new Map<number, bigint>();
    for (const e of kev) {
      if (e.probe === 'kprobe:vfs_read') asked.set(e.tid, (e.args as bigint[])[2]!);
      if (e.probe === 'kretprobe:vfs_read' && signed(e.retval) >= 0n) expect(e.retval as bigint).toBeLessThanOrEqual(asked.get(e.tid)!);
    }
    // readline runs in bash and returns a line typed at the prompt.
    for (const e of kev.filter((x) => x.probe.startsWith('uretprobe:'))) {
      expect(e.comm).toBe('bash');
      expect(COMMANDS).toContain(e.retval);
    }
  });
});

describe('values follow the script', () => {
  test('a pointer kept in a map at entry and read with str() at return is a string (gethostlatency\'s pattern)', () => {
    const script = `
uprobe:libc:getaddrinfo { @start[tid] = nsecs; @name[tid] = arg0; }
uretprobe:libc:getaddrinfo /@start[tid]/ { printf("HOST %d %s %d\\n", (nsecs - @start[tid]) / 1000000, str(@name[tid]), retval); delete(@start[tid]); delete(@name[tid]); }`;
    const r = runScript(script, { ...OPTS, seed: 4, checkBinaries: false });
    const rows = r.output.split('\n').filter((l) => l.startsWith('HOST '));
    expect(rows.length).toBeGreaterThan(10);
    for (const row of rows) {
      const [, ms, host, ret] = row.split(' ');
      expect(HOSTS).toContain(host);
      expect(Number(ms)).toBeLessThan(200);
      expect(['0', '-2', '-3']).toContain(ret);
    }
  });

  test('exec gets an argv list, from a new process with a growing pid', () => {
    const r = runScript('tracepoint:syscalls:sys_enter_execve { printf("EXEC %d %s ", pid, comm); join(args->argv); }', { ...OPTS, seed: 2 });
    const rows = r.output.split('\n').filter((l) => l.startsWith('EXEC '));
    expect(rows.length).toBeGreaterThan(10);
    const argvs = PROGRAMS.map((p) => p.argv.join(' '));
    let last = 0;
    for (const row of rows) {
      const m = /^EXEC (\d+) (\S+) (.*)$/.exec(row)!;
      expect(Number(m[1])).toBeGreaterThan(last);
      last = Number(m[1]);
      expect(argvs).toContain(m[3]);
      // The parent's name: exec has not replaced it yet.
      expect(PROGRAMS.find((p) => p.argv.join(' ') === m[3])!.by).toContain(m[2]);
    }
  });
});

describe('timers', () => {
  test('a profile probe with no events interrupts the workload\'s processes (and idle) on both CPUs', () => {
    const r = runScript('profile:hz:99 { @comm[comm] = count(); @cpu[cpu] = count(); @busy = count(); if (pid == 0) { @idle = count(); } }', { ...OPTS, seed: 3 });
    const comms = [...r.output.matchAll(/^@comm\[([^\]]+)\]: \d+$/gm)].map((m) => m[1]!);
    expect(comms.some((c) => c.startsWith('swapper/'))).toBe(true);
    expect(comms.filter((c) => PROCESSES.some((p) => p.comm === c)).length).toBeGreaterThan(5);
    expect(r.output).toMatch(/^@cpu\[0\]: \d+$/m);
    expect(r.output).toMatch(/^@cpu\[1\]: \d+$/m);
    const busy = Number(/^@busy: (\d+)$/m.exec(r.output)![1]);
    const idle = Number(/^@idle: (\d+)$/m.exec(r.output)![1]);
    expect(idle / busy).toBeGreaterThan(0.2);
    expect(idle / busy).toBeLessThan(0.5);
  });
});

describe('seeded', () => {
  test('the same seed gives the same run; another seed another', () => {
    const a = runScript(OPEN_SNOOP, { ...OPTS, seed: 21 });
    const b = runScript(OPEN_SNOOP, { ...OPTS, seed: 21 });
    const c = runScript(OPEN_SNOOP, { ...OPTS, seed: 22 });
    expect(a.output).toBe(b.output);
    expect(a.output).not.toBe(c.output);
    expect(generateEvents(compiler(OPEN_SNOOP), 3, { count: 2000 })).toEqual(generateEvents(compiler(OPEN_SNOOP), 3, { count: 2000 }));
  });

  test('a quarter of a million events run (no argument-list limits on the way)', () => {
    const events = Array.from({ length: 250_000 }, (_, i) => ({ probe: i % 1000 ? 'kprobe:vfs_write' : 'kprobe:vfs_read', ts: i, cpu: i % 3 }));
    const r = runScript('kprobe:vfs_read { @n = count(); @c[cpu] = count(); }', { ...OPTS, events });
    expect(r.findings.filter((f) => f.severity === 'error')).toEqual([]);
    expect(r.output).toContain('@n: 250\n');
    expect(r.output).toContain('@c[2]: ');
  });

  test('bounded: exactly the count asked for, at most a million', () => {
    expect(generateEvents(compiler(OPEN_SNOOP), 1, { count: 3000 })).toHaveLength(3000);
    expect(generateEvents(compiler(OPEN_SNOOP), 1).length).toBeLessThanOrEqual(400);
  });
});
