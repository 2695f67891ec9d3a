// The verifier benchmark: a generated 10,000-instruction program with branches, bounded loops
// and map lookups, and clang-19-compiled programs (when clang-19 is installed). Prints the time
// per processed instruction. `runVerifierFuzz` is the long run of the kernel-oracle mutants.
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { Program } from '../server/src/core/types';
import { assemble } from '../server/src/asm/assembler';
import { readBpfObject } from '../server/src/elf/index';
import { verify } from '../server/src/verifier/index';

export interface VerifierBenchRow {
  name: string;
  /** Instruction slots in the program. */
  insns: number;
  /** Instructions the verifier processed over all paths. */
  processed: number;
  states: number;
  accepted: boolean;
  ms: number;
  /** Microseconds per processed instruction. */
  usPerInsn: number;
}

/**
 * A socket filter of about `target` instructions: blocks that read the context, branch on the
 * values (diamonds whose sides join again), run small bounded loops over the stack, and look up
 * and update a map with a NULL check.
 */
export function generatedProgramText(target = 10_000): string {
  const lines: string[] = ['.map counts array key=4 value=64 entries=8', '.section socket', '  r6 = r1', '  r7 = 0'];
  let block = 0;
  const count = () => lines.filter((l) => l.startsWith('  ') && !l.endsWith(' ll')).length + 2 * lines.filter((l) => l.endsWith(' ll')).length;
  while (count() < target - 40) {
    const b = block++;
    switch (b % 4) {
      case 0: // diamond on a context field
        lines.push(
          `  r2 = *(u32 *)(r6 + ${[0, 4, 8, 16][b % 16 >> 2]})`,
          `  if r2 > ${100 + (b % 50)} goto b${b}_else`,
          '  r3 = r2', '  r3 <<= 2', '  r3 += 7',
          `  goto b${b}_join`,
          `b${b}_else:`,
          '  r3 = r2', '  r3 >>= 1', '  r3 ^= 0x55',
          `b${b}_join:`,
          '  r7 += r3', '  r7 &= 0xffff',
        );
        break;
      case 1: // a bounded loop filling and summing stack bytes
        lines.push(
          '  r1 = 0', '  r2 = r10', '  r2 += -32',
          `b${b}_fill:`,
          '  *(u8 *)(r2 + 0) = r1', '  r2 += 1', '  r1 += 1',
          `  if r1 < 8 goto b${b}_fill`,
          '  r3 = *(u64 *)(r10 - 32)', '  r7 ^= r3', '  r7 &= 0xffff',
        );
        break;
      case 2: // a map lookup with a constant key, NULL-checked, then an update of the value
        lines.push(
          `  r1 = ${b % 8}`, '  *(u32 *)(r10 - 4) = r1',
          '  r2 = r10', '  r2 += -4', '  r1 = counts ll', '  call bpf_map_lookup_elem',
          `  if r0 == 0 goto b${b}_skip`,
          '  r1 = *(u64 *)(r0 + 0)', '  r1 += r7', '  *(u64 *)(r0 + 0) = r1',
          '  r2 = r7', '  r2 &= 7', '  r2 <<= 3', '  r0 += r2', '  r1 = *(u64 *)(r0 + 0)', '  r7 += r1', '  r7 &= 0xffff',
          `b${b}_skip:`,
        );
        break;
      default: // a chain of comparisons on the running value
        lines.push(
          '  r2 = r7',
          `  if r2 == ${b % 7} goto b${b}_a`,
          `  if r2 s> ${b % 1000} goto b${b}_b`,
          '  r7 += 3',
          `  goto b${b}_end`,
          `b${b}_a:`, '  r7 += 1', `  goto b${b}_end`,
          `b${b}_b:`, '  r7 -= 1', '  r7 &= 0xffff',
          `b${b}_end:`,
        );
    }
  }
  lines.push('  r0 = r7', '  r0 &= 1', '  exit');
  return lines.join('\n') + '\n';
}

function measure(name: string, p: Program): VerifierBenchRow {
  verify(p); // warm-up: the first run pays for compilation
  const runs = 3;
  let best = Infinity;
  let last = verify(p);
  for (let i = 0; i < runs; i++) {
    const t0 = performance.now();
    last = verify(p);
    best = Math.min(best, performance.now() - t0);
  }
  const processed = last.stats.processed;
  return {
    name, insns: p.insns.length, processed, states: last.stats.states, accepted: last.accepted, ms: best,
    usPerInsn: (best * 1000) / Math.max(processed, 1),
  };
}

