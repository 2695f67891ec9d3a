import { describe, expect, it } from 'vitest';
import { assemble } from '../../server/src/asm/assembler';
import { decodeProgram } from '../../server/src/isa/codec';
import type { Program } from '../../server/src/core/types';
import { runProgram } from '../../server/src/vm/index';
import { conformanceFiles, readConformance, type ConformanceCase } from '../support/tools';

const files = conformanceFiles();
if (files.length === 0) console.warn('../shared/conformance is missing; skipping the conformance suite');

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

for (const engine of ['auto', 'interp'] as const) {
  describe.skipIf(files.length === 0)(`conformance suite (${engine === 'auto' ? 'compiled' : 'interpreter'})`, () => {
    it('has 313 cases', () => expect(files.length).toBe(313));
    for (const file of files) {
      const c = readConformance(file);
      it(c.name, () => {
        const program = conformanceProgram(c, file);
        const r = runProgram(program, { mem: c.mem ?? new Uint8Array(0), conformance: true, engine });
        if (c.error !== undefined) {
          expect(r.ok).toBe(false);
          expect(r.fault?.message ?? r.error).toMatch(new RegExp(c.error.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'), 'i'));
          return;
        }
        expect(r.fault).toBeUndefined();
        expect(r.r0).toBe('0x' + BigInt.asUintN(64, c.result ?? 0n).toString(16).padStart(16, '0'));
      });
    }
  });
}
