// A seeded generator of programs for the kernel oracle: it takes valid programs and mutates one
// or two instructions (offsets, immediates, registers, sizes, operations, widths, dropped
// checks), so the results sit near the boundary between accepted and rejected.
import type { Insn, Program } from '../../server/src/core/types';

/** mulberry32: small, fast, reproducible. */
export function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const EDGE_IMMS = [0, 1, -1, 2, 4, 7, 8, 15, 16, 31, 32, 63, 64, 255, 256, 4096, 65535, 0x7fffffff, -0x80000000];
const EDGE_OFFS = [-520, -512, -264, -16, -9, -8, -7, -4, -2, -1, 0, 1, 2, 3, 4, 6, 7, 8, 12, 14, 16, 24, 64, 76, 80, 100];
const ALU_CODES = [0x00, 0x10, 0x20, 0x30, 0x40, 0x50, 0x60, 0x70, 0x90, 0xa0, 0xb0, 0xc0];
const JMP_CODES = [0x10, 0x20, 0x30, 0x40, 0x50, 0x60, 0x70, 0xa0, 0xb0, 0xc0, 0xd0];
const SIZE_CODES = [0x00, 0x08, 0x10, 0x18];

type Mutation = (insn: Insn, r: () => number, pick: <T>(a: readonly T[]) => T) => Insn | undefined;

const MUTATIONS: Mutation[] = [
  // memory offset
  (i, r, pick) => ([1, 2, 3].includes(i.opcode & 7) ? { ...i, off: r() < 0.5 ? i.off + pick([-8, -4, -1, 1, 4, 8]) : pick(EDGE_OFFS) } : undefined),
  // immediate
  (i, r, pick) => ((i.opcode & 7) === 4 || (i.opcode & 7) === 7 || (i.opcode & 7) === 2 || (((i.opcode & 7) === 5 || (i.opcode & 7) === 6) && (i.opcode & 0xf0) !== 0x80 && (i.opcode & 0xf0) !== 0x90)
    ? { ...i, imm: r() < 0.6 ? pick(EDGE_IMMS) : i.imm + pick([-1, 1, -8, 8]) } : undefined),
  // registers
  (i, r, pick) => (r() < 0.5 ? { ...i, dst: pick([0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10]) } : { ...i, src: (i.opcode & 0x08) || [1, 3].includes(i.opcode & 7) ? pick([0, 1, 2, 3, 6, 7, 10]) : i.src }),
  // access size
  (i, _r, pick) => ([1, 2, 3].includes(i.opcode & 7) && (i.opcode & 0xe0) === 0x60 ? { ...i, opcode: (i.opcode & ~0x18) | pick(SIZE_CODES) } : undefined),
  // ALU operation
  (i, _r, pick) => ((i.opcode & 7) === 4 || (i.opcode & 7) === 7) && (i.opcode & 0xf0) !== 0xd0 && (i.opcode & 0xf0) !== 0x80
    ? { ...i, opcode: (i.opcode & 0x0f) | pick(ALU_CODES) } : undefined,
  // jump condition
  (i, _r, pick) => ((i.opcode & 7) === 5 || (i.opcode & 7) === 6) && JMP_CODES.includes(i.opcode & 0xf0)
    ? { ...i, opcode: (i.opcode & 0x0f) | pick(JMP_CODES) } : undefined,
  // 32 <-> 64-bit width
  (i) => ((i.opcode & 7) === 4 ? { ...i, opcode: (i.opcode & ~7) | 7 } : (i.opcode & 7) === 7 ? { ...i, opcode: (i.opcode & ~7) | 4 } : undefined),
  // drop a check: a conditional jump becomes `goto +0` or an unconditional jump
  (i, r) => ((i.opcode & 7) === 5 && JMP_CODES.includes(i.opcode & 0xf0)
    ? { opcode: 0x05, dst: 0, src: 0, off: r() < 0.5 ? 0 : i.off, imm: 0 } : undefined),
  // jump target
  (i, _r, pick) => ((i.opcode & 7) === 5 && (i.opcode & 0xf0) !== 0x80 && (i.opcode & 0xf0) !== 0x90 ? { ...i, off: i.off + pick([-2, -1, 1, 2]) } : undefined),
  // replace with a constant load
  (i, _r, pick) => ({ opcode: 0xb7, dst: i.dst > 9 ? 0 : i.dst, src: 0, off: 0, imm: pick(EDGE_IMMS) }),
];

