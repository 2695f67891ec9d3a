// ebpf/run for bpftrace scripts: the probe runner drives the compiled probes with events (from a
// JSON Lines file or a generated workload); its output is what bpftrace would print. Maps and
// histograms for the inspector are read back from that printed output, so the panel shows exactly
// the numbers bpftrace prints (per-CPU values summed, histogram buckets labelled as bpftrace does).
import { formatFinding } from '../core/types';
import { runScript } from '../probe/run';
import type { Histogram, MapContents, RunResult } from '../protocol';
import type { EditorSettings } from '../editor/types';
import { failedRun } from './run';

export interface ScriptRunInput {
  text: string;
  file?: string;
  /** Events file contents and name, when the user picked one. */
  events?: { text: string; name: string };
  budget?: number;
  settings: EditorSettings;
}

const MAP_LINE = /^(@[A-Za-z0-9_]*)(?:\[(.*)\])?: ?(.*)$/;
const BUCKET_LINE = /^(\[[^\]]*[\])]|\([^)]*\))\s+(\d+)\s*\|/;
const MAX_LINES = 200_000;

const utf8 = (s: string): number[] => [...Buffer.from(s, 'utf8')];

/** Maps and histograms as printed: `@m[key]: value` lines and `@h:` followed by bucket rows. */
export function readPrintedMaps(lines: readonly string[]): { maps: MapContents[]; histograms: Histogram[] } {
  const maps = new Map<string, MapContents>();
  const histograms: Histogram[] = [];
  for (let i = 0; i < lines.length && i < MAX_LINES; i++) {
    const m = MAP_LINE.exec(lines[i]);
    if (!m) continue;
    const [, name, key, value] = m;
    if (value === '' && BUCKET_LINE.test(lines[i + 1] ?? '')) {
      const h: Histogram = { map: name, buckets: [] };
      if (key !== undefined) h.key = key;
      for (i++; i < lines.length && BUCKET_LINE.test(lines[i]); i++) {
        const b = BUCKET_LINE.exec(lines[i])!;
        h.buckets.push({ label: b[1], count: Number(b[2]) });
      }
      i--;
      histograms.push(h);
      continue;
    }
    let map = maps.get(name);
    if (!map) {
      map = { name, type: key === undefined ? 'array' : 'hash', keySize: 0, valueSize: 0, entries: [], display: { kind: 'plain', keyFormat: 'string', valueFormat: 'string' } };
      maps.set(name, map);
    }
    const k = utf8(key ?? '');
    const v = utf8(value);
    map.keySize = Math.max(map.keySize, k.length);
    map.valueSize = Math.max(map.valueSize, v.length);
    map.entries.push({ key: k, value: v });
  }
  return { maps: [...maps.values()], histograms };
}

export function runProbeScript(input: ScriptRunInput): RunResult {
  let r: ReturnType<typeof runScript>;
  try {
    r = runScript(input.text, {
      file: input.file,
      ...(input.events ? { events: input.events.text, eventsFile: input.events.name } : {}),
      ...(input.budget && input.budget > 0 ? { budget: Math.min(input.budget, 1_000_000_000) } : {}),
      cpus: input.settings.cpus,
    });
  } catch (e) {
    return failedRun(`the script could not run: ${e instanceof Error ? e.message : String(e)}`);
  }
  const eventError = r.eventFindings.find((f) => f.severity === 'error');
  if (eventError) return failedRun(`events file: ${formatFinding(input.events?.name ?? 'events', eventError)}`);
  const error = r.findings.find((f) => f.severity === 'error');
  const output = r.output.replace(/\n+$/, '').split('\n');
  const { maps, histograms } = readPrintedMaps(output);
  const result: RunResult = { ok: !error, r0: '0', progType: 'bpftrace', insnCount: 0, registers: [], frames: [], maps, output, histograms };
  if (error) result.error = { message: error.message, line: error.range.start.line, col: error.range.start.col };
  return result;
}
