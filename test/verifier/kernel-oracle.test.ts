// The kernel as oracle: hand-written programs per check, clang-19-compiled C programs and seeded
// mutants of valid programs are loaded by the running kernel (BPF_PROG_LOAD) and by our verifier.
// The verdicts must agree and, for rejections, our kernel text must equal the kernel log's last line.
import { describe, expect, test } from 'vitest';
import type { Program } from '../../server/src/core/types';
import { generatePrograms } from './generator';
import {
  assembleOne, clangSkipReason, compileCProgram, cProgramNames, kernelSkipReason, kernelVerdict, loadCorpus, ourVerdict,
} from './support';

const noKernel = kernelSkipReason();
const noClang = noKernel ? undefined : clangSkipReason();

interface Disagreement {
  program: string;
  kernel: string;
  ours: string;
}

function compare(name: string, p: Program, out: Disagreement[]): boolean {
  const k = kernelVerdict(p);
  const o = ourVerdict(p);
  if (k.text !== o.text) out.push({ program: name, kernel: k.text, ours: o.text });
  return k.accepted;
}

describe.skipIf(noKernel)('kernel oracle', () => {
  const corpus = loadCorpus();

  test('hand-written programs: verdicts and last log lines agree', () => {
    const bad: Disagreement[] = [];
    const stale: string[] = [];
    let accepted = 0;
    for (const c of corpus) {
      const p = assembleOne(c.source);
      const k = kernelVerdict(p);
      if (k.accepted) accepted++;
      if (c.expect !== undefined && c.expect !== k.text) stale.push(`${c.file}: ${c.name}: recorded '${c.expect}', kernel says '${k.text}'`);
      const o = ourVerdict(p);
      if (o.text !== k.text) bad.push({ program: `${c.file}: ${c.name}`, kernel: k.text, ours: o.text });
    }
    console.log(`kernel oracle, hand-written: ${corpus.length} programs (${accepted} accepted), ${bad.length} disagreements`);
    expect(bad).toEqual([]);
    expect(stale).toEqual([]);
  });

  test.skipIf(noClang)('clang-19 compiled C programs agree', () => {
    const bad: Disagreement[] = [];
    let n = 0;
    for (const name of cProgramNames()) {
      for (const p of compileCProgram(name)) {
        n++;
        compare(`c/${name}.c ${p.name}`, p, bad);
      }
    }
    console.log(`kernel oracle, compiled C: ${n} programs, ${bad.length} disagreements`);
    expect(n).toBeGreaterThanOrEqual(15);
    expect(bad).toEqual([]);
  });

  test.skipIf(noClang)('seeded mutants of the compiled C programs agree', () => {
    const bases = cProgramNames().flatMap((n) => compileCProgram(n));
    const mutants = generatePrograms(bases, 150, 8086);
    const bad: Disagreement[] = [];
    let accepted = 0;
    mutants.forEach((p, i) => {
      if (compare(`C mutant #${i} of ${p.name}`, p, bad)) accepted++;
    });
    console.log(`kernel oracle, C mutants: ${mutants.length} programs (${accepted} accepted), ${bad.length} disagreements`);
    expect(bad).toEqual([]);
  }, 120_000);

  test('seeded mutants of valid programs agree', () => {
    const bases = corpus.filter((c) => c.expect === 'ACCEPT').map((c) => assembleOne(c.source));
    const mutants = generatePrograms(bases, 250, 20250611);
    const bad: Disagreement[] = [];
    let accepted = 0;
    mutants.forEach((p, i) => {
      if (compare(`mutant #${i} of ${p.name}`, p, bad)) accepted++;
    });
    console.log(`kernel oracle, mutants: ${mutants.length} programs (${accepted} accepted), ${bad.length} disagreements`);
    expect(bad).toEqual([]);
  }, 120_000);
});
