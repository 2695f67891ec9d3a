// Per-program code generation state and the low-level emitters every construct shares.
// Register use: r9 holds the context for the whole program; r6-r8 hold expression values (they
// survive helper calls); r0-r5 are scratch around each helper call. A value that must stay live
// while another subexpression runs is spilled to the stack when r6-r8 are all taken.
import type { Range } from '../../core/types';
import type * as A from '../ast';
import type { ProbeInfo } from '../checker';
import type { TracepointFormat } from '../tracepoints';
import type { TypeEnv } from '../typeenv';
import type { Type } from '../types';
import type { ActionTable } from './actions';
import { AsmBuilder, type AsmLine } from './emit';
import { CompileError } from './errors';
import { Frame, STACK_LIMIT } from './frame';
import type { MapPlan } from './maps';
import type { AttachSpec } from './sections';

export const CTX = 9;
const POOL = [8, 7, 6];

/** A value in memory on the stack: r10 + off, `size` bytes. */
export interface Mem {
  off: number;
  size: number;
}

/** Script-wide tables shared by all programs. */
export interface ScriptEnv {
  maps: Map<string, MapPlan>;
  actions: ActionTable;
  types: TypeEnv;
  /** Positional parameters ($1...). */
  params: string[];
  /** Probe names for the `probe` builtin: id → name. */
  probeNames: string[];
  /** Simulated kernel symbols for `func`: function name → address. */
  symbols: Map<string, bigint>;
  /** Number of simulated CPUs (`ncpus`). */
  ncpus: number;
  /** Value of a #define, script enum or kernel enum constant. */
  constant(name: string): bigint | undefined;
  /** Script source lines, for the comments beside the code. */
  sourceLines: string[];
}

export interface Ops {
  int(g: Gen, e: A.Expr): number;
  mem(g: Gen, e: A.Expr): Mem;
  cond(g: Gen, e: A.Expr, ifFalse: string): void;
  store(g: Gen, e: A.Expr, t: Type, off: number): void;
  stmts(g: Gen, s: A.Stmt[]): void;
}

export class Gen {
  readonly asm = new AsmBuilder();
  /** The stack frame of the function being written (a callback has its own). */
  frame = new Frame();
  private free = [...POOL];
  /** Subprogram code (for-loop callbacks), placed after the program's own. */
  readonly subprograms: AsmLine[] = [];
  /** Every function's frame with its caller's, to check the stack they share. */
  readonly callbackFrames: { frame: Frame; caller: Frame; range: Range }[] = [];
  /** Scratch variables: name → stack slot and type. */
  readonly vars = new Map<string, { off: number; type: Type }>();
  /** Innermost loop last: where break and continue go. */
  readonly loops: { brk: string; cont: string }[] = [];
  exitLabel: string;
  /** Maps (by assembler name) this program touches. */
  readonly usedMaps = new Set<string>();

  constructor(
    readonly env: ScriptEnv,
    readonly attach: AttachSpec,
    readonly info: ProbeInfo,
    readonly probeId: number,
    readonly ops: Ops,
  ) {
    this.exitLabel = this.asm.label('exit');
  }

  get tracepoint(): TracepointFormat | undefined {
    return this.attach.tracepoint;
  }

  // ------------------------------------------------------------ dispatch

  int(e: A.Expr): number {
    return this.ops.int(this, e);
  }

  mem(e: A.Expr): Mem {
    return this.ops.mem(this, e);
  }

  cond(e: A.Expr, ifFalse: string): void {
    this.ops.cond(this, e, ifFalse);
  }

  store(e: A.Expr, t: Type, off: number): void {
    this.ops.store(this, e, t, off);
  }

  /**
   * Writes a callback subprogram: `body` runs with a fresh stack frame, registers and loop stack,
   * its lines going after the program's own; variables, loops and the exit label come back after.
   */
  inSubprogram(range: Range, body: () => void): void {
    const saved = { frame: this.frame, free: this.free, vars: new Map(this.vars), loops: this.loops.splice(0), exit: this.exitLabel };
    const lines: AsmLine[] = [];
    const restore = this.asm.divert(lines);
    const frame = new Frame();
    this.callbackFrames.push({ frame, caller: saved.frame, range });
    this.frame = frame;
    this.free = [...POOL];
    try {
      body();
    } finally {
      restore();
      this.frame = saved.frame;
      this.free = saved.free;
      this.vars.clear();
      for (const [k, v] of saved.vars) this.vars.set(k, v);
      this.loops.splice(0, this.loops.length, ...saved.loops);
      this.exitLabel = saved.exit;
    }
    this.subprograms.push(...lines);
  }

  /**
   * The kernel's limit on a call chain: each frame rounded up to 32 bytes, all together at most
   * 512. Throws a CompileError naming the loop whose body makes the chain too deep.
   */
  checkCallbackStacks(): void {
    const up32 = (n: number): number => (Math.max(n, 1) + 31) & ~31;
    const parent = new Map(this.callbackFrames.map((c) => [c.frame, c.caller]));
    for (const c of this.callbackFrames) {
      let total = 0;
      for (let f: Frame | undefined = c.frame, guard = 0; f && guard < 64; f = parent.get(f), guard++) total += up32(f.peak);
      if (total > STACK_LIMIT) {
        throw new CompileError(c.range, `This for loop's body and the code around it together need ${total} bytes of the ${STACK_LIMIT}-byte eBPF stack (a callback's frame adds to its caller's). Use shorter strings or fewer variables.`, 'probe.stack-limit');
      }
    }
  }

  // ------------------------------------------------------------ registers and stack

  acquire(range: Range): number {
    const r = this.free.pop();
    if (r === undefined) throw new CompileError(range, 'internal compiler error: out of value registers', 'probe.compile-internal');
    return r;
  }

