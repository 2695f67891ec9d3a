// Which registers and stack slots may matter later, per instruction: a static stand-in for the
// kernel's liveness and precision marks, used to decide when two states are equivalent.
//
// A register is *live* if some path may read it before writing it. A live scalar is *relevant*
// if its exact value may flow into something whose safety depends on it (a branch condition,
// pointer arithmetic, a helper argument, a return value the kernel range-checks). Scalars that
// are live but not relevant compare as "any scalar", which is what lets the kernel prune the
// joins of `x = c ? 1 : 2`. The same holds for scalars spilled to the frame's own stack slots,
// which needs to know where stack pointers point: a forward pass tracks `r10 + K` per register.
import type { Insn } from '../core/types';
import type { InsnForm } from '../isa/table';
import { helperProto } from '../isa/helper-protos';
import { SYNC_CALLBACK_HELPERS } from './callback';

/** Forward-pass register states: fp + K (|K| <= 600), or one of these. */
const NOT_STACK = 10_000;
const ANY_STACK = 20_000;
const UNREACHED = 30_000;
const MAX_K = 600;

const SLOTS = 64;
const ALL_SLOTS = 0xffffffff;

export interface Relevance {
  /** Registers (bit i = ri) some path may read before writing, at each slot. */
  liveIn: Uint16Array;
  /** Live registers whose exact value may matter for safety. */
  relevantIn: Uint16Array;
  /** Own-frame stack slots (bit spi; two 32-bit words per instruction) whose spilled value may matter. */
  slotsIn: Uint32Array;
}

export function slotRelevant(r: Relevance, insn: number, spi: number): boolean {
  if (spi >= SLOTS) return true;
  return ((r.slotsIn[insn * 2 + (spi >> 5)] >>> (spi & 31)) & 1) === 1;
}

const bit = (r: number): number => (r >= 0 && r <= 10 ? 1 << r : 0);
const R0_R5 = 0b111111;
const R1_R5 = 0b111110;

function join(a: number, b: number): number {
  if (a === UNREACHED) return b;
  if (b === UNREACHED || a === b) return a;
  if (a === NOT_STACK && b === NOT_STACK) return NOT_STACK;
  return ANY_STACK;
}

const isFp = (v: number): boolean => v >= -MAX_K && v <= MAX_K;
const mayBeStack = (v: number): boolean => v !== NOT_STACK && v !== UNREACHED;

/** What an instruction does to the stack-pointer state of its registers (mutates `regs`). */
function forwardStep(insn: Insn, form: InsnForm | undefined, regs: Int32Array): void {
  const d = insn.dst;
  const set = (r: number, v: number) => {
    if (r >= 0 && r <= 10) regs[r] = v;
  };
  switch (form?.kind) {
    case 'alu': {
      if (form.width === 32) return set(d, NOT_STACK);
      const name = form.alu!.name;
      if (name === 'mov') return set(d, form.source === 'reg' ? regs[insn.src] : NOT_STACK);
      if ((name === 'add' || name === 'sub') && form.source === 'imm') {
        const v = regs[d];
        if (isFp(v)) {
          const k = v + (name === 'add' ? insn.imm : -insn.imm);
          return set(d, Math.abs(k) <= MAX_K ? k : ANY_STACK);
        }
        return;
      }
      if (name === 'add' || name === 'sub') {
        const either = mayBeStack(regs[d]) || mayBeStack(regs[insn.src]);
        return set(d, either ? ANY_STACK : NOT_STACK);
      }
      return set(d, NOT_STACK);
    }
    case 'neg': case 'endian': case 'bswap': case 'movsx': case 'addr_space_cast': case 'lddw':
      return set(d, NOT_STACK);
    case 'ldx': case 'ldxsx':
      // A fill from the stack may bring back a spilled stack pointer.
      return set(d, mayBeStack(regs[insn.src]) ? ANY_STACK : NOT_STACK);
    case 'atomic':
      if (form.atomic!.fetch) set(form.atomic!.name === 'cmpxchg' ? 0 : insn.src, mayBeStack(regs[d]) ? ANY_STACK : NOT_STACK);
      return;
    case 'ldabs': case 'ldind': case 'call': case 'call_local': case 'callx': case 'kfunc':
      for (let r = 0; r <= 5; r++) regs[r] = NOT_STACK;
      return;
    default:
      return;
  }
}

/** Stack slots (as a two-word mask) covered by `size` bytes at fp + k. */
function slotsOf(k: number, size: number): [number, number] {
  let lo = 0;
  let hi = 0;
  for (let a = k; a < k + size; a++) {
    if (a >= 0 || a < -512) continue;
    const spi = Math.floor((-a - 1) / 8);
    if (spi < 32) lo |= 1 << spi;
    else hi |= 1 << (spi - 32);
  }
  return [lo >>> 0, hi >>> 0];
}

