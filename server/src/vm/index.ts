// The VM's public face: createVm for the debugger and inspector (step, run to breakpoints, state,
// reset), runProgram for the CLI and the language server (one call, a JSON-friendly result).
import type { Program } from '../core/types';
import { Machine, type FaultInfo, type OutputLine, type TraceEntry, type VmOptions, type VmState } from './machine';
import type { MapDump } from './maps/types';
import type { StreamRecord } from './maps/streams';

export type { VmOptions, VmState, FaultInfo, OutputLine, TraceEntry, FrameState, MapInitEntry, TaskInfo, ClockOptions } from './machine';
export type { CtxInput, BytesInput, ValueInput } from './context';
export type { MapDump, MapEntryDump } from './maps/types';
export type { StreamRecord } from './maps/streams';
export { DEFAULT_BUDGET, MAX_FRAMES, STACK_SIZE, MAX_TAIL_CALLS } from './machine';
export { VmSession, type SessionOptions, type SessionRun, type SessionRunResult } from './session';

export interface StepResult {
  pc: number;
  status: VmState['status'];
}

export interface Vm {
  /** Executes one instruction (the one at `state().pc`). */
  step(): StepResult;
  /** Runs until exit, a fault, or (before executing) a slot in `until`. */
  run(opts?: { until?: Iterable<number> }): StepResult;
  state(): VmState;
  /** Registers as BigInt (r0..r10). */
  registers(): bigint[];
  /** Back to the first instruction with fresh registers, stacks, context and packet; maps keep their contents (as in the kernel, between runs). */
  reset(): void;
  /** The step-by-step trace, when created with `trace: true`. */
  trace(): TraceEntry[];
  readonly machine: Machine;
}

/** Loads a program into a fresh machine. Throws Error for bad options (unknown map, bad bytes...). */
export function createVm(program: Program, options: VmOptions = {}): Vm {
  const m = new Machine(program, options);
  const result = (): StepResult => ({ pc: m.pc, status: m.status });
  return {
    machine: m,
    step() {
      m.step();
      return result();
    },
    run(opts = {}) {
      m.run(opts);
      return result();
    },
    state: () => m.state(),
    registers: () => Array.from(m.R),
    reset: () => m.reset(),
    trace: () => m.trace?.slice() ?? [],
  };
}

export interface RunResult {
  ok: boolean;
  /** r0 as 0x-prefixed 16-digit hex, when the program exited. */
  r0?: string;
  /** r0 in decimal (signed 64-bit). */
  r0Signed?: string;
  /** The program type's name for r0 (XDP_PASS...). */
  meaning?: string;
  insnCount: number;
  registers: string[];
  output: OutputLine[];
  records: StreamRecord[];
  maps: MapDump[];
  packet?: number[];
  redirect?: Machine['redirect'];
  fault?: FaultInfo;
  trace?: TraceEntry[];
  /** Options problems (bad map init, bad context) — the program did not run. */
  error?: string;
}

/** Runs a program once from start to end. Never throws. */
export function runProgram(program: Program, options: VmOptions = {}): RunResult {
  let m: Machine;
  try {
    m = new Machine(program, options);
  } catch (e) {
    return { ok: false, insnCount: 0, registers: [], output: [], records: [], maps: [], error: e instanceof Error ? e.message : String(e) };
  }
  m.run();
  const s = m.state();
  return {
    ok: s.status === 'exited',
    ...(s.r0 !== undefined ? { r0: s.r0, r0Signed: BigInt.asIntN(64, BigInt(s.r0)).toString() } : {}),
    ...(s.meaning !== undefined ? { meaning: s.meaning } : {}),
    insnCount: s.insnCount,
    registers: s.registers,
    output: s.output,
    records: s.records,
    maps: s.maps,
    ...(s.packet ? { packet: s.packet } : {}),
    ...(m.redirect ? { redirect: m.redirect } : {}),
    ...(s.fault ? { fault: s.fault } : {}),
    ...(m.trace ? { trace: m.trace } : {}),
  };
}
