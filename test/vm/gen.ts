// Seeded random program generators: anything-goes programs for comparing the two VM engines, and
// programs the kernel verifier accepts (socket_filter, sched_cls, xdp) for comparing with the kernel.
import type { Insn, Program, ProgType } from '../../server/src/core/types';
import { lddwSlots, makeInsn as makeRaw } from '../../server/src/isa/codec';
import { FORMS, type FormKind, type InsnForm } from '../../server/src/isa/table';

export class Rng {
  private s: number;
  constructor(seed: number) {
    this.s = seed >>> 0 || 0x9e3779b9;
  }
  next(): number {
    // xorshift32
    let x = this.s;
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    this.s = x >>> 0;
    return this.s;
  }
  int(n: number): number {
    return this.next() % n;
  }
  range(lo: number, hi: number): number {
    return lo + this.int(hi - lo + 1);
  }
  pick<T>(xs: readonly T[]): T {
    return xs[this.int(xs.length)];
  }
  chance(p: number): boolean {
    return this.next() / 4294967296 < p;
  }
  /** Values that find edge cases: small numbers, signs, extremes, random bits. */
  value64(): bigint {
    const special = [0n, 1n, 2n, 7n, 0x7fn, 0x80n, 0xffn, 0x7fffn, 0x8000n, 0xffffn, 0x7fffffffn, 0x80000000n, 0xffffffffn, 0x100000000n, (1n << 63n) - 1n, 1n << 63n, (1n << 64n) - 1n];
    if (this.chance(0.4)) {
      const v = this.pick(special);
      return this.chance(0.3) ? BigInt.asUintN(64, -v) : v;
    }
    return (BigInt(this.next()) << 32n) | BigInt(this.next());
  }
  imm32(): number {
    const special = [0, 1, -1, 2, 31, 32, 63, 64, 0x7fffffff, -0x80000000, 0xff, 0xffff, -2];
    return this.chance(0.5) ? this.pick(special) : this.next() | 0;
  }
}

/** An instruction of a form, with the fields the form does not use left zero (as the encoding requires). */
function makeInsn(f: InsnForm, fields: Partial<Pick<Insn, 'dst' | 'src' | 'off' | 'imm'>>): Insn {
  return makeRaw(f, {
    dst: f.uses.dst ? fields.dst : 0,
    src: f.uses.src ? fields.src : 0,
    off: f.uses.off ? fields.off : 0,
    imm: f.uses.imm ? fields.imm : 0,
  });
}

const byKind = (kinds: readonly FormKind[]) => FORMS.filter((f) => kinds.includes(f.kind));

function prog(name: string, type: ProgType, insns: Insn[]): Program {
  return { name, section: type === 'xdp' ? 'xdp' : type === 'sched_cls' ? 'tc' : 'socket', type, insns, maps: [], relocs: [], symbols: [] };
}

// ---------------------------------------------------------------------------------------------
// Engine differential: any forms, memory through r1 (a small buffer) and r10, faults welcome.

const ANY_FORMS: readonly InsnForm[] = byKind(['alu', 'neg', 'movsx', 'endian', 'bswap', 'ldx', 'ldxsx', 'st', 'stx', 'atomic', 'jcond', 'ja', 'gotol', 'may_goto']);

export interface AnyProgramOptions {
  length: number;
  memSize: number;
  loops: boolean;
  calls: boolean;
}

export function randomAnyProgram(r: Rng, o: AnyProgramOptions): Program {
  const insns: Insn[] = [];
  for (const reg of [0, 2, 3, 4, 5, 6, 7, 8, 9]) insns.push(...lddwSlots(reg, 0, r.value64()));
  const bodyStart = insns.length;
  const bodyLen = o.length;
  // Slot of the subprogram (after main body + exit), known in advance for call offsets.
  const subStart = bodyStart + bodyLen + 1;
  const subLen = 6;
  const body: Insn[] = [];
  for (let i = 0; i < bodyLen; i++) {
    const slot = bodyStart + i;
    if (o.calls && r.chance(0.05)) {
      body.push({ opcode: 0x85, dst: 0, src: 1, off: 0, imm: subStart - (slot + 1) });
      continue;
    }
    body.push(randomAnyInsn(r, o, slot, bodyStart, bodyStart + bodyLen));
  }
  insns.push(...body, { opcode: 0x95, dst: 0, src: 0, off: 0, imm: 0 });
  if (o.calls) {
    const sub: Insn[] = [];
    for (let i = 0; i < subLen - 1; i++) {
      const slot = subStart + i;
      if (i === 2 && r.chance(0.2)) sub.push({ opcode: 0x85, dst: 0, src: 1, off: 0, imm: subStart - (slot + 1) }); // recursion
      else sub.push(randomAnyInsn(r, { ...o, loops: false }, slot, subStart, subStart + subLen - 1));
    }
    insns.push(...sub, { opcode: 0x95, dst: 0, src: 0, off: 0, imm: 0 });
  }
  return prog(`any-${insns.length}`, 'socket_filter', insns);
}

