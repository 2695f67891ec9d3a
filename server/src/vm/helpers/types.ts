// A helper: its kernel id and what it does to the machine. r1-r5 are its arguments; the value
// returned becomes r0. Failures the kernel reports come back as negative errno values; misuse the
// verifier would have refused (a bad pointer, a non-map) is a VmFault.
import type { Machine } from '../machine';

export interface Helper {
  id: number;
  name: string;
  run(m: Machine): bigint;
}

export const neg = (errno: number): bigint => BigInt(-errno);

/** An argument as an unsigned 32-bit count (sizes are ARG_CONST_SIZE: u32). */
export const u32 = (v: bigint): number => Number(v & 0xffffffffn);
