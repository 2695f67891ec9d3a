// The 512-byte eBPF stack, handed out in 8-byte-aligned pieces. Scratch variables get slots for
// the whole program; temporaries are released when the statement that made them ends.
import type { Range } from '../../core/types';
import { CompileError } from './errors';

export const STACK_LIMIT = 512;

export const align8 = (n: number): number => (n + 7) & ~7;

export class Frame {
  /** Bytes in use, counted down from r10. */
  private used = 0;
  /** High-water mark, shown in the program header. */
  peak = 0;

  /** `limit`: the bytes this function may use (a callback shares the 512 with its caller). */
  constructor(private readonly limit = STACK_LIMIT) {}

  /** Reserves `size` bytes; returns the r10-relative offset (negative) of the lowest byte. */
  alloc(size: number, range: Range, what: string): number {
    const n = align8(Math.max(size, 1));
    if (this.used + n > this.limit) {
      throw new CompileError(
        range,
        `This probe needs more than the ${STACK_LIMIT}-byte eBPF stack${this.limit < STACK_LIMIT ? ` (a for loop's body shares it with the rest of the probe)` : ''} (${what} needs ${n} more bytes with ${this.used} in use). Use shorter strings (str(p, 32)), fewer variables, or split the work across probes.`,
        'probe.stack-limit',
      );
    }
    this.used += n;
    this.peak = Math.max(this.peak, this.used);
    return -this.used;
  }

  mark(): number {
    return this.used;
  }

  release(mark: number): void {
    this.used = mark;
  }
}