  release(r: number): void {
    if (POOL.includes(r) && !this.free.includes(r)) this.free.push(r);
  }

  freeCount(): number {
    return this.free.length;
  }

  tmp(size: number, range: Range, what: string): number {
    return this.frame.alloc(size, range, what);
  }

  /**
   * Evaluates `first`, then `second` while keeping the first value live; returns both registers.
   * When no register is left for `second`, the first value waits on the stack and comes back in r1.
   */
  pair(first: A.Expr, second: A.Expr): { a: string; b: number; done: () => number } {
    const a = this.int(first);
    if (this.freeCount() > 0) {
      const b = this.int(second);
      return {
        a: `r${a}`,
        b,
        done: () => {
          this.release(b);
          return a;
        },
      };
    }
    const slot = this.tmp(8, first.range, 'a spilled value');
    this.ins(`*(u64 *)(r10 ${off(slot)}) = r${a}`, 'spill');
    this.release(a);
    const b = this.int(second);
    this.ins(`r1 = *(u64 *)(r10 ${off(slot)})`, 'reload');
    return {
      a: 'r1',
      b,
      done: () => {
        this.ins(`r${b} = r1`);
        return b;
      },
    };
  }

  // ------------------------------------------------------------ emitters

  ins(text: string, comment?: string): void {
    this.asm.ins(text, comment);
  }

  label(what: string): string {
    return this.asm.label(what);
  }

  place(label: string): void {
    this.asm.place(label);
  }

  /** rD = value, as a 32-bit move when it fits and a 64-bit load otherwise. */
  imm(reg: string, value: bigint): void {
    const v = BigInt.asIntN(64, value);
    if (v >= -(1n << 31n) && v < 1n << 31n) this.ins(`${reg} = ${v}`);
    else this.ins(`${reg} = 0x${BigInt.asUintN(64, v).toString(16)} ll`);
  }

  /** Zeroes `size` bytes (a multiple of 8) at r10 + at. */
  zero(at: number, size: number): void {
    for (let i = 0; i < size; i += 8) this.ins(`*(u64 *)(r10 ${off(at + i)}) = 0`);
  }

  /** Copies `size` bytes (a multiple of 8) from base+src to r10+dst through r1 (or `via`). */
  copy(dst: number, base: string, src: number, size: number, via = 'r1'): void {
    for (let i = 0; i < size; i += 8) {
      this.ins(`${via} = *(u64 *)(${base} ${off(src + i)})`);
      this.ins(`*(u64 *)(r10 ${off(dst + i)}) = ${via}`);
    }
  }

  /** Copies a stack value into a slot of another size: the common part, then zeros. */
  copyResized(dst: number, dstSize: number, src: Mem): void {
    const n = Math.min(dstSize, src.size);
    if (dst !== src.off) this.copy(dst, 'r10', src.off, n);
    if (dstSize > n) this.zero(dst + n, dstSize - n);
  }

  call(helper: string): void {
    this.ins(`call bpf_${helper}`);
  }

  /** r1 = the map, r2 = r10 + key; then the helper. */
  mapCall(helper: 'map_lookup_elem' | 'map_delete_elem', sym: string, keyAt: number): void {
    this.useMap(sym);
    this.ins(`r1 = ${sym} ll`);
    this.ins('r2 = r10');
    this.ins(`r2 += ${keyAt}`);
    this.call(helper);
  }

  /** bpf_map_update_elem(map, r10 + key, r10 + value, BPF_ANY). */
  mapUpdate(sym: string, keyAt: number, valueAt: number): void {
    this.useMap(sym);
    this.ins(`r1 = ${sym} ll`);
    this.ins('r2 = r10');
    this.ins(`r2 += ${keyAt}`);
    this.ins('r3 = r10');
    this.ins(`r3 += ${valueAt}`);
    this.ins('r4 = 0', 'BPF_ANY');
    this.call('map_update_elem');
  }

  useMap(sym: string): void {
    this.usedMaps.add(sym);
  }

  map(name: string, range: Range): MapPlan {
    const m = this.env.maps.get(name);
    if (!m) throw new CompileError(range, `${name} has no value type the compiler can use (it is never assigned a value it can store).`, 'probe.compile-map');
    return m;
  }

  /** Sign- or zero-extends the low `bits` of a register to 64 bits. */
  extend(reg: string, bits: number, signed: boolean): void {
    if (bits >= 64) return;
    if (signed) {
      this.ins(`${reg} <<= ${64 - bits}`);
      this.ins(`${reg} s>>= ${64 - bits}`);
    } else if (bits === 32) {
      this.ins(`${reg} <<= 32`);
      this.ins(`${reg} >>= 32`);
    } else {
      this.ins(`${reg} &= ${(1 << bits) - 1}`);
    }
  }

  /** Places a string literal (NUL-terminated, zero-padded) at r10 + at, size bytes. */
  literal(value: string, at: number, size: number): void {
    const bytes = Buffer.alloc(size);
    Buffer.from(value, 'utf8').copy(bytes, 0, 0, Math.max(0, size - 1));
    for (let i = 0; i < size; i += 8) {
      const w = bytes.readBigUInt64LE(i);
      if (w === 0n) this.ins(`*(u64 *)(r10 ${off(at + i)}) = 0`);
      else {
        this.imm('r1', w);
        this.ins(`*(u64 *)(r10 ${off(at + i)}) = r1`);
      }
    }
  }
}

/** "+ 8" / "- 16" for memory operands. */
export function off(n: number): string {
  return n < 0 ? `- ${-n}` : `+ ${n}`;
}

export const MEM_SIZE: Record<number, string> = { 1: 'u8', 2: 'u16', 4: 'u32', 8: 'u64' };
