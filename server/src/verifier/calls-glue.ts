// Thin glue between the walk and the call rules: helper calls, bpf-to-bpf calls and exits.
import type { Insn } from '../core/types';
import { checkHelperCall, checkLocalCall, checkMainExit, exitLocalCall } from './call';
import type { Env } from './env';
import { reject } from './reject';
import type { VState } from './state';

export function checkHelperCallAt(env: Env, st: VState, insn: Insn, idx: number): void {
  checkHelperCall(env, st, insn, idx);
}

export function checkLocalCallAt(env: Env, st: VState, insn: Insn, idx: number): number {
  if (!env.privileged) reject('unsupported', 'function calls to other bpf functions are allowed for CAP_BPF');
  return checkLocalCall(env, st, insn, idx);
}

/** BPF_EXIT: leave a subprogram, or end the path with the main program's exit checks (-1). */
export function checkExit(env: Env, st: VState, idx: number): number {
  void idx;
  if (st.frames.length > 1) return exitLocalCall(st);
  checkMainExit(env, st);
  return -1;
}
