// Callbacks: helpers that call a subprogram of the program (bpf_loop, bpf_for_each_map_elem,
// bpf_find_vma, bpf_user_ringbuf_drain), verified as the kernel does (push_callback_call). The
// call schedules the callback's body as a pending path in a new frame whose r1-r5 the helper
// sets, and the caller goes on after the call. When the body returns (r0 in [0, 1]), its path
// goes back to the call itself, which schedules the next iteration; iterations stop when one
// starts from a state an earlier one covers (or when bpf_loop's count runs out).
import { reject } from './reject';
import { notInit, ptrBase, unknownScalar, type PtrReg, type RegState } from './reg';
import { cloneState, curFrame, MAX_CALL_FRAMES, newFrame, type Frame, type VState } from './state';
import { getReg, needPrecise, pushPending, type Env } from './env';
import { isConst, type Scalar } from './scalar';

const BPF_LOOP = 181;
const FOR_EACH_MAP_ELEM = 164;

/** Helpers whose callback runs before the helper returns (is_sync_callback_calling_function). */
export const SYNC_CALLBACK_HELPERS: ReadonlySet<number> = new Set([FOR_EACH_MAP_ELEM, 180, BPF_LOOP, 209]);

/** The flags argument of the helpers that run callbacks: anything but 0 makes them fail with -EINVAL. */
export const CALLBACK_FLAGS_ARG: Readonly<Record<number, number>> = { [FOR_EACH_MAP_ELEM]: 4, 180: 5, [BPF_LOOP]: 4 };

/** Map types whose ops have map_set_for_each_callback_args. */
const FOR_EACH_MAPS: ReadonlySet<string> = new Set(['hash', 'percpu_hash', 'lru_hash', 'lru_percpu_hash', 'array', 'percpu_array']);

/** What the helper puts in one of the callback's argument registers. */
type ArgSource =
  | { readonly caller: number }
  | 'map_key' | 'map_value' | 'scalar' | 'vma' | 'none';

/** r1..r5 of the callback per helper (set_*_callback_state). */
const CALLBACK_ARGS: Record<number, readonly ArgSource[]> = {
  // callback_fn(map, key, value, callback_ctx)
  [FOR_EACH_MAP_ELEM]: [{ caller: 1 }, 'map_key', 'map_value', { caller: 3 }, 'none'],
  // callback_fn(task, vma, callback_ctx)
  180: [{ caller: 1 }, 'vma', { caller: 4 }, 'none', 'none'],
  // callback_fn(index, callback_ctx): the index is an unknown scalar, not bounded by nr_loops.
  [BPF_LOOP]: ['scalar', { caller: 3 }, 'none', 'none', 'none'],
  // callback_fn(dynptr, ctx): no map eBPF Studio models is a user ring buffer, so the call is
  // always refused (check_map_func_compatibility) before this frame is ever walked.
  209: ['none', { caller: 3 }, 'none', 'none', 'none'],
};

function calleeArg(src: ArgSource, caller: Frame, at: number): RegState {
  if (typeof src === 'object') return caller.regs[src.caller];
  const map = (caller.regs[1] as PtrReg & { map: number }).map;
  switch (src) {
    case 'map_key': return { type: 'map_key', map, ...ptrBase(at) };
    case 'map_value': return { type: 'map_value', map, nullable: false, ...ptrBase(at) };
    case 'scalar': return unknownScalar(at);
    case 'vma': return { type: 'btf_ptr', struct: 'vm_area_struct', trusted: false, nullable: false, ...ptrBase(at) };
    case 'none': return notInit(at);
  }
}

/**
 * The callback part of check_helper_call for a helper that runs `subprog`, after its arguments
 * were checked and before r0-r5 are clobbered: schedules one more iteration of the callback.
 */
export function scheduleCallback(env: Env, st: VState, helper: number, subprog: number, at: number): void {
  const args = CALLBACK_ARGS[helper];
  if (!args) reject('unsupported', `callbacks of helper #${helper} (asynchronous callbacks) are not modelled by eBPF Studio`, { helper });
  const caller = curFrame(st);
  // The verifier does not check the flags; the helper refuses them at run time.
  const flags = caller.regs[CALLBACK_FLAGS_ARG[helper] ?? 0];
  if (flags?.type === 'scalar' && isConst(flags.v) && flags.v.var.value !== 0n) env.nonZeroFlags.add(at);
  if (helper === BPF_LOOP) {
    // Whether the loop is done depends on nr_loops: no more iterations than it allows.
    needPrecise(env, 1);
    const nrLoops = getReg(st, 1);
    if (nrLoops.type === 'not_init' || BigInt(caller.callbackDepth) >= nrLoops.v.umax) {
      caller.callbackDepth = 0;
      return;
    }
  }
  if (st.frames.length >= MAX_CALL_FRAMES) {
    reject('call-depth', `the call stack of ${st.frames.length + 1} frames is too deep`, { other: env.cfg.subprogs[subprog] });
  }
  if (helper === FOR_EACH_MAP_ELEM) {
    const map = env.maps[(caller.regs[1] as PtrReg & { map: number }).map];
    if (!map || !FOR_EACH_MAPS.has(map.type)) reject('helper-map-compat', 'callback function not allowed for map', { helper });
  }
  const next = cloneState(st);
  const callee = newFrame(next.frames.length, at, subprog);
  for (let r = 1; r <= 5; r++) callee.regs[r] = calleeArg(args[r - 1], caller, at);
  callee.callback = { helper, retMin: 0n, retMax: 1n };
  next.frames[next.frames.length - 1].callbackDepth++;
  next.frames.push(callee);
  next.callbackUnrollDepth++;
  caller.callbackDepth = 0;
  pushPending(env, st, next, at, env.cfg.subprogs[subprog]);
}

/**
 * prepare_func_exit for a callback: r0 must be a scalar within the helper's range; the path goes
 * back to the call that ran the callback (the caller's r0 is untouched). Returns the call's index.
 */
export function exitCallback(env: Env, st: VState): number {
  const callee = curFrame(st);
  const cb = callee.callback!;
  const r0 = callee.regs[0];
  if (r0.type !== 'scalar') reject('return-value', 'R0 not a scalar value', { reg: 0 });
  needPrecise(env, 0);
  if (r0.v.smin < cb.retMin || r0.v.smax > cb.retMax) {
    reject('return-value', outOfRangeText('At callback return', r0.v, cb.retMin, cb.retMax), { reg: 0 });
  }
  st.frames.pop();
  return callee.callsite;
}

/** verbose_invalid_scalar: `At <where> the register R0 has smin=.. smax=.. should have been in [a, b]`. */
export function outOfRangeText(where: string, v: Scalar, min: bigint, max: bigint): string {
  let text = `${where} the register R0 has`;
  let unknown = true;
  if (v.smin > -(1n << 63n)) { text += ` smin=${v.smin}`; unknown = false; }
  if (v.smax < (1n << 63n) - 1n) { text += ` smax=${v.smax}`; unknown = false; }
  if (unknown) text += ' unknown scalar value';
  return `${text} should have been in [${min}, ${max}]`;
}
