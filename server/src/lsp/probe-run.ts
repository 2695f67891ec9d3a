// ebpf/run for bpftrace scripts: the probe runner drives the compiled probes with events (from a
// JSON Lines file or a generated workload); its output is what bpftrace would print. Maps and
// histograms for the inspector come from the run's own map summaries, so the panel shows exactly
// the numbers bpftrace prints (per-CPU values summed, histogram buckets labelled as bpftrace does).
// Problems with the events file are reported against that file (name:line:col), the script's
// against the script.
import { formatFinding, type Finding } from '../core/types';
import { runScript, type MapSummary, type RunScriptResult } from '../probe/run';
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

/** Events-file errors listed in a failed run's message, at most. */
const MAX_LISTED = 20;

const utf8 = (s: string): number[] => [...Buffer.from(s, 'utf8')];

/** The run's maps for the inspector: plain maps as key/value text, hist/lhist maps as bucket bars. */
export function inspectorMaps(summaries: readonly MapSummary[]): { maps: MapContents[]; histograms: Histogram[] } {
  const maps: MapContents[] = [];
  const histograms: Histogram[] = [];
  for (const s of summaries) {
    if (s.kind !== 'value') {
      for (const e of s.entries) {
        const h: Histogram = { map: s.name, buckets: (e.buckets ?? []).map((b) => ({ label: b.label, count: b.count })) };
        if (e.key.length) h.key = e.key.join(', ');
        histograms.push(h);
      }
      continue;
    }
    if (!s.entries.length) continue;
    const keyed = s.entries.some((e) => e.key.length > 0);
    const map: MapContents = { name: s.name, type: keyed ? 'hash' : 'array', keySize: 0, valueSize: 0, entries: [], display: { kind: 'plain', keyFormat: 'string', valueFormat: 'string' } };
    for (const e of s.entries) {
      const k = utf8(e.key.join(', '));
      const v = utf8(e.value);
      map.keySize = Math.max(map.keySize, k.length);
      map.valueSize = Math.max(map.valueSize, v.length);
      map.entries.push({ key: k, value: v });
    }
    maps.push(map);
  }
  return { maps, histograms };
}

/**
 * What the run found, as "file:line:col: severity: message" lines: its own warnings about the
 * script (the checker's are the document's diagnostics already) and everything about the events
 * file, under that file's name.
 */
function runFindingLines(r: RunScriptResult, scriptName: string, eventsName: string): string[] {
  const fromRun = (f: Finding): boolean => f.code === 'probe.run' && f.severity !== 'error';
  return [...r.findings.filter(fromRun).map((f) => formatFinding(scriptName, f)), ...r.eventFindings.map((f) => formatFinding(eventsName, f))];
}

export function runProbeScript(input: ScriptRunInput): RunResult {
  let r: RunScriptResult;
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
  const scriptName = input.file ?? 'script';
  const eventsName = input.events?.name ?? 'events';
  const eventErrors = r.eventFindings.filter((f) => f.severity === 'error');
  if (eventErrors.length) {
    const listed = eventErrors.slice(0, MAX_LISTED).map((f) => formatFinding(eventsName, f));
    if (eventErrors.length > MAX_LISTED) listed.push(`... and ${eventErrors.length - MAX_LISTED} more`);
    return failedRun(`events file: ${listed.join('\n')}`);
  }
  const error = r.findings.find((f) => f.severity === 'error');
  const output = r.output.replace(/\n+$/, '').split('\n');
  // Warnings (about the script, the events file's lines, programs the VM stopped) follow the
  // output bpftrace would print, each naming its file and line.
  output.push(...runFindingLines(r, scriptName, eventsName));
  const { maps, histograms } = inspectorMaps(r.maps);
  const result: RunResult = { ok: !error, r0: '0', progType: 'bpftrace', insnCount: 0, registers: [], frames: [], maps, output, histograms };
  if (error) result.error = { message: error.message, line: error.range.start.line, col: error.range.start.col };
  return result;
}
