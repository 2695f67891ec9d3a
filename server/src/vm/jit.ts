// The compiled engine: a pre-decoded program becomes one JavaScript function (through `new Function`)
// whose registers are pairs of 32-bit locals (lN low half, hN high half), whose basic blocks are the
// cases of a switch inside a loop, and whose loads and stores check their region inline. The
// budget is counted once per block. Whatever is rare or needs exact reporting — a context field, a
// fault, LD_ABS, callx, the last instructions before the budget runs out — is handed back to the
// interpreter at that instruction ("deopt"), which steps until the next block start.
import type { AluOpName, JmpCondName } from '../isa/table';
import type { Op } from './decode';
import { lddwValue } from './interp';
import { FRAME_WORDS, MAX_FRAMES, MAY_GOTO_BUDGET, STACK_SIZE, type Loaded, type Machine } from './machine';
import { REGION_CACHE_BITS } from './memory';
import { ALU64 } from './semantics';

export type CompiledFn = (m: Machine) => void;

/** Operand: the low and high halves as JavaScript expressions (register locals or literals). */
interface Operand {
  lo: string;
  hi: string;
  /** The immediate, when the operand is one. */
  k?: number;
}

const L = (r: number) => `l${r}`;
const H = (r: number) => `h${r}`;

function operand(op: Op): Operand {
  if (op.reg) return { lo: L(op.src), hi: H(op.src) };
  const k = op.imm | 0;
  return { lo: String(k), hi: k < 0 ? '-1' : '0', k };
}

/** `x >>> 0` for an expression, folded for literals. */
function u(e: string): string {
  return /^-?\d+$/.test(e) ? String(Number(e) >>> 0) : `(${e} >>> 0)`;
}

const bswap32 = (e: string) => `(((${e} & 0xff) << 24) | ((${e} & 0xff00) << 8) | ((${e} >>> 8) & 0xff00) | (${e} >>> 24))`;

type Emit64 = (d: number, s: Operand) => string;

function shift64(kind: 'lsh' | 'rsh' | 'arsh', d: number, amount: string, constant?: number): string {
  const l = L(d);
  const h = H(d);
  const big: Record<typeof kind, (n: string) => string> = {
    lsh: (n) => `${h} = ${l} << (${n} - 32); ${l} = 0;`,
    rsh: (n) => `${l} = (${h} >>> (${n} - 32)) | 0; ${h} = 0;`,
    arsh: (n) => `${l} = ${h} >> (${n} - 32); ${h} = ${h} >> 31;`,
  };
  const small: Record<typeof kind, (n: string) => string> = {
    lsh: (n) => `${h} = (${h} << ${n}) | (${l} >>> (32 - ${n})); ${l} = ${l} << ${n};`,
    rsh: (n) => `${l} = (${l} >>> ${n}) | (${h} << (32 - ${n})); ${h} = (${h} >>> ${n}) | 0;`,
    arsh: (n) => `${l} = (${l} >>> ${n}) | (${h} << (32 - ${n})); ${h} = ${h} >> ${n};`,
  };
  if (constant !== undefined) {
    const n = constant & 63;
    if (n === 0) return '';
    return n >= 32 ? big[kind](String(n)) : small[kind](String(n));
  }
  return `t = ${amount} & 63; if (t >= 32) { ${big[kind]('t')} } else if (t !== 0) { ${small[kind]('t')} }`;
}

function slow64(name: AluOpName, d: number, s: Operand): string {
  return `X.alu64(${JSON.stringify(name)}, ${L(d)}, ${H(d)}, ${s.lo}, ${s.hi}); ${L(d)} = T[0]; ${H(d)} = T[1];`;
}

