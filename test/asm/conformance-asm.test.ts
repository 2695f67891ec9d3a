import { describe, expect, it } from 'vitest';
import { assemble } from '../../server/src/asm/assembler';
import { encodeProgram, slotAsU64 } from '../../server/src/isa/codec';
import { conformanceFiles, readConformance } from '../support/tools';

const files = conformanceFiles();

describe.skipIf(files.length === 0)('every -- asm section of the conformance suite assembles', () => {
  it('finds the 313 files', () => {
    expect(files.length).toBe(313);
  });
  for (const file of files) {
    const c = readConformance(file);
    it(c.name, () => {
      const r = assemble(c.asm ?? '', { file });
      expect(r.findings.filter((f) => f.severity === 'error')).toEqual([]);
      expect(r.dialect).toBe('mnemonic');
      expect(r.programs).toHaveLength(1);
      expect(encodeProgram(r.programs[0].insns).length).toBeGreaterThan(0);
      if (c.raw) expect(r.programs[0].insns.map(slotAsU64)).toEqual(c.raw);
    });
  }
});
