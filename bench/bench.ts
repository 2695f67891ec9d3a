// `npm run bench`: prints figures for each part; no assertion on time anywhere.
import os from 'node:os';
import { runAsmBench } from './asm-bench';
import { formatLspBench, runLspBench } from './lsp-bench';
import { runProbeBench } from './probe-bench';
import { runVmBench } from './vm-bench';
import { runVerifierBench } from './verifier-bench';

function machine(): string {
  const cpu = os.cpus()[0]?.model ?? 'unknown CPU';
  return `${os.cpus().length} × ${cpu}, ${(os.totalmem() / 2 ** 30).toFixed(0)} GiB, Node ${process.version}`;
}

async function main(): Promise<void> {
  console.log(`eBPF Studio benchmarks on ${machine()}\n`);
  console.log('== assembler / disassembler');
  for (const r of runAsmBench()) console.log(`  ${r.name.padEnd(14)} ${r.figure}`);
  console.log('\n== VM (../shared/bench programs)');
  runVmBench({ print: true });
  console.log('\n== probe scripts (simulated run)');
  runProbeBench({ print: true });
  console.log('\n== verifier');
  runVerifierBench({ print: true });
  console.log('\n== language server');
  for (const line of formatLspBench(await runLspBench())) console.log(`  ${line}`);
}

main().catch((e) => {
  console.error(`bench failed: ${(e as Error).message}`);
  process.exitCode = 1;
});
