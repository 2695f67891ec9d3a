import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  formatValue,
  groupDigits,
  leU64,
  lhistLabel,
  LIMITS,
  log2Label,
  parseU64,
  renderModel,
} from '../../client/src/inspector/model';
import type { MapContents, RunResult } from '../../server/src/protocol';

const le = (v: bigint, size: number): number[] => Array.from({ length: size }, (_, i) => Number((v >> BigInt(8 * i)) & 0xffn));
const str = (s: string, size: number): number[] => [...Buffer.from(s), ...new Array(size - s.length).fill(0)];

function result(over: Partial<RunResult> = {}): RunResult {
  return { ok: true, r0: '0', insnCount: 0, registers: [], frames: [], maps: [], output: [], ...over };
}

describe('renderModel: registers and r0', () => {
  it('shows registers in hex, unsigned decimal and signed decimal when negative', () => {
    const v = renderModel(
      result({
        registers: [
          { name: 'r0', value: '0xffffffffffffffff', type: 'scalar' },
          { name: 'r1', value: '0x2a' },
          { name: 'r10', value: '0x0000000000001000', type: 'fp' },
        ],
      }),
    );
    expect(v.registers[0]).toEqual({ name: 'r0', hex: '0xffffffffffffffff', dec: '18446744073709551615', signed: '-1', type: 'scalar' });
    expect(v.registers[1]).toMatchObject({ hex: '0x000000000000002a', dec: '42', signed: undefined, type: undefined });
    expect(v.registers[2].dec).toBe('4096');
  });

  it('formats r0, its meaning and the instruction count', () => {
    const v = renderModel(result({ r0: '1', r0Meaning: 'XDP_DROP', insnCount: 1234567, progType: 'xdp' }));
    expect(v.r0).toEqual({ dec: '1', hex: '0x0000000000000001', signed: undefined, meaning: 'XDP_DROP' });
    expect(v.insnCount).toBe('1,234,567');
    expect(v.progType).toBe('xdp');
  });

  it('reads r0 above 2^53 exactly', () => {
    const v = renderModel(result({ r0: '18446744073709551614' }));
    expect(v.r0.hex).toBe('0xfffffffffffffffe');
    expect(v.r0.signed).toBe('-2');
  });

  it('reports a fault with its 1-based position', () => {
    const v = renderModel(result({ ok: false, error: { message: 'invalid read from stack', line: 6, col: 2 } }));
    expect(v.ok).toBe(false);
    expect(v.error).toEqual({ message: 'invalid read from stack', where: 'line 7, col 3' });
    expect(renderModel(result({ ok: false, error: { message: 'x', insn: 12 } })).error?.where).toBe('insn 12');
  });
});

describe('renderModel: stack', () => {
  it('dumps each frame as 8-byte rows with offsets from r10, lowest address first', () => {
    const v = renderModel(
      result({
        frames: [
          {
            index: 0,
            stack: [
              { offset: -8, bytes: le(0x1122334455667788n, 8), annotation: 'spilled r1' },
              { offset: -24, bytes: [...str('hi!', 8), 1, 2, 3, 4, 5, 6, 7, 8], annotation: 'key' },
            ],
          },
          { index: 1, function: 'helper', stack: [] },
        ],
      }),
    );
    expect(v.frames[0].title).toBe('Frame 0');
    expect(v.frames[0].rows).toEqual([
      { offset: 'fp-24', hex: '68 69 21 00 00 00 00 00', ascii: 'hi!.....', annotation: 'key' },
      { offset: 'fp-16', hex: '01 02 03 04 05 06 07 08', ascii: '........', annotation: undefined },
      { offset: 'fp-8', hex: '88 77 66 55 44 33 22 11', ascii: '.wfUD3".', annotation: 'spilled r1' },
    ]);
    expect(v.frames[1].title).toBe('Frame 1 (helper)');
  });
});

