// The path walk (do_check): instructions in the kernel's order of exploration (fall-through
// first, the other side of a branch pushed on a stack), with checkpoints at prune points so
// that states already proven safe end a path early, infinite-loop detection, and the limits.
import type { Insn } from '../core/types';
import { CLASS, JMP, MODE, type InsnForm } from '../isa/table';
import { checkAlu } from './alu';
import { mayUseLdAbs } from './ctx-access';
import { checkDst, getReg, isPointerValue, pushPending, readReg, setReg, type Env } from './env';
import { loopKey, statesEqual, statesMaybeLooping } from './equiv';
import { checkCondJump } from './jmp';
import { formatFrameKernel, formatStateKernel, kernelInsnLine } from './log';
import { checkLoad, checkMemAccess, checkPtrOffReg } from './mem';
import { Reject, reject } from './reject';
import { constScalar, notInit, ptrBase, regTypeName, unknownScalar, type PtrReg, type RegState } from './reg';
import { checkExit, checkHelperCall, checkLocalCallAt, checkStackDepth } from './call';
import { scalarEquals } from './scalar';
import { slotRelevant } from './relevance';
import { cloneState, curFrame, newFrame, pushPath, snapshotState, type StoredState, type TrailStep, type VState } from './state';

const RECORDED_STATES = 4;
const TRAIL_LIMIT = 2048;

export interface Failure {
  error: Reject;
  insn: number;
  state: VState;
}

function initialState(): VState {
  const frame = newFrame(0, -1, 0);
  frame.regs[1] = { type: 'ctx', ...ptrBase(-1) };
  return { frames: [frame], refs: [], insnsSinceCheckpoint: 0, jmpsSinceCheckpoint: 0, mayGotoDepth: 0, callbackUnrollDepth: 0 };
}

/** A path ended (exit, pruned or failed): checkpoints above it have one fewer path to wait for. */
function endPath(st: VState): void {
  for (let p = st.parent; p; p = p.parent) {
    p.branches--;
    if (p.branches > 0) break;
  }
}

/** is_state_visited: true when an equivalent verified state exists (prune); may store a checkpoint. */
function isStateVisited(env: Env, st: VState, idx: number): boolean {
  const mayGoto = env.cfg.forms[idx]?.kind === 'may_goto';
  const force = env.cfg.forceCheckpoint[idx] === 1;
  const callsCallback = env.cfg.callsCallback[idx] === 1;
  let addNew = force || (env.jmpsProcessed - env.prevJmpsProcessed >= 2 && env.insnProcessed - env.prevInsnProcessed >= 8);
  const list = env.explored.get(idx) ?? [];
  let key: number | undefined;
  for (let i = 0; i < list.length; i++) {
    const sl = list[i];
    if (sl.branches > 0) {
      // A may_goto loop converges when an earlier iteration's state covers this one.
      if (mayGoto && sl.state.mayGotoDepth !== st.mayGotoDepth && statesEqual(env.cfg, idx, sl.state, st, false, env.allowUninitStack, true)) {
        sl.hits++;
        return true;
      }
      // A callback's iterations converge when an earlier one, still being walked, covers this one.
      if (callsCallback && statesEqual(env.cfg, idx, sl.state, st, false, env.allowUninitStack, true)) {
        sl.hits++;
        return true;
      }
      key ??= loopKey(st);
      if (!callsCallback && sl.key === key && sl.state.mayGotoDepth === st.mayGotoDepth && sl.state.callbackUnrollDepth === st.callbackUnrollDepth &&
        statesMaybeLooping(sl.state, st) && statesEqual(env.cfg, idx, sl.state, st, true, env.allowUninitStack)) {
        const maps = env.maps;
        const precise = preciseAtCheckpoint(env, st, sl);
        reject('infinite-loop', [
          `infinite loop detected at insn ${idx}`,
          `cur state: ${formatStateKernel(st, maps, precise)}`,
          `old state: ${formatStateKernel(sl.state, maps, precise)}`,
        ], { other: idx });
      }
      if (!force && env.jmpsProcessed - env.prevJmpsProcessed < 20 && env.insnProcessed - env.prevInsnProcessed < 100) addNew = false;
    } else if (statesEqual(env.cfg, idx, sl.state, st, false, env.allowUninitStack)) {
      sl.hits++;
      return true;
    }
    if (addNew) sl.misses++;
    // States that keep missing are dropped (paths still pending keep them through their parent
    // links); forced checkpoints still being explored get more chances.
    const n = force && sl.branches > 0 ? 64 : 3;
    if (sl.misses > sl.hits * n + n) {
      list.splice(i, 1);
      env.liveStates--;
      i--;
    }
  }
  if (!addNew || list.length >= env.maxStates) return false;
  const stored: StoredState = {
    insn: idx, state: cloneState(st), branches: 1, hits: 0, misses: 0, parent: st.parent, depth: (st.parent?.depth ?? 0) + 1, trail: st.trail,
    key: key ?? loopKey(st),
  };
  st.trail = undefined;
  list.unshift(stored);
  env.explored.set(idx, list);
  env.totalStates++;
  env.liveStates++;
  env.peakStates = Math.max(env.peakStates, env.liveStates);
  env.prevJmpsProcessed = env.jmpsProcessed;
  env.prevInsnProcessed = env.insnProcessed;
  st.parent = stored;
  return false;
}

