// A verification failure: the kernel's exact text plus what the diagnostics need to explain it.
// Checks throw it; the explorer catches it at the instruction being verified.

export type RejectCode =
  | 'jump-out-of-range'
  | 'last-insn'
  | 'unreachable'
  | 'back-edge'
  | 'unknown-opcode'
  | 'reserved-fields'
  | 'bad-ldimm64'
  | 'bad-register'
  | 'uninit-reg'
  | 'fp-readonly'
  | 'null-deref'
  | 'invalid-mem-access'
  | 'map-value-bounds'
  | 'mem-bounds'
  | 'map-key-write'
  | 'negative-index'
  | 'unbounded-access'
  | 'ctx-access'
  | 'ctx-modified'
  | 'stack-bounds'
  | 'stack-misaligned'
  | 'stack-uninit-read'
  | 'stack-spill'
  | 'packet-bounds'
  | 'packet-write'
  | 'ptr-arith'
  | 'div-by-zero'
  | 'invalid-shift'
  | 'pointer-leak'
  | 'pointer-comparison'
  | 'helper-unknown'
  | 'helper-not-allowed'
  | 'helper-arg-type'
  | 'helper-mem-size'
  | 'helper-map-compat'
  | 'helper-release'
  | 'helper-other'
  | 'unreleased-ref'
  | 'return-value'
  | 'call-depth'
  | 'stack-depth'
  | 'infinite-loop'
  | 'too-large'
  | 'too-complex'
  | 'ld-abs'
  | 'atomic'
  | 'unsupported'
  | 'timeout';

export interface RejectInfo {
  /** The register the message is about. */
  reg?: number;
  /** For helper argument errors: which helper and argument. */
  helper?: number;
  arg?: number;
  /** Access details for memory errors. */
  off?: number;
  size?: number;
  /** Instruction the failure is reported on, when not the one being verified (e.g. pre-pass). */
  insn?: number;
  /** Other instruction involved (jump target, reference allocation site...). */
  other?: number;
}

export class Reject extends Error {
  constructor(
    readonly code: RejectCode,
    /** The kernel's log lines for this failure, last line last (the one a loader shows). */
    readonly lines: readonly string[],
    readonly info: RejectInfo = {},
  ) {
    super(lines[lines.length - 1] ?? code);
    this.name = 'Reject';
  }
}

export function reject(code: RejectCode, text: string | readonly string[], info: RejectInfo = {}): never {
  throw new Reject(code, typeof text === 'string' ? [text] : text, info);
}
