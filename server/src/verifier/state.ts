// The verifier state of one path: call frames (registers + stack), acquired references, and
// the branch path that led here (for diagnostics). States are copied when a path forks;
// register values inside are immutable and shared between copies.
import { notInit, ptrBase, type RegState } from './reg';

export const MAX_BPF_STACK = 512;
export const MAX_CALL_FRAMES = 8;
export const REG_COUNT = 11;
export const FP = 10;

/** Per-byte stack contents, with the kernel's characters (slot_type_char). */
export const STACK = { INVALID: '?', SPILL: 'r', MISC: 'm', ZERO: '0' } as const;
export type StackByte = (typeof STACK)[keyof typeof STACK];

/**
 * One 8-byte stack slot. `types[k]` describes the byte at fp - 8*spi - 1 - k (the kernel's
 * order: index 0 is the slot's highest address). `spill` is the register saved by a spill.
 */
export interface StackSlot {
  readonly types: string;
  readonly spill?: RegState;
}

export const EMPTY_SLOT: StackSlot = { types: '????????' };

export interface Frame {
  regs: RegState[];
  /** Indexed by spi: slot spi covers [fp - 8*(spi+1), fp - 8*spi). */
  stack: (StackSlot | undefined)[];
  /** Bytes of stack in use (a multiple of 8), the kernel's allocated_stack. */
  allocated: number;
  /** The call instruction that created this frame (-1 for the main program). */
  callsite: number;
  frameno: number;
  subprog: number;
  /** Set on a callback's frame: the helper that calls it and the range its r0 must be in. */
  callback?: CallbackFrame;
  /** Callbacks scheduled from this frame's current call (the kernel's callback_depth; bounds bpf_loop). */
  callbackDepth: number;
}

export interface CallbackFrame {
  readonly helper: number;
  readonly retMin: bigint;
  readonly retMax: bigint;
}

export interface AcquiredRef {
  id: number;
  /** Instruction that acquired it. */
  insn: number;
  kind: 'ringbuf' | 'sock';
}

/** A branch decision on the path, newest first (a persistent list shared between forks). */
export interface PathStep {
  readonly from: number;
  readonly to: number;
  readonly taken: boolean;
  readonly prev?: PathStep;
  readonly depth: number;
}

export interface VState {
  frames: Frame[];
  refs: AcquiredRef[];
  path?: PathStep;
  /** Instructions processed on this path since the last stored state (for the kernel's checkpoint heuristic). */
  insnsSinceCheckpoint: number;
  jmpsSinceCheckpoint: number;
  /** The state this one continues from at the last checkpoint (loop detection walks it). */
  parent?: StoredState;
  /** How many may_goto iterations this path has taken. */
  mayGotoDepth: number;
  /** Callback bodies entered on this path (the kernel's callback_unroll_depth): iterations are not infinite loops. */
  callbackUnrollDepth: number;
  /**
   * Instructions executed since the last checkpoint, newest first, with the registers whose exact
   * value each needed: what the kernel backtracks to find precise registers. Shared between forks.
   */
  trail?: TrailStep;
}

export interface TrailStep {
  readonly insn: number;
  readonly precise: number;
  readonly prev?: TrailStep;
  readonly length: number;
}

/** A checkpoint kept at a prune point to compare later paths against. */
export interface StoredState {
  readonly insn: number;
  readonly state: VState;
  /** Paths from this checkpoint still being explored (>0 means it is on the current path or pending). */
  branches: number;
  hits: number;
  misses: number;
  readonly parent?: StoredState;
  /** Checkpoints above this one on its path. */
  readonly depth: number;
  /** The trail that led from the parent checkpoint to this one. */
  readonly trail?: TrailStep;
  /** loopKey of the state, to find repeated states quickly. */
  readonly key: number;
}

export function newFrame(frameno: number, callsite: number, subprog: number): Frame {
  const regs: RegState[] = [];
  for (let i = 0; i < REG_COUNT; i++) regs.push(notInit());
  regs[FP] = { type: 'stack', frame: frameno, ...ptrBase(-1) };
  return { regs, stack: [], allocated: 0, callsite, frameno, subprog, callbackDepth: 0 };
}

export function cloneFrame(f: Frame): Frame {
  return { ...f, regs: f.regs.slice(), stack: f.stack.slice() };
}

export function cloneState(s: VState): VState {
  return {
    frames: s.frames.map(cloneFrame),
    refs: s.refs.slice(),
    path: s.path,
    insnsSinceCheckpoint: s.insnsSinceCheckpoint,
    jmpsSinceCheckpoint: s.jmpsSinceCheckpoint,
    parent: s.parent,
    mayGotoDepth: s.mayGotoDepth,
    callbackUnrollDepth: s.callbackUnrollDepth,
    trail: s.trail,
  };
}

/** A copy for the editor's per-instruction records: frames and references, no exploration data. */
export function snapshotState(s: VState): VState {
  return {
    frames: s.frames.map(cloneFrame),
    refs: s.refs.slice(),
    path: s.path,
    insnsSinceCheckpoint: 0,
    jmpsSinceCheckpoint: 0,
    mayGotoDepth: s.mayGotoDepth,
    callbackUnrollDepth: s.callbackUnrollDepth,
  };
}

export const curFrame = (s: VState): Frame => s.frames[s.frames.length - 1];

export function slotAt(f: Frame, spi: number): StackSlot {
  return f.stack[spi] ?? EMPTY_SLOT;
}

/** Grows the frame's allocated stack to cover `size` bytes below fp. */
export function growStack(f: Frame, size: number): void {
  const rounded = Math.ceil(size / 8) * 8;
  if (rounded > f.allocated) f.allocated = rounded;
}

/** Byte index within the slot (kernel order) of the byte at fp + off (off < 0). */
export function byteIndex(off: number): { spi: number; k: number } {
  const slot = -off - 1;
  return { spi: Math.floor(slot / 8), k: slot % 8 };
}

export function setSlotBytes(types: string, ks: readonly number[], ch: string): string {
  const arr = types.split('');
  for (const k of ks) arr[k] = ch;
  return arr.join('');
}

/** Calls f on every register of every frame, and every spilled register, replacing it with the result. */
export function mapAllRegs(s: VState, f: (r: RegState) => RegState): void {
  for (const frame of s.frames) {
    for (let i = 0; i < frame.regs.length; i++) {
      const r = frame.regs[i];
      const n = f(r);
      if (n !== r) frame.regs[i] = n;
    }
    for (let spi = 0; spi < frame.stack.length; spi++) {
      const slot = frame.stack[spi];
      if (!slot?.spill) continue;
      const n = f(slot.spill);
      if (n !== slot.spill) frame.stack[spi] = { types: slot.types, spill: n };
    }
  }
}

export const pathDepth = (p: PathStep | undefined): number => p?.depth ?? 0;

export function pushPath(p: PathStep | undefined, from: number, to: number, taken: boolean): PathStep {
  return { from, to, taken, prev: p, depth: pathDepth(p) + 1 };
}

/** Oldest first, at most `limit` most recent steps. */
export function pathSteps(p: PathStep | undefined, limit = 64): PathStep[] {
  const out: PathStep[] = [];
  for (let q = p; q && out.length < limit; q = q.prev) out.push(q);
  return out.reverse();
}