/**
 * The registers the kernel would have marked precise in checkpoint `old` by the time `cur` is
 * reached: backtrack from every instruction that needed an exact value, along the instructions
 * executed since `old` (what __mark_chain_precision does), through moves and arithmetic.
 */
function preciseAtCheckpoint(env: Env, cur: VState, old: StoredState): number {
  // Newest first: the current segment, then each checkpoint's segment up to `old`.
  const trail: TrailStep[] = [];
  const walk = (t: TrailStep | undefined) => {
    for (let q = t; q; q = q.prev) trail.push(q);
  };
  walk(cur.trail);
  for (let p = cur.parent; p && p !== old; p = p.parent) walk(p.trail);
  let set = 0;
  for (const step of trail) {
    const idx = step.insn;
    const insn = env.insns[idx];
    const form = env.cfg.forms[idx];
    const d = 1 << insn.dst;
    const s = 1 << insn.src;
    switch (form?.kind) {
      case 'alu':
        if (set & d) {
          if (form.alu!.name === 'mov') set &= ~d;
          if (form.source === 'reg') set |= s;
        }
        break;
      case 'movsx':
        if (set & d) set = (set & ~d) | s;
        break;
      case 'ldx': case 'ldxsx': case 'lddw':
        set &= ~d;
        break;
      case 'ldabs': case 'ldind': case 'call': case 'call_local':
        set &= ~0x3f;
        break;
      default:
        break;
    }
    set |= step.precise;
  }
  return set;
}

function record(env: Env, idx: number, st: VState): void {
  let rec = env.records[idx];
  if (!rec) rec = env.records[idx] = { states: [], visits: 0 };
  rec.visits++;
  if (rec.states.length < RECORDED_STATES) rec.states.push(snapshotState(st));
}

/** check_ld_abs: legacy packet loads through the context in r6. */
function checkLdAbs(env: Env, st: VState, insn: Insn, form: InsnForm | undefined, idx: number): void {
  if (!mayUseLdAbs(env.progType)) reject('ld-abs', 'BPF_LD_[ABS|IND] instructions not allowed for this program type');
  const mode = insn.opcode & 0xe0;
  if (!form || insn.dst !== 0 || insn.off !== 0 || (insn.opcode & 0x18) === 0x18 || (mode === MODE.ABS && insn.src !== 0)) {
    reject('reserved-fields', 'BPF_LD_[ABS|IND] uses reserved fields');
  }
  const r6 = readReg(st, 6);
  if (st.refs.length > 0) reject('unreleased-ref', 'BPF_LD_[ABS|IND] would lead to reference leak');
  if (r6.type !== 'ctx') reject('ld-abs', 'at the time of BPF_LD_ABS|IND R6 != pointer to skb', { reg: 6 });
  if (mode === MODE.IND) readReg(st, insn.src);
  checkPtrOffReg(r6 as PtrReg, 6, false);
  for (let r = 0; r <= 5; r++) setReg(st, r, notInit(idx));
  setReg(st, 0, unknownScalar(idx));
}

