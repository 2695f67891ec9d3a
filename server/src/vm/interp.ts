// The stepping interpreter: one instruction at a time on BigInt registers, using the reference
// semantics. It runs everything the compiled engine hands back (context fields, faults, rare forms)
// and every step of the debugger.
import type { FormKind } from '../isa/table';
import { StopProgram } from './control';
import type { Op } from './decode';
import { fault, hex64 } from './faults';
import { FRAME_CALL, type Loaded, type Machine } from './machine';
import { ALU32, ALU64, byteSwap, condHolds, endian, immOperand, signExtend } from './semantics';

const M32 = 0xffffffffn;

type Exec = (m: Machine, op: Op) => void;

function src(m: Machine, op: Op): bigint {
  return op.reg ? m.R[op.src] : immOperand(op.imm, op.width);
}

function jumpTo(m: Machine, target: number): void {
  const n = m.prog.decoded.ops.length;
  if (target < 0 || target >= n) fault('bad-jump', `jump to slot ${target}, outside the program (0..${n - 1})`);
  m.pc = target;
}

function address(m: Machine, base: number, off: number): bigint {
  return BigInt.asUintN(64, m.R[base] + BigInt(off));
}

const ATOMIC_OPS: Readonly<Record<string, (old: bigint, v: bigint) => bigint>> = {
  add: (a, b) => a + b,
  or: (a, b) => a | b,
  and: (a, b) => a & b,
  xor: (a, b) => a ^ b,
  xchg: (_a, b) => b,
};

/** LD_ABS/LD_IND: the packet as the skb sees it, big-endian; out of range ends the program with 0. */
function legacyLoad(m: Machine, op: Op, offset: bigint): void {
  const p = m.packet;
  if (!p || p.kind !== 'skb') fault('unsupported', `${op.form!.mnemonic} needs a socket filter or tc program with a packet`);
  const off = Number(BigInt.asIntN(32, offset));
  const len = p.end - p.data;
  if (off < 0 || off + op.size > len) {
    throw new StopProgram(0n, `${op.form!.mnemonic} at packet offset ${off} (${op.size} byte(s)) is past the packet's ${len} bytes; the kernel ends the program with r0 = 0`);
  }
  let v = 0n;
  for (let i = 0; i < op.size; i++) v = (v << 8n) | BigInt(p.region.u8[p.data + off + i]);
  m.R[0] = v;
  m.pc = op.slot + 1;
}