/** Helpers whose second argument is a map key: an array key that is a known constant changes the result type. */
const KEY_HELPERS = new Set([1, 2, 3, 195]);

/**
 * `usesOnly`: a value stored through a pointer that may point anywhere does not count as
 * mattering (only real uses do), and a call that runs a callback keeps this frame's slots only
 * when some subprogram loads through such a pointer a value that matters. Not sound for
 * pruning; it decides which scalars a returning callback keeps exact (widening is always safe).
 */
export function analyseRelevance(
  insns: readonly Insn[],
  forms: readonly (InsnForm | undefined)[],
  subprogs: readonly number[],
  succ: readonly (readonly number[])[],
  checksReturn: boolean,
  usesOnly = false,
): Relevance {
  const n = insns.length;
  // ---- forward: where stack pointers point
  const fwd = new Int32Array(n * 11).fill(UNREACHED);
  const work: number[] = [];
  const entry = (t: number, subprog: boolean) => {
    for (let r = 0; r < 11; r++) fwd[t * 11 + r] = r === 10 ? 0 : subprog && r >= 1 && r <= 5 ? ANY_STACK : NOT_STACK;
    work.push(t);
  };
  subprogs.forEach((s, i) => entry(s, i > 0));
  const regs = new Int32Array(11);
  // Each state only moves up a three-level lattice per register: bounded by 3 * 11 * n visits.
  for (let guard = 0; work.length > 0 && guard < 40 * n + 100; guard++) {
    const t = work.pop()!;
    for (let r = 0; r < 11; r++) regs[r] = fwd[t * 11 + r];
    forwardStep(insns[t], forms[t], regs);
    for (const w of succ[t]) {
      let changed = false;
      for (let r = 0; r < 11; r++) {
        const j = join(fwd[w * 11 + r], regs[r]);
        if (j !== fwd[w * 11 + r]) {
          fwd[w * 11 + r] = j;
          changed = true;
        }
      }
      if (changed) work.push(w);
    }
  }

  // ---- backward: live, relevant, relevant slots
  const subprogOf = new Int32Array(n);
  for (let i = 0, sp = 0; i < n; i++) {
    while (sp + 1 < subprogs.length && subprogs[sp + 1] <= i) sp++;
    subprogOf[i] = sp;
  }
  const liveIn = new Uint16Array(n);
  const relIn = new Uint16Array(n);
  const slotsIn = new Uint32Array(n * 2);
  const o: StepOptions = { inSubprog: false, checksReturn, usesOnly, pointerReads: false };
  for (let changed = true, rounds = 0; changed && rounds < 200; rounds++) {
    changed = false;
    const pointerReads = o.pointerReads;
    for (let t = n - 1; t >= 0; t--) {
      if (insns[t].filler) continue;
      let live = 0;
      let rel = 0;
      let lo = 0;
      let hi = 0;
      for (const w of succ[t]) {
        live |= liveIn[w];
        rel |= relIn[w];
        lo |= slotsIn[w * 2];
        hi |= slotsIn[w * 2 + 1];
      }
      o.inSubprog = subprogOf[t] !== 0;
      const out = backwardStep(insns[t], forms[t], fwd, t, { live, rel, lo: lo >>> 0, hi: hi >>> 0 }, o);
      out.rel &= out.live;
      if (out.live !== liveIn[t] || out.rel !== relIn[t] || out.lo !== slotsIn[t * 2] || out.hi !== slotsIn[t * 2 + 1]) {
        liveIn[t] = out.live;
        relIn[t] = out.rel;
        slotsIn[t * 2] = out.lo;
        slotsIn[t * 2 + 1] = out.hi;
        changed = true;
      }
    }
    if (o.pointerReads !== pointerReads) changed = true;
  }
  return { liveIn, relevantIn: relIn, slotsIn };
}

interface Facts {
  live: number;
  rel: number;
  lo: number;
  hi: number;
}

interface StepOptions {
  inSubprog: boolean;
  checksReturn: boolean;
  usesOnly: boolean;
  /**
   * Some subprogram loads, through a pointer that may point into another frame, a value that
   * matters: a callback may then use its caller's stack (set during the rounds, only grows).
   */
  pointerReads: boolean;
}

