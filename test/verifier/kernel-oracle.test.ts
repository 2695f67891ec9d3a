// The kernel as oracle: hand-written programs per check, clang-19-compiled C programs and seeded
// mutants of valid programs are loaded by the running kernel (BPF_PROG_LOAD) and by our verifier.
// The verdicts must agree and, for rejections, our kernel text must equal the kernel log's last line.
import { describe, expect, test } from 'vitest';
import type { Program } from '../../server/src/core/types';
import { HELPER_PROTOS } from '../../server/src/isa/helper-protos';
import { generatePrograms } from './generator';
import {
  assembleOne, clangSkipReason, compileCProgram, cProgramNames, FUNC_INFO_SKIP, kernelSkipReason, kernelVerdict, loadCorpus, ourVerdict, withoutFuncInfo,
} from './support';

const noKernel = kernelSkipReason();
const noClang = noKernel ? undefined : clangSkipReason();

interface Disagreement {
  program: string;
  kernel: string;
  ours: string;
}

/** Both verifiers on the program as loaded here (no BTF, so no func_info). */
function compare(name: string, program: Program, out: Disagreement[]): boolean {
  const p = withoutFuncInfo(program);
  const k = kernelVerdict(p);
  const o = ourVerdict(p);
  if (k.text !== o.text) out.push({ program: name, kernel: k.text, ours: o.text });
  return k.accepted;
}

describe.skipIf(noKernel)('kernel oracle', () => {
  const all = loadCorpus();
  // Callbacks need BTF func_info: their verdicts, worked out from verifier.c, are checked by corpus.test.ts.
  const corpus = all.filter((c) => !assembleOne(c.source).funcInfo);
  if (corpus.length < all.length) console.warn(`kernel oracle: ${all.length - corpus.length} hand-written programs skipped: each ${FUNC_INFO_SKIP}`);

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

  test('every allowed helper in every program type, with four argument patterns', () => {
    const sections: Record<string, string> = {
      socket_filter: 'socket', sched_cls: 'tc', xdp: 'xdp', kprobe: 'kprobe/x', tracepoint: 'tracepoint/a/b',
      raw_tracepoint: 'raw_tp/x', perf_event: 'perf_event', cgroup_skb: 'cgroup_skb/ingress',
    };
    const patterns: Record<string, string> = {
      zeros: '  r1 = 0\n  r2 = 0\n  r3 = 0\n  r4 = 0\n  r5 = 0\n',
      ctx: '  r2 = 0\n  r3 = 0\n  r4 = 0\n  r5 = 0\n',
      stack: '  r6 = 0\n  *(u64 *)(r10 - 8) = r6\n  *(u64 *)(r10 - 16) = r6\n  r1 = r10\n  r1 += -16\n  r2 = r1\n  r3 = r1\n  r4 = r1\n  r5 = r1\n',
      ctxBuffer: '  r2 = 8\n  r3 = r10\n  r3 += -16\n  r4 = 8\n  r5 = 0\n',
    };
    const bad: Disagreement[] = [];
    let n = 0;
    for (const proto of HELPER_PROTOS.values()) {
      for (const type of proto.progTypes) {
        for (const [name, setup] of Object.entries(patterns)) {
          n++;
          compare(`${proto.name}#${proto.id} in ${type} (${name})`, assembleOne(`.section ${sections[type]}\n${setup}  call ${proto.id}\n  r0 = 0\n  exit\n`), bad);
        }
      }
    }
    console.log(`kernel oracle, helper prototypes: ${n} calls, ${bad.length} disagreements`);
    expect(bad).toEqual([]);
  }, 120_000);

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
