// Every ALU operation and jump condition, both widths, register and immediate operands, on all
// pairs of edge values, through both engines, checked against the reference semantics.
import { describe, expect, it } from 'vitest';
import type { Insn, Program } from '../../server/src/core/types';
import { lddwSlots, makeInsn } from '../../server/src/isa/codec';
import { FORMS } from '../../server/src/isa/table';
import { createVm } from '../../server/src/vm/index';
import { ALU32, ALU64, condHolds, immOperand } from '../../server/src/vm/semantics';

const EDGES = [
  0n, 1n, 2n, 3n, 31n, 32n, 33n, 63n, 64n, 0x7fn, 0x80n, 0xffn, 0x8000n, 0xffffn, 0x7fffffffn, 0x80000000n, 0x80000001n, 0xffffffffn,
  0x100000000n, 0x100000001n, 0x7fffffffffffffffn, 0x8000000000000000n, 0xffffffff00000000n, 0xfffffffffffffffen, 0xffffffffffffffffn,
  0x123456789abcdef0n,
];
const IMMS = [0, 1, -1, 2, 31, 32, 63, 0x7fffffff, -0x80000000, 0xffff, -2, 3];

function program(insns: Insn[]): Program {
  return { name: 'edges', section: '.text', type: 'socket_filter', insns, maps: [], relocs: [], symbols: [] };
}

/** Runs with a scratch memory at r1 and returns the 64-bit words the program stored, from both engines. */
function results(insns: Insn[], count: number): { jit: bigint[]; interp: bigint[] } {
  const words = (engine: 'jit' | 'interp') => {
    const vm = createVm(program([...insns, { opcode: 0x95, dst: 0, src: 0, off: 0, imm: 0 }]), { mem: new Uint8Array(count * 8), engine, conformance: true, budget: 10_000_000 });
    vm.run();
    const s = vm.state();
    if (s.fault) throw new Error(s.fault.message);
    const mem = vm.machine.mem.all().find((r) => r.kind === 'mem')!;
    return Array.from({ length: count }, (_, i) => mem.dv.getBigUint64(i * 8, true));
  };
  return { jit: words('jit'), interp: words('interp') };
}

// r1 moves along the scratch memory, one word per case.
const advance: Insn = { opcode: 0x07, dst: 1, src: 0, off: 0, imm: 8 };
const store = (reg: number): Insn => ({ opcode: 0x7b, dst: 1, src: reg, off: 0, imm: 0 });

describe('ALU edge values', () => {
  for (const f of FORMS.filter((x) => x.kind === 'alu')) {
    const name = `${f.mnemonic} ${f.source}`;
    it(name, () => {
      const insns: Insn[] = [];
      const expected: bigint[] = [];
      const table = f.width === 64 ? ALU64 : ALU32;
      for (const a of EDGES) {
        for (const b of f.source === 'reg' ? EDGES : IMMS) {
          insns.push(...lddwSlots(2, 0, a));
          if (typeof b === 'bigint') insns.push(...lddwSlots(3, 0, b), makeInsn(f, { dst: 2, src: 3 }));
          else insns.push(makeInsn(f, { dst: 2, imm: b }));
          insns.push(store(2), advance);
          const operand = typeof b === 'bigint' ? b : immOperand(b, f.width);
          expected.push(table[f.alu!.name](a, operand));
        }
      }
      const { jit, interp } = results(insns, expected.length);
      expect(interp).toEqual(expected);
      expect(jit).toEqual(expected);
    });
  }
});

describe('jump conditions on edge values', () => {
  for (const f of FORMS.filter((x) => x.kind === 'jcond')) {
    it(`${f.mnemonic} ${f.source}`, () => {
      const insns: Insn[] = [];
      const expected: bigint[] = [];
      for (const a of EDGES) {
        for (const b of f.source === 'reg' ? EDGES : IMMS) {
          insns.push(...lddwSlots(2, 0, a), { opcode: 0xb7, dst: 0, src: 0, off: 0, imm: 1 });
          if (typeof b === 'bigint') insns.push(...lddwSlots(3, 0, b), makeInsn(f, { dst: 2, src: 3, off: 1 }));
          else insns.push(makeInsn(f, { dst: 2, imm: b, off: 1 }));
          insns.push({ opcode: 0xb7, dst: 0, src: 0, off: 0, imm: 0 }, store(0), advance);
          const operand = typeof b === 'bigint' ? b : immOperand(b, 64);
          expected.push(condHolds(f.cond!.name, f.width, a, operand) ? 1n : 0n);
        }
      }
      const { jit, interp } = results(insns, expected.length);
      expect(interp).toEqual(expected);
      expect(jit).toEqual(expected);
    });
  }
});

describe('unary forms on edge values', () => {
  for (const f of FORMS.filter((x) => ['neg', 'movsx', 'endian', 'bswap'].includes(x.kind))) {
    it(f.mnemonic, () => {
      const insns: Insn[] = [];
      for (const a of EDGES) {
        insns.push(...lddwSlots(2, 0, a), ...lddwSlots(3, 0, a), makeInsn(f, { dst: 2, src: f.uses.src ? 3 : 0 }), store(2), advance);
      }
      const { jit, interp } = results(insns, EDGES.length);
      expect(jit).toEqual(interp);
    });
  }
});
