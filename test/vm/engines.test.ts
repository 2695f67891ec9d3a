// The compiled engine and the interpreter must agree on every program: registers, memory, counts,
// and the exact fault. Random programs mix every arithmetic, memory, atomic and jump form with
// loops, calls, recursion and out-of-bounds accesses.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { createVm } from '../../server/src/vm/index';
import type { Program } from '../../server/src/core/types';
import { randomAnyProgram, Rng } from './gen';

function outcome(program: Program, engine: 'jit' | 'interp', mem: Uint8Array) {
  const vm = createVm(program, { mem: mem.slice(), engine, budget: 3000, conformance: true });
  vm.run();
  const s = vm.state();
  const memRegion = vm.machine.mem.all().find((r) => r.kind === 'mem');
  return {
    status: s.status,
    r0: s.r0,
    insnCount: s.insnCount,
    pc: s.pc,
    registers: s.registers,
    fault: s.fault,
    stack: s.frames[0].stack,
    mem: Array.from(memRegion?.u8 ?? []),
  };
}

describe('compiled engine = interpreter', () => {
  it('agrees on random programs', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 0x7fffffff }), fc.boolean(), fc.boolean(), (seed, loops, calls) => {
        const r = new Rng(seed);
        const memSize = 64;
        const program = randomAnyProgram(r, { length: r.range(5, 60), memSize, loops, calls });
        const mem = new Uint8Array(memSize).map(() => r.int(256));
        const a = outcome(program, 'jit', mem);
        const b = outcome(program, 'interp', mem);
        expect(a).toEqual(b);
      }),
      { numRuns: 400, seed: 20261126 },
    );
  });

  it('reaches exits, faults and the budget among those programs', () => {
    const seen = new Set<string>();
    for (let seed = 1; seed <= 300; seed++) {
      const r = new Rng(seed);
      const program = randomAnyProgram(r, { length: 40, memSize: 64, loops: seed % 2 === 0, calls: seed % 3 === 0 });
      const o = outcome(program, 'jit', new Uint8Array(64));
      seen.add(o.fault?.kind ?? o.status);
    }
    expect([...seen].sort()).toEqual(expect.arrayContaining(['exited', 'out-of-bounds', 'budget']));
  });
});
