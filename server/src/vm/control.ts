// Ways a run leaves the normal flow of instructions, thrown through the engines to the driver.

/** The program ends now with this r0 (conformance "unwind" helper, LD_ABS past the packet). */
export class StopProgram {
  constructor(
    readonly r0: bigint,
    readonly why: string,
  ) {}
}

/** bpf_tail_call succeeded: the driver continues in another program. */
export class TailCall {
  constructor(readonly program: string) {}
}