const EXEC: Readonly<Record<FormKind | 'invalid' | 'filler', Exec>> = {
  alu(m, op) {
    const name = op.form!.alu!.name;
    m.R[op.dst] = (op.width === 64 ? ALU64 : ALU32)[name](m.R[op.dst], src(m, op));
    m.pc = op.slot + 1;
  },
  neg(m, op) {
    m.R[op.dst] = op.width === 64 ? BigInt.asUintN(64, -m.R[op.dst]) : BigInt.asUintN(32, -m.R[op.dst]);
    m.pc = op.slot + 1;
  },
  movsx(m, op) {
    m.R[op.dst] = signExtend(m.R[op.src], op.form!.signBits!, op.width);
    m.pc = op.slot + 1;
  },
  addr_space_cast() {
    fault('unsupported', 'addr_space_cast (BPF arena pointers) is not modelled by the VM');
  },
  endian(m, op) {
    m.R[op.dst] = endian(m.R[op.dst], op.form!.swapBits!, op.form!.order!);
    m.pc = op.slot + 1;
  },
  bswap(m, op) {
    m.R[op.dst] = byteSwap(m.R[op.dst], op.form!.swapBits!);
    m.pc = op.slot + 1;
  },
  ldx(m, op) {
    m.R[op.dst] = BigInt.asUintN(64, m.mem.load(address(m, op.src, op.off), op.size));
    m.pc = op.slot + 1;
  },
  ldxsx(m, op) {
    const v = m.mem.load(address(m, op.src, op.off), op.size, true);
    m.R[op.dst] = signExtend(v, op.size * 8, 64);
    m.pc = op.slot + 1;
  },
  st(m, op) {
    m.mem.store(address(m, op.dst, op.off), op.size, BigInt.asUintN(64, BigInt(op.imm)));
    m.pc = op.slot + 1;
  },
  stx(m, op) {
    m.mem.store(address(m, op.dst, op.off), op.size, m.R[op.src]);
    m.pc = op.slot + 1;
  },
  atomic(m, op) {
    const a = op.form!.atomic!;
    const addr = address(m, op.dst, op.off);
    const mask = op.size === 8 ? (1n << 64n) - 1n : M32;
    const { region } = m.mem.resolve(addr, op.size, `atomic ${a.name}`, true);
    if (region.hook) fault('ctx-access', `atomic ${a.name} on the context at ${hex64(addr)} is not allowed`);
    const old = m.mem.load(addr, op.size);
    if (a.name === 'cmpxchg') {
      if (old === (m.R[0] & mask)) m.mem.store(addr, op.size, m.R[op.src]);
      m.R[0] = old; // zero-extended for the 32-bit form
    } else {
      m.mem.store(addr, op.size, ATOMIC_OPS[a.name](old, m.R[op.src] & mask) & mask);
      if (a.fetch) m.R[op.src] = old;
    }
    m.pc = op.slot + 1;
  },
  lddw(m, op) {
    m.R[op.dst] = lddwValue(m.prog, op);
    m.pc = op.slot + 2;
  },
  ldabs(m, op) {
    legacyLoad(m, op, BigInt(op.imm));
  },
  ldind(m, op) {
    legacyLoad(m, op, (m.R[op.src] + BigInt(op.imm)) & M32);
  },
  jcond(m, op) {
    const taken = condHolds(op.form!.cond!.name, op.width, m.R[op.dst], src(m, op));
    if (taken) jumpTo(m, op.target);
    else m.pc = op.slot + 1;
  },
  ja(m, op) {
    jumpTo(m, op.target);
  },
  gotol(m, op) {
    jumpTo(m, op.target);
  },
  may_goto(m, op) {
    const d = m.depth;
    if (m.mayGoto[d] === 0) jumpTo(m, op.target);
    else {
      m.mayGoto[d]--;
      m.pc = op.slot + 1;
    }
  },
  call(m, op) {
    m.pc = op.slot;
    m.callHelper(op.imm);
    m.pc = op.slot + 1;
  },
  call_local(m, op) {
    m.pushFrame(op.target, op.slot + 1, FRAME_CALL);
  },
  kfunc(_m, op) {
    fault('unsupported', `kfunc calls (BTF id ${op.imm}) are not modelled by the VM`);
  },
  callx(m, op) {
    // The register is named by dst; ubpf-style encodings put it in imm with dst 0.
    const reg = op.dst === 0 && op.imm >= 1 && op.imm <= 10 ? op.imm : op.dst;
    const v = m.R[reg];
    const local = m.codeTarget(v);
    if (local !== undefined) {
      m.pushFrame(local, op.slot + 1, FRAME_CALL);
      return;
    }
    if (v > 0xffffffffn) fault('bad-insn', `callx r${reg}: ${hex64(v)} is neither a helper id nor a function pointer`);
    m.pc = op.slot;
    m.callHelper(Number(v));
    m.pc = op.slot + 1;
  },
  exit(m) {
    m.exitFrame();
  },
  invalid(_m, op) {
    fault('bad-insn', `invalid instruction: ${op.invalid ?? 'unknown encoding'}`);
  },
  filler(_m, op) {
    fault('bad-jump', `slot ${op.slot} is the second half of a 64-bit immediate load (lddw); execution cannot start there`);
  },
};

/** The value a 64-bit immediate load puts in its register: a constant, a map, a map value or code address. */
export function lddwValue(l: Loaded, op: Op): bigint {
  if (op.mapRef) {
    const map = l.maps[op.mapRef.map];
    if (!map) fault('bad-insn', `lddw refers to ${op.mapRef.symbol !== undefined ? `map '${op.mapRef.symbol}'` : `map #${op.mapRef.map}`}, which the program does not declare`);
    if (!op.mapRef.value) return map.handle.base;
    const r = map.lookup(new Uint8Array(map.spec.keySize));
    if (!r) fault('bad-insn', `lddw takes the address of a value of map '${map.spec.name}', which has none (it must be an array)`);
    return BigInt.asUintN(64, r.base + BigInt(op.mapRef.offset));
  }
  if (op.src === 4) return l.code.base + BigInt(op.target);
  return op.imm64;
}

export function stepOnce(m: Machine): void {
  const ops = m.prog.decoded.ops;
  const pc = m.pc;
  if (pc < 0 || pc >= ops.length) fault('fell-off', `execution ran past the last instruction (slot ${pc}); every path must end with exit`);
  const op = ops[pc];
  m.insnCount++;
  EXEC[op.kind](m, op);
}