const ALU64_JS: Readonly<Record<AluOpName, Emit64>> = {
  mov: (d, s) => `${L(d)} = ${s.lo}; ${H(d)} = ${s.hi};`,
  add: (d, s) => `t = ${u(L(d))} + ${u(s.lo)}; ${L(d)} = t | 0; ${H(d)} = (${H(d)} + ${s.hi} + (t > 4294967295 ? 1 : 0)) | 0;`,
  sub: (d, s) => `t = ${u(L(d))} - ${u(s.lo)}; ${L(d)} = t | 0; ${H(d)} = (${H(d)} - ${s.hi} - (t < 0 ? 1 : 0)) | 0;`,
  mul: (d, s) =>
    s.k !== undefined && s.k >= 0 && s.k < 1 << 21
      ? `t = ${u(L(d))} * ${s.k}; ${H(d)} = (Math.imul(${H(d)}, ${s.k}) + ((t / 4294967296) | 0)) | 0; ${L(d)} = t | 0;`
      : `t = ${L(d)}; v = ${s.lo}; ${H(d)} = (mulhu(t, v) + Math.imul(t, ${s.hi}) + Math.imul(${H(d)}, v)) | 0; ${L(d)} = Math.imul(t, v);`,
  div: (d, s) =>
    `if (${H(d)} === 0 && ${s.hi} === 0) { ${L(d)} = ${s.lo} === 0 ? 0 : (${u(L(d))} / ${u(s.lo)}) | 0; } else { ${slow64('div', d, s)} }`,
  mod: (d, s) =>
    `if (${H(d)} === 0 && ${s.hi} === 0) { if (${s.lo} !== 0) ${L(d)} = (${u(L(d))} % ${u(s.lo)}) | 0; } else { ${slow64('mod', d, s)} }`,
  sdiv: (d, s) => slow64('sdiv', d, s),
  smod: (d, s) => slow64('smod', d, s),
  or: (d, s) => `${L(d)} |= ${s.lo}; ${H(d)} |= ${s.hi};`,
  and: (d, s) => `${L(d)} &= ${s.lo}; ${H(d)} &= ${s.hi};`,
  xor: (d, s) => `${L(d)} ^= ${s.lo}; ${H(d)} ^= ${s.hi};`,
  lsh: (d, s) => shift64('lsh', d, s.lo, s.k),
  rsh: (d, s) => shift64('rsh', d, s.lo, s.k),
  arsh: (d, s) => shift64('arsh', d, s.lo, s.k),
};

/** 32-bit ALU: the new low half as an expression of the old (the high half becomes 0). */
const ALU32_JS: Readonly<Record<AluOpName, (d: string, s: string) => string>> = {
  mov: (_d, s) => s,
  add: (d, s) => `(${d} + ${s}) | 0`,
  sub: (d, s) => `(${d} - ${s}) | 0`,
  mul: (d, s) => `Math.imul(${d}, ${s})`,
  div: (d, s) => `(${s} === 0 ? 0 : (${u(d)} / ${u(s)}) | 0)`,
  sdiv: (d, s) => `(${s} === 0 ? 0 : ${d} === -2147483648 && ${s} === -1 ? ${d} : (${d} / ${s}) | 0)`,
  mod: (d, s) => `(${s} === 0 ? ${d} : (${u(d)} % ${u(s)}) | 0)`,
  smod: (d, s) => `(${s} === 0 ? ${d} : ${s} === -1 ? 0 : (${d} % ${s}) | 0)`,
  or: (d, s) => `${d} | ${s}`,
  and: (d, s) => `${d} & ${s}`,
  xor: (d, s) => `${d} ^ ${s}`,
  lsh: (d, s) => `${d} << (${s} & 31)`,
  rsh: (d, s) => `(${d} >>> (${s} & 31)) | 0`,
  arsh: (d, s) => `${d} >> (${s} & 31)`,
};

/** Unsigned and signed orderings of 64-bit pairs. */
function cmp64(a: Operand, b: Operand, rel: '<' | '>' | '<=' | '>=', signed: boolean): string {
  const strict = rel === '<' || rel === '>' ? rel : (rel[0] as '<' | '>');
  const hiA = signed ? a.hi : u(a.hi);
  const hiB = signed ? b.hi : u(b.hi);
  return `(${hiA} ${strict} ${hiB} || (${a.hi} === ${b.hi} && ${u(a.lo)} ${rel} ${u(b.lo)}))`;
}

const COND64: Readonly<Record<JmpCondName, (a: Operand, b: Operand) => string>> = {
  jeq: (a, b) => `(${a.lo} === ${b.lo} && ${a.hi} === ${b.hi})`,
  jne: (a, b) => `(${a.lo} !== ${b.lo} || ${a.hi} !== ${b.hi})`,
  jset: (a, b) => `((${a.lo} & ${b.lo}) !== 0 || (${a.hi} & ${b.hi}) !== 0)`,
  jgt: (a, b) => cmp64(a, b, '>', false),
  jge: (a, b) => cmp64(a, b, '>=', false),
  jlt: (a, b) => cmp64(a, b, '<', false),
  jle: (a, b) => cmp64(a, b, '<=', false),
  jsgt: (a, b) => cmp64(a, b, '>', true),
  jsge: (a, b) => cmp64(a, b, '>=', true),
  jslt: (a, b) => cmp64(a, b, '<', true),
  jsle: (a, b) => cmp64(a, b, '<=', true),
};

