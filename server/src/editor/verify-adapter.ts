// The verifier's results in the shapes the editor features read: findings for diagnostics,
// register states as text for hover and inlay hints, the log on demand, a one-line verdict.
import type { Finding, Program, ProgType } from '../core/types';
import { isProgType } from '../core/sections';
import { matchForm } from '../isa/codec';
import { formatRegFriendly, verify, type VerifyResult, type VState } from '../verifier';
import type { ProgramCheck } from './analysis';
import type { AsmDoc } from './asm-doc';
import type { ProbeDoc } from './bt-doc';
import { compileScript, type CompileOptions } from '../probe/compile';
import type { EditorSettings } from './types';
import type { RegisterStates } from './verify-view';

const REGS = 11;

export interface VerifyParams {
  unprivileged: boolean;
  progType?: ProgType;
  insnLimit: number;
  nrCpus: number;
  dialect?: 'llvm' | 'mnemonic';
}

export function verifyParams(settings: EditorSettings, dialect?: 'llvm' | 'mnemonic'): VerifyParams {
  const p: VerifyParams = { unprivileged: settings.unprivileged, insnLimit: settings.instructionBudget, nrCpus: settings.cpus, dialect };
  if (settings.programType !== 'auto' && isProgType(settings.programType)) p.progType = settings.programType;
  return p;
}

function regsText(st: VState | undefined, maps: Program['maps']): ReadonlyMap<number, string> | undefined {
  if (!st) return undefined;
  const frame = st.frames[st.frames.length - 1];
  const out = new Map<number, string>();
  for (let r = 0; r < REGS; r++) {
    const reg = frame?.regs[r];
    if (reg) out.set(r, formatRegFriendly(reg, maps));
  }
  return out;
}

/** Slots that a jump or call lands on: their recorded state may come from another path. */
function branchTargets(program: Program): Set<number> {
  const out = new Set<number>();
  program.insns.forEach((insn, i) => {
    if (insn.filler) return;
    const m = matchForm(insn);
    if (!('form' in m)) return;
    const k = m.form.kind;
    if (k === 'jcond' || k === 'ja' || k === 'may_goto') out.add(i + 1 + insn.off);
    else if (k === 'gotol' || k === 'call_local') out.add(i + 1 + insn.imm);
  });
  return out;
}

/** Register states by slot. "After" a slot is the state before the next slot on the fall-through path. */
export function registerStates(program: Program, result: VerifyResult): RegisterStates {
  const targets = branchTargets(program);
  const cache = new Map<number, ReadonlyMap<number, string> | undefined>();
  const before = (slot: number) => {
    if (!cache.has(slot)) cache.set(slot, regsText(result.states[slot], program.maps));
    return cache.get(slot);
  };
  return {
    before,
    after(slot) {
      const insn = program.insns[slot];
      if (!insn || insn.filler) return undefined;
      const m = matchForm(insn);
      const next = slot + ('form' in m ? m.form.slots : 1);
      if (next >= program.insns.length) return undefined;
      if (!targets.has(next)) return before(next);
      // A join point: keep only what every path that reached it agrees on.
      const all = (result.allStates[next] ?? []).map((st) => regsText(st, program.maps)!);
      if (all.length === 0) return undefined;
      const agreed = new Map<number, string>();
      for (let r = 0; r < REGS; r++) {
        const v = all[0].get(r);
        if (v !== undefined && all.every((x) => x.get(r) === v)) agreed.set(r, v);
      }
      return agreed;
    },
  };
}

function stats(r: VerifyResult): string {
  return `${r.stats.processed} insns processed, ${r.stats.states} states`;
}

/** Verifies every program of an assembly document. */
export function verifyAsmDoc(doc: AsmDoc, settings: EditorSettings): { findings: Finding[]; checks: ProgramCheck[] } {
  const params = verifyParams(settings, doc.dialect);
  const findings: Finding[] = [];
  const checks: ProgramCheck[] = doc.result.programs.map((program) => {
    const r = verify(program, params);
    findings.push(...r.findings);
    return {
      name: program.name,
      accepted: r.accepted,
      states: registerStates(program, r),
      stats: stats(r),
      log: () => verify(program, { ...params, log: true }).log ?? '',
    };
  });
  return { findings, checks };
}

/**
 * Compiles a script that checked cleanly and verifies each probe's program, as loading it would.
 * A rejection is reported on the probe's attach point, as a warning: it is about the program this
 * compiler made, which may differ from bpftrace's.
 */
export function verifyProbeDoc(doc: ProbeDoc, settings: EditorSettings, options: CompileOptions = {}, file?: string): { findings: Finding[]; checks: ProgramCheck[] } {
  const compiled = compileScript(doc.text, file, { ...options, ncpus: settings.cpus });
  // What only the compiler finds is about eBPF Studio's simulation (a function it cannot run),
  // not about the script bpftrace would run: a warning, never an error.
  const findings: Finding[] = compiled.findings
    .filter((f) => f.severity === 'error' && !doc.parse.findings.some((g) => g.message === f.message))
    .map((f) => ({ ...f, severity: 'warning' }));
  if (findings.length) return { findings, checks: [] };
  const params = verifyParams(settings, 'llvm');
  const checks: ProgramCheck[] = compiled.programs.map((cp) => {
    // A probe's own program type: the setting is for assembly files.
    const own = { ...params, progType: cp.program.type };
    const r = verify(cp.program, own);
    const probe = doc.ast.probes[cp.probeIndex];
    const at = probe?.attachPoints[0]?.range ?? probe?.range ?? { start: { line: 0, col: 0 }, end: { line: 0, col: 0 } };
    for (const f of r.findings) {
      if (f.severity !== 'error') continue;
      // bpftrace compiles differently from eBPF Studio, so this says how our program fared, as a warning.
      findings.push({
        range: at,
        severity: 'warning',
        message: `the verifier rejects the program eBPF Studio compiled for ${cp.probe}: ${f.message}`,
        kernelText: f.kernelText,
        code: f.code,
      });
    }
    return { name: cp.probe, accepted: r.accepted, stats: stats(r), log: () => verify(cp.program, { ...own, log: true }).log ?? '' };
  });
  return { findings, checks };
}
