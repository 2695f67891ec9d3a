import { describe, expect, it } from 'vitest';
import { catalog, docFor, FUNCTIONS } from '../../server/src/probe/catalog';
import { defineValue, scanHeaders } from '../../server/src/probe/headers';
import { PROBE_KINDS } from '../../server/src/probe/probes';
import { bundledTracepoints, globMatch, parseFormatFile, tracefsEventsDir, tracepointFormat } from '../../server/src/probe/tracepoints';

describe('tracepoint formats', () => {
  it('parses a tracefs format file, dropping common fields', () => {
    const text = [
      'name: sys_enter_openat',
      'format:',
      '\tfield:unsigned short common_type;\toffset:0;\tsize:2;\tsigned:0;',
      '\tfield:int common_pid;\toffset:4;\tsize:4;\tsigned:1;',
      '',
      '\tfield:int __syscall_nr;\toffset:8;\tsize:4;\tsigned:1;',
      '\tfield:const char * filename;\toffset:24;\tsize:8;\tsigned:0;',
      '\tfield:char comm[16];\toffset:32;\tsize:16;\tsigned:0;',
      '\tfield:__data_loc char[] name;\toffset:48;\tsize:4;\tsigned:0;',
    ].join('\n');
    expect(parseFormatFile(text)).toEqual([
      { name: '__syscall_nr', type: 'int', offset: 8, size: 4, signed: true, dataLoc: false },
      { name: 'filename', type: 'const char *', offset: 24, size: 8, signed: false, dataLoc: false },
      { name: 'comm', type: 'char[16]', offset: 32, size: 16, signed: false, dataLoc: false },
      { name: 'name', type: '__data_loc char[]', offset: 48, size: 4, signed: false, dataLoc: true },
    ]);
  });

  it('bundles the common syscall, sched, block and net tracepoints', () => {
    const names = bundledTracepoints();
    for (const n of ['syscalls:sys_enter_openat', 'syscalls:sys_exit_read', 'syscalls:sys_enter_execve', 'sched:sched_switch', 'sched:sched_process_exec', 'block:block_rq_issue', 'block:block_rq_complete', 'net:netif_receive_skb', 'raw_syscalls:sys_enter']) {
      expect(names).toContain(n);
    }
    const sw = tracepointFormat('sched', 'sched_switch', { useTracefs: false })!;
    expect(sw.source).toBe('bundled');
    expect(sw.fields.find((f) => f.name === 'next_pid')).toMatchObject({ offset: 56, size: 4, signed: true });
    const exit = tracepointFormat('syscalls', 'sys_exit_openat', { useTracefs: false })!;
    expect(exit.fields.map((f) => f.name)).toEqual(['__syscall_nr', 'ret']);
  });

  it.skipIf(!tracefsEventsDir())('reads live formats from tracefs and agrees with the catalog', () => {
    const live = tracepointFormat('sched', 'sched_switch')!;
    expect(live.source).toBe('tracefs');
    const bundled = tracepointFormat('sched', 'sched_switch', { useTracefs: false })!;
    expect(live.fields).toEqual(bundled.fields);
  });

  it('matches wildcards like bpftrace', () => {
    expect(globMatch('sys_enter_exec*', 'sys_enter_execveat')).toBe(true);
    expect(globMatch('sys_enter_exec*', 'sys_exit_execve')).toBe(false);
    expect(globMatch('lookup_fast.constprop.?', 'lookup_fast.constprop.0')).toBe(true);
  });
});

describe('header #defines', () => {
  it('evaluates defines through other names, casts and arithmetic', () => {
    const d = new Map([['AF_INET', 'PF_INET'], ['PF_INET', '2'], ['MASK', '(1UL << 4) - 1'], ['HEX', '0x10'], ['BAD', 'foo(']]);
    const look = (n: string): string | undefined => d.get(n);
    expect(defineValue('AF_INET', look)).toBe(2n);
    expect(defineValue('MASK', look)).toBe(15n);
    expect(defineValue('HEX', look)).toBe(16n);
    expect(defineValue('BAD', look)).toBeUndefined();
    expect(defineValue('NONE', look)).toBeUndefined();
  });

  it('reports headers that are not installed', () => {
    expect(scanHeaders(['no/such/header.h']).missing).toEqual(['no/such/header.h']);
  });
});

describe('catalog', () => {
  it('documents every function, builtin and probe kind in one line', () => {
    const entries = catalog();
    for (const e of entries) {
      expect(e.doc.length, e.name).toBeGreaterThan(10);
      expect(e.doc.includes('\n'), e.name).toBe(false);
    }
    for (const f of FUNCTIONS) expect(entries.some((e) => e.name === f.name)).toBe(true);
    for (const k of PROBE_KINDS) expect(entries.some((e) => e.name === k.name && e.kind === 'probe')).toBe(true);
    for (const n of ['pid', 'comm', 'kstack', 'retval', 'args', 'curtask', 'hist', 'lhist', 'printf', 'kprobe', 'k', 'fentry', 'kfunc', 'while']) {
      expect(docFor(n), n).toBeDefined();
    }
    expect(docFor('arg3')!.doc).toMatch(/Argument 3/);
  });
});
