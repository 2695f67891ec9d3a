// The verifier's public face: verify a Program as the Linux 6.x kernel would (privileged or not)
// and report the verdict, findings with plain explanations, per-instruction states and a log.
import type { Finding, Program, ProgType } from '../core/types';
import { analyseCfg } from './cfg';
import { diagnose, lintWarnings } from './diagnose';
import { Env, type VerifyOptions } from './env';
import { explore, type Failure } from './explore';
import { formatRegFriendly, formatRegKernel } from './reg';
import { Reject } from './reject';
import type { VState } from './state';

export type { VerifyOptions } from './env';
export type { VState, Frame, StackSlot } from './state';
export type { RegState } from './reg';
export { formatRegFriendly, formatRegKernel, regTypeName, describeScalar } from './reg';
export { formatStateKernel, kernelInsnLine, kernelInsnText } from './log';

export interface VerifyStats {
  /** Instructions processed over all paths (the kernel's "processed N insns"). */
  processed: number;
  /** Checkpoint states stored. */
  states: number;
  peakStates: number;
  ms: number;
}

export interface VerifyResult {
  accepted: boolean;
  /** 'unknown' when the time budget ran out before a verdict. */
  verdict: 'accepted' | 'rejected' | 'unknown';
  findings: Finding[];
  /** The state before each instruction slot on the first paths that reached it (undefined: never reached). */
  states: (VState | undefined)[];
  /** Every recorded state per slot (a few per slot), for hovers that show more than one path. */
  allStates: (VState[] | undefined)[];
  /** The kernel's last log line for a rejection (what a loader prints). */
  kernelText?: string;
  log?: string;
  stats: VerifyStats;
}

const PROCESSED = (env: Env): string =>
  `processed ${env.insnProcessed} insns (limit ${env.insnLimit}) max_states_per_insn ${maxStatesPerInsn(env)} total_states ${env.totalStates} peak_states ${env.peakStates} mark_read 0`;

function maxStatesPerInsn(env: Env): number {
  let m = 0;
  for (const l of env.explored.values()) m = Math.max(m, l.length);
  return m;
}

/** Verifies a program. Never throws for bad programs: problems come back as findings. */
export function verify(program: Program, options: VerifyOptions = {}): VerifyResult {
  const t0 = performance.now();
  const progType: ProgType = options.progType ?? program.type;
  const privileged = !options.unprivileged;
  let failure: Failure | undefined;
  let env: Env | undefined;
  try {
    if (program.insns.length === 0) throw new Reject('last-insn', ['the program has no instructions']);
    if (!privileged && progType !== 'socket_filter' && progType !== 'cgroup_skb') {
      // BPF_PROG_LOAD itself refuses (EPERM) before the verifier runs.
      throw new Reject('unsupported', [`${progType} programs need CAP_BPF (a loader without it may load socket_filter and cgroup_skb programs only)`]);
    }
    const funcInfo = program.funcInfo === true;
    const cfg = analyseCfg(program.insns, { maps: program.maps, privileged, checksReturn: progType === 'cgroup_skb', funcInfo });
    env = new Env(program.insns, program.maps, progType, cfg, options, program.license, funcInfo);
    failure = explore(env);
  } catch (e) {
    if (!(e instanceof Reject)) throw e;
    failure = { error: e, insn: e.info.insn ?? 0, state: undefined as unknown as VState };
  }
  const findings: Finding[] = [];
  if (failure) findings.push(diagnose(program, progType, failure, env, options.dialect));
  if (env && !failure) findings.push(...lintWarnings(program, env));
  const states: (VState | undefined)[] = program.insns.map((_, i) => env?.records[i]?.states[0]);
  const allStates = program.insns.map((_, i) => env?.records[i]?.states);
  let log: string | undefined;
  if (options.log) {
    const lines = [...(env?.logLines ?? [])];
    if (failure) lines.push(...failure.error.lines);
    lines.push(env ? PROCESSED(env) : 'processed 0 insns (limit 1000000) max_states_per_insn 0 total_states 0 peak_states 0 mark_read 0');
    log = lines.join('\n') + '\n';
  }
  return {
    accepted: !failure,
    verdict: !failure ? 'accepted' : failure.error.code === 'timeout' ? 'unknown' : 'rejected',
    findings,
    states,
    allStates,
    kernelText: failure ? failure.error.lines[failure.error.lines.length - 1] : undefined,
    log,
    stats: { processed: env?.insnProcessed ?? 0, states: env?.totalStates ?? 0, peakStates: env?.peakStates ?? 0, ms: performance.now() - t0 },
  };
}

/** A register's state for a hover: `r0: map_value_or_null(map=counts, vs=8)`. */
export function formatRegState(st: VState, regno: number, program: Pick<Program, 'maps'>, style: 'friendly' | 'kernel' = 'friendly'): string {
  const frame = st.frames[st.frames.length - 1];
  const r = frame.regs[regno];
  return `r${regno}: ${style === 'kernel' ? formatRegKernel(r, program.maps, frame.frameno) : formatRegFriendly(r, program.maps)}`;
}

/** Every initialised register of the current frame in plain words, e.g. `r1: ctx()`, for inlay hints and the inspector. */
export function describeRegs(st: VState, program: Pick<Program, 'maps'>): string[] {
  const frame = st.frames[st.frames.length - 1];
  const out: string[] = [];
  frame.regs.forEach((r, i) => {
    if (r.type !== 'not_init') out.push(`r${i}: ${formatRegFriendly(r, program.maps)}`);
  });
  return out;
}

/** The written stack slots of the current frame, highest first: `fp-8: spilled scalar 5`, `fp-16: 8 bytes of data`. */
export function describeStack(st: VState, program: Pick<Program, 'maps'>): string[] {
  const frame = st.frames[st.frames.length - 1];
  const out: string[] = [];
  frame.stack.forEach((slot, spi) => {
    if (!slot || slot.types === '????????') return;
    const at = `fp-${(spi + 1) * 8}`;
    if (slot.types[7] === 'r' && slot.spill) {
      const bytes = slot.types.split('').filter((c) => c === 'r').length;
      out.push(`${at}: spilled ${formatRegFriendly(slot.spill, program.maps)}${bytes < 8 ? ` (${bytes} bytes)` : ''}`);
      return;
    }
    const zero = slot.types.split('').filter((c) => c === '0').length;
    const misc = slot.types.split('').filter((c) => c === 'm').length;
    const parts = [zero ? `${zero} zero byte(s)` : '', misc ? `${misc} byte(s) of data` : '', 8 - zero - misc ? `${8 - zero - misc} unwritten` : ''].filter(Boolean);
    out.push(`${at}: ${parts.join(', ')}`);
  });
  return out;
}
