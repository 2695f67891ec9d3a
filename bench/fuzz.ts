// `npm run fuzz`: the long runs of the differential generators (VM vs the kernel's BPF_PROG_TEST_RUN).
// FUZZ_COUNT and FUZZ_SEED choose how many programs and from which seed.
import { runVmFuzz } from './fuzz-vm';

const count = Number(process.env.FUZZ_COUNT ?? 5000);
const seed = process.env.FUZZ_SEED !== undefined ? Number(process.env.FUZZ_SEED) : undefined;

const vm = runVmFuzz({ count, seed, print: true });
console.log(`\nVM vs kernel: ${JSON.stringify(vm)}`);