/** Facts before the instruction, from the facts after it. */
function backwardStep(insn: Insn, form: InsnForm | undefined, fwd: Int32Array, t: number, f: Facts, o: StepOptions): Facts {
  const d = bit(insn.dst);
  const s = bit(insn.src);
  const ptr = (r: number) => fwd[t * 11 + r];
  let { live, rel, lo, hi } = f;
  const use = (m: number) => {
    live |= m;
  };
  const def = (m: number) => {
    live &= ~m;
    rel &= ~m;
  };
  const needs = (m: number) => {
    rel |= m;
    live |= m;
  };
  const touch = (base: number, off: number, size: number): [number, number] | 'all' | undefined => {
    const p = ptr(base);
    if (isFp(p)) return slotsOf(p + off, size);
    return p === ANY_STACK ? 'all' : undefined;
  };
  if (!form) {
    use(d | s);
    return { live, rel, lo, hi };
  }
  const size = form.size?.bytes ?? 8;
  switch (form.kind) {
    case 'alu': {
      const src = form.source === 'reg' ? s : 0;
      const dstRel = (rel & d) !== 0;
      if (form.alu!.name === 'mov') {
        def(d);
        use(src);
        if (dstRel) needs(src);
        break;
      }
      use(d | src);
      // add/sub of a register may be pointer arithmetic, whose offsets are always compared.
      if (form.width === 64 && (form.alu!.name === 'add' || form.alu!.name === 'sub')) needs(src);
      if (dstRel) needs(d | src);
      break;
    }
    case 'neg': case 'endian': case 'bswap':
      use(d);
      break;
    case 'movsx': case 'addr_space_cast': {
      const dstRel = (rel & d) !== 0;
      def(d);
      use(s);
      if (dstRel) needs(s);
      break;
    }
    case 'ldx': case 'ldxsx': {
      const dstRel = (rel & d) !== 0;
      def(d);
      needs(s);
      if (dstRel) {
        const slots = touch(insn.src, insn.off, size);
        if (slots === 'all') {
          if (o.inSubprog) o.pointerReads = true;
          lo = ALL_SLOTS;
          hi = ALL_SLOTS;
        } else if (slots) {
          lo |= slots[0];
          hi |= slots[1];
        }
      }
      break;
    }
    case 'st': case 'stx': {
      needs(d);
      const slots = touch(insn.dst, insn.off, size);
      let valueMatters: boolean;
      if (slots === 'all') valueMatters = !o.usesOnly;
      else if (!slots) valueMatters = false;
      else {
        valueMatters = ((slots[0] & lo) | (slots[1] & hi)) !== 0;
        // A whole-slot write replaces what was there.
        if (size === 8 && (ptr(insn.dst) + insn.off) % 8 === 0) {
          lo &= ~slots[0];
          hi &= ~slots[1];
        }
      }
      if (form.kind === 'stx') {
        use(s);
        if (valueMatters) needs(s);
      }
      break;
    }
    case 'atomic': {
      const cmpxchg = form.atomic!.name === 'cmpxchg';
      if (form.atomic!.fetch) def(cmpxchg ? 1 : s);
      needs(d | s | (cmpxchg ? 1 : 0));
      const slots = touch(insn.dst, insn.off, size);
      if (slots === 'all') {
        lo = ALL_SLOTS;
        hi = ALL_SLOTS;
      } else if (slots) {
        lo |= slots[0];
        hi |= slots[1];
      }
      break;
    }
    case 'lddw':
      def(d);
      break;
    case 'ldabs': case 'ldind':
      def(R0_R5);
      needs(bit(6) | (form.kind === 'ldind' ? s : 0));
      break;
    case 'jcond':
      needs(d | (form.source === 'reg' ? s : 0));
      break;
    case 'call': {
      def(R0_R5);
      const proto = helperProto(insn.imm);
      let args = 0;
      for (let a = 0; a < (proto?.args.length ?? 5); a++) args |= bit(a + 1);
      needs(args);
      // A callback may read this frame's stack through the pointer it was given.
      if (SYNC_CALLBACK_HELPERS.has(insn.imm) && (!o.usesOnly || o.pointerReads)) {
        lo = ALL_SLOTS;
        hi = ALL_SLOTS;
      }
      if (KEY_HELPERS.has(insn.imm)) {
        const slots = touch(2, 0, 8);
        if (slots === 'all') {
          lo = ALL_SLOTS;
          hi = ALL_SLOTS;
        } else if (slots) {
          lo |= slots[0];
          hi |= slots[1];
        }
      }
      break;
    }
    case 'call_local': case 'callx': case 'kfunc':
      def(R0_R5);
      needs(R1_R5);
      // The callee may read this frame's stack through pointers it was given.
      lo = ALL_SLOTS;
      hi = ALL_SLOTS;
      break;
    case 'exit':
      use(1);
      if (o.inSubprog || o.checksReturn) needs(1);
      break;
    default:
      break;
  }
  return { live, rel, lo: lo >>> 0, hi: hi >>> 0 };
}
