// Golden runs: scripts with events and the output bpftrace would print, every number worked out
// by hand (see the comments next to each expectation).
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, test } from 'vitest';
import { runScript, type RunOptions } from '../../server/src/probe/run';

const EXAMPLES = path.resolve(__dirname, '../../examples');
const example = (name: string): string => readFileSync(path.join(EXAMPLES, name), 'utf8');

function run(script: string, events: string, opts: RunOptions = {}) {
  const r = runScript(script, { events, btf: null, ...opts });
  const errors = [...r.findings, ...r.eventFindings].filter((f) => f.severity === 'error');
  if (errors.length) throw new Error(errors.map((f) => `${f.range.start.line + 1}:${f.range.start.col + 1} ${f.message}`).join('\n'));
  return r;
}

const bar = (n: number): string => '@'.repeat(n).padEnd(52);

describe('examples', () => {
  test('vfs-read: counts, sums of retval, a hist of requested sizes', () => {
    const r = run(example('vfs-read.bt'), example('vfs-read.events.jsonl'));
    // kprobe: bash reads 128, 4096, 4096; sshd 16384 twice; systemd (64) is filtered out.
    // kretprobe (no filter): bash 128 + 4096 + 0 = 4224, sshd 1500 + 16384 = 17884, systemd 64.
    // hist: 128 → [128, 256); 4096 twice → [4K, 8K); 16384 twice → [16K, 32K). Max 2, so 1 → 26 @.
    expect(r.output).toBe(
      [
        'Attaching 2 probes...',
        '',
        '',
        '@bytes[systemd]: 64',
        '@bytes[bash]: 4224',
        '@bytes[sshd]: 17884',
        '@reads[sshd]: 2',
        '@reads[bash]: 3',
        '@size: ',
        `[128, 256)             1 |${bar(26)}|`,
        `[256, 512)             0 |${bar(0)}|`,
        `[512, 1K)              0 |${bar(0)}|`,
        `[1K, 2K)               0 |${bar(0)}|`,
        `[2K, 4K)               0 |${bar(0)}|`,
        `[4K, 8K)               2 |${bar(52)}|`,
        `[8K, 16K)              0 |${bar(0)}|`,
        `[16K, 32K)             2 |${bar(52)}|`,
        '',
        '',
      ].join('\n'),
    );
  });

  test('opensnoop: str(args->filename), a latency hist from nsecs, printf widths, deletes', () => {
    const r = run(example('opensnoop.bt'), example('opensnoop.events.jsonl'));
    // Latencies: 5000 ns → 5 us [4, 8); 250000 → 250 [128, 256); 12000 → 12 [8, 16); 1000 → 1 [1].
    // @opens: /etc/passwd 2, /etc/hosts 1, / 1 — ties sorted by key ("/" before "/etc/hosts").
    // @path and @start are empty at the end (every key deleted): a blank line each.
    expect(r.output).toBe(
      [
        'Attaching 2 probes...',
        '100    bash       3 /etc/passwd',
        '200    cat        4 /etc/hosts',
        '100    bash      -2 /etc/passwd',
        '300    ls         5 /',
        '',
        '',
        '@opens[/]: 1',
        '@opens[/etc/hosts]: 1',
        '@opens[/etc/passwd]: 2',
        '',
        '',
        '@usecs: ',
        `[1]                    1 |${bar(52)}|`,
        `[2, 4)                 0 |${bar(0)}|`,
        `[4, 8)                 1 |${bar(52)}|`,
        `[8, 16)                1 |${bar(52)}|`,
        `[16, 32)               0 |${bar(0)}|`,
        `[32, 64)               0 |${bar(0)}|`,
        `[64, 128)              0 |${bar(0)}|`,
        `[128, 256)             1 |${bar(52)}|`,
        '',
        '',
      ].join('\n'),
    );
  });

  test('syscall-rate: interval probes fire as ts passes each second; END and time()', () => {
    const r = run(example('syscall-rate.bt'), example('syscall-rate.events.jsonl'));
    // The run starts at the first event (ts 0). Ticks at 1 s (events at 0, 0.5, 0.9 s: 3) and
    // 2 s (1.1, 1.5 s: 2); the last event at 2.3 s ends the run before a third tick. Total 6.
    // time() prints the simulated clock (UTC midnight + ts). END clears @calls: a blank line.
    expect(r.output).toBe(['Attaching 3 probes...', '00:00:01 3 syscalls', '00:00:02 2 syscalls', '6 syscalls in all', '', '', '', '@total: 6', ''].join('\n'));
  });

  test('the final maps also come back entry by entry', () => {
    const r = run(example('vfs-read.bt'), example('vfs-read.events.jsonl'));
    expect(r.maps.map((m) => m.name)).toEqual(['@bytes', '@reads', '@size']);
    expect(r.maps[1]!.entries).toEqual([{ key: ['sshd'], value: '2' }, { key: ['bash'], value: '3' }]);
    expect(r.maps[2]!.entries[0]!.key).toEqual([]);
    expect(r.maps[2]!.entries[0]!.value.split('\n')[0]).toBe(`[128, 256)             1 |${bar(26)}|`);
  });

  test('vfs-read in JSON mode', () => {
    const r = run(example('vfs-read.bt'), example('vfs-read.events.jsonl'), { format: 'json' });
    const lines = r.output.split('\n');
    expect(lines[0]).toBe('{"type": "attached_probes", "data": {"probes": 2}}');
    expect(lines).toContain('{"type": "map", "data": {"@bytes": {"systemd": 64, "bash": 4224, "sshd": 17884}}}');
    expect(lines).toContain('{"type": "map", "data": {"@reads": {"sshd": 2, "bash": 3}}}');
    expect(lines).toContain(
      '{"type": "hist", "data": {"@size": [{"min": 128, "max": 255, "count": 1}, {"min": 256, "max": 511, "count": 0}, {"min": 512, "max": 1023, "count": 0}, {"min": 1024, "max": 2047, "count": 0}, {"min": 2048, "max": 4095, "count": 0}, {"min": 4096, "max": 8191, "count": 2}, {"min": 8192, "max": 16383, "count": 0}, {"min": 16384, "max": 32767, "count": 2}]}}',
    );
  });
});

