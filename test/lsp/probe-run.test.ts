// ebpf/run for bpftrace scripts: the inspector's maps and histograms come from the run's map
// summaries (not from re-reading printed text), and the events file's problems are reported
// under its own name.
import { describe, expect, it } from 'vitest';
import { runProbeScript } from '../../server/src/lsp/probe-run';
import { DEFAULT_SETTINGS } from '../../server/src/editor/types';

const text = (b: number[] | number[][]): string => Buffer.from(b as number[]).toString('utf8');

function run(script: string, events: string, name = '/tmp/ev.jsonl') {
  return runProbeScript({ text: script, file: '/tmp/t.bt', events: { text: events, name }, settings: DEFAULT_SETTINGS });
}

describe('bpftrace runs for the inspector', () => {
  it('gives plain maps as key/value text and hist/lhist maps as buckets, from the run itself', () => {
    const events = [
      '{"probe": "kprobe:f", "ts": 1, "comm": "bash", "args": [1, 100]}',
      '{"probe": "kprobe:f", "ts": 2, "comm": "bash", "args": [2, 3000]}',
      '{"probe": "kprobe:f", "ts": 3, "comm": "sshd", "args": [3, 5]}',
    ].join('\n');
    // A printf line that looks like a map entry must not become one.
    const r = run('kprobe:f { printf("@fake[x]: 9\\n"); @c[comm, arg0 % 2] = count(); @total = sum(arg1); @h[comm] = hist(arg1); @l = lhist(arg1, 0, 200, 100); }', events);
    expect(r.ok).toBe(true);
    expect(r.maps.map((m) => [m.name, m.type, m.entries.map((e) => `${text(e.key)}=${text(e.value)}`)])).toEqual([
      ['@c', 'hash', ['bash, 0=1', 'bash, 1=1', 'sshd, 1=1']],
      ['@total', 'array', ['=3105']],
    ]);
    // 100 → [64, 128), 3000 → [2K, 4K) (bash); 5 → [4, 8) (sshd). lhist: 100 → [100, 200); 3000 → [200, ...); 5 → [0, 100).
    const h = (key: string) => r.histograms!.find((x) => x.map === '@h' && x.key === key)!;
    expect(h('sshd').buckets).toEqual([{ label: '[4, 8)', count: 1 }]);
    expect(h('bash').buckets.filter((b) => b.count > 0)).toEqual([{ label: '[64, 128)', count: 1 }, { label: '[2K, 4K)', count: 1 }]);
    expect(r.histograms!.find((x) => x.map === '@l')!.buckets).toEqual([
      { label: '[0, 100)', count: 1 },
      { label: '[100, 200)', count: 1 },
      { label: '[200, ...)', count: 1 },
    ]);
    expect(r.output.filter((l) => l.startsWith('@fake'))).toEqual(['@fake[x]: 9', '@fake[x]: 9', '@fake[x]: 9']);
  });

  it('reports every events-file error under the events file\'s name, and its warnings after the output', () => {
    const bad = run('kprobe:f { @n = count(); }', '{"probe": "kprobe:f"}\n{"probe": \n{"probe": "nope:x"}\n', '/data/bad.jsonl');
    expect(bad.ok).toBe(false);
    expect(bad.error!.message.split('\n')).toEqual([
      expect.stringMatching(/^events file: \/data\/bad\.jsonl:2:\d+: error: not valid JSON/),
      expect.stringMatching(/^\/data\/bad\.jsonl:3:\d+: error: "nope:x" does not start with a probe type/),
    ]);
    const warned = run('tracepoint:sched:sched_switch { @n = count(); }', '{"probe": "tracepoint:sched:sched_switch", "ts": 5, "args": {"nosuch": 1}}\n{"probe": "tracepoint:sched:sched_switch", "ts": 2}\n', '/data/w.jsonl');
    expect(warned.ok).toBe(true);
    const lines = warned.output.filter((l) => l.startsWith('/data/w.jsonl:'));
    expect(lines).toEqual([expect.stringMatching(/^\/data\/w\.jsonl:2:1: warning: "ts" goes back in time/), expect.stringMatching(/^\/data\/w\.jsonl:1:1: warning: .*has no field "nosuch"/)]);
    expect(warned.output[0]).toBe('Attaching 1 probe...');
  });
});
