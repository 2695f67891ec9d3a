// bpftrace-format output, piece by piece: printf conversions, map printing rules, hist and
// lhist labels and bars, JSON escaping, strftime. Expected strings are written out by hand.
import { describe, expect, test } from 'vitest';
import type { MapPlan } from '../../server/src/probe/compile';
import { formatMapJson, formatMapText, formatPrintf, inetText, jsonEscape, strftime, type RawEntry, type Resolver, type Value } from '../../server/src/probe/output';
import type { Type } from '../../server/src/probe/types';

const int = (v: number | bigint): Value => ({ kind: 'int', value: BigInt(v) });
const str = (text: string): Value => ({ kind: 'str', text });

describe('printf', () => {
  const cases: [string, Value[], string][] = [
    ['%d|%i|%u', [int(-7), int(42), int(-1)], '-7|42|4294967295'],
    ['%ld %lu %lld', [int(-1), int(-1), int(5000000000)], '-1 18446744073709551615 5000000000'],
    ['%d', [int(5000000000)], '705032704'], // the low 32 bits, as C's printf reads an int
    ['%hd %hhd %hu', [int(70000), int(300), int(-1)], '4464 44 65535'],
    ['[%5d][%-5d][%05d][%.3d]', [int(42), int(42), int(-42), int(7)], '[   42][42   ][-0042][007]'],
    ['%x %X %o %#x %#o', [int(255), int(255), int(8), int(255), int(8)], 'ff FF 10 0xff 010'],
    ['%+d % d', [int(5), int(5)], '+5  5'],
    ['%c%c', [int(72), int(0x169)], 'Hi'],
    ['%s|%8s|%-8s|%.2s', [str('abc'), str('right'), str('left'), str('abcdef')], 'abc|   right|left    |ab'],
    ['%p %p', [int(4096), int(0)], '0x1000 (nil)'],
    ['100%% %d%%\n', [int(5)], '100% 5%%\n'], // after the last conversion bpftrace prints text as is
    ['no args %% here\n', [], 'no args %% here\n'],
    ['%s and %s', [{ kind: 'tuple', elems: [int(1), str('a')] }, { kind: 'sym', text: 'vfs_read' }], '(1, a) and vfs_read'],
  ];
  test.each(cases)('%s', (fmt, args, want) => {
    expect(formatPrintf(fmt, args)).toBe(want);
  });
});

const resolver: Resolver = { probe: (id) => `probe${id}`, ksym: (a) => `0x${a.toString(16)}`, stack: () => '', username: () => 'root' };

function u64(...words: (number | bigint)[]): Uint8Array {
  const b = Buffer.alloc(words.length * 8);
  words.forEach((w, i) => b.writeBigUInt64LE(BigInt.asUintN(64, BigInt(w)), i * 8));
  return new Uint8Array(b);
}

function strKey(s: string, size = 16): Uint8Array {
  const b = new Uint8Array(size);
  b.set(Buffer.from(s));
  return b;
}

function plan(name: string, keys: Type[], value: Type, extra: Partial<MapPlan> = {}): MapPlan {
  const agg = value.kind === 'agg' ? (value.agg as MapPlan['agg']) : undefined;
  return { name, sym: name.replace('@', 'AT_'), keys, keySize: keys.length ? keys.length * 8 : 8, value, agg, spec: undefined!, ...extra };
}

const INT: Type = { kind: 'int', bits: 64, signed: true };
const COUNT: Type = { kind: 'agg', agg: 'count' };

