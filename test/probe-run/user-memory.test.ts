// The traced processes' memory: a string an event passes by address stays readable at that
// address by later events (a pointer kept in a map at entry, read at exit), within a bound after
// which old pointers read as faults (an empty string), never as a crash.
import { describe, expect, test } from 'vitest';
import { runScript, type EventInput, type RunOptions } from '../../server/src/probe/run';
import { UserMemory, type MappableMemory } from '../../server/src/probe/run/user-memory';
import { VmSession } from '../../server/src/vm';

const OPTS: RunOptions = { btf: null, useTracefs: false };

// Keeps the pointer at entry, prints where it points at exit: the opensnoop pattern.
const KEEP_AND_READ = `
tracepoint:syscalls:sys_enter_openat { @name[tid] = args->filename; @addr[tid] = (uint64)args->filename; }
tracepoint:syscalls:sys_exit_openat /@name[tid]/ {
  printf("%d ret=%d same=%d path=%s\\n", tid, args->ret, @addr[tid] == (uint64)@name[tid], str(@name[tid]));
  delete(@name[tid]); delete(@addr[tid]);
}`;

const enter = (ts: number, pid: number, filename: string, tid = pid): EventInput => ({ probe: 'tracepoint:syscalls:sys_enter_openat', ts, pid, tid, comm: 'cat', args: { dfd: -100, filename, flags: 0 } });
const exit = (ts: number, pid: number, ret: number, tid = pid): EventInput => ({ probe: 'tracepoint:syscalls:sys_exit_openat', ts, pid, tid, comm: 'cat', args: { ret } });

const lines = (out: string) => out.split('\n').filter((l) => /ret=/.test(l));

describe('strings outlive the event that placed them', () => {
  test('a pointer kept at sys_enter reads its string at sys_exit, threads interleaved', () => {
    const events = [enter(1, 10, '/etc/hosts'), enter(2, 20, '/var/log/syslog', 21), exit(3, 10, 3), enter(4, 10, '/tmp/a'), exit(5, 20, -2, 21), exit(6, 10, 4)];
    const r = runScript(KEEP_AND_READ, { ...OPTS, events });
    expect(r.findings.filter((f) => f.severity !== 'hint')).toEqual([]);
    expect(lines(r.output)).toEqual(['10 ret=3 same=1 path=/etc/hosts', '21 ret=-2 same=1 path=/var/log/syslog', '10 ret=4 same=1 path=/tmp/a']);
  });

  test('the same string passed by one process at entry and at return has one address; another process has its own', () => {
    const script = 'kprobe:do_sys_openat2 { printf("%d %llx\\n", pid, arg1); }';
    const ev = (ts: number, pid: number): EventInput => ({ probe: 'kprobe:do_sys_openat2', ts, pid, args: [-100, '/etc/passwd'] });
    const r = runScript(script, { ...OPTS, events: [ev(1, 7), ev(2, 7), ev(3, 8)] });
    const rows = r.output.split('\n').filter((l) => /^\d+ [0-9a-f]+$/.test(l)).map((l) => l.split(' '));
    expect(rows).toHaveLength(3);
    expect(rows[0]![1]).toBe(rows[1]![1]);
    expect(rows[2]![1]).not.toBe(rows[0]![1]);
    expect(BigInt(`0x${rows[0]![1]}`)).not.toBe(0n);
  });

  test('an argv list keeps its strings too', () => {
    const script = `
tracepoint:syscalls:sys_enter_execve { @argv[tid] = args->argv; }
tracepoint:syscalls:sys_exit_execve /@argv[tid]/ { join(@argv[tid]); delete(@argv[tid]); }`;
    const events: EventInput[] = [
      { probe: 'tracepoint:syscalls:sys_enter_execve', ts: 1, pid: 5, args: { filename: '/bin/ls', argv: ['ls', '-l', '/tmp'] } },
      { probe: 'tracepoint:syscalls:sys_enter_openat', ts: 2, pid: 6, args: { filename: '/etc/ld.so.cache' } },
      { probe: 'tracepoint:syscalls:sys_exit_execve', ts: 3, pid: 5, args: { ret: 0 } },
    ];
    const r = runScript(script, { ...OPTS, events });
    expect(r.findings.filter((f) => f.severity === 'error')).toEqual([]);
    expect(r.output).toContain('ls -l /tmp\n');
  });
});

