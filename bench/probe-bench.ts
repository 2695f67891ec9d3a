// The probe-run benchmark: examples/vfs-read.bt against a 10,000-event generated workload (a kprobe
// and a kretprobe per read, several processes, two CPUs), run through the whole runner — events,
// contexts, VM runs against the shared maps, records, and the final map printout — and reported
// as events per second.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { ScriptCompiler } from '../server/src/probe/compile/index';
import { generateEvents, runScript, type ProbeEvent } from '../server/src/probe/run/index';

export interface ProbeBenchRow {
  script: string;
  events: number;
  runs: number;
  seconds: number;
  eventsPerSecond: number;
  /** The run printed every map and no warning or error. */
  clean: boolean;
}

function examplesDir(): string {
  for (const d of [path.resolve(process.cwd(), 'examples'), path.resolve(__dirname, '../examples'), path.resolve(__dirname, '../../examples')]) {
    try {
      readFileSync(path.join(d, 'vfs-read.bt'));
      return d;
    } catch {
      // try the next place
    }
  }
  throw new Error('examples/vfs-read.bt is missing');
}

/** The events as JSON Lines; 64-bit values are written as signed decimal numbers. */
const jsonl = (events: ProbeEvent[]): string =>
  events
    .map(({ line: _line, ...e }) => JSON.stringify(e, (_k, v: unknown) => (typeof v === 'bigint' ? `#${BigInt.asIntN(64, v)}` : v)).replace(/"#(-?\d+)"/g, '$1'))
    .join('\n');

/** Runs the workload `repeats` times and keeps the fastest. */
export function runProbeBench(opts: { events?: number; repeats?: number; print?: boolean } = {}): ProbeBenchRow {
  const file = path.join(examplesDir(), 'vfs-read.bt');
  const text = readFileSync(file, 'utf8');
  const count = opts.events ?? 10_000;
  const sc = new ScriptCompiler(text, file, { btf: null });
  const events = jsonl(generateEvents(sc, 7, { count }));
  let best = Infinity;
  let runs = 0;
  let clean = false;
  for (let i = 0; i < (opts.repeats ?? 3); i++) {
    const t0 = process.hrtime.bigint();
    const r = runScript(text, { events, file, btf: null });
    const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
    best = Math.min(best, seconds);
    runs = r.runs;
    clean = [...r.findings, ...r.eventFindings].every((f) => f.severity === 'hint') && r.maps.every((m) => m.entries.length > 0);
  }
  const row: ProbeBenchRow = { script: 'examples/vfs-read.bt', events: count, runs, seconds: best, eventsPerSecond: count / best, clean };
  if (opts.print ?? true) {
    console.log(`${row.script}  ${count.toLocaleString('en-US')} events (${runs.toLocaleString('en-US')} program runs)  ${(best * 1000).toFixed(0).padStart(6)} ms  ${Math.round(row.eventsPerSecond).toLocaleString('en-US').padStart(8)} events/s${clean ? '' : '  NOT CLEAN (warnings or empty maps)'}`);
  }
  return row;
}