function randomAnyInsn(r: Rng, o: AnyProgramOptions, slot: number, lo: number, hi: number): Insn {
  const f = r.pick(ANY_FORMS);
  const dst = r.pick([0, 2, 3, 4, 5, 6, 7, 8, 9]);
  const src = r.range(0, 10);
  switch (f.kind) {
    case 'ldx':
    case 'ldxsx':
    case 'st':
    case 'stx':
    case 'atomic': {
      const base = r.chance(0.45) ? 10 : r.chance(0.8) ? 1 : r.range(0, 9);
      const size = f.size!.bytes;
      const off = base === 10 ? -r.range(0, 520 / size) * size + (r.chance(0.1) ? r.range(-3, 3) : 0) : base === 1 ? r.range(-8, o.memSize + 8) : r.range(-16, 16);
      const value = r.pick([0, 2, 3, 4, 5, 6, 7, 8, 9]);
      if (f.kind === 'ldx' || f.kind === 'ldxsx') return makeInsn(f, { dst, src: base, off });
      if (f.kind === 'st') return makeInsn(f, { dst: base, off, imm: r.imm32() });
      return makeInsn(f, { dst: base, src: value, off });
    }
    case 'jcond': {
      const back = o.loops && r.chance(0.3);
      const target = back ? r.range(lo, slot) : r.range(slot + 1, hi);
      return makeInsn(f, { dst, src, off: target - (slot + 1), imm: r.imm32() });
    }
    case 'ja':
    case 'may_goto': {
      const target = o.loops && r.chance(0.3) ? r.range(lo, slot) : r.range(slot + 1, hi);
      return makeInsn(f, { off: target - (slot + 1) });
    }
    case 'gotol': {
      const target = r.range(slot + 1, hi);
      return makeInsn(f, { imm: target - (slot + 1) });
    }
    default:
      return makeInsn(f, { dst, src, imm: r.imm32(), off: f.uses.off ? r.range(-4, 4) : 0 });
  }
}

// ---------------------------------------------------------------------------------------------
// Kernel differential: programs the verifier accepts. Registers r6-r9 and r0, r4, r5 are scalars
// (initialised first); r1 is the context, r2 the packet start (xdp, tc), r10 the stack. Jumps go
// forward only. Packet access is guarded by one bounds check at the top.

export const PKT_GUARANTEED = 64;
const SCALARS = [0, 4, 5, 7, 8, 9];
const ARITH = FORMS.filter((f) => (f.kind === 'alu' || f.kind === 'neg' || f.kind === 'movsx' || f.kind === 'endian' || f.kind === 'bswap'));
const JUMPS = byKind(['jcond']);
const LOADS = byKind(['ldx', 'ldxsx']);
const STORES = byKind(['st', 'stx']);
const ATOMICS = byKind(['atomic']);
const STACK_SLOTS = 8;

