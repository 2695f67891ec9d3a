// Events files: what a line may say, the defaults, and a clear error (line and column) for each
// kind of mistake.
import { describe, expect, test } from 'vitest';
import { eventsFromObjects, readEvents } from '../../server/src/probe/run';
import { runScript } from '../../server/src/probe/run';

describe('reading events', () => {
  test('the issue\'s example line, with tid defaulting to pid', () => {
    const { events, findings } = readEvents('{"probe": "kprobe:vfs_read", "ts": 1000, "pid": 100, "uid": 0, "cpu": 0, "comm": "bash", "args": [3, 4096, 128], "retval": 4096}\n');
    expect(findings).toEqual([]);
    expect(events).toEqual([{ line: 1, probe: 'kprobe:vfs_read', ts: 1000n, pid: 100, tid: 100, uid: 0, gid: 0, cpu: 0, comm: 'bash', args: [3n, 4096n, 128n], retval: 4096n }]);
  });

  test('aliases are spelled out; strings, negatives and booleans as arguments; named tracepoint fields', () => {
    const text = [
      '{"probe": "k:vfs_read", "args": ["/etc/passwd", -1, true]}',
      '# a comment line, and a blank one:',
      '',
      '{"probe": "t:syscalls:sys_enter_openat", "ts": 5, "args": {"filename": "/tmp/x", "flags": 64}}',
    ].join('\n');
    const { events, findings } = readEvents(text);
    expect(findings).toEqual([]);
    expect(events[0]).toMatchObject({ line: 1, probe: 'kprobe:vfs_read', ts: 0n, args: ['/etc/passwd', 0xffffffffffffffffn, 1n], comm: 'swapper/0' });
    expect(events[1]).toMatchObject({ line: 4, probe: 'tracepoint:syscalls:sys_enter_openat', ts: 5n, args: { filename: '/tmp/x', flags: 64n } });
  });

  test('ts defaults to the previous event\'s; going back in time is a warning', () => {
    const { events, findings } = readEvents('{"probe": "kprobe:a", "ts": 10}\n{"probe": "kprobe:b"}\n{"probe": "kprobe:c", "ts": 3}\n');
    expect(events.map((e) => e.ts)).toEqual([10n, 10n, 3n]);
    expect(findings).toHaveLength(1);
    expect(findings[0]).toMatchObject({ severity: 'warning', range: { start: { line: 2, col: 0 } } });
  });

  const bad: [string, string, number, RegExp][] = [
    ['broken JSON', '{"probe": "kprobe:f", "ts": }', 28, /not valid JSON: unexpected "}"/],
    ['unclosed string', '{"probe": "kprobe:f', 10, /string is not closed/],
    ['not an object', '[1, 2]', 0, /one JSON object/],
    ['no probe', '{"ts": 5}', 0, /has no "probe"/],
    ['unknown provider', '{"probe": "kprobes:f"}', 10, /does not start with a probe type/],
    ['a pattern', '{"probe": "kprobe:vfs_*"}', 10, /one concrete probe/],
    ['BEGIN', '{"probe": "BEGIN"}', 10, /fire by themselves/],
    ['unknown field', '{"probe": "kprobe:f", "arg": [1]}', 22, /unknown field "arg"/],
    ['fractional ts', '{"probe": "kprobe:f", "ts": 1.5}', 28, /"ts" must be a whole number/],
    ['negative pid', '{"probe": "kprobe:f", "pid": -1}', 29, /"pid" must be between 0 and/],
    // Six register arguments and 32 on the stack: the 39th is one too many.
    ['too many args', `{"probe": "kprobe:f", "args": [${Array(39).fill(1).join(',')}]}`, 107, /at most 38 arguments: arg0..arg5 are passed in registers, arg6..arg37 on the stack/],
    ['bad arg', '{"probe": "kprobe:f", "args": [null]}', 31, /arg0 must be a number, a string or a list of them/],
    ['cpu out of range', '{"probe": "kprobe:f", "cpu": 999}', 29, /"cpu" must be between 0 and 255/],
    ['duplicate key', '{"probe": "kprobe:f", "pid": 1, "pid": 2}', 32, /"pid" is given twice/],
    ['kstack not names', '{"probe": "kprobe:f", "kstack": [1]}', 33, /"kstack"\[0\] must be a function name/],
  ];
  test.each(bad)('%s → an error at its column', (_what, line, col, message) => {
    const { events, findings } = readEvents(`{"probe": "kprobe:ok"}\n${line}\n`);
    expect(events).toHaveLength(1);
    expect(findings).toHaveLength(1);
    expect(findings[0]!.severity).toBe('error');
    expect(findings[0]!.message).toMatch(message);
    expect(findings[0]!.range.start).toEqual({ line: 1, col });
  });

  test('a list argument is an array of values (strings by address), like an argv; lists do not nest', () => {
    const { events, findings } = readEvents('{"probe": "kprobe:f", "args": [["ls", 7], 1]}\n{"probe": "kprobe:f", "args": [[["x"]]]}\n');
    expect(events[0]!.args).toEqual([['ls', 7n], 1n]);
    expect(findings).toHaveLength(1);
    expect(findings[0]!.message).toMatch(/arg0\[0\] must be a number or a string \(lists do not nest\)/);
  });

  test('every bad line is reported, the good ones kept', () => {
    const { events, findings } = readEvents('{"probe": "kprobe:a"}\nnope\n{"probe": "kprobe:b"}\n{\n');
    expect(events.map((e) => e.probe)).toEqual(['kprobe:a', 'kprobe:b']);
    expect(findings.map((f) => f.range.start.line)).toEqual([1, 3]);
  });

  test('events given as objects are checked the same way', () => {
    const { events, findings } = eventsFromObjects([{ probe: 'kprobe:a', pid: 5, args: [1, 'x'] }, { probe: 'nope:a' }]);
    expect(events).toEqual([{ line: 1, probe: 'kprobe:a', ts: 0n, pid: 5, tid: 5, uid: 0, gid: 0, cpu: 0, comm: 'unknown', args: [1n, 'x'] }]);
    expect(findings[0]!.message).toMatch(/event 2: "nope:a" does not start with a probe type/);
  });

  test('random garbage never throws', () => {
    const junk = ['{', '}', '[', ']', '"', ':', ',', '\\', 'null', '1e999', '-', '{"probe":', '\u0000', '"\\u12"'];
    let seed = 7;
    for (let n = 0; n < 300; n++) {
      let line = '';
      for (let i = 0; i < 8; i++) {
        seed = (seed * 1103515245 + 12345) >>> 0;
        line += junk[seed % junk.length];
      }
      expect(() => readEvents(line)).not.toThrow();
    }
  });
});