function checkLdImm(env: Env, st: VState, insn: Insn, idx: number): void {
  if (insn.off !== 0) reject('reserved-fields', 'BPF_LD_IMM64 uses reserved fields');
  checkDst(insn.dst);
  switch (insn.src) {
    case 0:
      setReg(st, insn.dst, constScalar(insn.imm64 ?? BigInt(insn.imm >>> 0), idx));
      return;
    case 4: {
      if (!env.funcInfo) reject('unsupported', 'missing btf func_info');
      // The loader's BTF is taken to declare callbacks static, as compilers emit them.
      const subprog = env.cfg.subprogs.indexOf(idx + insn.imm + 1);
      setReg(st, insn.dst, { type: 'func', subprog, ...ptrBase(idx) });
      return;
    }
    case 1:
      setReg(st, insn.dst, { type: 'map_ptr', map: insn.imm, ...ptrBase(idx) });
      return;
    case 2: {
      const off = Number(BigInt.asIntN(32, (insn.imm64 ?? 0n) >> 32n));
      setReg(st, insn.dst, { type: 'map_value', map: insn.imm, nullable: false, ...ptrBase(idx), off });
      return;
    }
    default:
      reject('bad-ldimm64', 'bpf verifier is misconfigured');
  }
}

/** check_atomic / check_atomic_rmw. */
function checkAtomic(env: Env, st: VState, insn: Insn, form: InsnForm | undefined, idx: number): void {
  const known = [0x00, 0x01, 0x40, 0x41, 0x50, 0x51, 0xa0, 0xa1, 0xe1, 0xf1];
  if (!known.includes(insn.imm)) {
    reject('atomic', `BPF_ATOMIC uses invalid atomic opcode ${(insn.imm >>> 0).toString(16).padStart(2, '0')}`);
  }
  const size = ({ 0x00: 4, 0x08: 2, 0x10: 1, 0x18: 8 } as Record<number, number>)[insn.opcode & 0x18];
  if (size !== 4 && size !== 8) reject('atomic', 'invalid atomic operand size');
  if (!form) reject('reserved-fields', 'BPF_STX uses reserved fields');
  readReg(st, insn.src);
  readReg(st, insn.dst);
  const cmpxchg = form.atomic!.name === 'cmpxchg';
  if (cmpxchg) {
    const r0 = readReg(st, 0);
    if (isPointerValue(env, r0)) reject('pointer-leak', 'R0 leaks addr into mem', { reg: 0 });
  }
  if (isPointerValue(env, getReg(st, insn.src))) reject('pointer-leak', `R${insn.src} leaks addr into mem`, { reg: insn.src });
  const dst = getReg(st, insn.dst);
  if (dst.type === 'ctx' || dst.type === 'packet' || dst.type === 'packet_meta' || dst.type === 'sock') {
    reject('atomic', `BPF_ATOMIC stores into R${insn.dst} ${regTypeName(dst)} is not allowed`, { reg: insn.dst });
  }
  let loadReg = -1;
  if (form.atomic!.fetch) {
    loadReg = cmpxchg ? 0 : insn.src;
    checkDst(loadReg);
    // check_reg_arg(DST_OP) marks the register unknown before the memory is checked, even when
    // it is also the base register.
    setReg(st, loadReg, unknownScalar(idx));
  }
  checkMemAccess(env, st, { regno: insn.dst, off: insn.off, size, write: false, valueRegno: loadReg, strict: true, at: idx });
  checkMemAccess(env, st, { regno: insn.dst, off: insn.off, size, write: true, valueRegno: -1, strict: true, at: idx });
  if (loadReg >= 0) setReg(st, loadReg, size === 8 ? unknownScalar(idx) : getReg(st, loadReg));
}