describe('maps as text', () => {
  test('count maps: per-CPU copies added up, sorted by value, ties by key', () => {
    const p = plan('@c', [INT], COUNT);
    const entries: RawEntry[] = [
      { key: u64(3), values: [u64(1), u64(1)] },
      { key: u64(1), values: [u64(5), u64(0)] },
      { key: u64(2), values: [u64(0), u64(2)] },
    ];
    expect(formatMapText(p, entries, resolver)).toBe('@c[2]: 2\n@c[3]: 2\n@c[1]: 5\n');
    expect(formatMapText(p, entries, resolver, { top: 2 })).toBe('@c[3]: 2\n@c[1]: 5\n');
    expect(formatMapText(p, entries, resolver, { div: 2 })).toBe('@c[2]: 1\n@c[3]: 1\n@c[1]: 2\n');
  });

  test('an empty map is a blank line; an empty keyless count() prints 0 (bpftrace 0.17 creates it)', () => {
    expect(formatMapText(plan('@x', [INT], COUNT), [], resolver)).toBe('\n');
    expect(formatMapText(plan('@n', [], COUNT), [], resolver)).toBe('@n: 0\n');
    expect(formatMapText(plan('@a', [], { kind: 'agg', agg: 'avg' }), [], resolver)).toBe('\n\n');
    expect(formatMapJson(plan('@x', [INT], COUNT), [], resolver)).toBe('');
    expect(formatMapJson(plan('@n', [], COUNT), [], resolver)).toBe('{"type": "map", "data": {"@n": 0}}\n');
  });

  test('string values sort by key; integer keys sort as unsigned numbers', () => {
    const p = plan('@s', [INT], { kind: 'string', size: 8 });
    const entries: RawEntry[] = [
      { key: u64(-1), values: [strKey('neg', 8)] },
      { key: u64(10), values: [strKey('ten', 8)] },
      { key: u64(2), values: [strKey('two', 8)] },
    ];
    expect(formatMapText(p, entries, resolver)).toBe('@s[2]: two\n@s[10]: ten\n@s[-1]: neg\n');
  });

  test('signed sums sort as signed numbers; uint32 values print in 32 bits', () => {
    const sum = plan('@s', [INT], { kind: 'agg', agg: 'sum' });
    expect(formatMapText(sum, [{ key: u64(1), values: [u64(5)] }, { key: u64(2), values: [u64(-3)] }], resolver)).toBe('@s[2]: -3\n@s[1]: 5\n');
    const u32 = plan('@u', [], { kind: 'int', bits: 32, signed: false });
    expect(formatMapText(u32, [{ key: u64(0), values: [u64(0x1_0000_0005)] }], resolver)).toBe('@u: 5\n');
  });

  test('min and max keep a value per CPU and only count the CPUs that set one', () => {
    const mn = plan('@mn', [], { kind: 'agg', agg: 'min' });
    // CPU 0 saw 7, CPU 1 saw -2, CPU 2 never ran (set = 0) and must not contribute 0.
    const entries = [{ key: u64(0), values: [u64(7, 1), u64(-2, 1), u64(0, 0)] }];
    expect(formatMapText(mn, entries, resolver)).toBe('@mn: -2\n');
    const mx = plan('@mx', [], { kind: 'agg', agg: 'max' });
    expect(formatMapText(mx, [{ key: u64(0), values: [u64(-7, 1), u64(0, 0)] }], resolver)).toBe('@mx: -7\n');
  });

  test('avg and stats: integer averages, sorted by average, a blank line after', () => {
    const st = plan('@st', [INT], { kind: 'agg', agg: 'stats' });
    const entries = [
      { key: u64(1), values: [u64(2, 7)] },
      { key: u64(2), values: [u64(1, 1), u64(2, 2)] },
    ];
    // key 1: count 2, total 7 → average 3; key 2: count 3, total 3 → 1.
    expect(formatMapText(st, entries, resolver)).toBe('@st[2]: count 3, average 1, total 3\n@st[1]: count 2, average 3, total 7\n\n');
    expect(formatMapJson(st, entries, resolver)).toBe('{"type": "stats", "data": {"@st": {"2": {"count": 3, "average": 1, "total": 3}, "1": {"count": 2, "average": 3, "total": 7}}}}\n');
  });

  test('tuple keys join with ", " in text and "," in JSON', () => {
    const p = plan('@t', [{ kind: 'string', size: 16 }, INT], COUNT, { keySize: 24 });
    const key = new Uint8Array([...strKey('bash'), ...u64(42)]);
    expect(formatMapText(p, [{ key, values: [u64(3)] }], resolver)).toBe('@t[bash, 42]: 3\n');
    expect(formatMapJson(p, [{ key, values: [u64(3)] }], resolver)).toBe('{"type": "map", "data": {"@t": {"bash,42": 3}}}\n');
  });
});