describe('aggregations', () => {
  const ev = (args: number[], extra = '') => `{"probe": "kprobe:vfs_write", "ts": 1, "pid": 7, "comm": "w"${extra}, "args": [${args.join(', ')}]}`;

  test('count, sum, min, max, avg and stats per key, added up across CPUs', () => {
    const script = 'kprobe:vfs_write { @c[arg0] = count(); @s[arg0] = sum(arg1); @mn[arg0] = min(arg1); @mx[arg0] = max(arg1); @a[arg0] = avg(arg1); @st[arg0] = stats(arg1); }';
    const events = [ev([1, 10], ', "cpu": 0'), ev([1, 30], ', "cpu": 1'), ev([2, 5], ', "cpu": 1'), ev([1, -4], ', "cpu": 0')].join('\n');
    const r = run(script, events);
    // key 1: values 10, 30, -4 → count 3, sum 36, min -4, max 30, avg 36/3 = 12; key 2: 5.
    // avg/stats sort by average (5 before 12); counts/sums by value.
    expect(r.output).toBe(
      [
        'Attaching 1 probe...',
        '',
        '',
        '@a[2]: 5',
        '@a[1]: 12',
        '',
        '@c[2]: 1',
        '@c[1]: 3',
        '@mn[1]: -4',
        '@mn[2]: 5',
        '@mx[2]: 5',
        '@mx[1]: 30',
        '@s[2]: 5',
        '@s[1]: 36',
        '@st[2]: count 1, average 5, total 5',
        '@st[1]: count 3, average 12, total 36',
        '',
        '',
      ].join('\n'),
    );
  });

  test('lhist buckets, including below min and at or above max', () => {
    const r = run('kprobe:f { @l = lhist(arg0, 0, 100, 25); }', [5, 30, 30, 99, 100, 250, 0].map((v) => ev([v]).replace('vfs_write', 'f')).join('\n'));
    // 5, 0 → [0, 25); 30, 30 → [25, 50); 99 → [75, 100); 100, 250 → [100, ...). Max 2.
    expect(r.output.split('\n').slice(3)).toEqual([
      '@l: ',
      `[0, 25)                2 |${bar(52)}|`,
      `[25, 50)               2 |${bar(52)}|`,
      `[50, 75)               0 |${bar(0)}|`,
      `[75, 100)              1 |${bar(26)}|`,
      `[100, ...)             2 |${bar(52)}|`,
      '',
      '',
    ]);
  });

  test('hist of negative, zero and one; bars scale against the largest bucket', () => {
    const r = run('kprobe:f { @h = hist(arg0); }', [-3, 0, 0, 0, 1, 2].map((v) => ev([v]).replace('vfs_write', 'f')).join('\n'));
    // -3 → (..., 0); 0 three times → [0]; 1 → [1]; 2 → [2, 4). Max 3: 1 → trunc(52/3) = 17.
    expect(r.output.split('\n').slice(3)).toEqual([
      '@h: ',
      `(..., 0)               1 |${bar(17)}|`,
      `[0]                    3 |${bar(52)}|`,
      `[1]                    1 |${bar(17)}|`,
      `[2, 4)                 1 |${bar(17)}|`,
      '',
      '',
    ]);
  });

  test('tuple keys and string keys print as bpftrace prints them', () => {
    const events = ['{"probe": "kprobe:f", "ts": 1, "pid": 42, "comm": "bash"}', '{"probe": "kprobe:f", "ts": 2, "pid": 42, "comm": "bash"}', '{"probe": "kprobe:f", "ts": 3, "pid": 7, "comm": "vim"}'].join('\n');
    const r = run('kprobe:f { @x[comm, pid] = count(); @last[pid] = comm; }', events);
    expect(r.output).toBe(['Attaching 1 probe...', '', '', '@last[7]: vim', '@last[42]: bash', '@x[vim, 7]: 1', '@x[bash, 42]: 2', ''].join('\n'));
  });
});

