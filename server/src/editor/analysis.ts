// Everything the editor knows about one document version: its parse (assembly or bpftrace), the
// findings to show, and the verdict for the status bar. Features read this; the language server
// caches one per document version.
import type { Finding } from '../core/types';
import { analyzeAsm, type AsmDoc } from './asm-doc';
import { analyzeProbe, type ProbeDoc } from './bt-doc';
import { checkScript, type CheckOptions, type CheckResult } from '../probe/checker';
import type { RegisterStates } from './verify-view';
import type { EditorSettings, Language } from './types';

export type Verdict = 'accepted' | 'rejected' | 'error' | 'unknown';

export interface ProgramCheck {
  /** Program (section) name. */
  name: string;
  accepted: boolean;
  /** Register states for hover and inlay hints. */
  states?: RegisterStates;
  /** The verifier's log in the kernel's format (computed on demand: it costs a second verification). */
  log?(): string;
  /** e.g. "12 insns, 31 states". */
  stats?: string;
}

export interface DocumentAnalysis {
  language: Language;
  asm?: AsmDoc;
  probe?: ProbeDoc;
  findings: Finding[];
  /** Verifier results per program of an assembly document, in `asm.result.programs` order. */
  checks: ProgramCheck[];
  verdict: Verdict;
  summary: string;
}

/** Hooks for the parts that come from other modules (the verifier, the probe checker). */
export interface AnalysisHooks {
  verifyAsm?(doc: AsmDoc, settings: EditorSettings): { findings: Finding[]; checks: ProgramCheck[] };
  /** Compile a clean script and verify its probes' programs. */
  verifyProbe?(doc: ProbeDoc, settings: EditorSettings, file?: string): { findings: Finding[]; checks: ProgramCheck[] };
  /** Options for the probe-script checker (tests turn off BTF and tracefs reads here). */
  probeOptions?: CheckOptions;
}

function firstError(findings: readonly Finding[]): Finding | undefined {
  return findings.find((f) => f.severity === 'error');
}

function summarize(findings: readonly Finding[], checks: readonly ProgramCheck[], what: string): { verdict: Verdict; summary: string } {
  const err = firstError(findings);
  if (err) {
    const verdict: Verdict = checks.some((c) => !c.accepted) ? 'rejected' : 'error';
    return { verdict, summary: `${verdict} at line ${err.range.start.line + 1}: ${err.message}` };
  }
  const rejected = checks.find((c) => !c.accepted);
  if (rejected) {
    const why = findings.find((f) => f.code?.startsWith('verifier'));
    return { verdict: 'rejected', summary: `rejected: ${rejected.name}${why ? ` at line ${why.range.start.line + 1}: ${why.message}` : ''}` };
  }
  if (checks.length === 0) return { verdict: 'unknown', summary: `${what}: no problems found (not verified)` };
  const stats = checks.map((c) => (c.stats ? `${c.name}: ${c.stats}` : c.name)).join('; ');
  return { verdict: 'accepted', summary: `accepted: ${stats}` };
}

export function analyzeDocument(text: string, language: Language, settings: EditorSettings, hooks: AnalysisHooks = {}, file?: string): DocumentAnalysis {
  if (language === 'bpftrace') {
    let checked: CheckResult | undefined;
    let crash: Finding | undefined;
    try {
      checked = checkScript(text, { file, ...hooks.probeOptions });
    } catch (e) {
      crash = internalError('probe checker', e);
    }
    // The checker's result includes the parse findings; without it, the parse alone.
    const probe = analyzeProbe(text, file, checked);
    const findings = [...probe.parse.findings, ...(crash ? [crash] : [])];
    let checks: ProgramCheck[] = [];
    if (hooks.verifyProbe && !firstError(findings)) {
      try {
        const v = hooks.verifyProbe(probe, settings, file);
        findings.push(...v.findings);
        checks = v.checks;
      } catch (e) {
        findings.push(internalError('probe compiler', e));
      }
    }
    const { verdict, summary } = summarize(findings, checks, 'script');
    return { language, probe, findings, checks, verdict, summary };
  }
  let asm: AsmDoc;
  try {
    asm = analyzeAsm(text, { file });
  } catch (e) {
    // Never expected; a document the assembler chokes on still gets an (empty) analysis and a finding.
    asm = analyzeAsm('', { file });
    const findings = [internalError('assembler', e)];
    return { language, asm, findings, checks: [], verdict: 'error', summary: findings[0].message };
  }
  const findings = [...asm.result.findings];
  let checks: ProgramCheck[] = [];
  if (hooks.verifyAsm && !firstError(findings) && asm.result.programs.length > 0) {
    try {
      const v = hooks.verifyAsm(asm, settings);
      findings.push(...v.findings);
      checks = v.checks;
    } catch (e) {
      findings.push(internalError('verifier', e));
    }
  }
  const { verdict, summary } = summarize(findings, checks, 'assembled');
  return { language, asm, findings, checks, verdict, summary };
}

/** A crash inside an analysis becomes a finding at the top of the file rather than a dead server. */
function internalError(what: string, e: unknown): Finding {
  const message = e instanceof Error ? e.message : String(e);
  return { range: { start: { line: 0, col: 0 }, end: { line: 0, col: 0 } }, severity: 'error', message: `internal error in the ${what}: ${message}`, code: 'internal' };
}