describe('events in a run', () => {
  test('a bad events file gives findings against it and no output', () => {
    const r = runScript('kprobe:f { @x = count(); }', { events: '{"probe": "kprobe:f"}\n{"probe": 5}\n', btf: null });
    expect(r.output).toBe('');
    expect(r.eventFindings.map((f) => [f.range.start.line + 1, f.range.start.col + 1, f.message])).toEqual([[2, 11, '"probe" must be a string like "kprobe:vfs_read"']]);
  });

  test('events for probes the script does not have are ignored', () => {
    const r = runScript('kprobe:f { @x = count(); }', { events: '{"probe": "kprobe:g"}\n{"probe": "kprobe:f"}\n', btf: null });
    expect(r.output).toBe('Attaching 1 probe...\n\n\n@x: 1\n');
  });

  test('arguments a probe cannot take become warnings naming the events line', () => {
    const r = runScript('tracepoint:syscalls:sys_enter_openat { @x = count(); }', { events: '{"probe": "tracepoint:syscalls:sys_enter_openat", "args": {"nosuch": 1}}\n', btf: null, useTracefs: false, eventsFile: 'ev.jsonl' });
    expect(r.eventFindings).toHaveLength(1);
    expect(r.eventFindings[0]).toMatchObject({ severity: 'warning', range: { start: { line: 0, col: 0 } } });
    expect(r.eventFindings[0]!.message).toMatch(/^tracepoint:syscalls:sys_enter_openat has no field "nosuch"/);
    expect(r.output).toContain('@x: 1');
  });

  test('a program the VM stops early is a warning at the probe, naming the events line', () => {
    const r = runScript('BEGIN { }\nkprobe:f { @x = count(); @y = count(); }', { events: '{"probe": "kprobe:f"}\n', btf: null, budget: 5, eventsFile: 'ev.jsonl' });
    const w = r.findings.find((f) => f.code === 'probe.run')!;
    expect(w.severity).toBe('warning');
    expect(w.range.start.line).toBe(1);
    expect(w.message).toMatch(/^kprobe:f stopped early in the VM \(ev\.jsonl line 1\): /);
  });
});