const COND32: Readonly<Record<JmpCondName, (a: string, b: string) => string>> = {
  jeq: (a, b) => `${a} === ${b}`,
  jne: (a, b) => `${a} !== ${b}`,
  jset: (a, b) => `(${a} & ${b}) !== 0`,
  jgt: (a, b) => `${u(a)} > ${u(b)}`,
  jge: (a, b) => `${u(a)} >= ${u(b)}`,
  jlt: (a, b) => `${u(a)} < ${u(b)}`,
  jle: (a, b) => `${u(a)} <= ${u(b)}`,
  jsgt: (a, b) => `${a} > ${b}`,
  jsge: (a, b) => `${a} >= ${b}`,
  jslt: (a, b) => `${a} < ${b}`,
  jsle: (a, b) => `${a} <= ${b}`,
};

const LOAD: Readonly<Record<number, (d: number, signed: boolean) => string>> = {
  1: (d, s) => (s ? `${L(d)} = g.dv.getInt8(a); ${H(d)} = ${L(d)} >> 31;` : `${L(d)} = g.dv.getUint8(a); ${H(d)} = 0;`),
  2: (d, s) => (s ? `${L(d)} = g.dv.getInt16(a, true); ${H(d)} = ${L(d)} >> 31;` : `${L(d)} = g.dv.getUint16(a, true); ${H(d)} = 0;`),
  4: (d, s) => (s ? `${L(d)} = g.dv.getInt32(a, true); ${H(d)} = ${L(d)} >> 31;` : `${L(d)} = g.dv.getInt32(a, true); ${H(d)} = 0;`),
  8: (d) => `${L(d)} = g.dv.getInt32(a, true); ${H(d)} = g.dv.getInt32(a + 4, true);`,
};

const STORE: Readonly<Record<number, (v: Operand) => string>> = {
  1: (v) => `g.dv.setInt8(a, ${v.lo});`,
  2: (v) => `g.dv.setInt16(a, ${v.lo}, true);`,
  4: (v) => `g.dv.setInt32(a, ${v.lo}, true);`,
  8: (v) => `g.dv.setInt32(a, ${v.lo}, true); g.dv.setInt32(a + 4, ${v.hi}, true);`,
};

const SPILL = Array.from({ length: 11 }, (_, r) => `I[${2 * r}] = l${r}; I[${2 * r + 1}] = h${r};`).join(' ');
const FILL = Array.from({ length: 11 }, (_, r) => `l${r} = I[${2 * r}], h${r} = I[${2 * r + 1}]`).join(', ');

/** The slow paths of compiled code, shared by every compiled program. */
function runtime() {
  const T = new Int32Array(2);
  const M64 = (1n << 64n) - 1n;
  const pair = (lo: number, hi: number) => (BigInt(hi >>> 0) << 32n) | BigInt(lo >>> 0);
  return {
    T,
    alu64(name: AluOpName, dl: number, dh: number, sl: number, sh: number): void {
      const r = ALU64[name](pair(dl, dh), pair(sl, sh)) & M64;
      T[0] = Number(r & 0xffffffffn);
      T[1] = Number(r >> 32n);
    },
  };
}

