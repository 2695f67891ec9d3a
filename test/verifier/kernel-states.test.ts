// Register states against the kernel's own log: random straight-line scalar programs are loaded
// with log level 2, and after every instruction each register the kernel prints must print the
// same from our state (types, tnums, all eight bounds, ids), in the kernel's format.
import { describe, expect, test } from 'vitest';
import { assemble } from '../../server/src/asm/assembler';
import { loadProgram } from '../../server/src/kernel/programMaps';
import { closeFd } from '../../server/src/kernel/bpf';
import { formatRegKernel, verify } from '../../server/src/verifier/index';
import { rng, scalarProgramText } from './generator';
import { kernelSkipReason } from './support';

const noKernel = kernelSkipReason();

describe.skipIf(noKernel)('register states match the kernel log', () => {
  test('random scalar arithmetic, spills and fills (seeded)', () => {
    const r = rng(77);
    let compared = 0;
    const diffs: string[] = [];
    for (let t = 0; t < 60; t++) {
      const text = scalarProgramText(r, 10 + Math.floor(r() * 30));
      const p = assemble(text).programs[0];
      const k = loadProgram(p, { logLevel: 2 });
      closeFd(k.fd);
      const v = verify(p);
      expect(v.accepted).toBe(k.fd !== undefined);
      for (const line of k.log.split('\n')) {
        const m = /^(\d+): \((..)\) (.*?)\s+; (.*)$/.exec(line);
        if (!m) continue;
        const next = Number(m[1]) + (m[2] === '18' ? 2 : 1);
        const st = v.states[next];
        if (!st) continue;
        for (const item of m[4].split(/ (?=R\d+=|fp-\d+=)/)) {
          const rm = /^R(\d+)=(.*)$/.exec(item.trim());
          if (!rm) continue;
          compared++;
          const ours = formatRegKernel(st.frames[0].regs[Number(rm[1])], p.maps);
          if (ours !== rm[2]) diffs.push(`program ${t}, after insn ${m[1]} (${m[3]}): R${rm[1]} kernel ${rm[2]} ours ${ours}`);
        }
      }
    }
    console.log(`register states compared with the kernel log: ${compared}, differing: ${diffs.length}`);
    expect(compared).toBeGreaterThan(1000);
    expect(diffs.slice(0, 20)).toEqual([]);
  }, 60_000);
});
