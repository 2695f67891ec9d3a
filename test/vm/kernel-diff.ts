// Running one random program through the kernel (BPF_PROG_TEST_RUN) and through the VM, for the
// kernel differential test and `npm run fuzz`.
import { withProgram, progTestRun } from '../../server/src/kernel/bpf';
import { encodeProgram } from '../../server/src/isa/codec';
import { disassembleInsns } from '../../server/src/asm/disasm';
import { runProgram } from '../../server/src/vm/index';
import { randomKernelProgram, randomPacket, Rng } from './gen';

export type DiffType = 'socket_filter' | 'sched_cls' | 'xdp';

export interface DiffOutcome {
  accepted: boolean;
  agree: boolean;
  detail: string;
}

/** One program: generate, load, run both ways, compare. */
export function diffOne(seed: number, type: DiffType): DiffOutcome {
  const r = new Rng(seed);
  const program = randomKernelProgram(r, type, r.range(8, 40));
  const packet = randomPacket(r, r.range(60, 128));
  const bytes = encodeProgram(program.insns);
  const listing = () => disassembleInsns(program.insns).map((l) => (l.slot >= 0 ? `${String(l.slot).padStart(3)}: ${l.text}` : l.text)).join('\n');
  let kernelOut: { retval: number; data: Uint8Array };
  try {
    kernelOut = withProgram(bytes, type, (fd) => {
      const t = progTestRun({ fd, data: packet });
      return { retval: t.retval, data: t.dataOut };
    });
  } catch (e) {
    return { accepted: false, agree: false, detail: `seed ${seed} ${type}: the kernel refused the program: ${e instanceof Error ? e.message : String(e)}\n${listing()}` };
  }
  // A socket filter's test run starts the skb after the Ethernet header and zeroes that header on the way out.
  const l2 = type === 'socket_filter' ? 14 : 0;
  const vm = runProgram(program, { ctx: { packet: packet.subarray(l2) }, budget: 100_000 });
  const ours = { retval: vm.r0 !== undefined ? Number(BigInt(vm.r0) & 0xffffffffn) : -1, data: Uint8Array.from(vm.packet ?? []) };
  const theirs = { retval: kernelOut.retval, data: kernelOut.data.subarray(l2) };
  const agree = !vm.fault && ours.retval === theirs.retval && Buffer.compare(Buffer.from(ours.data), Buffer.from(theirs.data)) === 0;
  return {
    accepted: true,
    agree,
    detail: agree
      ? ''
      : `seed ${seed} ${type}: kernel r0=${theirs.retval} vm r0=${ours.retval}${vm.fault ? ` (vm fault: ${vm.fault.message})` : ''}\n` +
        `kernel packet ${Buffer.from(theirs.data).toString('hex')}\nvm     packet ${Buffer.from(ours.data).toString('hex')}\n${listing()}`,
  };
}