/** One instruction. Returns the next instruction, or -1 when the path ended. */
function step(env: Env, st: VState, idx: number): number {
  const insn = env.insns[idx];
  const form = env.cfg.forms[idx];
  const cls = insn.opcode & 7;
  switch (cls) {
    case CLASS.ALU:
    case CLASS.ALU64:
      checkAlu(env, st, insn, form, idx);
      return idx + 1;
    case CLASS.LDX:
      checkLoad(env, st, insn.src, insn.dst, insn.off, form!.size!.bytes, form!.kind === 'ldxsx', idx);
      return idx + 1;
    case CLASS.STX: {
      if ((insn.opcode & 0xe0) === MODE.ATOMIC) {
        checkAtomic(env, st, insn, form, idx);
        return idx + 1;
      }
      if (!form) reject('reserved-fields', 'BPF_STX uses reserved fields');
      readReg(st, insn.src);
      readReg(st, insn.dst);
      checkMemAccess(env, st, { regno: insn.dst, off: insn.off, size: form.size!.bytes, write: true, valueRegno: insn.src, at: idx });
      return idx + 1;
    }
    case CLASS.ST: {
      if (!form) reject('reserved-fields', 'BPF_ST uses reserved fields');
      readReg(st, insn.dst);
      checkMemAccess(env, st, { regno: insn.dst, off: insn.off, size: form.size!.bytes, write: true, valueRegno: -1, imm: insn.imm, at: idx });
      return idx + 1;
    }
    case CLASS.LD: {
      const mode = insn.opcode & 0xe0;
      if (mode === MODE.ABS || mode === MODE.IND) {
        checkLdAbs(env, st, insn, form, idx);
        return idx + 1;
      }
      if ((insn.opcode & 0x18) !== 0x18) reject('reserved-fields', 'invalid BPF_LD_IMM insn');
      checkLdImm(env, st, insn, idx);
      return idx + 2;
    }
    default:
      return jumpStep(env, st, insn, form, idx);
  }
}

function jumpStep(env: Env, st: VState, insn: Insn, form: InsnForm | undefined, idx: number): number {
  env.jmpsProcessed++;
  const op = insn.opcode & 0xf0;
  const jmp32 = (insn.opcode & 7) === CLASS.JMP32;
  if (op === JMP.CALL) {
    if (!form || jmp32 || (insn.opcode & 0x08) || insn.dst !== 0 || (insn.src !== 2 && insn.off !== 0) || insn.src > 2) {
      reject('reserved-fields', 'BPF_CALL uses reserved fields');
    }
    if (insn.src === 1) return checkLocalCallAt(env, st, insn, idx);
    if (insn.src === 2) reject('unsupported', 'kernel function calls are not modelled');
    checkHelperCall(env, st, insn, idx);
    return idx + 1;
  }
  if (op === JMP.JA) {
    if (!form) reject('reserved-fields', 'BPF_JA uses reserved fields');
    return jmp32 ? idx + insn.imm + 1 : idx + insn.off + 1;
  }
  if (op === JMP.EXIT) {
    if (!form || jmp32) reject('reserved-fields', 'BPF_EXIT uses reserved fields');
    const fromCallback = curFrame(st).callback !== undefined;
    const next = checkExit(env, st);
    if (fromCallback) widenAfterCallback(env, st, next);
    return next;
  }
  if (op === JMP.JCOND) {
    if (!form || jmp32) reject('reserved-fields', `invalid may_goto imm ${insn.imm}`);
    return mayGoto(env, st, insn, idx);
  }
  const out = checkCondJump(env, st, insn, form);
  const target = idx + insn.off + 1;
  if (out.pred === 1) return target;
  if (out.pred === 0) return idx + 1;
  if (out.fallImpossible && out.takenImpossible) return -1;
  if (out.fallImpossible) {
    Object.assign(st, out.taken!);
    st.path = pushPath(st.path, idx, target, true);
    return target;
  }
  if (!out.takenImpossible) pushBranch(env, st, out.taken!, idx, target);
  st.path = pushPath(st.path, idx, idx + 1, false);
  return idx + 1;
}