describe('renderModel: maps', () => {
  const counts: MapContents = {
    name: 'counts',
    type: 'hash',
    keySize: 4,
    valueSize: 8,
    entries: [
      { key: le(7n, 4), value: le(3n, 8) },
      { key: le(0xffffffffn, 4), value: le(1n << 40n, 8) },
    ],
  };

  it('decodes integer keys and values little-endian', () => {
    const [m] = renderModel(result({ maps: [counts] })).maps;
    expect(m.name).toBe('counts');
    expect(m.subtitle).toBe('hash, key 4 B, value 8 B, 2 entries');
    expect(m.columns).toEqual(['key', 'value']);
    expect(m.rows).toEqual([
      ['7', '3'],
      ['4294967295', '1099511627776'],
    ]);
  });

  it('decodes string keys and falls back to hex bytes', () => {
    const m = renderModel(
      result({
        maps: [
          {
            name: '@by_comm',
            type: 'hash',
            keySize: 16,
            valueSize: 3,
            entries: [{ key: str('bash', 16), value: [0xde, 0xad, 0x01] }],
          },
        ],
      }),
    ).maps[0];
    expect(m.rows).toEqual([['"bash"', 'de ad 01']]);
  });

  it('shows per-CPU values in one column per CPU plus their sum', () => {
    const m = renderModel(
      result({
        maps: [
          {
            name: 'pc',
            type: 'percpu_array',
            keySize: 4,
            valueSize: 8,
            entries: [{ key: le(0n, 4), value: [le(1n, 8), le(2n, 8), le(0n, 8), le(10n, 8)] }],
          },
        ],
      }),
    ).maps[0];
    expect(m.columns).toEqual(['key', 'cpu0', 'cpu1', 'cpu2', 'cpu3', 'sum']);
    expect(m.rows).toEqual([['0', '1', '2', '0', '10', '13']]);
    expect(m.subtitle).toContain('4 CPUs');
  });

  it('honours the formats the server asks for', () => {
    const m = renderModel(
      result({
        maps: [
          {
            name: 'f',
            type: 'array',
            keySize: 4,
            valueSize: 4,
            display: { kind: 'plain', keyFormat: 'hex', valueFormat: 'signed' },
            entries: [{ key: le(255n, 4), value: le(0xfffffffen, 4) }],
          },
        ],
      }),
    ).maps[0];
    expect(m.rows).toEqual([['0xff', '-2']]);
  });

  it('lists at most LIMITS.mapRows rows and says how many were left out', () => {
    const entries = Array.from({ length: LIMITS.mapRows + 5 }, (_, i) => ({ key: le(BigInt(i), 4), value: le(1n, 8) }));
    const m = renderModel(result({ maps: [{ ...counts, entries }] })).maps[0];
    expect(m.rows).toHaveLength(LIMITS.mapRows);
    expect(m.truncated).toBe('5 more entries not shown');
  });
});

