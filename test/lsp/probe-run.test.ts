// Reading maps and histograms back from bpftrace-format output, for the inspector.
import { describe, expect, it } from 'vitest';
import { readPrintedMaps } from '../../server/src/lsp/probe-run';

describe('printed maps', () => {
  it('reads plain maps, keyed histograms and linear histograms', () => {
    const out = [
      'Attaching 1 probe...',
      '@c[bash, 3]: 12',
      '@c[sshd, 1]: 4',
      '@total: 16',
      '@h[bash]: ',
      '[0]                    1 |@@@@                         |',
      '[1]                    3 |@@@@@@@@@@@@                 |',
      '[2, 4)                 5 |@@@@@@@@@@@@@@@@@@@@         |',
      '',
      '@l: ',
      '(..., 0)               2 |@@@@@@@@                     |',
      '[0, 10)                7 |@@@@@@@@@@@@@@@@@@@@@@@@@@@@ |',
      '[10, ...)              1 |@@@@                         |',
      '',
    ];
    const { maps, histograms } = readPrintedMaps(out);
    const text = (b: number[] | number[][]) => Buffer.from(b as number[]).toString('utf8');
    expect(maps.map((m) => [m.name, m.type, m.entries.map((e) => `${text(e.key)}=${text(e.value)}`)])).toEqual([
      ['@c', 'hash', ['bash, 3=12', 'sshd, 1=4']],
      ['@total', 'array', ['=16']],
    ]);
    expect(histograms).toEqual([
      { map: '@h', key: 'bash', buckets: [{ label: '[0]', count: 1 }, { label: '[1]', count: 3 }, { label: '[2, 4)', count: 5 }] },
      { map: '@l', buckets: [{ label: '(..., 0)', count: 2 }, { label: '[0, 10)', count: 7 }, { label: '[10, ...)', count: 1 }] },
    ]);
  });
});