/**
 * may_goto: this path leaves the loop (the budget ran out); the path that goes on is queued one
 * iteration deeper, with scalars that changed since the previous iteration and do not matter
 * for safety widened to unknown, so that the loop converges.
 */
function mayGoto(env: Env, st: VState, insn: Insn, idx: number): number {
  const queued = cloneState(st);
  queued.mayGotoDepth++;
  const prev = previousEntry(env, st, idx);
  if (prev) widenScalars(prev.state, queued, env.cfg.relevantIn[idx]);
  pushBranch(env, st, queued, idx, idx + 1);
  st.path = pushPath(st.path, idx, idx + insn.off + 1, true);
  return idx + insn.off + 1;
}

/**
 * find_prev_entry: the checkpoint of an earlier iteration of this loop on the current path.
 * may_goto asks from the checkpoint just stored for this very visit (so not that one); a
 * returning callback asks from the path itself, whose last checkpoint may be its call's.
 */
function previousEntry(env: Env, st: VState, idx: number, fromPath = false): StoredState | undefined {
  const depth = (st.parent?.depth ?? 0) + (fromPath ? 1 : 0);
  for (const sl of env.explored.get(idx) ?? []) {
    if (sl.branches > 0 && sl.depth < depth && sameCallsites(sl.state, st)) return sl;
  }
  return undefined;
}

function sameCallsites(a: VState, b: VState): boolean {
  if (a.frames.length !== b.frames.length) return false;
  return a.frames.every((f, i) => f.callsite === b.frames[i].callsite);
}

function widenScalars(old: VState, cur: VState, relevant: number): void {
  cur.frames.forEach((f, fi) => {
    const of = old.frames[fi];
    const last = fi === cur.frames.length - 1;
    for (let r = 0; r < f.regs.length; r++) {
      const o = of.regs[r];
      const c = f.regs[r];
      if (o.type !== 'scalar' || c.type !== 'scalar') continue;
      if (last && relevant & (1 << r)) continue;
      if (o.id === c.id && o.linkOff === c.linkOff && scalarEquals(o.v, c.v)) continue;
      f.regs[r] = unknownScalar(c.at);
    }
  });
}

function pushBranch(env: Env, st: VState, taken: VState, idx: number, target: number): void {
  pushPending(env, st, taken, idx, target, true);
}

/**
 * A callback returned to its call (widen_imprecise_scalars): scalars of the caller's frame that
 * changed since the previous iteration began and whose exact value nothing uses become unknown,
 * so that iterations like `ctx->count++` converge instead of counting up forever.
 */
function widenAfterCallback(env: Env, st: VState, call: number): void {
  const prev = previousEntry(env, st, call, true);
  if (!prev) return;
  const old = curFrame(prev.state);
  const cur = curFrame(st);
  const relevant = env.cfg.useRelevantIn[call];
  const uses = { liveIn: env.cfg.liveIn, relevantIn: env.cfg.useRelevantIn, slotsIn: env.cfg.useSlotsIn };
  for (let r = 0; r < 10; r++) {
    if (!(relevant & (1 << r))) cur.regs[r] = widened(old.regs[r], cur.regs[r]);
  }
  const slots = Math.min(old.allocated, cur.allocated) / 8;
  for (let spi = 0; spi < slots; spi++) {
    const o = old.stack[spi];
    const c = cur.stack[spi];
    if (!o?.spill || !c?.spill || o.types[7] !== 'r' || c.types[7] !== 'r' || slotRelevant(uses, call, spi)) continue;
    const w = widened(o.spill, c.spill);
    if (w !== c.spill) cur.stack[spi] = { types: c.types, spill: w };
  }
}

/**
 * maybe_widen_reg: a scalar that differs from the previous iteration's becomes unknown. Ids are
 * not compared: the kernel maps them afresh for each pair of registers, so they always match.
 */
