// `npm run fuzz`: the long runs of the differential generators against the kernel: the VM vs
// BPF_PROG_TEST_RUN, and the verifier's verdicts vs BPF_PROG_LOAD on mutated programs.
// FUZZ_COUNT and FUZZ_SEED choose how many programs and from which seed.
import { runVmFuzz } from './fuzz-vm';
import { runVerifierFuzz } from './verifier-bench';

async function main(): Promise<void> {
  const count = Number(process.env.FUZZ_COUNT ?? 5000);
  const seed = process.env.FUZZ_SEED !== undefined ? Number(process.env.FUZZ_SEED) : undefined;
  const vm = runVmFuzz({ count, seed, print: true });
  console.log(`\nVM vs kernel: ${JSON.stringify(vm)}\n`);
  const verifier = await runVerifierFuzz({ count, seed, print: true });
  console.log(`\nverifier vs kernel: ${JSON.stringify(verifier)}`);
}

main().catch((e) => {
  console.error(`fuzz failed: ${(e as Error).message}`);
  process.exitCode = 1;
});