describe('control flow and values', () => {
  test('predicates, if/else, ternary, $variables, string compares, arithmetic', () => {
    const script = `
kprobe:f /arg0 > 1/ {
  $x = arg0 * 3 + 1;
  if (comm == "bash") { @who["bash"] = sum($x); } else if (comm != "vim") { @who["other"] = sum($x); } else { @who["vim"] = sum(1); }
  @parity[arg0 % 2 == 0 ? "even" : "odd"] = count();
  @shift = sum((arg0 << 2) >> 1);
}`;
    const events = [
      '{"probe": "kprobe:f", "ts": 1, "comm": "bash", "args": [2]}',
      '{"probe": "kprobe:f", "ts": 2, "comm": "vim", "args": [3]}',
      '{"probe": "kprobe:f", "ts": 3, "comm": "zsh", "args": [4]}',
      '{"probe": "kprobe:f", "ts": 4, "comm": "bash", "args": [1]}',
    ].join('\n');
    const r = run(script, events);
    // arg0 = 1 fails the predicate. bash: 2*3+1 = 7; zsh: 4*3+1 = 13 → other; vim counts 1.
    // parity: 2 even, 3 odd, 4 even. shift: (2<<2)>>1 = 4, 6, 8 → 18.
    expect(r.output).toBe(['Attaching 1 probe...', '', '', '@parity[odd]: 1', '@parity[even]: 2', '@shift: 18', '@who[vim]: 1', '@who[bash]: 7', '@who[other]: 13', ''].join('\n'));
  });

  test('?: with a bool branch and an integer branch has the integer type (signed compares, key width)', () => {
    const events = [[0, 0], [1, 5], [1, 1], [1, 9]].map((a, i) => `{"probe": "kprobe:f", "ts": ${i + 1}, "args": [${a.join(', ')}]}`).join('\n');
    const script = 'kprobe:f { $v = arg0 ? (arg1 > 2) : (int8)-1; if ($v < 0) { printf("negative %d\\n", $v); } else { printf("flag %d\\n", $v); } @k[arg0 ? (arg1 > 2) : (int16)-7] = sum(arg1); }';
    const r = run(script, events);
    // $v is int8: -1 (arg0 = 0) is negative; the bools 1, 0, 1 are not. @k's key is int16:
    // -7 gets arg1 = 0; key 1 (arg1 > 2) gets 5 + 9 = 14; key 0 gets 1. Sorted by value.
    expect(r.output).toBe(['Attaching 1 probe...', 'negative -1', 'flag 1', 'flag 0', 'flag 1', '', '', '@k[-7]: 0', '@k[0]: 1', '@k[1]: 14', ''].join('\n'));
  });

  test('arg6 and later come from the stack (sp + 8 past the return address), as do sargN', () => {
    const events = [[1, 2, 3, 4, 5, 6, 70, 80], [1, 2, 3, 4, 5, 6, 70, -5], [1, 2, 3, 4, 5, 7, 71, 1]]
      .map((a, i) => `{"probe": "kprobe:f", "ts": ${i + 1}, "args": [${a.join(', ')}]}`)
      .join('\n');
    const r = run('kprobe:f { printf("%d %d %d\\n", arg5, arg6, arg7); @s[sarg0] = sum(arg7); }', events);
    // sarg0 is arg6. @s[70] = 80 + (-5) = 75; @s[71] = 1; sorted by value.
    expect(r.output).toBe(['Attaching 1 probe...', '6 70 80', '6 70 -5', '7 71 1', '', '', '@s[71]: 1', '@s[70]: 75', ''].join('\n'));
  });

  test('bitwise and: masks, &=, and a flag test', () => {
    const events = [0x1f3, 0x102, 0x7].map((a, i) => `{"probe": "kprobe:f", "ts": ${i + 1}, "args": [${a}, 12]}`).join('\n');
    const r = run('kprobe:f { @low[arg0 & 0xff] = count(); $m = arg1; $m &= arg0; @m = sum($m); if (arg0&1) { @odd = count(); } }', events);
    // Low bytes: 0xf3 = 243, 0x02, 0x07. 12 & 0x1f3 = 0, 12 & 0x102 = 0, 12 & 7 = 4 → @m 4. Odd: 0x1f3 and 7.
    expect(r.output).toBe(['Attaching 1 probe...', '', '', '@low[2]: 1', '@low[7]: 1', '@low[243]: 1', '@m: 4', '@odd: 2', ''].join('\n'));
  });

  test('kaddr() and uaddr() give simulated symbol addresses that ksym() and usym() resolve back', () => {
    const events = ['{"probe": "kprobe:f", "ts": 1}', '{"probe": "uprobe:/bin/bash:readline", "ts": 2}'].join('\n');
    const script =
      'kprobe:f { printf("%lx %s\\n", kaddr("jiffies"), ksym(kaddr("jiffies"))); @k[ksym(kaddr("init_task"))] = count(); } ' +
      'uprobe:/bin/bash:readline { printf("%lx %s\\n", uaddr("history_length"), usym(uaddr("history_length"))); }';
    const r = run(script, events);
    // Symbols get addresses in the order the script names them, 4 KiB apart: jiffies the first
    // kernel text address 0xffffffff81000000, init_task the next; history_length, third, is user
    // text 0x555555554000 + 2 × 0x1000.
    expect(r.output).toBe(['Attaching 2 probes...', 'ffffffff81000000 jiffies', '555555556000 history_length', '', '', '@k[init_task]: 1', ''].join('\n'));
  });

  test('hist(n, k): 2^k buckets per power of two, as bpftrace numbers and labels them', () => {
    const events = [0, 2, 3, 5, 5, 9, 17, -1].map((v, i) => `{"probe": "kprobe:f", "ts": ${i + 1}, "args": [${v}]}`).join('\n');
    const r = run('kprobe:f { @h = hist((int64)arg0, 1); }', events);
    // k = 1, N = 2: values 0..3 have a bucket each; then two per power: [4, 6) [6, 8) [8, 12)
    // [12, 16) [16, 24). -1 is below zero; 5 twice → the largest bucket (52 @), the others 26.
    expect(r.output).toBe(
      [
        'Attaching 1 probe...',
        '',
        '',
        '@h: ',
        `(..., 0)               1 |${bar(26)}|`,
        `[0]                    1 |${bar(26)}|`,
        `[1]                    0 |${bar(0)}|`,
        `[2]                    1 |${bar(26)}|`,
        `[3]                    1 |${bar(26)}|`,
        `[4, 6)                 2 |${bar(52)}|`,
        `[6, 8)                 0 |${bar(0)}|`,
        `[8, 12)                1 |${bar(26)}|`,
        `[12, 16)               0 |${bar(0)}|`,
        `[16, 24)               1 |${bar(26)}|`,
        '',
        '',
      ].join('\n'),
    );
  });

  test('buf(): printable bytes as they are, others \\xNN; a constant or run-time length', () => {
    const events = ['{"probe": "kprobe:f", "ts": 1, "args": ["ab\\tc\\u0001~", 3]}', '{"probe": "kprobe:f", "ts": 2, "args": ["hello world", 5]}'].join('\n');
    const r = run('kprobe:f { printf("%r|%r|%r\\n", buf(arg0, 4), buf(arg0, arg1), buf(arg0, 7)); @b[buf(arg0, 2)] = count(); }', events);
    // "ab<tab>c<1>~" and its NUL: the tab, the 1 and the NUL are escaped. arg1 limits the second.
    expect(r.output).toBe(['Attaching 1 probe...', 'ab\\x09c|ab\\x09|ab\\x09c\\x01~\\x00', 'hell|hello|hello w', '', '', '@b[ab]: 1', '@b[he]: 1', ''].join('\n'));
    // A char array gives its whole length: prev_comm is 16 bytes, "vim" and 13 NULs.
    const tp = run('tracepoint:sched:sched_switch { printf("%r\\n", buf(args->prev_comm)); }', '{"probe": "tracepoint:sched:sched_switch", "ts": 1, "args": {"prev_comm": "vim"}}');
    expect(tp.output).toBe(`Attaching 1 probe...\nvim${'\\x00'.repeat(13)}\n\n\n`);
  });

  test('join(): an argv array in simulated memory, joined up to its NULL, one line per call', () => {
    const events = [
      '{"probe": "tracepoint:syscalls:sys_enter_execve", "ts": 1, "comm": "bash", "args": {"filename": "/bin/ls", "argv": ["ls", "-l", "/tmp"]}}',
      '{"probe": "kprobe:f", "ts": 2, "args": [["a", "b", "c"]]}',
      '{"probe": "kprobe:f", "ts": 3, "args": [[]]}',
    ].join('\n');
    const r = run('tracepoint:syscalls:sys_enter_execve { printf("%s: ", comm); join(args->argv); } kprobe:f { join(arg0, ","); printf("after\\n"); }', events);
    // An empty argv joins to an empty line.
    expect(r.output).toBe(['Attaching 2 probes...', 'bash: ls -l /tmp', 'a,b,c', 'after', '', 'after', '', '', ''].join('\n'));
    const json = run('kprobe:f { join(arg0, "+"); }', '{"probe": "kprobe:f", "ts": 1, "args": [["x", "y"]]}', { format: 'json' });
    expect(json.output.split('\n')[1]).toBe('{"type": "join", "data": "x+y"}');
  });

  test('for ($kv : @map): $kv.0 the key (a tuple for several), $kv.1 the value; break, continue, $variables', () => {
    const events = [['bash', 3, 100], ['vim', 4, 2000], ['bash', 3, 50], ['zsh', 5, 7]]
      .map(([c, a, b], i) => `{"probe": "kprobe:f", "ts": ${i + 1}, "comm": "${c}", "args": [${a}, ${b}]}`)
      .join('\n');
    const script = `kprobe:f { @c[comm] = count(); @size[comm, arg0] = sum(arg1); }
END {
  $sum = 0;
  for ($kv : @size) { printf("%s/%d: %d\\n", $kv.0.0, $kv.0.1, $kv.1); $sum += $kv.1; if ($kv.1 > 1000) { break; } }
  printf("sum %d\\n", $sum);
  for ($c : @c) { if ($c.1 == 1) { continue; } @twice[$c.0] = $c.1 * 10; }
}`;
    const r = run(script, events);
    // The simulation walks a hash map in insertion order: [bash, 3] = 100 + 50 = 150, then
    // [vim, 4] = 2000 (> 1000: break, so [zsh, 5] is not visited); $sum = 2150. All events are on
    // CPU 0, where END runs, so the per-CPU sums seen are the whole sums. In @c only bash (2) is
    // not skipped: @twice[bash] = 20.
    expect(r.output).toBe(
      [
        'Attaching 2 probes...',
        'bash/3: 150',
        'vim/4: 2000',
        'sum 2150',
        '',
        '',
        '@c[vim]: 1',
        '@c[zsh]: 1',
        '@c[bash]: 2',
        '@size[zsh, 5]: 7',
        '@size[bash, 3]: 150',
        '@size[vim, 4]: 2000',
        '@twice[bash]: 20',
        '',
      ].join('\n'),
    );
  });

  test('address-of: &$x reads back through the pointer; &$p->f is the pointer plus the offset', () => {
    const script = 'struct s { long a; long b; } kprobe:f { $x = arg0 * 7; $p = &$x; printf("%d %d\\n", *$p, *(&$x)); $q = (struct s *)0x1000; printf("%lx %lx\\n", &$q->b, (uint64)&$q->a); }';
    const r = run(script, '{"probe": "kprobe:f", "ts": 1, "args": [5]}');
    // 5 × 7 = 35 both ways; b is 8 bytes into struct s: 0x1008; a at 0x1000.
    expect(r.output).toBe('Attaching 1 probe...\n35 35\n1008 1000\n\n\n');
  });

  test('str(arg0) reads a string argument from simulated memory; str(retval) too', () => {
    const events = [
      '{"probe": "kprobe:do_sys_open", "ts": 1, "comm": "cat", "args": [-100, "/etc/hosts"]}',
      '{"probe": "kretprobe:d_path", "ts": 2, "comm": "ls", "retval": "/home/user"}',
    ].join('\n');
    const r = run('kprobe:do_sys_open { printf("%s opens %s\\n", comm, str(arg1)); } kretprobe:d_path { printf("path %s\\n", str(retval)); }', events);
    expect(r.output).toBe('Attaching 2 probes...\ncat opens /etc/hosts\npath /home/user\n\n\n');
  });

  test('exit() stops the run: END still runs, later events do not', () => {
    const events = [1, 2, 3, 4].map((t) => `{"probe": "kprobe:f", "ts": ${t}, "args": [${t}]}`).join('\n');
    const r = run('kprobe:f { @n = count(); if (arg0 == 2) { exit(); } printf("after %d\\n", arg0); } END { printf("end\\n"); }', events);
    // Event 1 prints; event 2 counts and exits before its printf; 3 and 4 never run.
    expect(r.output).toBe('Attaching 2 probes...\nafter 1\nend\n\n\n@n: 2\n');
    expect(r.exited).toBe(true);
  });

  test('print(), clear(), zero() and delete() act when the program asks', () => {
    const events = [1, 2, 3].map((t) => `{"probe": "kprobe:f", "ts": ${t}, "args": [${t}]}`).join('\n');
    const script = 'kprobe:f { @a[arg0] = count(); @b = sum(arg0); if (arg0 == 2) { print(@a); zero(@b); } if (arg0 == 3) { delete(@a[1]); print(arg0 * 10); clear(@a); } }';
    const r = run(script, events);
    // At 2: @a has keys 1 and 2 (1 each, key order breaks the tie); @b 3 → zeroed to 0, then +3.
    expect(r.output).toBe(['Attaching 1 probe...', '@a[1]: 1', '@a[2]: 1', '30', '', '', '', '@b: 3', ''].join('\n'));
  });

  test('nsecs and elapsed follow the events\' ts; cpu, pid, tid, uid come from the event', () => {
    const events = [
      '{"probe": "kprobe:f", "ts": 5000, "pid": 10, "tid": 11, "uid": 1000, "cpu": 1}',
      '{"probe": "kprobe:f", "ts": 9000, "pid": 12, "cpu": 0}',
    ].join('\n');
    const r = run('kprobe:f { printf("%d %d %d %d %d %d\\n", nsecs, elapsed, cpu, pid, tid, uid); }', events);
    expect(r.output).toBe('Attaching 1 probe...\n5000 0 1 10 11 1000\n9000 4000 0 12 12 0\n\n\n');
  });

  test('while loops, unroll and ranges', () => {
    const r = run('BEGIN { $i = 0; $s = 0; while ($i < 5) { $s += $i; $i++; } unroll(3) { $s = $s * 2; } for ($j : 0..4) { $s += $j; } printf("%d\\n", $s); }', '');
    // 0+1+2+3+4 = 10; doubled three times = 80; plus 0+1+2+3 = 86.
    expect(r.output).toBe('Attaching 1 probe...\n86\n\n\n');
  });

  test('probe and func name the probe that fired, even through a wildcard', () => {
    const events = ['{"probe": "kprobe:vfs_read", "ts": 1}', '{"probe": "kprobe:vfs_write", "ts": 2}'].join('\n');
    const r = run('kprobe:vfs_* { printf("%s %s\\n", probe, func); @[func] = count(); }', events);
    expect(r.output).toBe('Attaching 1 probe...\nkprobe:vfs_read vfs_read\nkprobe:vfs_write vfs_write\n\n\n@[vfs_read]: 1\n@[vfs_write]: 1\n');
  });

  test('ntop() of an IPv4 address held in an integer (network byte order in memory)', () => {
    // 0x0100007f is stored 7f 00 00 01: 127.0.0.1. 0x0a00a8c0 is c0 a8 00 0a: 192.168.0.10.
    const events = ['{"probe": "kprobe:tcp_connect", "ts": 1, "args": [16777343]}', '{"probe": "kprobe:tcp_connect", "ts": 2, "args": [167815360]}'].join('\n');
    const r = run('kprobe:tcp_connect { printf("%s\\n", ntop(arg0)); @[ntop(arg0)] = count(); }', events);
    expect(r.output).toBe('Attaching 1 probe...\n127.0.0.1\n192.168.0.10\n\n\n@[127.0.0.1]: 1\n@[192.168.0.10]: 1\n');
  });

  test('strftime() as a printf argument formats the simulated UTC clock', () => {
    const r = run('kprobe:f { printf("%s|%s\\n", strftime("%H:%M:%S", nsecs), strftime("%Y-%m-%d", nsecs + 86400000000000)); }', '{"probe": "kprobe:f", "ts": 3723000000000}');
    // 3723 s = 01:02:03 on 1 January 1970; one day later is the 2nd.
    expect(r.output).toBe('Attaching 1 probe...\n01:02:03|1970-01-02\n\n\n');
  });

  test('kstack: frames from the event, 8 spaces in printf, 4 in map keys', () => {
    const ks = (...f: string[]) => `{"probe": "kprobe:vfs_read", "ts": 1, "kstack": ${JSON.stringify(f)}}`;
    const events = [ks('vfs_read', 'ksys_read', 'do_syscall_64'), ks('vfs_read', 'kernel_read'), ks('vfs_read', 'ksys_read', 'do_syscall_64')].join('\n');
    const r = run('kprobe:vfs_read { @[kstack] = count(); if (@c++ == 0) { printf("[%s]\\n", kstack); } }', events);
    expect(r.output).toBe(
      [
        'Attaching 1 probe...',
        '[',
        '        vfs_read+0',
        '        ksys_read+0',
        '        do_syscall_64+0',
        ']',
        '',
        '',
        '@[',
        '    vfs_read+0',
        '    kernel_read+0',
        ']: 1',
        '@[',
        '    vfs_read+0',
        '    ksys_read+0',
        '    do_syscall_64+0',
        ']: 2',
        '@c: 3',
        '',
      ].join('\n'),
    );
  });

  test('tracepoint char arrays and __data_loc strings', () => {
    const events = '{"probe": "tracepoint:sched:sched_switch", "ts": 1, "args": {"prev_comm": "bash", "prev_pid": 100, "next_comm": "swapper/0", "next_pid": 0}}';
    const r = run('tracepoint:sched:sched_switch { printf("%s(%d) -> %s(%d)\\n", args->prev_comm, args->prev_pid, args->next_comm, args->next_pid); }', events);
    expect(r.output).toBe('Attaching 1 probe...\nbash(100) -> swapper/0(0)\n\n\n');
  });
});

describe('__data_loc strings', () => {
  // The program reads them with bpf_probe_read_kernel_str(ctx + offset), as bpftrace does and the
  // kernel allows; the VM lets probe_read copy a tracepoint record's bytes.
  test('str(args->filename) of sched_process_exec', () => {
    const events = '{"probe": "tracepoint:sched:sched_process_exec", "ts": 1, "pid": 50, "comm": "bash", "args": {"filename": "/usr/bin/ls", "pid": 50, "old_pid": 50}}';
    const r = run('tracepoint:sched:sched_process_exec { printf("%d exec %s\\n", args->pid, str(args->filename)); }', events);
    expect(r.output).toBe('Attaching 1 probe...\n50 exec /usr/bin/ls\n\n\n');
  });
});
