import { describe, expect, it } from 'vitest';
import { runProgram } from '../../server/src/vm/index';
import { conformanceFiles, readConformance } from '../support/tools';
import { conformanceProgram } from './support';

const files = conformanceFiles();
if (files.length === 0) console.warn('../shared/conformance is missing; skipping the conformance suite');

for (const engine of ['jit', 'interp'] as const) {
  describe.skipIf(files.length === 0)(`conformance suite (${engine === 'jit' ? 'compiled' : 'interpreter'})`, () => {
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
