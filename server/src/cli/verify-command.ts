// `ebpf-studio verify`: the verifier's verdict, findings (plain words, kernel text, related places, fixes) and log.
import { formatFinding, type Finding } from '../core/types';
import { verify } from '../verifier';
import { programInput } from './asm-commands';
import { EXIT_INPUT, EXIT_OK, parse, UsageError, type Io } from './common';

const USAGE = 'ebpf-studio verify FILE(.s|.o|.bin) [--section S] [--prog-type T] [--unprivileged] [--log] [--format text|json]';

function describe(file: string, f: Finding): string {
  const lines = [formatFinding(file, f)];
  for (const r of f.related ?? []) lines.push(`    ${file}:${r.range.start.line + 1}:${r.range.start.col + 1}: note: ${r.message}`);
  for (const fix of f.fixes ?? []) lines.push(`    fix: ${fix.title}`);
  return lines.join('\n');
}

export function verifyCommand(args: string[], io: Io): number {
  const { values, positionals } = parse(args, {
    section: { type: 'string' },
    'prog-type': { type: 'string' },
    unprivileged: { type: 'boolean' },
    log: { type: 'boolean' },
    format: { type: 'string' },
  }, USAGE);
  const input = programInput('verify', positionals, values, USAGE, io);
  if (typeof input === 'number') return input;
  const { file, format, progType } = input;
  const programs = values.section ? input.programs.filter((p) => p.section === values.section || p.name === values.section) : input.programs;
  if (programs.length === 0) throw new UsageError(values.section ? `no program in section '${values.section}'` : 'the file holds no program');
  let rejected = false;
  const reports = programs.map((p) => {
    const r = verify(p, { progType, unprivileged: values.unprivileged, log: values.log });
    rejected ||= !r.accepted;
    return { p, r };
  });
  if (format === 'json') {
    io.out(JSON.stringify(reports.map(({ p, r }) => ({
      program: p.section,
      type: progType ?? p.type,
      accepted: r.accepted,
      diagnostics: r.findings.map((f) => ({
        line: f.range.start.line + 1,
        column: f.range.start.col + 1,
        severity: f.severity,
        message: f.message,
        kernelText: f.kernelText,
        code: f.code,
        related: (f.related ?? []).map((x) => ({ line: x.range.start.line + 1, column: x.range.start.col + 1, message: x.message })),
        fixes: (f.fixes ?? []).map((x) => x.title),
      })),
      stats: r.stats,
      log: r.log,
    })), null, 2) + '\n');
  } else {
    for (const { p, r } of reports) {
      for (const f of r.findings) io.err(describe(file, f) + '\n');
      if (values.log && r.log) io.out(r.log.endsWith('\n') ? r.log : r.log + '\n');
      const verdict = r.accepted ? 'accepted' : 'rejected';
      io.out(`${p.section} (${progType ?? p.type}): ${verdict} — ${r.stats.processed} instructions processed, ${r.stats.states} states, ${r.stats.ms.toFixed(1)} ms\n`);
    }
  }
  return rejected ? EXIT_INPUT : EXIT_OK;
}