describe('hist and lhist', () => {
  const HIST: Type = { kind: 'agg', agg: 'hist' };
  const bucket = (b: number, n: number): RawEntry => ({ key: u64(0, b), values: [u64(n)] });

  test('power-of-two labels with K, M, G and T', () => {
    const p = plan('@h', [], HIST);
    // Buckets 12 ([1K, 2K)), 22 ([1M, 2M)), 32 ([1G, 2G)) and 42 ([1T, 2T)).
    const text = formatMapText(p, [bucket(12, 1), bucket(22, 1), bucket(32, 1), bucket(42, 1)], resolver);
    const labels = text.split('\n').filter((l) => l.includes('|')).map((l) => l.slice(0, 16).trimEnd());
    expect(labels[0]).toBe('[1K, 2K)');
    expect(labels[10]).toBe('[1M, 2M)');
    expect(labels[20]).toBe('[1G, 2G)');
    expect(labels[29]).toBe('[512G, 1T)');
    expect(labels[30]).toBe('[1T, 2T)');
  });

  test('bars: trunc(count / max * 52) in single precision', () => {
    const p = plan('@h', [], HIST);
    const text = formatMapText(p, [bucket(3, 3), bucket(4, 1), bucket(5, 2), bucket(6, 7)], resolver);
    // 3/7*52 = 22.28 → 22; 1/7*52 = 7.4 → 7; 2/7*52 = 14.86 → 14; 7/7 → 52.
    const bars = text.split('\n').filter((l) => l.includes('|')).map((l) => l.split('|')[1]!.trimEnd().length);
    expect(bars).toEqual([22, 7, 14, 52]);
  });

  test('keyed hists: one block per key, sorted by their total count', () => {
    const p = plan('@h', [INT], HIST);
    const entries = [{ key: u64(1, 3), values: [u64(5)] }, { key: u64(2, 2), values: [u64(1)] }, { key: u64(2, 4), values: [u64(1)] }];
    const bar = (n: number): string => '@'.repeat(n).padEnd(52);
    expect(formatMapText(p, entries, resolver)).toBe(
      [
        '@h[2]: ',
        `[1]                    1 |${bar(52)}|`,
        `[2, 4)                 0 |${bar(0)}|`,
        `[4, 8)                 1 |${bar(52)}|`,
        '',
        '@h[1]: ',
        `[2, 4)                 5 |${bar(52)}|`,
        '',
        '',
      ].join('\n'),
    );
  });

  test('lhist labels use K and M for exact multiples, and open ends at min and max', () => {
    const p = plan('@l', [], { kind: 'agg', agg: 'lhist' }, { lhist: { min: 0, max: 3145728, step: 1048576 } });
    const text = formatMapText(p, [bucket(0, 1), bucket(2, 1), bucket(4, 1)], resolver);
    expect(text.split('\n').filter((l) => l.includes('|')).map((l) => l.slice(0, 16).trimEnd())).toEqual(['(..., 0)', '[0, 1M)', '[1M, 2M)', '[2M, 3M)', '[3M, ...)']);
    expect(formatMapJson(p, [bucket(0, 1), bucket(2, 1)], resolver)).toBe('{"type": "hist", "data": {"@l": [{"max": -1, "count": 1}, {"min": 0, "max": 1048575, "count": 0}, {"min": 1048576, "max": 2097151, "count": 1}]}}\n');
  });
});

describe('small pieces', () => {
  test('inet_ntop text for IPv4 and IPv6', () => {
    const v6 = (hex: string): Uint8Array => Uint8Array.from(Buffer.from(hex, 'hex'));
    expect(inetText(2, Uint8Array.from([10, 0, 0, 1]))).toBe('10.0.0.1');
    expect(inetText(10, v6('20010db8000000000000000000000001'))).toBe('2001:db8::1');
    expect(inetText(10, v6('00000000000000000000000000000001'))).toBe('::1');
    expect(inetText(10, v6('fe800000000000000202b3fffe1e8329'))).toBe('fe80::202:b3ff:fe1e:8329');
    // One zero group is not shortened; the longest run of zeros is (the first of equals).
    expect(inetText(10, v6('20010db8000000010000000000000001'))).toBe('2001:db8:0:1::1');
    expect(inetText(10, v6('00000000000000000000ffffc0a80001'))).toBe('::ffff:192.168.0.1');
    expect(inetText(7, new Uint8Array(16))).toBe('');
  });

  test('JSON escaping as bpftrace does it', () => {
    expect(jsonEscape('a"b\\c\nd\re\tf\u0001g')).toBe('a\\"b\\\\c\\nd\\re\\tf\\u0001g');
  });

  test('strftime on the simulated UTC clock', () => {
    // 40 days + 26 h 3 min 4 s = 41 days + 02:03:04: Wednesday 11 February (day 42; 1 Jan 1970 was a Thursday).
    const ms = ((26 * 60 + 3) * 60 + 4) * 1000 + 86400000 * 40;
    expect(strftime('%H:%M:%S', ms)).toBe('02:03:04');
    expect(strftime('%Y-%m-%d %j %a %b %% %q', ms)).toBe('1970-02-11 042 Wed Feb % %q');
  });
});
