// Inlay hints: after an instruction that writes a register, the register's type as the verifier
// sees it once the instruction ran (`r0: map_value_or_null`).
import type { Insn } from '../core/types';
import { matchForm } from '../isa/codec';
import type { InsnForm } from '../isa/table';
import type { AsmDoc } from './asm-doc';
import type { ProgramCheck } from './analysis';
import type { InlayHintInfo } from './types';

/** The register an instruction writes, if any. */
export function registerWritten(insn: Insn, form: InsnForm): number | undefined {
  switch (form.kind) {
    case 'alu':
    case 'neg':
    case 'movsx':
    case 'endian':
    case 'bswap':
    case 'ldx':
    case 'ldxsx':
    case 'lddw':
    case 'addr_space_cast':
      return insn.dst;
    case 'call':
    case 'kfunc':
    case 'call_local':
    case 'callx':
    case 'ldabs':
    case 'ldind':
      return 0;
    case 'atomic':
      if (form.atomic?.name === 'cmpxchg') return 0;
      return form.atomic?.fetch ? insn.src : undefined;
    default:
      return undefined;
  }
}

/** Hints for the lines from `startLine` to `endLine`, from the verifier's states. */
export function asmInlayHints(doc: AsmDoc, checks: readonly ProgramCheck[], startLine: number, endLine: number): InlayHintInfo[] {
  const out: InlayHintInfo[] = [];
  const last = Math.min(endLine, doc.lines.length - 1);
  for (let line = Math.max(0, startLine); line <= last; line++) {
    const at = doc.insnAt(line);
    if (!at) continue;
    const states = checks[at.programIndex]?.states;
    if (!states) continue;
    const insn = at.program.insns[at.slot];
    const m = matchForm(insn);
    if (!('form' in m)) continue;
    const reg = registerWritten(insn, m.form);
    if (reg === undefined) continue;
    const after = states.after(at.slot);
    const text = after?.get(reg);
    if (!text) continue;
    const lt = doc.tokens(line);
    const lastTok = lt.toks[lt.toks.length - 1];
    if (!lastTok) continue;
    out.push({ position: { line, col: lastTok.end }, label: ` r${reg}: ${text}`, tooltip: `r${reg} after this instruction, as the verifier sees it` });
  }
  return out;
}
