// The real bpftrace as the oracle for output formats: scripts that need no kernel events (BEGIN,
// interval, END) run under `bpftrace` and under our runner, and the outputs must be identical.
// These load real programs into the kernel, so they run only when asked for with
// EBPF_STUDIO_RUN_BPFTRACE=1; skipped too where bpftrace is not installed or cannot load programs (not root).
import { spawnSync } from 'node:child_process';
import { describe, expect, test } from 'vitest';
import { runScript } from '../../server/src/probe/run';
import { haveTool } from '../support/tools';

function bpftraceUsable(): string | undefined {
  if (process.env.EBPF_STUDIO_RUN_BPFTRACE !== '1') return 'they run real bpftrace scripts; set EBPF_STUDIO_RUN_BPFTRACE=1 to run them';
  if (!haveTool('bpftrace')) return 'bpftrace is not installed (apt-get install bpftrace)';
  if (process.getuid?.() !== 0) return 'bpftrace needs root to load programs';
  const r = spawnSync('bpftrace', ['-e', 'BEGIN { printf("ok\\n"); exit(); }'], { encoding: 'utf8', timeout: 30_000 });
  if (!r.stdout?.includes('ok')) return `bpftrace cannot run here: ${(r.stderr || r.error?.message || '').trim().split('\n').pop()}`;
  return undefined;
}

const skip = bpftraceUsable();
if (skip) console.warn(`skipping bpftrace oracle tests: ${skip}`);

function bpftrace(script: string, json = false): string {
  const r = spawnSync('bpftrace', [...(json ? ['-f', 'json'] : []), '-e', script], { encoding: 'utf8', timeout: 60_000 });
  return r.stdout;
}

function ours(script: string, json = false): string {
  const r = runScript(script, { format: json ? 'json' : 'text', btf: null });
  const errors = r.findings.filter((f) => f.severity === 'error');
  if (errors.length) throw new Error(errors.map((f) => `${f.range.start.line + 1}:${f.range.start.col + 1} ${f.message}`).join('\n'));
  return r.output;
}

const MAPS = `BEGIN {
  @c["bash"] = count(); @c["bash"] = count(); @c["zsh"] = count();
  @t["a", 1] = count(); @t["b", 2] = count(); @t["b", 2] = count();
  @s[1] = sum(10); @s[2] = sum(-3);
  @mn = min(7); @mx = max(9);
  @a[1] = avg(10); @a[1] = avg(20); @a[2] = avg(4);
  @st = stats(3); @st = stats(5);
  @h = hist(0); @h = hist(1); @h = hist(5); @h = hist(1000); @h = hist(1048576); @h = hist(-1); @h = hist(5);
  @hk[1] = hist(3); @hk[2] = hist(100); @hk[2] = hist(200);
  @l = lhist(5, 0, 100, 10); @l = lhist(50, 0, 100, 10); @l = lhist(150, 0, 100, 10); @l = lhist(-1, 0, 100, 10); @l = lhist(55, 0, 100, 10);
  @lk[1024] = lhist(2048, 0, 4096, 1024);
  @str["x"] = "hello"; @str["y"] = "world";
  @tup = (1, "two");
  @v = 5; @neg = -42;
  @ = count();
  @n[1] = ntop(0x0100007f); @n[2] = ntop(0x0200007f); @ip = ntop(0x0300007f);
  @k[1] = ksym(0); @k[2] = ksym(1);
  exit();
}`;

const PRINTS = `BEGIN {
  printf("%d|%5d|%-5d|%05d|%x|%X|%o|%c|%s|%10s|%-10s|%.2s|%u|%ld|%lu|%p|%%\\n", -7, 42, 42, 42, 255, 255, 8, 65, "str", "right", "left", "abcdef", -1, -1, -1, 4096);
  printf("%d %d\\n", 5000000000, -5000000000);
  printf("a%%b\\n"); printf("%d %% %d %%\\n", 1, 2); printf("%hhd %hd %lld %hhu %-8lu|\\n", 300, 70000, -2, 300, 5);
  @c[1] = count(); @c[2] = count(); @c[2] = count();
  @v = 5; @str = "str"; print(@v); print(@str);
  print(@c); print(123); print("text"); print((1, "x"));
  @h = hist(10); print(@h);
  @s = stats(4); print(@s);
  clear(@c); zero(@h);
  exit();
}`;

const SEMANTICS = `BEGIN {
  $a = -7; $b = 2;
  printf("%ld %ld %ld %ld\\n", $a / $b, $a % 3, $a >> 1, $a << 2);
  printf("%d %d %d %d\\n", (uint8)300, (int8)200, (uint16)70000, (int32)5000000000);
  printf("%d %d %d\\n", 5 > 3, -1 < 1, (uint64)-1 > 1);
  printf("%d %d %d\\n", 10 & 6, 10 | 5, 10 ^ 3);
  printf("%d %d\\n", !0, !5);
  printf("%ld\\n", ~0);
  $s = "abc";
  printf("%d %d %d\\n", $s == "abc", $s != "abd", strncmp($s, "abx", 2));
  printf("%s\\n", 1 ? "yes" : "no");
  $i = 0; $t = 0;
  while ($i < 10) { $i++; if ($i % 2 == 0) { continue; } if ($i > 7) { break; } $t += $i; }
  printf("%d %d\\n", $i, $t);
  exit();
}`;

const TIMERS = `BEGIN { printf("start\\n"); }
interval:ms:100 { @n++; printf("tick %d\\n", @n); if (@n == 3) { exit(); } }
END { printf("end %d\\n", @n); }`;

describe.skipIf(!!skip)('identical to bpftrace', () => {
  test('every kind of map, printed at exit (text)', () => {
    expect(ours(MAPS)).toBe(bpftrace(MAPS));
  });

  test('every kind of map, printed at exit (JSON)', () => {
    expect(ours(MAPS, true)).toBe(bpftrace(MAPS, true));
  });

  test('printf conversions, print(), clear() and zero()', () => {
    expect(ours(PRINTS)).toBe(bpftrace(PRINTS));
  });

  test('printf, print and values in JSON', () => {
    expect(ours(PRINTS, true)).toBe(bpftrace(PRINTS, true));
  });

  test('arithmetic, casts, comparisons, strings, loops', () => {
    expect(ours(SEMANTICS)).toBe(bpftrace(SEMANTICS));
  });

  test('interval probes, exit() and END', () => {
    expect(ours(TIMERS)).toBe(bpftrace(TIMERS));
  });
});
