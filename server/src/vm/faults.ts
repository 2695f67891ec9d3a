// Why a run stopped abnormally. Every fault carries a plain message; the machine adds the
// instruction index and its source line before it reaches the user.

export type FaultKind =
  | 'out-of-bounds' // load/store/atomic outside every region, or outside the one the address points into
  | 'null-pointer' // access near address 0
  | 'read-only' // store into a region that cannot be written
  | 'ctx-access' // context field the program type may not touch, or a bad width
  | 'budget' // instruction budget exhausted
  | 'unknown-helper' // call to a helper id the VM does not implement
  | 'helper' // a helper was called with arguments it cannot work with
  | 'call-depth' // more than 8 frames
  | 'bad-insn' // invalid encoding reached at run time
  | 'bad-jump' // jump or call outside the program
  | 'fell-off' // ran past the last instruction
  | 'unsupported' // a form or feature the VM does not model
  | 'internal'; // a bug in the VM itself

export class VmFault extends Error {
  /** Slot index of the instruction that faulted; filled in by the machine. */
  pc = -1;
  constructor(
    readonly kind: FaultKind,
    readonly detail: string,
    readonly info: { address?: bigint; size?: number; region?: string } = {},
  ) {
    super(detail);
    this.name = 'VmFault';
  }
}

export function fault(kind: FaultKind, detail: string, info?: VmFault['info']): never {
  throw new VmFault(kind, detail, info);
}

export function hex64(v: bigint): string {
  return '0x' + BigInt.asUintN(64, v).toString(16).padStart(16, '0');
}
