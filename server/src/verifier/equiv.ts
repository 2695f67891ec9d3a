// State equivalence for pruning (states_equal): a path whose state is covered by an already
// verified state at the same instruction is safe and need not be walked again. Registers that
// are dead are ignored; scalars whose value cannot affect safety compare as "any scalar".
import type { Cfg } from './cfg';
import { slotRelevant } from './relevance';
import { isPointer, type PtrReg, type RegState } from './reg';
import { scalarEquals, scalarWithin } from './scalar';
import { slotAt, STACK, type Frame, type StackSlot, type VState } from './state';

/** A consistent renaming of ids between two states (check_ids); reused, so reset() before each comparison. */
class IdMap {
  private readonly olds: number[] = [];
  private readonly curs: number[] = [];
  private n = 0;
  private tmp = 1 << 30;
  identity = false;

  reset(identity: boolean): this {
    this.n = 0;
    this.identity = identity;
    return this;
  }

  check(oldId: number, curId: number): boolean {
    if (this.identity) return oldId === curId;
    if (!oldId !== !curId) return false;
    if (!oldId) return true;
    for (let i = 0; i < this.n; i++) {
      if (this.olds[i] === oldId) return this.curs[i] === curId;
      if (this.curs[i] === curId) return false;
    }
    this.olds[this.n] = oldId;
    this.curs[this.n] = curId;
    this.n++;
    return true;
  }

  /** check_scalar_ids: scalars without an id get a fresh one so that they never alias. */
  checkScalar(oldId: number, curId: number): boolean {
    if (this.identity) return oldId === curId;
    return this.check(oldId || ++this.tmp, curId || ++this.tmp);
  }
}

const shared = new IdMap();

function sameTypeFields(o: PtrReg, c: PtrReg): boolean {
  if (o.type !== c.type || o.off !== c.off) return false;
  switch (o.type) {
    case 'map_ptr': case 'map_key': return o.map === (c as typeof o).map;
    case 'map_value': return o.map === (c as typeof o).map && o.nullable === (c as typeof o).nullable;
    case 'mem': {
      const m = c as typeof o;
      return o.size === m.size && o.ringbuf === m.ringbuf && o.rdonly === m.rdonly && o.nullable === m.nullable;
    }
    case 'sock': return o.kind === (c as typeof o).kind && o.nullable === (c as typeof o).nullable;
    case 'stack': return o.frame === (c as typeof o).frame;
    case 'func': return o.subprog === (c as typeof o).subprog;
    case 'btf_ptr': return o.struct === (c as typeof o).struct && o.trusted === (c as typeof o).trusted && o.nullable === (c as typeof o).nullable;
    default: return true;
  }
}

function regsExact(o: RegState, c: RegState, ids: IdMap): boolean {
  if (o.type !== c.type) return false;
  if (o.type === 'not_init') return true;
  if (o.type === 'scalar') {
    const cs = c as typeof o;
    return scalarEquals(o.v, cs.v) && o.linkOff === cs.linkOff && ids.checkScalar(o.id, cs.id);
  }
  const cp = c as PtrReg;
  return sameTypeFields(o, cp) && scalarEquals(o.v, cp.v) && ids.check(o.id, cp.id) && ids.check(o.refObjId, cp.refObjId) &&
    (!('range' in o) || o.range === (cp as typeof o).range);
}

/** regsafe: every behaviour of `cur` was already covered by `old`. */
export function regSafe(o: RegState, c: RegState, ids: IdMap, precise: boolean, exact: boolean): boolean {
  if (o.type === 'not_init') return !exact || c.type === 'not_init';
  if (exact) return regsExact(o, c, ids);
  if (o.type === 'scalar') {
    if (c.type !== 'scalar') return false;
    if (!precise) return true;
    return scalarWithin(o.v, c.v) && o.linkOff === c.linkOff && ids.checkScalar(o.id, c.id);
  }
  if (!isPointer(c)) return false;
  const cp = c as PtrReg;
  switch (o.type) {
    case 'map_key': case 'map_value': case 'mem':
      return sameTypeFields(o, cp) && scalarWithin(o.v, cp.v) && ids.check(o.id, cp.id) && ids.check(o.refObjId, cp.refObjId);
    case 'packet': case 'packet_meta': {
      if (cp.type !== o.type) return false;
      const cr = cp as typeof o;
      if (o.range > cr.range) return false;
      if (o.off !== cp.off) return false;
      if (!ids.check(o.id, cp.id)) return false;
      return scalarWithin(o.v, cp.v);
    }
    default:
      return regsExact(o, c, ids);
  }
}

const isSpilledScalar64 = (s: StackSlot): boolean => s.types === 'rrrrrrrr' && s.spill?.type === 'scalar';
const isAllMisc = (s: StackSlot, uninitOk: boolean): boolean => {
  for (let i = 0; i < 8; i++) {
    const t = s.types[i];
    if (t !== STACK.MISC && !(uninitOk && t === STACK.INVALID)) return false;
  }
  return true;
};
const UNBOUND: RegState = { type: 'scalar', v: { var: { value: 0n, mask: (1n << 64n) - 1n }, smin: -(1n << 63n), smax: (1n << 63n) - 1n, umin: 0n, umax: (1n << 64n) - 1n, s32min: -(1n << 31n), s32max: (1n << 31n) - 1n, u32min: 0n, u32max: (1n << 32n) - 1n }, id: 0, at: -1 };

