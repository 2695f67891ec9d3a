// Small helpers for the VM tests: assemble LLVM-syntax text into a Program and run it.
import { assemble } from '../../server/src/asm/assembler';
import type { Program } from '../../server/src/core/types';
import { decodeProgram } from '../../server/src/isa/codec';
import type { ConformanceCase } from '../support/tools';
import { runProgram, type RunResult, type VmOptions } from '../../server/src/vm/index';

/** Assembles text (LLVM dialect unless it says otherwise); throws on assembler errors. */
export function asm(text: string, which = 0): Program {
  const r = assemble(text, { file: 'test.bpf.s' });
  const errors = r.findings.filter((f) => f.severity === 'error');
  if (errors.length > 0) throw new Error(errors.map((f) => `${f.range.start.line + 1}: ${f.message}`).join('\n'));
  return r.programs[which];
}

export function asmAll(text: string): Program[] {
  const r = assemble(text, { file: 'test.bpf.s' });
  const errors = r.findings.filter((f) => f.severity === 'error');
  if (errors.length > 0) throw new Error(errors.map((f) => `${f.range.start.line + 1}: ${f.message}`).join('\n'));
  return r.programs;
}

export function run(text: string, options: VmOptions = {}): RunResult {
  return runProgram(asm(text), options);
}

/** r0 as a signed number (for errno results). */
export function r0(r: RunResult): number {
  if (r.r0 === undefined) throw new Error(r.fault?.message ?? r.error ?? 'no r0');
  return Number(BigInt.asIntN(64, BigInt(r.r0)));
}

export function mapEntries(r: RunResult, name: string) {
  const m = r.maps.find((x) => x.name === name);
  if (!m) throw new Error(`no map ${name}`);
  return m.entries;
}

/** The program a case describes: `-- raw` (the exact bytes) wins over `-- asm`. */
export function conformanceProgram(c: ConformanceCase, file: string): Program {
  if (c.raw) {
    const bytes = new Uint8Array(c.raw.length * 8);
    const dv = new DataView(bytes.buffer);
    c.raw.forEach((v, i) => dv.setBigUint64(i * 8, v, true));
    return { name: c.name, section: '.text', type: 'socket_filter', insns: decodeProgram(bytes), maps: [], relocs: [], symbols: [] };
  }
  const r = assemble(c.asm ?? '', { file });
  const errors = r.findings.filter((f) => f.severity === 'error');
  if (errors.length > 0) throw new Error(errors.map((f) => f.message).join('\n'));
  return r.programs[0];
}