export function randomKernelProgram(r: Rng, type: 'socket_filter' | 'sched_cls' | 'xdp', length: number): Program {
  const mk = (opcode: number, dst: number, src: number, off: number, imm: number): Insn => ({ opcode, dst, src, off, imm });
  const direct = type !== 'socket_filter';
  const insns: Insn[] = [mk(0xb7, 0, 0, 0, r.imm32())]; // r0 first: the bounds check may jump straight to exit
  let check = -1;
  if (direct) {
    const [dataOff, endOff] = type === 'xdp' ? [0, 4] : [76, 80];
    insns.push(mk(0x61, 2, 1, dataOff, 0)); // r2 = *(u32 *)(r1 + data)
    insns.push(mk(0x61, 3, 1, endOff, 0)); // r3 = *(u32 *)(r1 + data_end)
    insns.push(mk(0xbf, 4, 2, 0, 0)); // r4 = r2
    insns.push(mk(0x07, 4, 0, 0, PKT_GUARANTEED)); // r4 += 64
    check = insns.length;
    insns.push(mk(0x2d, 4, 3, 0, 0)); // if r4 > r3 goto exit (offset set below)
  }
  for (const reg of SCALARS) {
    if (r.chance(0.5)) insns.push(...lddwSlots(reg, 0, r.value64()));
    else insns.push(mk(0xb7, reg, 0, 0, r.imm32()));
  }
  for (let s = 1; s <= STACK_SLOTS; s++) insns.push(mk(0x7a, 10, 0, -8 * s, r.imm32())); // *(u64 *)(r10 - 8s) = imm
  insns.push(mk(0xbf, 6, 1, 0, 0)); // r6 = ctx: ld_abs wants it there, and helpers take it from there
  const bodyStart = insns.length;
  const body: Insn[] = [];
  while (body.length < length) body.push(...randomKernelInsn(r, type, bodyStart + body.length, bodyStart + length));
  const exitSlot = bodyStart + body.length;
  for (let i = 0; i < body.length; i++) {
    const insn = body[i];
    const cls = insn.opcode & 0x07;
    // Clamp conditional jumps to the exit: the generator aimed before knowing the body's final length.
    if (cls === 0x05 || cls === 0x06) insn.off = Math.max(0, Math.min(insn.off, exitSlot - (bodyStart + i + 1)));
  }
  insns.push(...body);
  // Some programs end with a helper call (packet helpers, checksums), its result folded into r0.
  if (r.chance(0.5)) insns.push(...helperTail(r, type));
  // A packet shorter than the guaranteed 64 bytes goes straight to the exit (r0 is set by then).
  if (check >= 0) insns[check].off = insns.length - (check + 1);
  insns.push(mk(0x95, 0, 0, 0, 0));
  return prog(`kernel-${type}`, type, insns);
}

function randomKernelInsn(r: Rng, type: 'socket_filter' | 'sched_cls' | 'xdp', slot: number, end: number): Insn[] {
  const direct = type !== 'socket_filter';
  const roll = r.int(100);
  const dst = r.pick(SCALARS);
  const src = r.pick(SCALARS);
  if (roll < 45) {
    return [arithInsn(r, dst, src)];
  }
  if (roll < 60) {
    const f = r.pick(JUMPS);
    return [makeInsn(f, { dst, src, off: r.range(0, Math.max(0, Math.min(12, end - slot - 1))), imm: r.imm32() })];
  }
  if (roll < 75) {
    const f = r.pick(LOADS);
    const size = f.size!.bytes;
    if (direct && r.chance(0.5)) return [makeInsn(f, { dst, src: 2, off: r.range(0, PKT_GUARANTEED - size) })];
    return [makeInsn(f, { dst, src: 10, off: -size * r.range(1, (STACK_SLOTS * 8) / size) })];
  }
  if (roll < 87) {
    const f = r.pick(STORES);
    const size = f.size!.bytes;
    const toPacket = direct && r.chance(0.5);
    const base = toPacket ? 2 : 10;
    const off = toPacket ? r.range(0, PKT_GUARANTEED - size) : -size * r.range(1, (STACK_SLOTS * 8) / size);
    return [f.kind === 'st' ? makeInsn(f, { dst: base, off, imm: r.imm32() }) : makeInsn(f, { dst: base, src, off })];
  }
  if (roll < 93) {
    const f = r.pick(ATOMICS);
    const size = f.size!.bytes;
    // cmpxchg uses r0 implicitly; the value register must not be r0 for it.
    const value = f.atomic!.name === 'cmpxchg' ? r.pick(SCALARS.filter((x) => x !== 0)) : src;
    return [makeInsn(f, { dst: 10, src: value, off: -size * r.range(1, (STACK_SLOTS * 8) / size) })];
  }
  if (type === 'socket_filter') {
    // Legacy packet loads: r6 holds the context; ld_ind adds a scalar (clobbers r0-r5).
    const size = r.pick([1, 2, 4]);
    const sizeCode = size === 1 ? 0x10 : size === 2 ? 0x08 : 0x00;
    const off = r.range(0, PKT_GUARANTEED + 4 - size);
    const out: Insn[] = [];
    if (r.chance(0.5)) out.push({ opcode: 0x20 | sizeCode, dst: 0, src: 0, off: 0, imm: off });
    else out.push({ opcode: 0xb7, dst: 7, src: 0, off: 0, imm: r.range(0, 8) }, { opcode: 0x40 | sizeCode, dst: 0, src: 7, off: 0, imm: off });
    // r1-r5 are clobbered: give the scalars among them fresh values.
    out.push({ opcode: 0xb7, dst: 4, src: 0, off: 0, imm: r.imm32() }, { opcode: 0xb7, dst: 5, src: 0, off: 0, imm: r.imm32() });
    return out;
  }
  return [arithInsn(r, dst, src)];
}