/** Compiles a loaded program for this machine (map addresses are baked in). */
export function compileProgram(l: Loaded): CompiledFn {
  const { ops, leaders } = l.decoded;
  const n = ops.length;
  const out: string[] = [];
  const MASK = (1 << REGION_CACHE_BITS) - 1;

  let blockStart = 0;
  let blockLen = 0;
  /** Instructions of the current block before this one. */
  let before = 0;

  const deopt = (slot: number) => `{ ${SPILL} m.pc = ${slot}; m.insnCount = cnt - ${blockLen - before}; return; }`;
  const jump = (target: number, slot: number) =>
    target >= 0 && target < n && ops[target].kind !== 'filler' ? `{ pc = ${target}; continue L; }` : deopt(slot);
  const access = (base: number, off: number, size: number, write: boolean, slot: number) =>
    `a = ${u(L(base))} + ${off}; g = C[${H(base)} & ${MASK}]; if (g.hi !== ${H(base)} || a < g.lo || a > g.${write ? 's' : 'l'}${size}) ${deopt(slot)}`;

  const emit = (op: Op): string => {
    const d = op.dst;
    const s = operand(op);
    const f = op.form;
    switch (op.kind) {
      case 'alu': {
        const name = f!.alu!.name;
        if (op.width === 64) return ALU64_JS[name](d, s);
        return `${L(d)} = ${ALU32_JS[name](L(d), s.lo)}; ${H(d)} = 0;`;
      }
      case 'neg':
        return op.width === 64
          ? `t = 0 - ${u(L(d))}; ${L(d)} = t | 0; ${H(d)} = (-${H(d)} - (t < 0 ? 1 : 0)) | 0;`
          : `${L(d)} = (-${L(d)}) | 0; ${H(d)} = 0;`;
      case 'movsx': {
        const bits = f!.signBits!;
        const lo = bits === 32 ? L(op.src) : `(${L(op.src)} << ${32 - bits}) >> ${32 - bits}`;
        return op.width === 64 ? `${L(d)} = ${lo}; ${H(d)} = ${L(d)} >> 31;` : `${L(d)} = ${lo}; ${H(d)} = 0;`;
      }
      case 'endian':
      case 'bswap': {
        const bits = f!.swapBits!;
        const swap = op.kind === 'bswap' || f!.order === 'be';
        if (!swap) return bits === 16 ? `${L(d)} &= 0xffff; ${H(d)} = 0;` : bits === 32 ? `${H(d)} = 0;` : '';
        if (bits === 16) return `${L(d)} = ((${L(d)} & 0xff) << 8) | ((${L(d)} >>> 8) & 0xff); ${H(d)} = 0;`;
        if (bits === 32) return `${L(d)} = ${bswap32(L(d))}; ${H(d)} = 0;`;
        return `t = ${bswap32(L(d))}; ${L(d)} = ${bswap32(H(d))}; ${H(d)} = t;`;
      }
      case 'ldx':
      case 'ldxsx':
        return `${access(op.src, op.off, op.size, false, op.slot)} ${LOAD[op.size](d, op.kind === 'ldxsx')}`;
      case 'st': {
        const k = op.imm | 0;
        return `${access(d, op.off, op.size, true, op.slot)} ${STORE[op.size]({ lo: String(k), hi: k < 0 ? '-1' : '0' })}`;
      }
      case 'stx':
        return `${access(d, op.off, op.size, true, op.slot)} ${STORE[op.size]({ lo: L(op.src), hi: H(op.src) })}`;
      case 'atomic':
        return `${access(d, op.off, op.size, true, op.slot)} ${atomic(op)}`;
      case 'lddw': {
        let v: bigint;
        try {
          v = lddwValue(l, op);
        } catch {
          return deopt(op.slot);
        }
        return `${L(d)} = ${Number(v & 0xffffffffn) | 0}; ${H(d)} = ${Number(v >> 32n) | 0};`;
      }
      case 'jcond': {
        const name = f!.cond!.name;
        const cond = op.width === 64 ? COND64[name]({ lo: L(d), hi: H(d) }, s) : COND32[name](L(d), s.lo);
        return `if (${cond}) ${jump(op.target, op.slot)}`;
      }
      case 'ja':
      case 'gotol':
        return jump(op.target, op.slot);
      case 'may_goto':
        return `d = m.depth; if (MG[d] === 0) ${jump(op.target, op.slot)} MG[d]--;`;
      case 'call':
        return `${SPILL} m.pc = ${op.slot}; m.insnCount = cnt; m.callHelper(${op.imm}); cnt = m.insnCount; l0 = I[0]; h0 = I[1];`;
      case 'call_local': {
        const target = op.target;
        if (target < 0 || target >= n || ops[target].kind === 'filler') return deopt(op.slot);
        const save = [6, 7, 8, 9].map((r, i) => `FS[t + ${2 * i}] = l${r}; FS[t + ${2 * i + 1}] = h${r};`).join(' ');
        return `d = m.depth + 1; if (d >= ${MAX_FRAMES}) ${deopt(op.slot)} t = d * ${FRAME_WORDS}; ${save} FS[t + 8] = ${op.slot + 1}; FS[t + 9] = 0; FE[d] = ${target}; MG[d] = ${MAY_GOTO_BUDGET}; m.depth = d; ST[d].u8.fill(0); l10 = ${STACK_SIZE}; h10 = SH[d]; pc = ${target}; continue L;`;
      }
      case 'exit': {
        const restore = [6, 7, 8, 9].map((r, i) => `l${r} = FS[t + ${2 * i}]; h${r} = FS[t + ${2 * i + 1}];`).join(' ');
        return `d = m.depth; t = d * ${FRAME_WORDS}; if (d === 0 || FS[t + 9] !== 0) ${deopt(op.slot)} ${restore} pc = FS[t + 8]; m.depth = d - 1; l10 = ${STACK_SIZE}; h10 = SH[d - 1]; continue L;`;
      }
      default:
        // callx, ldabs/ldind, kfunc, addr_space_cast, invalid slots: the interpreter does these.
        return deopt(op.slot);
    }
  };

  for (let i = 0; i < n; i++) {
    if (leaders[i]) {
      blockStart = i;
      blockLen = 0;
      for (let j = i; j < n && (j === i || !leaders[j]); j++) if (ops[j].kind !== 'filler') blockLen++;
      before = 0;
      out.push(`case ${i}: if (cnt > B - ${blockLen}) { ${SPILL} m.pc = ${i}; m.insnCount = cnt; return; } cnt += ${blockLen};`);
    }
    const op = ops[i];
    if (op.kind === 'filler') {
      if (i === blockStart) out.push(deopt(i));
      continue;
    }
    out.push(emit(op));
    before++;
  }
  // Falling off the end: the interpreter reports it.
  out.push(`${SPILL} m.pc = ${n}; m.insnCount = cnt; return;`);

  const body = `
"use strict";
const T = X.T;
function mulhu(a, b) {
  const a0 = a & 0xffff, a1 = a >>> 16, b0 = b & 0xffff, b1 = b >>> 16;
  const m1 = a1 * b0 + ((a0 * b0) >>> 16);
  const m2 = a0 * b1 + (m1 & 0xffff);
  return (a1 * b1 + (m1 >>> 16) + (m2 >>> 16)) | 0;
}
return function compiled(m) {
  const I = m.I, C = m.mem.cache, FS = m.frameSave, FE = m.frameEntry, MG = m.mayGoto, SH = m.stackHi, ST = m.stacks, B = m.budget;
  let ${FILL};
  let pc = m.pc, cnt = m.insnCount, a = 0, g = C[0], t = 0, v = 0, w = 0, d = 0;
  L: for (;;) {
    switch (pc) {
${out.join('\n')}
    default: ${SPILL} m.pc = pc; m.insnCount = cnt; return;
    }
  }
};`;
  void blockStart;
  const factory = new Function('X', body) as (x: ReturnType<typeof runtime>) => CompiledFn;
  return factory(RUNTIME);
}