describe('renderModel: histograms', () => {
  const bucketKey = (user: number[], i: number) => [...user, ...le(BigInt(i), 8)];

  it('draws a log2 histogram map as bars, filling empty buckets between used ones', () => {
    const v = renderModel(
      result({
        maps: [
          {
            name: '@bytes',
            type: 'hash',
            keySize: 8,
            valueSize: 8,
            display: { kind: 'hist' },
            entries: [
              { key: bucketKey([], 5), value: le(2n, 8) },
              { key: bucketKey([], 2), value: le(8n, 8) },
            ],
          },
        ],
      }),
    );
    expect(v.maps).toEqual([]); // drawn as a chart instead of a table
    expect(v.histograms).toEqual([
      {
        title: '@bytes',
        bars: [
          { label: '[1]', count: '8', width: 100 },
          { label: '[2, 4)', count: '0', width: 0 },
          { label: '[4, 8)', count: '0', width: 0 },
          { label: '[8, 16)', count: '2', width: 25 },
        ],
      },
    ]);
  });

  it('splits a keyed histogram per user key and sums per-CPU counts', () => {
    const v = renderModel(
      result({
        maps: [
          {
            name: '@lat',
            type: 'percpu_hash',
            keySize: 24,
            valueSize: 8,
            display: { kind: 'lhist', min: 0, max: 100, step: 10 },
            entries: [
              { key: bucketKey(str('sh', 16), 1), value: [le(1n, 8), le(2n, 8)] },
              { key: bucketKey(str('vi', 16), 11), value: [le(4n, 8), le(0n, 8)] },
            ],
          },
        ],
      }),
    );
    expect(v.histograms.map((h) => h.title)).toEqual(['@lat["sh"]', '@lat["vi"]']);
    expect(v.histograms[0].bars).toEqual([{ label: '[0, 10)', count: '3', width: 100 }]);
    expect(v.histograms[1].bars).toEqual([{ label: '[100, ...)', count: '4', width: 100 }]);
  });

  it('uses histograms bucketed by the server when given', () => {
    const v = renderModel(
      result({ histograms: [{ map: '@h', key: 'bash', buckets: [{ label: '[0]', count: 1 }, { label: '[1]', count: 4 }] }] }),
    );
    expect(v.histograms).toEqual([
      { title: '@h[bash]', bars: [{ label: '[0]', count: '1', width: 25 }, { label: '[1]', count: '4', width: 100 }] },
    ]);
  });

  it('labels buckets as bpftrace prints them', () => {
    expect(log2Label(0)).toBe('(..., 0)');
    expect(log2Label(1)).toBe('[0]');
    expect(log2Label(11)).toBe('[512, 1K)');
    expect(log2Label(12)).toBe('[1K, 2K)');
    expect(log2Label(22)).toBe('[1M, 2M)');
    expect(lhistLabel(0, 5, 50, 5)).toBe('(..., 5)');
    expect(lhistLabel(2, 5, 50, 5)).toBe('[10, 15)');
    expect(lhistLabel(10, 5, 50, 5)).toBe('[50, ...)');
  });
});

describe('renderModel: output and robustness', () => {
  it('keeps output lines and caps very long output', () => {
    expect(renderModel(result({ output: ['hello', 'x=1'] })).output).toEqual(['hello', 'x=1']);
    const many = Array.from({ length: LIMITS.outputLines + 3 }, (_, i) => `l${i}`);
    const out = renderModel(result({ output: many })).output;
    expect(out).toHaveLength(LIMITS.outputLines + 1);
    expect(out.at(-1)).toBe('… 3 more lines');
  });

  it('never throws on malformed results', () => {
    expect(() => renderModel({} as RunResult)).not.toThrow();
    expect(() => renderModel(null as unknown as RunResult)).not.toThrow();
    fc.assert(
      fc.property(fc.anything(), fc.anything(), fc.anything(), (a, b, c) => {
        const bad = { ok: a, r0: b, registers: [{ name: a, value: b }], frames: [{ index: 0, stack: [{ offset: 0, bytes: c }] }],
          maps: [{ name: 'm', type: 'hash', keySize: 1, valueSize: 1, entries: [{ key: a, value: c }], display: { kind: 'hist' } }], output: c };
        renderModel(bad as unknown as RunResult);
      }),
      { numRuns: 300 },
    );
    const junk = fc.oneof(fc.anything(), fc.array(fc.dictionary(fc.constantFrom('key', 'value', 'offset', 'bytes', 'stack', 'entries', 'display', 'kind', 'buckets', 'name', 'line', 'message'), fc.anything())));
    fc.assert(
      fc.property(junk, junk, junk, junk, junk, (maps, frames, histograms, registers, error) => {
        renderModel({ maps, frames, histograms, registers, error } as unknown as RunResult);
      }),
      { numRuns: 500 },
    );
  });

  it('round-trips u64 values through bytes and text', () => {
    fc.assert(
      fc.property(fc.bigInt({ min: 0n, max: (1n << 64n) - 1n }), (v) => {
        expect(leU64(le(v, 8))).toBe(v);
        expect(parseU64(v.toString())).toBe(v);
        expect(parseU64('0x' + v.toString(16))).toBe(v);
        expect(formatValue(le(v, 8))).toBe(v.toString());
      }),
    );
  });

  it('groups digits', () => {
    expect(groupDigits(0)).toBe('0');
    expect(groupDigits(999)).toBe('999');
    expect(groupDigits(1000)).toBe('1,000');
    expect(groupDigits(-1234567n)).toBe('-1,234,567');
  });
});
