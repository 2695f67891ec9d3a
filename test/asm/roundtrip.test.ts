// Random valid instructions → disassemble → assemble gives back the same bytes, in both dialects.
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { assemble } from '../../server/src/asm/assembler';
import { disassembleInsns } from '../../server/src/asm/disasm';
import { encodeProgram, formOf, lddwSlots, makeInsn } from '../../server/src/isa/codec';
import { FORMS, PSEUDO } from '../../server/src/isa/table';
import type { Insn } from '../../server/src/core/types';

const formArb = fc.constantFrom(...FORMS.filter((f) => !(f.kind === 'lddw' && f.fixed.src !== 0)));

/** One random valid instruction (1 or 2 slots); local calls get an in-range target. */
const insnArb = fc
  .record({
    form: formArb,
    dst: fc.integer({ min: 0, max: 10 }),
    src: fc.integer({ min: 0, max: 10 }),
    off: fc.integer({ min: -32768, max: 32767 }),
    imm: fc.integer({ min: -0x80000000, max: 0x7fffffff }),
    imm64: fc.bigInt({ min: 0n, max: (1n << 64n) - 1n }),
  })
  .map(({ form, dst, src, off, imm, imm64 }): Insn[] => {
    if (form.kind === 'lddw') return lddwSlots(dst, 0, imm64);
    return [makeInsn(form, { dst, src: form.uses.src ? src : 0, off: form.uses.off ? off : 0, imm: form.uses.imm ? imm : 0 })];
  });

function roundTrip(insns: Insn[], dialect: 'llvm' | 'mnemonic', labels: boolean) {
  const text = disassembleInsns(insns, { dialect, labels }).map((l) => l.text).join('\n');
  const r = assemble(text, { dialect });
  return { text, r };
}

describe('assemble ∘ disassemble is the identity on bytes', () => {
  for (const dialect of ['llvm', 'mnemonic'] as const) {
    it(`single random instructions (${dialect})`, () => {
      fc.assert(
        fc.property(insnArb, (insns) => {
          // A local call needs a target inside the program: point it at itself's successor.
          if (formOf(insns[0])?.kind === 'call_local') insns = [{ ...insns[0], imm: 0 }, { opcode: 0x95, dst: 0, src: 0, off: 0, imm: 0 }];
          const { text, r } = roundTrip(insns, dialect, false);
          expect(r.findings.filter((f) => f.severity === 'error'), text).toEqual([]);
          expect(Buffer.from(encodeProgram(r.programs[0].insns)).toString('hex'), text).toBe(Buffer.from(encodeProgram(insns)).toString('hex'));
        }),
        { numRuns: 3000 },
      );
    });

    it(`random programs with labels (${dialect})`, () => {
      fc.assert(
        fc.property(fc.array(insnArb, { minLength: 1, maxLength: 40 }), fc.array(fc.nat(), { maxLength: 10 }), (parts, jumps) => {
          const insns = parts.flat();
          insns.push({ opcode: 0x95, dst: 0, src: 0, off: 0, imm: 0 });
          // Make some instructions jumps to real targets so labels get printed.
          for (const j of jumps) {
            const at = j % insns.length;
            if (insns[at].filler || insns[at].opcode === 0x18) continue;
            let target = (j * 7) % insns.length;
            if (insns[target].filler) target--;
            insns[at] = { opcode: 0x05, dst: 0, src: 0, off: target - at - 1, imm: 0 };
          }
          for (let i = 0; i < insns.length; i++) {
            if (insns[i].opcode === 0x85 && insns[i].src === PSEUDO.CALL) insns[i] = { ...insns[i], imm: insns.length - 1 - i - 1 };
          }
          const { text, r } = roundTrip(insns, dialect, true);
          expect(r.findings.filter((f) => f.severity === 'error'), text).toEqual([]);
          expect(Buffer.from(encodeProgram(r.programs[0].insns)).toString('hex')).toBe(Buffer.from(encodeProgram(insns)).toString('hex'));
        }),
        { numRuns: 300 },
      );
    });
  }

  it('invalid encodings survive as raw .quad data', () => {
    const bytes = [
      { opcode: 0xff, dst: 1, src: 2, off: 3, imm: 4 }, // no such opcode
      { opcode: 0x07, dst: 1, src: 5, off: 0, imm: 1 }, // add with a stray src field
      { opcode: 0x95, dst: 0, src: 0, off: 0, imm: 0 },
    ];
    const { text, r } = roundTrip(bytes, 'llvm', false);
    expect(text).toContain('.quad');
    expect(text).toContain('unknown opcode 0xff');
    expect(encodeProgram(r.programs[0].insns)).toEqual(encodeProgram(bytes));
  });
});