const RUNTIME = runtime();

function atomic(op: Op): string {
  const a = op.form!.atomic!;
  const s = op.src;
  const ls = L(s);
  const hs = H(s);
  if (op.size === 4) {
    const next: Record<string, string> = { add: `(t + ${ls}) | 0`, or: `t | ${ls}`, and: `t & ${ls}`, xor: `t ^ ${ls}`, xchg: ls };
    if (a.name === 'cmpxchg') return `t = g.dv.getInt32(a, true); if (t === l0) g.dv.setInt32(a, ${ls}, true); l0 = t; h0 = 0;`;
    const fetch = a.fetch ? ` ${ls} = t; ${hs} = 0;` : '';
    return `t = g.dv.getInt32(a, true); g.dv.setInt32(a, ${next[a.name]}, true);${fetch}`;
  }
  const read = 't = g.dv.getInt32(a, true); v = g.dv.getInt32(a + 4, true);';
  const write = (lo: string, hi: string) => `g.dv.setInt32(a, ${lo}, true); g.dv.setInt32(a + 4, ${hi}, true);`;
  if (a.name === 'cmpxchg') return `${read} if (t === l0 && v === h0) { ${write(ls, hs)} } l0 = t; h0 = v;`;
  const next: Record<string, string> = {
    add: `w = (t >>> 0) + (${ls} >>> 0); ${write('w | 0', `(v + ${hs} + (w > 4294967295 ? 1 : 0)) | 0`)}`,
    or: write(`t | ${ls}`, `v | ${hs}`),
    and: write(`t & ${ls}`, `v & ${hs}`),
    xor: write(`t ^ ${ls}`, `v ^ ${hs}`),
    xchg: write(ls, hs),
  };
  const fetch = a.fetch ? ` ${ls} = t; ${hs} = v;` : '';
  return `${read} ${next[a.name]}${fetch}`;
}
