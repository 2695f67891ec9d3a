// Our assembler against llvm-mc-19, byte for byte, on every instruction form llvm-mc accepts,
// with registers and immediates/offsets at their edges. The input text is produced by our
// disassembler, so the same run also checks that the printed syntax is what llvm-mc reads.
import { describe, expect, it } from 'vitest';
import { assemble } from '../../server/src/asm/assembler';
import { disassembleInsns } from '../../server/src/asm/disasm';
import { encodeProgram, lddwSlots, makeInsn } from '../../server/src/isa/codec';
import { FORMS, type InsnForm } from '../../server/src/isa/table';
import type { Insn } from '../../server/src/core/types';
import { llvmMcText, missingTool } from '../support/tools';

const skip = missingTool('llvm-mc-19') ?? missingTool('llvm-objcopy-19');

const IMMS = [0, 1, -1, 7, 0x7fffffff, -0x80000000, 0x1234];
const OFFS = [0, 1, -1, 8, -8, 0x7fff, -0x8000];
const REGS: [number, number][] = [[0, 0], [1, 2], [10, 9], [5, 10]];

/** Forms llvm-mc 19 has no syntax for; they are checked by round trip instead. */
const NO_LLVM_SYNTAX = new Set(['kfunc', 'call_local']);

function variants(form: InsnForm): Insn[][] {
  const out: Insn[][] = [];
  if (form.kind === 'lddw') {
    if (form.fixed.src !== 0) return [];
    for (const v of [0n, 1n, 0xffffffffffffffffn, 0x123456789abcdef0n, 0x80000000n, 0x7fffffffn]) {
      for (const [d] of REGS) out.push(lddwSlots(d, 0, v));
    }
    return out;
  }
  for (const [d, s] of REGS) {
    // llvm-mc 19 reads gotol's operand as 16 bits although the field holds 32; beyond that, round trip covers it.
    const imms = form.uses.imm
      ? form.kind === 'call' ? [1, 5, 211] : form.kind === 'addr_space_cast' ? [0x10000, 1, 0x20003] : form.kind === 'gotol' ? OFFS : form.kind === 'ldind' ? [0] : IMMS
      : [0];
    const offs = form.uses.off ? OFFS : [0];
    for (const imm of imms) {
      for (const off of offs) {
        if (form.kind === 'alu' && form.source === 'imm' && ['lsh', 'rsh', 'arsh'].includes(form.alu!.name) && (imm < 0 || imm >= form.width)) continue;
        // llvm-mc reads `r1 = -r1` with one register: neg's dst is also its source.
        out.push([makeInsn(form, { dst: d, src: s, imm, off })]);
      }
    }
  }
  return out;
}

describe.skipIf(skip !== undefined)('assembler = llvm-mc-19 byte for byte', () => {
  const forms = FORMS.filter((f) => !NO_LLVM_SYNTAX.has(f.kind));
  it('covers every form llvm-mc has syntax for', () => {
    expect(forms.length).toBeGreaterThan(150);
  });
  it('all forms × edge operands', () => {
    const cases: { form: InsnForm; insns: Insn[]; text: string }[] = [];
    for (const form of forms) {
      for (const insns of variants(form)) {
        const lines = disassembleInsns(insns, { dialect: 'llvm' });
        expect(lines).toHaveLength(1);
        cases.push({ form, insns, text: lines[0].text });
      }
    }
    const source = cases.map((c) => c.text).join('\n') + '\n';
    const ours = assemble(source, { dialect: 'llvm' });
    expect(ours.findings.filter((f) => f.severity === 'error')).toEqual([]);
    const ourBytes = encodeProgram(ours.programs[0].insns);
    const theirs = llvmMcText(source);
    // Compare case by case to name the form that differs.
    let at = 0;
    for (const c of cases) {
      const n = c.insns.length * 8;
      const a = Buffer.from(ourBytes.subarray(at, at + n)).toString('hex');
      const b = Buffer.from(theirs.subarray(at, at + n)).toString('hex');
      expect({ form: c.form.mnemonic, text: c.text, bytes: a }).toEqual({ form: c.form.mnemonic, text: c.text, bytes: b });
      expect(a).toBe(Buffer.from(encodeProgram(c.insns)).toString('hex'));
      at += n;
    }
    expect(at).toBe(theirs.length);
    console.log(`llvm-mc oracle: ${cases.length} instructions over ${forms.length} forms agree`);
  });
  it('labels, local calls and both directions of jumps', () => {
    const source = [
      'entry:',
      '  r1 = 0',
      '  if r1 > 3 goto out',
      '  call sub',
      'back:',
      '  r1 += 1',
      '  if w1 s< 10 goto back',
      '  gotol out',
      'out:',
      '  exit',
      'sub:',
      '  r0 = 7',
      '  exit',
    ].join('\n');
    const ours = assemble(source);
    expect(ours.findings).toEqual([]);
    expect(Buffer.from(encodeProgram(ours.programs[0].insns)).toString('hex')).toBe(Buffer.from(llvmMcText(source)).toString('hex'));
  });
  it('hand-written spellings llvm-mc accepts', () => {
    const source = [
      'r1 = 0x123456789abcdef0 ll',
      'w0 = (s8)w1',
      'lock *(u64 *)(r10 - 8) += r1',
      'r0 = atomic_fetch_add((u64 *)(r10 - 8), r0)',
      'if r1 s> -3 goto +1',
      'w1 = *(u32 *)(r2 + 4)',
      '*(u32 *)(r10 - 8) = w1',
      '*(u32 *)(r10 - 8) = r1',
      'r1 = 4294967295',
      'r1 = *(u8 *)(r2 +4)',
      'r1 = r2 # a comment',
      'r0 = *(u8 *)skb[4]',
      'exit',
    ].join('\n');
    const ours = assemble(source);
    expect(ours.findings).toEqual([]);
    expect(Buffer.from(encodeProgram(ours.programs[0].insns)).toString('hex')).toBe(Buffer.from(llvmMcText(source)).toString('hex'));
  });
});