function scalarForStack(s: StackSlot, uninitOk: boolean): RegState | undefined {
  if (isSpilledScalar64(s)) return s.spill;
  if (isAllMisc(s, uninitOk)) return UNBOUND;
  return undefined;
}

/** `slotPrecise(spi)`: whether a spilled scalar's value in that slot matters. */
function stackSafe(o: Frame, c: Frame, ids: IdMap, exact: boolean, uninitOk: boolean, slotPrecise: (spi: number) => boolean): boolean {
  const slots = o.allocated / 8;
  for (let spi = 0; spi < slots; spi++) {
    const os = slotAt(o, spi);
    const cs = slotAt(c, spi);
    if (exact) {
      if (os.types !== cs.types) return false;
      if (os.types[7] === STACK.SPILL && !regSafe(os.spill!, cs.spill!, ids, true, true)) return false;
      continue;
    }
    if (os.types === '????????') continue;
    if (spi >= c.allocated / 8 && !(uninitOk && isAllMisc(os, true))) return false;
    const or = scalarForStack(os, uninitOk);
    const cr = scalarForStack(cs, uninitOk);
    if (or && cr) {
      if (!regSafe(or, cr, ids, slotPrecise(spi), false)) return false;
      continue;
    }
    for (let k = 0; k < 8; k++) {
      const ot = os.types[k];
      const ct = cs.types[k];
      if (ot === STACK.INVALID) continue;
      if (uninitOk && ot === STACK.MISC) continue;
      if (ot === STACK.MISC && ct === STACK.ZERO) continue;
      if (ot !== ct) return false;
    }
    if (os.types[7] === STACK.SPILL && !regSafe(os.spill!, cs.spill!, ids, slotPrecise(spi), false)) return false;
  }
  return true;
}

function frameSafe(o: Frame, c: Frame, live: number, relevant: number, ids: IdMap, exact: boolean, uninitOk: boolean, slotPrecise: (spi: number) => boolean): boolean {
  if (o.callsite !== c.callsite) return false;
  for (let r = 0; r < o.regs.length; r++) {
    if (!exact && !(live & (1 << r)) && r !== 10) continue;
    if (!regSafe(o.regs[r], c.regs[r], ids, (relevant & (1 << r)) !== 0, exact)) return false;
  }
  return stackSafe(o, c, ids, exact, uninitOk, slotPrecise);
}

/**
 * states_equal at instruction `insn`. `rangeWithin` compares every live scalar by range, whatever
 * its relevance (the kernel's RANGE_WITHIN, used for may_goto loops and callback iterations).
 */
export function statesEqual(cfg: Cfg, insn: number, o: VState, c: VState, exact: boolean, uninitOk: boolean, rangeWithin = false): boolean {
  if (o.frames.length !== c.frames.length) return false;
  const ids = shared.reset(false);
  if (o.refs.length !== c.refs.length) return false;
  for (let i = 0; i < o.refs.length; i++) if (!ids.check(o.refs[i].id, c.refs[i].id)) return false;
  for (let f = o.frames.length - 1; f >= 0; f--) {
    const last = f === o.frames.length - 1;
    if (o.frames[f].callbackDepth > c.frames[f].callbackDepth) return false;
    // Caller frames resume after their call: what is live there, minus the clobbered r0-r5. A
    // callback's caller resumes at the call itself, which reads its arguments again.
    const atCall = !last && o.frames[f + 1].callback !== undefined;
    const at = last ? insn : atCall ? o.frames[f + 1].callsite : o.frames[f + 1].callsite + 1;
    const live = last || atCall ? cfg.liveIn[at] : cfg.liveIn[at] & ~0x3f;
    const rel = rangeWithin ? 0x7ff : last || atCall ? cfg.relevantIn[at] : cfg.relevantIn[at] & ~0x3f;
    // A caller's slots may be read by the callee through pointers: their values always matter.
    const slotPrecise = rangeWithin || !last ? () => true : (spi: number) => slotRelevant(cfg, insn, spi);
    if (!frameSafe(o.frames[f], c.frames[f], live, rel, ids, exact, uninitOk, slotPrecise)) return false;
  }
  return true;
}

/** A number equal for states whose current-frame registers are bitwise equal (a filter before statesMaybeLooping). */
export function loopKey(st: VState): number {
  const f = st.frames[st.frames.length - 1];
  let h = st.frames.length;
  for (const r of f.regs) {
    h = (Math.imul(h, 31) + r.type.length * 7 + r.type.charCodeAt(0)) | 0;
    if (r.type === 'not_init') continue;
    const v = r.v;
    h = (Math.imul(h, 31) + Number(v.var.value & 0xfffffffn) + Number(v.var.mask & 0xffffn)) | 0;
    h = (Math.imul(h, 31) + Number(v.umin & 0xfffffffn) + Number(v.umax & 0xfffffn) + Number(v.smax & 0xffffn)) | 0;
    h = (Math.imul(h, 31) + r.id + ('off' in r ? r.off : 0)) | 0;
  }
  return h;
}

/** states_maybe_looping: the current frame's registers are bitwise the same. */
export function statesMaybeLooping(o: VState, c: VState): boolean {
  if (o.frames.length !== c.frames.length) return false;
  const fo = o.frames[o.frames.length - 1];
  const fc = c.frames[c.frames.length - 1];
  const ids = shared.reset(true);
  for (let r = 0; r < fo.regs.length; r++) {
    const a = fo.regs[r];
    const b = fc.regs[r];
    if (a !== b && !regsExact(a, b, ids)) return false;
  }
  return true;
}
