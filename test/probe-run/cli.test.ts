// `ebpf-studio probe`: the run's findings go to stderr against the file they are about — the
// script's against the script, the events file's against the events file — and the exit code
// says whether either had errors.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { probeCommand } from '../../server/src/cli/probe-commands';

function probe(...args: string[]) {
  let out = '';
  let err = '';
  const code = probeCommand(args, { out: (s) => (out += s), err: (s) => (err += s), stdin: () => '' });
  return { code, out, err };
}

describe('ebpf-studio probe', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'probe-cli-'));
  const script = path.join(dir, 's.bt');
  writeFileSync(script, 'tracepoint:sched:sched_switch { @n = count(); }\n');

  it('reports event lines against the events file, with their line and column', () => {
    const events = path.join(dir, 'w.jsonl');
    writeFileSync(events, '{"probe": "tracepoint:sched:sched_switch", "ts": 5, "args": {"nosuch": 1}}\n{"probe": "tracepoint:sched:sched_switch", "ts": 2}\n');
    const r = probe(script, '--events', events);
    expect(r.code).toBe(0);
    expect(r.err.split('\n').filter(Boolean)).toEqual([
      `${events}:2:1: warning: "ts" goes back in time (2 after 5); events run in file order`,
      expect.stringMatching(new RegExp(`^${events.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}:1:1: warning: .*has no field "nosuch"`)),
    ]);
    expect(r.out).toContain('@n: 2');
  });

  it('an events file with errors: each reported against it, nothing run, exit 1', () => {
    const events = path.join(dir, 'bad.jsonl');
    writeFileSync(events, '{"probe": "tracepoint:sched:sched_switch"}\n{"probe": \n');
    const r = probe(script, '--events', events);
    expect(r.code).toBe(1);
    expect(r.err).toMatch(new RegExp(`^${events.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}:2:\\d+: error: not valid JSON`));
    expect(r.out).toBe('');
  });
});