/** A helper call on the context (r6) or the stack, then r0 ^= r8 (r6-r9 survive calls). */
function helperTail(r: Rng, type: 'socket_filter' | 'sched_cls' | 'xdp'): Insn[] {
  const mk = (opcode: number, dst: number, src: number, off: number, imm: number): Insn => ({ opcode, dst, src, off, imm });
  const mov = (dst: number, imm: number) => mk(0xb7, dst, 0, 0, imm);
  const call = (id: number) => mk(0x85, 0, 0, 0, id);
  const choices: (() => Insn[])[] = [
    // bpf_skb_load_bytes(ctx, offset, r10 - 64, len)
    // (bpf_xdp_load_bytes for XDP), then r0 ^= the first loaded word
    () => [mk(0xbf, 1, 6, 0, 0), mov(2, r.range(0, 80)), mk(0xbf, 3, 10, 0, 0), mk(0x07, 3, 0, 0, -64), mov(4, r.range(1, 32)), call(type === 'xdp' ? 189 : 26), mk(0x79, 7, 10, -64, 0), mk(0xaf, 0, 7, 0, 0)],
  ];
  if (type !== 'socket_filter') {
    // bpf_csum_diff(r10 - 64, from_size, r10 - 32, to_size, seed)
    choices.push(() => [mk(0xbf, 1, 10, 0, 0), mk(0x07, 1, 0, 0, -64), mov(2, r.pick([0, 4, 8, 12, 16, 6])), mk(0xbf, 3, 10, 0, 0), mk(0x07, 3, 0, 0, -32), mov(4, r.pick([0, 4, 8, 16, 32])), mk(0xbf, 5, 9, 0, 0), call(28)]);
  }
  if (type === 'xdp') {
    // bpf_xdp_adjust_head / adjust_tail (ctx, delta), including deltas the kernel refuses
    choices.push(() => [mk(0xbf, 1, 6, 0, 0), mov(2, r.pick([-300, -216, -200, -14, -1, 0, 1, 14, 50, 200])), call(44)]);
    choices.push(() => [mk(0xbf, 1, 6, 0, 0), mov(2, r.pick([-200, -60, -50, -4, 0, 3, 100, 3000, 4000])), call(65)]);
  }
  if (type === 'socket_filter') choices.length = 1;
  return [...r.pick(choices)(), mk(0xaf, 0, 8, 0, 0)];
}

function arithInsn(r: Rng, dst: number, src: number): Insn {
  const f = r.pick(ARITH);
  const name = f.alu?.name ?? '';
  // The verifier refuses shifts by an immediate of the width or more, and division by an immediate 0.
  const imm = /sh$/.test(name) ? r.range(0, f.width - 1) : /div|mod/.test(name) ? r.imm32() || 7 : r.imm32();
  return makeInsn(f, { dst, src, imm });
}

export function randomPacket(r: Rng, len: number): Uint8Array {
  const p = new Uint8Array(len);
  for (let i = 0; i < len; i++) p[i] = r.int(256);
  // An IPv4 ethertype, so the kernel's eth_type_trans sees an ordinary frame.
  p[12] = 0x08;
  p[13] = 0x00;
  return p;
}