function widened(o: RegState, c: RegState): RegState {
  if (o.type !== 'scalar' || c.type !== 'scalar') return c;
  if (o.linkOff === c.linkOff && scalarEquals(o.v, c.v)) return c;
  return unknownScalar(c.at);
}

/** `N: (op) insn ; R..` with the registers and stack slots the instruction read or changed. */
function logLine(env: Env, idx: number, before: VState, after: VState): string {
  const insn = env.insns[idx];
  const form = env.cfg.forms[idx];
  const head = kernelInsnLine(idx, insn, form, env.maps);
  const b = curFrame(before);
  const a = curFrame(after);
  if (b.frameno !== a.frameno || form?.kind === 'exit') return head;
  const regs = new Set<number>();
  if (form?.uses.dst && insn.dst < 11) regs.add(insn.dst);
  if (form?.uses.src && insn.src < 11) regs.add(insn.src);
  a.regs.forEach((r, i) => {
    if (r !== b.regs[i]) regs.add(i);
  });
  const slots = new Set<number>();
  a.stack.forEach((sl, i) => {
    if (sl !== b.stack[i]) slots.add(i);
  });
  const state = formatFrameKernel(a, env.maps, regs, slots);
  if (!state) return head;
  // The kernel pads to the next multiple of 40 columns (vlog_alignment).
  const pad = Math.ceil(Math.max(head.length + 1, 8) / 40) * 40 - head.length - 2;
  return `${head}${' '.repeat(Math.max(pad, 1))}; ${state}`;
}

/** Walks every path; returns the first failure in the kernel's order, if any. */
export function explore(env: Env): Failure | undefined {
  let st = initialState();
  let idx = 0;
  let prev = -1;
  let popped = false;
  env.log('0: R1=ctx() R10=fp0');
  // Bounded by the processed-instruction limit: every iteration counts one instruction.
  for (;;) {
    try {
      env.insnIdx = idx;
      env.prevInsnIdx = prev;
      if (++env.insnProcessed > env.insnLimit) {
        reject('too-large', `BPF program is too large. Processed ${env.insnProcessed} insn`);
      }
      if ((env.insnProcessed & 0xfff) === 0 && performance.now() > env.deadline) {
        reject('timeout', `verification stopped after ${env.options.timeBudgetMs} ms (${env.insnProcessed} instructions processed); the kernel would go on up to ${env.insnLimit}`);
      }
      let next: number;
      if (env.cfg.prunePoint[idx] && isStateVisited(env, st, idx)) {
        env.log(popped ? `from ${prev} to ${idx}: safe` : `${idx}: safe`);
        popped = false;
        next = -1;
      } else {
        if (popped && env.logLines) env.log(`from ${prev} to ${idx}: ${formatStateKernel(st, env.maps)}`);
        popped = false;
        record(env, idx, st);
        const before = env.logLines ? snapshotState(st) : undefined;
        env.preciseMask = 0;
        next = step(env, st, idx);
        if (before) env.log(logLine(env, idx, before, st));
        // Only the recent past matters (a loop body): long segments restart.
        const len = st.trail ? st.trail.length + 1 : 1;
        st.trail = { insn: idx, precise: env.preciseMask, prev: len > TRAIL_LIMIT ? undefined : st.trail, length: len > TRAIL_LIMIT ? 1 : len };
      }
      if (next >= 0) {
        prev = idx;
        idx = next;
        continue;
      }
      endPath(st);
      const p = env.pending.pop();
      if (!p) break;
      st = p.state;
      idx = p.insn;
      prev = p.prev;
      popped = true;
    } catch (e) {
      if (e instanceof Reject) return { error: e, insn: e.info.insn ?? idx, state: st };
      throw e;
    }
  }
  try {
    checkStackDepth(env);
  } catch (e) {
    if (e instanceof Reject) return { error: e, insn: e.info.insn ?? 0, state: st };
    throw e;
  }
  return undefined;
}

export { curFrame };