/** One mutant of `p` (same maps and type), or undefined if no mutation applied. */
export function mutate(p: Program, r: () => number): Program | undefined {
  const pick = <T>(a: readonly T[]): T => a[Math.floor(r() * a.length)];
  const insns = p.insns.map((i) => ({ ...i }));
  const candidates = insns.map((_, k) => k).filter((k) => !insns[k].filler && insns[k].opcode !== 0x18);
  if (candidates.length === 0) return undefined;
  const count = r() < 0.8 ? 1 : 2;
  let changed = 0;
  for (let n = 0; n < count * 4 && changed < count; n++) {
    const k = pick(candidates);
    const m = pick(MUTATIONS)(insns[k], r, pick);
    if (!m) continue;
    insns[k] = m;
    changed++;
  }
  if (changed === 0) return undefined;
  return { ...p, insns, name: `${p.name}~mut` };
}

/** `count` mutants of the given programs, deterministic for a seed. */
export function generatePrograms(bases: readonly Program[], count: number, seed: number): Program[] {
  const r = rng(seed);
  const out: Program[] = [];
  // Bounded: at most 4 attempts per wanted program.
  for (let attempts = 0; out.length < count && attempts < count * 4; attempts++) {
    const base = bases[Math.floor(r() * bases.length)];
    const m = mutate(base, r);
    if (m) out.push(m);
  }
  return out;
}

/** A straight-line program of random scalar arithmetic (for comparing register states). */
export function scalarProgramText(r: () => number, length: number): string {
  const pick = <T>(a: readonly T[]): T => a[Math.floor(r() * a.length)];
  const int = (lo: number, hi: number) => lo + Math.floor(r() * (hi - lo + 1));
  const lines = ['  call bpf_get_prandom_u32', '  r6 = r0', '  call bpf_get_prandom_u32', '  r7 = r0', '  r7 <<= 32', '  r7 |= r6'];
  const regs = ['r1', 'r2', 'r3', 'r4', 'r5', 'r6', 'r7', 'r8', 'r9'];
  const hex32 = () => Math.floor(r() * 2 ** 32).toString(16).padStart(8, '0');
  const init = (reg: string) => pick([
    () => `  ${reg} = ${int(-100, 100)}`,
    () => `  ${reg} = r6`,
    () => `  ${reg} = r7`,
    () => `  ${reg} = 0x${hex32()}${hex32()} ll`,
    () => `  ${reg} = ${int(-(2 ** 31), 2 ** 31 - 1)}`,
  ])();
  for (const reg of ['r1', 'r2', 'r3', 'r4', 'r5', 'r8', 'r9']) lines.push(init(reg));
  const ops = ['+=', '-=', '*=', '&=', '|=', '^=', '<<=', '>>=', 's>>=', '/=', '%='];
  const masks = [0xff, 0xf0, 0xffff, 0x7fffffff, 0xff00, 1, 3, 7, -1, -256, 0x0f0f0f0f];
  for (let n = 0; n < length; n++) {
    const d = pick(regs);
    const s = pick(regs);
    const w = r() < 0.35;
    const D = w ? d.replace('r', 'w') : d;
    const S = w ? s.replace('r', 'w') : s;
    const k = int(0, 13);
    if (k <= 3) {
      const op = pick(ops);
      if (op.includes('<<') || op.includes('>>')) lines.push(`  ${D} ${op} ${int(0, w ? 31 : 63)}`);
      else if (op === '/=' || op === '%=') lines.push(`  ${D} ${op} ${int(1, 50)}`);
      else lines.push(`  ${D} ${op} ${r() < 0.5 ? pick(masks) : int(-1000, 1000)}`);
    } else if (k <= 6) {
      lines.push(`  ${D} ${pick(['+=', '-=', '*=', '&=', '|=', '^=', '+=', '-=', '&='])} ${S}`);
    } else if (k === 7) {
      lines.push(`  ${D} = ${S}`);
    } else if (k === 8) {
      lines.push(`  ${D} = -${D}`);
    } else if (k === 9) {
      lines.push(`  ${d} = ${pick(['be16', 'be32', 'be64', 'le16', 'le32', 'le64', 'bswap16', 'bswap32', 'bswap64'])} ${d}`);
    } else if (k === 10) {
      lines.push(`  ${D} = (s${pick(w ? [8, 16] : [8, 16, 32])})${S}`);
    } else if (k === 11) {
      lines.push(`  ${D} <<= ${S}`);
    } else if (k === 12) {
      // A spill and a (possibly narrower) fill through the stack.
      const size = pick(['u8', 'u16', 'u32', 'u64']);
      lines.push(`  *(u64 *)(r10 - 8) = ${d}`, `  ${s} = *(${size} *)(r10 - 8)`);
    } else {
      lines.push(init(d));
    }
  }
  lines.push('  r0 = 0', '  exit');
  return `.section socket\n${lines.join('\n')}\n`;
}

