// `npm run fuzz` for the VM: many more random programs than the test suite runs, through both VM
// engines (they must agree exactly) and, where bpf() is usable, through the kernel's
// BPF_PROG_TEST_RUN (r0 and the packet must agree). Prints each disagreement with its seed.
import { kernelAvailable } from '../server/src/kernel/bpf';
import { createVm } from '../server/src/vm/index';
import type { Program } from '../server/src/core/types';
import { randomAnyProgram, Rng } from '../test/vm/gen';
import { diffOne, type DiffType } from '../test/vm/kernel-diff';

export interface VmFuzzSummary {
  engines: { runs: number; disagreements: number };
  kernel: { runs: number; disagreements: number; refused: number; skipped?: string };
}

function engineOutcome(program: Program, engine: 'jit' | 'interp', mem: Uint8Array): string {
  const vm = createVm(program, { mem: mem.slice(), engine, budget: 5000, conformance: true });
  vm.run();
  const s = vm.state();
  const memRegion = vm.machine.mem.all().find((r) => r.kind === 'mem');
  return JSON.stringify({ s: s.status, r0: s.r0, n: s.insnCount, regs: s.registers, f: s.fault, st: s.frames[0].stack, m: Array.from(memRegion?.u8 ?? []) });
}

export function runVmFuzz(opts: { count?: number; seed?: number; print?: boolean } = {}): VmFuzzSummary {
  const count = opts.count ?? 5000;
  const seed0 = opts.seed ?? Date.now() % 0x7fffffff;
  const log = (s: string) => {
    if (opts.print ?? true) console.log(s);
  };
  log(`vm fuzz: ${count} programs per check, first seed ${seed0}`);
  const summary: VmFuzzSummary = { engines: { runs: 0, disagreements: 0 }, kernel: { runs: 0, disagreements: 0, refused: 0 } };
  for (let i = 0; i < count; i++) {
    const seed = (seed0 + i) >>> 0;
    const r = new Rng(seed);
    const program = randomAnyProgram(r, { length: r.range(5, 80), memSize: 64, loops: r.chance(0.5), calls: r.chance(0.3) });
    const mem = new Uint8Array(64).map(() => r.int(256));
    summary.engines.runs++;
    const a = engineOutcome(program, 'jit', mem);
    const b = engineOutcome(program, 'interp', mem);
    if (a !== b) {
      summary.engines.disagreements++;
      log(`engines disagree on seed ${seed}:\n  compiled    ${a.slice(0, 400)}\n  interpreter ${b.slice(0, 400)}`);
    }
  }
  const k = kernelAvailable();
  if (!k.ok) {
    summary.kernel.skipped = k.reason;
    log(`kernel comparison skipped: ${k.reason}`);
  } else {
    const types: DiffType[] = ['socket_filter', 'sched_cls', 'xdp'];
    for (let i = 0; i < count; i++) {
      const type = types[i % 3];
      const o = diffOne((seed0 + i) >>> 0, type);
      summary.kernel.runs++;
      if (!o.accepted) summary.kernel.refused++;
      if (!o.agree) {
        if (o.accepted) summary.kernel.disagreements++;
        log(o.detail);
      }
    }
  }
  log(`engines: ${summary.engines.runs} programs, ${summary.engines.disagreements} disagreements`);
  if (!summary.kernel.skipped) log(`kernel: ${summary.kernel.runs} programs, ${summary.kernel.disagreements} disagreements, ${summary.kernel.refused} refused by the verifier`);
  return summary;
}
