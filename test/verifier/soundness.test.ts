// Soundness: programs the verifier accepts, run in the VM on random inputs, never fault on memory
// (out-of-bounds, NULL, read-only or context accesses). The programs are the accepted corpus, the
// accepted seeded mutants and (when clang-19 is present) the accepted compiled C programs.
import { describe, expect, test } from 'vitest';
import { runProgram } from '../../server/src/vm/index';
import { verify } from '../../server/src/verifier/index';
import { generatePrograms, rng } from './generator';
import { assembleOne, clangSkipReason, compileCProgram, cProgramNames, loadCorpus } from './support';

const MEMORY_FAULTS = new Set(['out-of-bounds', 'null-pointer', 'read-only', 'ctx-access']);

/**
 * Context accesses are judged by per-type rules (checked against the kernel by the oracle tests);
 * the VM's context layouts are checked against the same kernel (test/vm/ctx-kernel.test.ts), and it
 * reads struct bpf_map through map pointers. A VM refusal of an access the verifier accepted is a
 * gap between the two models rather than a verifier bug: listed apart, and there must be none.
 */
const isModelGap = (f: { kind: string; message: string }): boolean =>
  f.kind === 'ctx-access' || /\(ctx, \d+ bytes/.test(f.message) || /is a map handle, not memory/.test(f.message);

describe('soundness: accepted programs never fault on memory in the VM', () => {
  test('corpus, mutants and compiled programs on random inputs', () => {
    const corpus = loadCorpus().filter((c) => c.expect === 'ACCEPT').map((c) => assembleOne(c.source));
    const mutants = generatePrograms(corpus, 400, 4242);
    const compiled = clangSkipReason() ? [] : cProgramNames().flatMap((n) => compileCProgram(n));
    const accepted = [...corpus, ...mutants, ...compiled].filter((p) => verify(p).accepted);
    const r = rng(31337);
    const failures: string[] = [];
    const vmGaps: string[] = [];
    let runs = 0;
    for (const p of accepted) {
      for (let k = 0; k < 4; k++) {
        const packet = Array.from({ length: Math.floor(r() * 128) }, () => Math.floor(r() * 256));
        const res = runProgram(p, { ctx: { packet }, seed: Math.floor(r() * 2 ** 31), budget: 200_000 });
        runs++;
        const f = res.fault;
        if (!f || !MEMORY_FAULTS.has(f.kind)) continue;
        const text = `${p.name}: ${f.kind}: ${f.message}`;
        if (isModelGap(f)) vmGaps.push(text);
        else failures.push(text);
      }
    }
    console.log(`soundness: ${accepted.length} accepted programs, ${runs} VM runs, ${failures.length} memory faults, ${vmGaps.length} VM model gaps`);
    expect(accepted.length).toBeGreaterThan(300);
    expect(failures).toEqual([]);
    expect(vmGaps).toEqual([]);
  }, 120_000);

  test('the property can fail: programs the verifier rejects for memory errors do fault', () => {
    const rejected = loadCorpus().filter((c) => /invalid access to (map value|packet)|offset is outside of the packet|outside of the allowed memory range/.test(c.expect ?? ''));
    let faulted = 0;
    for (const c of rejected) {
      const p = assembleOne(c.source);
      const res = runProgram(p, { ctx: { packet: new Array(16).fill(1) }, maps: {} });
      if (res.fault && MEMORY_FAULTS.has(res.fault.kind)) faulted++;
    }
    expect(rejected.length).toBeGreaterThan(5);
    expect(faulted).toBeGreaterThan(0);
  });
});