describe('bounded: old pointers fault, the run goes on', () => {
  test('a pointer older than the bound reads as an empty string; recent ones still read', () => {
    // Two live chunks of one value each: a pointer three values old is gone.
    const userMemory = { chunkBytes: 64, chunkValues: 1, liveChunks: 2, reservedChunks: 8 };
    const events = [enter(1, 10, '/old/path'), enter(2, 11, '/b'), enter(3, 12, '/c'), enter(4, 13, '/d'), exit(5, 10, 3), exit(6, 13, 5)];
    const r = runScript(KEEP_AND_READ, { ...OPTS, events, userMemory });
    expect(r.findings.filter((f) => f.severity === 'error' || f.code === 'probe.run-internal')).toEqual([]);
    expect(lines(r.output)).toEqual(['10 ret=3 same=1 path=', '13 ret=5 same=1 path=/d']);
  });

  test('with the default bound, thousands of values later a recent pointer still reads and the first one is gone', () => {
    const events: EventInput[] = [enter(0, 1, '/first')];
    for (let i = 1; i <= 20_000; i++) events.push(enter(i, 1000 + (i % 50), `/file/${i}`));
    events.push(exit(30_000, 1, 3), exit(30_001, 1000 + (20_000 % 50), 4));
    const script = `${KEEP_AND_READ}\ntracepoint:syscalls:sys_enter_openat /tid != 1 && tid != ${1000 + (20_000 % 50)}/ { delete(@name[tid]); }`;
    const t0 = Date.now();
    const r = runScript(script, { ...OPTS, events });
    expect(Date.now() - t0).toBeLessThan(20_000);
    expect(lines(r.output)).toEqual(['1 ret=3 same=1 path=', `${1000 + (20_000 % 50)} ret=4 same=1 path=/file/20000`]);
  });

  test('a session placing a million values keeps a bounded number of regions', () => {
    const session = new VmSession({ cpus: 1 });
    const before = session.regionCount;
    const mem = new UserMemory(session, { reservedChunks: 16 });
    for (let i = 0; i < 1_000_000; i++) mem.place(i % 97, `/some/path/${i}`);
    expect(mem.placed).toBe(1_000_000);
    expect(mem.unmapped).toBeGreaterThan(100);
    expect(mem.liveBytes).toBeLessThanOrEqual(4 * 1024 * 1024);
    // Live chunks plus the reserved (unmapped, still faulting) ones.
    expect(session.regionCount - before).toBeLessThanOrEqual(64 + 16);
  });
});

describe('the chunk bookkeeping', () => {
  class Fake implements MappableMemory {
    next = 1n;
    readonly mapped = new Map<bigint, Uint8Array>();
    readonly dead = new Set<bigint>();
    released = 0;
    mapMemory(_name: string, bytes: Uint8Array): bigint {
      const base = this.next++ << 32n;
      this.mapped.set(base, bytes);
      return base;
    }
    unmapMemory(address: bigint, release = false): boolean {
      if (!this.mapped.has(address)) return false;
      this.dead.add(address);
      if (release) {
        this.mapped.delete(address);
        this.released++;
      }
      return true;
    }
    read(address: bigint): string | undefined {
      const base = (address >> 32n) << 32n;
      const bytes = this.mapped.get(base);
      if (!bytes || this.dead.has(base)) return undefined;
      const at = Number(address - base);
      return new TextDecoder().decode(bytes.subarray(at, bytes.indexOf(0, at)));
    }
  }

  test('numbers pass through; strings NUL-terminated; lists NULL-terminated pointer arrays', () => {
    const fake = new Fake();
    const mem = new UserMemory(fake);
    expect(mem.place(1, 42n)).toBe(42n);
    const list = mem.place(1, ['ls', 7n]);
    const base = (list >> 32n) << 32n;
    const dv = new DataView(fake.mapped.get(base)!.buffer);
    const at = Number(list - base);
    expect(fake.read(dv.getBigUint64(at, true))).toBe('ls');
    expect(dv.getBigUint64(at + 8, true)).toBe(7n);
    expect(dv.getBigUint64(at + 16, true)).toBe(0n);
  });

  test('chunks are unmapped oldest first, their addresses reserved before release', () => {
    const fake = new Fake();
    const mem = new UserMemory(fake, { chunkBytes: 64, chunkValues: 2, liveChunks: 3, reservedChunks: 2 });
    const addrs = Array.from({ length: 20 }, (_, i) => mem.place(i, `v${i}`));
    // Three live chunks of two values: the last five or six values read, older ones fault.
    addrs.slice(-5).forEach((a, i) => expect(fake.read(a)).toBe(`v${15 + i}`));
    addrs.slice(0, 14).forEach((a) => expect(fake.read(a)).toBeUndefined());
    expect(mem.unmapped).toBe(7);
    expect(fake.released).toBe(5);
  });

  test('a value shared by content is never one about to be unmapped', () => {
    const fake = new Fake();
    const mem = new UserMemory(fake, { chunkBytes: 64, chunkValues: 1, liveChunks: 4, reservedChunks: 0 });
    const first = mem.place(1, '/same');
    expect(mem.place(1, '/same')).toBe(first);
    for (let i = 0; i < 3; i++) mem.place(2, `/other${i}`);
    // The first copy's chunk is now the oldest live one: a new copy is placed rather than shared.
    const again = mem.place(1, '/same');
    expect(again).not.toBe(first);
    for (let i = 0; i < 2; i++) mem.place(2, `/more${i}`);
    expect(fake.read(again)).toBe('/same');
  });
});
