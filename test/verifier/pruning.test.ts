// State pruning: paths that join with states already proven safe stop early, as in the kernel,
// so the work grows with the program, not with the number of paths through it.
import { describe, expect, test } from 'vitest';
import { assemble } from '../../server/src/asm/assembler';
import { closeFd } from '../../server/src/kernel/bpf';
import { loadProgram } from '../../server/src/kernel/programMaps';
import { verify } from '../../server/src/verifier/index';
import { generatedProgramText } from '../../bench/verifier-bench';
import { kernelSkipReason } from './support';

/** n diamonds, each spilling a constant that differs between its two sides, then one helper reading them all. */
function spilledDiamonds(n: number): string {
  const lines = ['.map rb ringbuf entries=4096', '.section socket', '  r6 = r1'];
  for (let k = 0; k < n; k++) {
    lines.push(`  r1 = *(u32 *)(r6 + ${[0, 4, 8, 16][k % 4]})`, `  if r1 > ${k + 5} goto a${k}`, '  r7 = 1', `  goto b${k}`, `a${k}:`, '  r7 = 2', `b${k}:`, `  *(u64 *)(r10 - ${8 * (k + 1)}) = r7`);
  }
  lines.push('  r1 = rb ll', '  r2 = r10', `  r2 += -${8 * n}`, `  r3 = ${8 * n}`, '  r4 = 0', '  call bpf_ringbuf_output', '  r0 = 0', '  exit');
  return lines.join('\n') + '\n';
}

/** n diamonds whose constant is later tested: the value matters and must not be merged away. */
function testedDiamonds(n: number): string {
  const lines = ['.section socket', '  r6 = r1', '  r8 = 0'];
  for (let k = 0; k < n; k++) {
    lines.push(`  r1 = *(u32 *)(r6 + 0)`, `  if r1 > ${k + 5} goto a${k}`, '  r7 = 1', `  goto b${k}`, `a${k}:`, '  r7 = 2', `b${k}:`, `  if r7 == 1 goto c${k}`, '  r8 += 1', `c${k}:`);
  }
  lines.push('  r0 = r8', '  exit');
  return lines.join('\n') + '\n';
}

const prog = (text: string) => assemble(text).programs[0];

describe('state pruning', () => {
  test('joins of spilled constants that nothing checks are pruned (linear work)', () => {
    const small = verify(prog(spilledDiamonds(10)));
    const big = verify(prog(spilledDiamonds(40)));
    expect(small.accepted && big.accepted).toBe(true);
    expect(big.stats.processed).toBeLessThan(small.stats.processed * 5);
  });

  test('values that decide later branches are kept apart, yet the work stays linear', () => {
    const v = verify(prog(testedDiamonds(30)));
    expect(v.accepted).toBe(true);
    expect(v.stats.processed).toBeLessThan(30 * 20);
  });

  test('a 10,000-instruction program verifies with about one pass over it', () => {
    const v = verify(prog(generatedProgramText(10_000)));
    expect(v.accepted).toBe(true);
    expect(v.stats.processed).toBeLessThan(60_000);
  });

  const noKernel = kernelSkipReason();
  test.skipIf(noKernel)('we process no more than 1.5 times the instructions the kernel does', () => {
    for (const text of [spilledDiamonds(20), testedDiamonds(20), generatedProgramText(4000)]) {
      const p = prog(text);
      const k = loadProgram(p, { logLevel: 1 });
      closeFd(k.fd);
      const kernelProcessed = Number(/processed (\d+) insns/.exec(k.log)?.[1]);
      expect(k.fd).toBeDefined();
      expect(verify(p).stats.processed).toBeLessThanOrEqual(kernelProcessed * 1.5);
    }
  });
});
