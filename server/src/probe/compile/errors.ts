// A construct the compiler cannot turn into eBPF. Thrown inside code generation and caught per
// probe, so one unsupported construct becomes one finding and the other probes still compile.
import type { Range } from '../../core/types';

export class CompileError extends Error {
  constructor(
    readonly range: Range,
    message: string,
    readonly code = 'probe.compile-unsupported',
  ) {
    super(message);
  }
}

/** The standard wording for something the simulation cannot compile. */
export function unsupported(range: Range, what: string, hint = ''): CompileError {
  return new CompileError(range, `${what} is not supported by the eBPF Studio compiler${hint ? `: ${hint}` : '.'}`);
}