function compiledPrograms(): { name: string; program: Program }[] | string {
  if (spawnSync('clang-19', ['--version']).status !== 0) return 'clang-19 is not installed; compiled programs skipped';
  const cdir = [path.resolve(process.cwd(), 'test/verifier/c'), path.resolve(__dirname, '../../test/verifier/c')].find((d) => existsSync(d));
  if (!cdir) return 'test/verifier/c not found; compiled programs skipped';
  const out: { name: string; program: Program }[] = [];
  const tmp = mkdtempSync(path.join(tmpdir(), 'ebpf-vbench-'));
  for (const name of ['xdp_parse_ok', 'loop_sum', 'subprog_calls', 'kprobe_count']) {
    const obj = path.join(tmp, `${name}.o`);
    execFileSync('clang-19', ['-target', 'bpf', '-O2', '-g', '-I', cdir, '-I/usr/include/x86_64-linux-gnu', '-c', path.join(cdir, `${name}.c`), '-o', obj], { stdio: 'ignore' });
    for (const p of readBpfObject(new Uint8Array(readFileSync(obj)), obj).programs) out.push({ name: `${name}.c (${p.name})`, program: p });
  }
  return out;
}

export function runVerifierBench(options: { print?: boolean } = {}): VerifierBenchRow[] {
  const rows: VerifierBenchRow[] = [];
  const generated = assemble(generatedProgramText(10_000)).programs[0];
  rows.push(measure('generated 10k', generated));
  const compiled = compiledPrograms();
  if (typeof compiled === 'string') {
    if (options.print) console.log(`  (${compiled})`);
  } else {
    for (const c of compiled) rows.push(measure(c.name, c.program));
  }
  if (options.print) {
    for (const r of rows) {
      console.log(`  ${r.name.padEnd(44)} ${String(r.insns).padStart(6)} insns  ${String(r.processed).padStart(8)} processed  ${r.ms.toFixed(1).padStart(8)} ms  ${r.usPerInsn.toFixed(2).padStart(6)} µs/insn  ${r.accepted ? 'accepted' : 'REJECTED'}`);
    }
  }
  return rows;
}

export interface VerifierFuzzResult {
  programs: number;
  accepted: number;
  disagreements: { program: string; kernel: string; ours: string }[];
  skipped?: string;
}

/**
 * `npm run fuzz`: the kernel-oracle mutant generator, run longer. Needs the bpf() syscall
 * (root or CAP_BPF); returns `skipped` with the reason otherwise.
 */
export async function runVerifierFuzz(options: { count?: number; seed?: number; print?: boolean } = {}): Promise<VerifierFuzzResult> {
  const { kernelAvailable } = await import('../server/src/kernel/bpf');
  const avail = kernelAvailable();
  if (!avail.ok) return { programs: 0, accepted: 0, disagreements: [], skipped: avail.reason };
  const { generatePrograms } = await import('../test/verifier/generator');
  const { assembleOne, clangSkipReason, compileCProgram, cProgramNames, kernelVerdict, loadCorpus, ourVerdict } = await import('../test/verifier/support');
  const bases = loadCorpus().filter((c) => c.expect === 'ACCEPT').map((c) => assembleOne(c.source));
  if (!clangSkipReason()) bases.push(...cProgramNames().flatMap((n) => compileCProgram(n)));
  const count = options.count ?? 2000;
  const seed = options.seed ?? Date.now() % 2 ** 31;
  const programs = generatePrograms(bases, count, seed);
  const result: VerifierFuzzResult = { programs: programs.length, accepted: 0, disagreements: [] };
  programs.forEach((p, i) => {
    const k = kernelVerdict(p);
    const o = ourVerdict(p);
    if (k.accepted) result.accepted++;
    if (k.text !== o.text) {
      result.disagreements.push({ program: `seed ${seed} #${i} (${p.name})`, kernel: k.text, ours: o.text });
      if (options.print) console.log(`  disagreement seed ${seed} #${i}: kernel '${k.text}', ours '${o.text}'`);
    }
  });
  if (options.print) console.log(`  verifier vs kernel: ${result.programs} mutants (seed ${seed}), ${result.accepted} accepted, ${result.disagreements.length} disagreements`);
  return result;
}
