// `ebpf-studio check` and `ebpf-studio compile` for probe scripts (.bt).
import { checkScript } from '../probe';
import { compileScript } from '../probe/compile';
import { runScript } from '../probe/run';
import { EXIT_INPUT, EXIT_OK, hasErrors, oneOf, parse, printFindings, readInput, UsageError, type Io } from './common';

const CHECK_USAGE = 'ebpf-studio check SCRIPT.bt [--format text|json]';
const COMPILE_USAGE = 'ebpf-studio compile SCRIPT.bt';

function readScript(args: string[], usage: string, extra: Parameters<typeof parse>[1] = {}) {
  const parsed = parse(args, { format: { type: 'string' }, ...extra }, usage);
  if (parsed.positionals.length !== 1) throw new UsageError(`takes one script\nusage: ${usage}`);
  const file = parsed.positionals[0];
  return { file, text: new TextDecoder().decode(readInput(file)), values: parsed.values as Record<string, string | boolean | undefined> };
}

export function checkCommand(args: string[], io: Io): number {
  const { file, text, values } = readScript(args, CHECK_USAGE);
  const format = oneOf(values.format as string | undefined, ['text', 'json'] as const, '--format') ?? 'text';
  const r = checkScript(text, { file });
  if (format === 'json') io.out(JSON.stringify({ file, findings: r.findings }, null, 2) + '\n');
  else {
    printFindings(io, file, r.findings);
    const errors = r.findings.filter((f) => f.severity === 'error').length;
    const warnings = r.findings.length - errors;
    io.out(`${file}: ${r.ast.probes.length} probe(s), ${errors} error(s), ${warnings} warning(s)\n`);
  }
  return hasErrors(r.findings) ? EXIT_INPUT : EXIT_OK;
}

export function compileCommand(args: string[], io: Io): number {
  const { file, text } = readScript(args, COMPILE_USAGE);
  const r = compileScript(text, file);
  printFindings(io, file, r.findings);
  if (hasErrors(r.findings)) return EXIT_INPUT;
  for (const p of r.programs) io.out(`# ${p.probe}\n${p.asmText}\n`);
  return EXIT_OK;
}

/** What event findings name when the workload was generated (no --events). */
const GENERATED = '(generated events)';

const PROBE_USAGE = 'ebpf-studio probe SCRIPT.bt [--events FILE.jsonl] [--format text|json] [--seed N]';

export function probeCommand(args: string[], io: Io): number {
  const { file, text, values } = readScript(args, PROBE_USAGE, { events: { type: 'string' }, seed: { type: 'string' } });
  const format = oneOf(values.format as string | undefined, ['text', 'json'] as const, '--format') ?? 'text';
  const eventsFile = values.events as string | undefined;
  const events = eventsFile !== undefined ? new TextDecoder().decode(readInput(eventsFile)) : undefined;
  const seed = values.seed !== undefined ? Number(values.seed) : undefined;
  if (seed !== undefined && (!Number.isInteger(seed) || seed < 0)) throw new UsageError('--seed must be a whole number');
  const r = runScript(text, { file, events, eventsFile, format, seed });
  printFindings(io, file, r.findings);
  // Problems with event lines are reported against the events file (or the generated workload).
  printFindings(io, eventsFile ?? GENERATED, r.eventFindings);
  io.out(r.output);
  return hasErrors(r.findings) || hasErrors(r.eventFindings) ? EXIT_INPUT : EXIT_OK;
}
