// The VM benchmark: the three programs in ../shared/bench, each run with r1 = a 4 KiB buffer
// (filled by the README's generator) and r2 = 4096, checked against the README's r0 and
// instruction counts, timed, and reported in millions of instructions per second.
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { assemble } from '../server/src/asm/assembler';
import { createVm } from '../server/src/vm/index';

export interface VmBenchRow {
  name: string;
  insns: number;
  seconds: number;
  mips: number;
  r0: string;
  /** The README's r0 and count agree with ours. */
  correct: boolean;
}

const EXPECTED: Record<string, { insns: number; r0: bigint }> = {
  alu_loop: { insns: 10_000_004, r0: 0x4ebbd143d1d3be40n },
  mem_loop: { insns: 10_043_606, r0: 0x000ac86b11b62a19n },
  hash_loop: { insns: 11_067_177, r0: 0x30d6bdc83c13deffn },
};

export function benchBuffer(): Uint8Array {
  const buf = new Uint8Array(4096);
  let x = 0x9e3779b97f4a7c15n;
  for (let i = 0; i < 4096; i++) {
    x = BigInt.asUintN(64, x * 6364136223846793005n + 1442695040888963407n);
    buf[i] = Number(x >> 56n);
  }
  return buf;
}

function benchDir(): string | undefined {
  for (const d of [path.resolve(process.cwd(), '../shared/bench'), path.resolve(__dirname, '../../../shared/bench'), path.resolve(__dirname, '../../shared/bench')]) {
    if (existsSync(path.join(d, 'alu_loop.asm'))) return d;
  }
  return undefined;
}

/** Runs each program `repeats` times and keeps the fastest run. */
export function runVmBench(opts: { repeats?: number; engine?: 'auto' | 'jit' | 'interp'; print?: boolean } = {}): VmBenchRow[] {
  const dir = benchDir();
  if (!dir) throw new Error('../shared/bench is missing');
  const repeats = opts.repeats ?? 3;
  const rows: VmBenchRow[] = [];
  for (const name of Object.keys(EXPECTED)) {
    const file = path.join(dir, `${name}.asm`);
    const asm = assemble(readFileSync(file, 'utf8'), { file });
    const errors = asm.findings.filter((f) => f.severity === 'error');
    if (errors.length) throw new Error(`${file}: ${errors[0].message}`);
    let best = Infinity;
    let r0 = '';
    let insns = 0;
    for (let i = 0; i < repeats; i++) {
      const vm = createVm(asm.programs[0], { mem: benchBuffer(), budget: 100_000_000, conformance: true, engine: opts.engine ?? 'auto' });
      const t0 = process.hrtime.bigint();
      vm.run();
      const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
      const s = vm.state();
      if (s.fault) throw new Error(`${name}: ${s.fault.message}`);
      best = Math.min(best, seconds);
      r0 = s.r0 ?? '';
      insns = s.insnCount;
    }
    const e = EXPECTED[name];
    const row: VmBenchRow = { name, insns, seconds: best, mips: insns / best / 1e6, r0, correct: insns === e.insns && BigInt(r0) === e.r0 };
    rows.push(row);
    if (opts.print ?? true) {
      console.log(`${name.padEnd(10)} ${insns.toLocaleString('en-US').padStart(11)} insns  ${(best * 1000).toFixed(1).padStart(8)} ms  ${row.mips.toFixed(1).padStart(7)} M insn/s  r0=${r0}${row.correct ? '' : '  MISMATCH (expected ' + e.insns + ' insns, r0 0x' + e.r0.toString(16) + ')'}`);
    }
  }
  return rows;
}
