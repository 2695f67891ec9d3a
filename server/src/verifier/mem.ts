// Memory accesses (check_mem_access and the helper-argument variant): alignment, the rules of
// each pointer type, stack slot tracking (spills, fills, zero and misc bytes), map value and
// packet bounds, and context fields.
import { assignIdBeforeMov, checkDst, getReg, isPointerValue, needPrecise, setReg, type Env } from './env';
import { ctxAccess, directPacketAccess } from './ctx-access';
import { fls64, fmtUnsigned, S64_MIN } from './num';
import { reject } from './reject';
import {
  constScalar, isConstScalar, isNullable, isPointer, ptrBase, regTypeName, unknownScalar, type PtrReg, type RegState,
  type ScalarReg,
} from './reg';
import { coerceToSize, signExtend } from './scalar';
import {
  byteIndex, curFrame, growStack, MAX_BPF_STACK, slotAt, STACK, type Frame, type StackSlot, type VState,
} from './state';
import { tnumAdd, tnumConst, tnumIsAligned, tnumIsConst, tnumStr } from './tnum';

export const BPF_MAX_VAR_OFF = 1 << 29;
export const BPF_MAX_VAR_SIZ = 1 << 29;

export interface MemAccess {
  regno: number;
  /** The instruction's offset (before adding the pointer's fixed offset). */
  off: number;
  size: number;
  write: boolean;
  /** Register receiving a read, or the register stored by a write (-1: none / immediate). */
  valueRegno: number;
  /** A store of an immediate (BPF_ST): its value. */
  imm?: number;
  ldsx?: boolean;
  /** Atomic instructions check alignment strictly. */
  strict?: boolean;
  at: number;
}

function frameOf(st: VState, reg: { frame: number }): Frame {
  return st.frames[reg.frame];
}

/** The kernel prints a const var_off as its value in alignment messages. */
const tnumText = (r: PtrReg | ScalarReg): string => (tnumIsConst(r.v.var) ? fmtUnsigned(r.v.var.value) : tnumStr(r.v.var));

/** check_ptr_alignment: runs before the pointer type is checked, so scalars get here too. */
function checkAlignment(r: PtrReg | ScalarReg, off: number, size: number, strict: boolean): void {
  let desc: string;
  const nullable = 'nullable' in r && r.nullable;
  switch (nullable ? 'nullable' : r.type) {
    case 'packet': case 'packet_meta':
      return; // x86 has efficient unaligned access; packets are checked only under strict alignment
    case 'map_key': desc = 'key '; break;
    case 'map_value': desc = 'value '; break;
    case 'ctx': desc = 'context '; break;
    case 'stack': desc = 'stack '; strict = true; break;
    case 'sock': desc = 'sock '; break;
    default: desc = ''; break;
  }
  if (!strict || size === 1) return;
  const fixed = r.type === 'scalar' ? 0 : r.off;
  const regOff = tnumAdd(r.v.var, tnumConst(BigInt(fixed + off)));
  if (!tnumIsAligned(regOff, size)) {
    reject('stack-misaligned', `misaligned ${desc}access off ${tnumText(r)}+${fixed}+${off} size ${size}`, { off, size });
  }
}

/** __check_mem_access's message for an access outside [0, memSize). */
function memOutOfRange(r: PtrReg, regno: number, off: number, size: number, memSize: number): string {
  switch (r.type) {
    case 'map_value': return `invalid access to map value, value_size=${memSize} off=${off} size=${size}`;
    case 'packet': case 'packet_meta': case 'packet_end':
      return `invalid access to packet, off=${off} size=${size}, R${regno}(id=${r.id},off=${off},r=${memSize})`;
    default: return `invalid access to memory, mem_size=${memSize} off=${off} size=${size}`;
  }
}

const inside = (off: bigint, size: number, memSize: number, zeroOk: boolean): boolean =>
  off >= 0n && (size > 0 || (size === 0 && zeroOk)) && off + BigInt(size) <= BigInt(memSize);

/** check_mem_region_access: fixed and variable offset within [0, memSize). */
export function checkMemRegion(r: PtrReg, regno: number, off: number, size: number, memSize: number, zeroOk: boolean): void {
  const v = r.v;
  const code = r.type === 'map_value' ? 'map-value-bounds' : 'mem-bounds';
  if (v.smin < 0n && (v.smin === S64_MIN || BigInt(off) + v.smin !== BigInt.asIntN(32, BigInt(off) + v.smin) || v.smin + BigInt(off) < 0n)) {
    reject('negative-index', `R${regno} min value is negative, either use unsigned index or do a if (index >=0) check.`, { reg: regno, off, size });
  }
  const lo = v.smin + BigInt(off);
  if (!inside(lo, size, memSize, zeroOk)) {
    reject(code, [memOutOfRange(r, regno, Number(lo), size, memSize), `R${regno} min value is outside of the allowed memory range`], { reg: regno, off, size });
  }
  if (v.umax >= BigInt(BPF_MAX_VAR_OFF)) {
    reject('unbounded-access', `R${regno} unbounded memory access, make sure to bounds check any such access`, { reg: regno, off, size });
  }
  const hi = v.umax + BigInt(off);
  if (!inside(hi, size, memSize, zeroOk)) {
    reject(code, [memOutOfRange(r, regno, Number(hi), size, memSize), `R${regno} max value is outside of the allowed memory range`], { reg: regno, off, size });
  }
}

/** check_packet_access: the fixed offset against the range proved by comparisons with data_end. */
export function checkPacket(r: PtrReg & { range: number }, regno: number, off: number, size: number, zeroOk: boolean): void {
  if (r.v.smin < 0n) {
    reject('negative-index', `R${regno} min value is negative, either use unsigned index or do a if (index >=0) check.`, { reg: regno, off, size });
  }
  if (r.range < 0) reject('packet-bounds', `R${regno} offset is outside of the packet`, { reg: regno, off, size });
  if (!inside(BigInt(off), size, r.range, zeroOk)) {
    reject('packet-bounds', [memOutOfRange(r, regno, off, size, r.range), `R${regno} offset is outside of the packet`], { reg: regno, off, size });
  }
}

/** check_stack_access_within_bounds. */
function checkStackBounds(env: Env, st: VState, r: PtrReg & { frame: number }, regno: number, off: number, size: number, write: boolean): number {
  const extra = write ? ' write to' : ' read from';
  let minOff: bigint;
  let maxOff: bigint;
  if (tnumIsConst(r.v.var)) {
    minOff = BigInt.asIntN(64, r.v.var.value) + BigInt(off);
    maxOff = minOff + BigInt(size);
  } else {
    if (r.v.smax >= BigInt(BPF_MAX_VAR_OFF) || r.v.smin <= -BigInt(BPF_MAX_VAR_OFF)) {
      reject('stack-bounds', `invalid unbounded variable-offset${extra} stack R${regno}`, { reg: regno, off, size });
    }
    minOff = r.v.smin + BigInt(off);
    maxOff = r.v.smax + BigInt(off) + BigInt(size);
  }
  const frame = frameOf(st, r);
  const minValid = write || env.allowUninitStack ? -MAX_BPF_STACK : -frame.allocated;
  const bad = minOff < BigInt(minValid) || minOff > -1n || maxOff > 0n || size < 0;
  if (bad) {
    if (tnumIsConst(r.v.var)) reject('stack-bounds', `invalid${extra} stack R${regno} off=${off} size=${size}`, { reg: regno, off, size });
    reject('stack-bounds', `invalid variable-offset${extra} stack R${regno} var_off=${tnumStr(r.v.var)} off=${off} size=${size}`, { reg: regno, off, size });
  }
  growStack(frame, Number(-minOff));
  return Number(minOff);
}

const isSpill = (s: StackSlot): boolean => s.types[7] === STACK.SPILL;
const spilledScalar = (s: StackSlot): boolean => isSpill(s) && s.spill?.type === 'scalar';

function setSlot(frame: Frame, spi: number, slot: StackSlot): void {
  while (frame.stack.length <= spi) frame.stack.push(undefined);
  frame.stack[spi] = slot;
}

/** A byte written by a partial spill keeps zero/invalid, anything else becomes misc (mark_stack_slot_misc). */
const miscUnlessKept = (c: string, env: Env): string => (c === STACK.ZERO || (c === STACK.INVALID && env.allowPtrLeaks) ? c : STACK.MISC);

/** save_register_state: the register goes into the slot, its bytes marked as spilled. */
function saveRegister(env: Env, frame: Frame, spi: number, reg: RegState, size: number): void {
  const old = slotAt(frame, spi).types.split('');
  for (let i = 0; i < 8; i++) old[i] = i >= 8 - size ? STACK.SPILL : miscUnlessKept(old[i], env);
  setSlot(frame, spi, { types: old.join(''), spill: reg });
}

/** The scalar of a fake register for BPF_ST of an immediate. */
const immScalar = (imm: number, at: number): ScalarReg => constScalar(BigInt(imm), at);

const regWidthBits = (r: ScalarReg): number => fls64(r.v.umax);

/** check_stack_write_fixed_off. */
function stackWriteFixed(env: Env, st: VState, frame: Frame, a: MemAccess, off: number): void {
  const slot = -off - 1;
  const spi = Math.floor(slot / 8);
  const cur = slotAt(frame, spi);
  if (!env.allowPtrLeaks && isSpill(cur) && !spilledScalar(cur) && a.size !== 8) {
    reject('stack-spill', 'attempt to corrupt spilled pointer on stack', { off: a.off, size: a.size });
  }
  const value = a.valueRegno >= 0 ? getReg(st, a.valueRegno) : undefined;
  if (value && off % 8 === 0 && value.type === 'scalar' && env.privileged) {
    const fits = regWidthBits(value) <= 8 * a.size;
    const v = fits ? assignIdBeforeMov(env, st, a.valueRegno)! : value;
    saveRegister(env, frame, spi, fits ? v : { ...v, id: 0, linkOff: undefined, link32: undefined }, a.size);
    return;
  }
  if (!value && off % 8 === 0 && a.imm !== undefined && env.privileged) {
    saveRegister(env, frame, spi, immScalar(a.imm, a.at), a.size);
    return;
  }
  if (value && isPointer(value)) {
    if (a.size !== 8) reject('stack-spill', 'invalid size of register spill', { off: a.off, size: a.size });
    if (frame !== curFrame(st) && value.type === 'stack') {
      reject('stack-spill', 'cannot spill pointers to stack into stack frame of the caller');
    }
    saveRegister(env, frame, spi, value, a.size);
    return;
  }
  let types = cur.types.split('');
  if (isSpill(cur) || cur.types.includes(STACK.SPILL)) types = types.map((c) => (c === STACK.SPILL ? STACK.MISC : c));
  const zero = (value && isConstScalar(value, 0n)) || (!value && a.imm === 0);
  if (zero && value) needPrecise(env, a.valueRegno);
  const ch = zero ? STACK.ZERO : STACK.MISC;
  for (let i = 0; i < a.size; i++) types[(slot - i) % 8] = ch;
  setSlot(frame, spi, { types: types.join('') });
}

/** check_stack_write_var_off: every byte the write may touch becomes misc (or stays zero when writing zero). */
function stackWriteVar(env: Env, st: VState, frame: Frame, a: MemAccess, r: PtrReg, fixedOff: number): void {
  const value = a.valueRegno >= 0 ? getReg(st, a.valueRegno) : undefined;
  const zero = (value && isConstScalar(value, 0n)) || (!value && a.imm === 0);
  const minOff = Number(r.v.smin) + fixedOff;
  const maxOff = Number(r.v.smax) + fixedOff;
  for (let i = minOff; i < maxOff + a.size; i++) {
    const { spi, k } = byteIndex(i);
    const s = slotAt(frame, spi);
    if (!env.allowPtrLeaks && isSpill(s) && !spilledScalar(s)) {
      reject('stack-spill', `spilled ptr in range of var-offset stack write; insn ${a.at}, ptr off: ${i}`);
    }
    const types = s.types.split('');
    const wasSpill = isSpill(s);
    if (wasSpill) for (let j = 0; j < 8; j++) if (types[j] === STACK.SPILL) types[j] = STACK.MISC;
    if (!(zero && types[k] === STACK.ZERO)) {
      if (types[k] === STACK.INVALID && !env.allowUninitStack && !zero) {
        reject('stack-uninit-read', `uninit stack in range of var-offset write prohibited for !root; insn ${a.at}, off: ${i}`);
      }
      types[k] = STACK.MISC;
    }
    setSlot(frame, spi, { types: types.join('') });
  }
}

/** check_stack_read_fixed_off. */
function stackReadFixed(env: Env, st: VState, frame: Frame, a: MemAccess, off: number): void {
  const slot = -off - 1;
  const spi = Math.floor(slot / 8);
  const s = slotAt(frame, spi);
  const dst = a.valueRegno;
  if (isSpill(s)) {
    const spill = s.spill!;
    let spillSize = 1;
    for (let i = 7; i > 0 && s.types[i - 1] === STACK.SPILL; i--) spillSize++;
    if (a.size !== 8 || spillSize !== 8) {
      if (spill.type !== 'scalar') reject('stack-spill', 'invalid size of register fill', { off: a.off, size: a.size });
      if (dst < 0) return;
      const narrowOk = a.size <= spillSize && off % 8 === 0;
      if (narrowOk) {
        const wide = regWidthBits(spill) > a.size * 8;
        setReg(st, dst, { ...spill, at: a.at, ...(wide ? { id: 0, linkOff: undefined } : {}) });
      } else {
        let spillCnt = 0;
        let zeroCnt = 0;
        for (let i = 0; i < a.size; i++) {
          const t = s.types[(slot - i) % 8];
          if (t === STACK.SPILL) spillCnt++;
          else if (t === STACK.ZERO) zeroCnt++;
          else if (t === STACK.MISC || (t === STACK.INVALID && env.allowUninitStack)) continue;
          else reject('stack-uninit-read', `invalid read from stack off ${off}+${i} size ${a.size}`, { off: a.off, size: a.size });
        }
        if ((spillCnt === a.size && isConstScalar(spill, 0n)) || zeroCnt === a.size) setReg(st, dst, constScalar(0n, a.at));
        else setReg(st, dst, unknownScalar(a.at));
      }
      return;
    }
    if (dst >= 0) {
      setReg(st, dst, spill.type === 'scalar' ? { ...spill, at: spill.at } : spill);
    } else if (isPointerValue(env, spill)) {
      reject('pointer-leak', `leaking pointer from stack off ${off}`);
    }
    return;
  }
  let zeros = 0;
  for (let i = 0; i < a.size; i++) {
    const t = s.types[(slot - i) % 8];
    if (t === STACK.MISC) continue;
    if (t === STACK.ZERO) {
      zeros++;
      continue;
    }
    if (t === STACK.INVALID && env.allowUninitStack) continue;
    reject('stack-uninit-read', `invalid read from stack off ${off}+${i} size ${a.size}`, { off: a.off, size: a.size });
  }
  if (dst >= 0) setReg(st, dst, zeros === a.size ? constScalar(0n, a.at) : unknownScalar(a.at));
}

/** check_stack_read_var_off: reading unknown offsets gives an unknown scalar (privileged). */
function stackReadVar(env: Env, st: VState, frame: Frame, a: MemAccess, r: PtrReg, regno: number, fixedOff: number): void {
  const minOff = Number(r.v.smin) + fixedOff;
  const maxOff = Number(r.v.smax) + fixedOff;
  let allZero = true;
  for (let i = minOff; i < maxOff + a.size; i++) {
    const { spi, k } = byteIndex(i);
    const s = slotAt(frame, spi);
    const t = s.types[k];
    if (t === STACK.MISC) { allZero = false; continue; }
    if (t === STACK.ZERO) continue;
    if (t === STACK.SPILL && (s.spill?.type === 'scalar' || env.allowPtrLeaks)) { allZero = false; continue; }
    if (t === STACK.INVALID && env.allowUninitStack) { allZero = false; continue; }
    reject('stack-uninit-read', `invalid read from stack R${regno} var_off ${tnumStr(r.v.var)}+${i - minOff} size ${a.size}`, { reg: regno });
  }
  if (a.valueRegno >= 0) setReg(st, a.valueRegno, allZero ? constScalar(0n, a.at) : unknownScalar(a.at));
}

function checkStackAccess(env: Env, st: VState, r: PtrReg & { frame: number }, a: MemAccess): void {
  const off = r.off + a.off;
  checkStackBounds(env, st, r, a.regno, off, a.size, a.write);
  const frame = frameOf(st, r);
  const constOff = tnumIsConst(r.v.var);
  const full = constOff ? off + Number(BigInt.asIntN(64, r.v.var.value)) : off;
  if (a.write) {
    if (constOff) stackWriteFixed(env, st, frame, a, full);
    else stackWriteVar(env, st, frame, a, r, off);
  } else if (constOff) {
    stackReadFixed(env, st, frame, a, full);
  } else {
    stackReadVar(env, st, frame, a, r, a.regno, off);
  }
  env.stackDepth[frame.subprog] = Math.max(env.stackDepth[frame.subprog], frame.allocated);
}

/** __check_ptr_off_reg: a pointer passed or dereferenced in its original, unmodified form. */
export function checkPtrOffReg(r: PtrReg, regno: number, fixedOffOk: boolean): void {
  const name = regTypeName(r);
  if (r.off < 0) reject('ctx-modified', `negative offset ${name} ptr R${regno} off=${r.off} disallowed`, { reg: regno });
  if (!fixedOffOk && r.off) reject('ctx-modified', `dereference of modified ${name} ptr R${regno} off=${r.off} disallowed`, { reg: regno });
  if (!tnumIsConst(r.v.var) || r.v.var.value) {
    reject('ctx-modified', `variable ${name} access var_off=${tnumStr(r.v.var)} disallowed`, { reg: regno });
  }
}

/** check_mem_access: one load or store through register `regno`. */
export function checkMemAccess(env: Env, st: VState, a: MemAccess): void {
  const reg = getReg(st, a.regno);
  const regno = a.regno;
  if (reg.type !== 'not_init') checkAlignment(reg, a.off, a.size, a.strict ?? false);
  if (!isPointer(reg) || isNullable(reg)) {
    reject(isNullable(reg) ? 'null-deref' : 'invalid-mem-access', `R${regno} invalid mem access '${regTypeName(reg)}'`, { reg: regno, off: a.off, size: a.size });
  }
  const off = a.off + reg.off;
  const value = a.valueRegno >= 0 && a.write ? getReg(st, a.valueRegno) : undefined;
  const leakCheck = (what: string): void => {
    if (value && isPointerValue(env, value)) reject('pointer-leak', `R${a.valueRegno} leaks addr into ${what}`, { reg: a.valueRegno });
  };
  switch (reg.type) {
    case 'map_key': {
      if (a.write) reject('map-key-write', `write to change key R${regno} not allowed`, { reg: regno });
      checkMemRegion(reg, regno, off, a.size, env.maps[reg.map]?.keySize ?? 0, false);
      if (a.valueRegno >= 0) setReg(st, a.valueRegno, unknownScalar(a.at));
      break;
    }
    case 'map_value': {
      const map = env.maps[reg.map];
      leakCheck('map');
      checkMapAccessType(map?.flags ?? 0, map?.valueSize ?? 0, off, a.size, a.write);
      checkMemRegion(reg, regno, off, a.size, map?.valueSize ?? 0, false);
      if (!a.write && a.valueRegno >= 0) setReg(st, a.valueRegno, unknownScalar(a.at));
      break;
    }
    case 'mem': {
      if (a.write && reg.rdonly) reject('invalid-mem-access', `R${regno} cannot write into ${regTypeName(reg)}`, { reg: regno });
      leakCheck('mem');
      checkMemRegion(reg, regno, off, a.size, reg.size, false);
      if (a.valueRegno >= 0 && !a.write) setReg(st, a.valueRegno, unknownScalar(a.at));
      break;
    }
    case 'ctx': {
      leakCheck('ctx');
      checkPtrOffReg(reg, regno, false);
      const res = ctxAccess(env.progType, { off, size: a.size, write: a.write });
      // A sign-extending load of a field that holds a pointer (data, data_end, data_meta...) is refused as a bad access.
      const badLdsx = a.ldsx && res !== false && res !== 'scalar';
      if (res === false || badLdsx) reject('ctx-access', `invalid bpf_context access off=${off} size=${a.size}`, { reg: regno, off, size: a.size });
      if (!a.write && a.valueRegno >= 0) {
        if (res === 'scalar') {
          setReg(st, a.valueRegno, unknownScalar(a.at));
        } else if (res === 'sock_common_or_null') {
          setReg(st, a.valueRegno, { type: 'sock', kind: 'sock_common', nullable: true, ...ptrBase(a.at, env.newId()) });
        } else {
          setReg(st, a.valueRegno, res === 'packet_end' ? { type: 'packet_end', ...ptrBase(a.at) } : { type: res, range: 0, ...ptrBase(a.at) });
        }
      }
      break;
    }
    case 'stack':
      checkStackAccess(env, st, reg, a);
      break;
    case 'packet':
    case 'packet_meta': {
      if (a.write && !directPacketAccess(env.progType, true)) reject('packet-write', 'cannot write into packet');
      leakCheck('packet');
      checkPacket(reg, regno, off, a.size, false);
      if (!a.write && a.valueRegno >= 0) setReg(st, a.valueRegno, unknownScalar(a.at));
      break;
    }
    case 'btf_ptr':
      // Kernel structures are read through BTF, which eBPF Studio does not have.
      reject('unsupported', `R${regno} points to a kernel struct ${reg.struct}: reading it needs kernel BTF, which eBPF Studio does not model`, { reg: regno });
      break;
    case 'map_ptr': {
      // Reading struct bpf_map fields goes through kernel BTF; we treat reads as unknown numbers.
      const struct = mapStructName(env.maps[reg.map]?.type);
      if (a.write) reject('invalid-mem-access', `only read from ${struct} is supported`, { reg: regno });
      if (off < 0) reject('invalid-mem-access', `R${regno} is ${struct} invalid negative access: off=${off}`, { reg: regno });
      if (a.valueRegno >= 0) setReg(st, a.valueRegno, unknownScalar(a.at));
      break;
    }
    case 'sock': {
      if (a.write) reject('invalid-mem-access', `R${regno} cannot write into ${regTypeName(reg)}`, { reg: regno });
      checkSockAccess(reg, regno, off, a.size);
      if (a.valueRegno >= 0) setReg(st, a.valueRegno, unknownScalar(a.at));
      break;
    }
    default:
      reject('invalid-mem-access', `R${regno} invalid mem access '${regTypeName(reg)}'`, { reg: regno, off: a.off, size: a.size });
  }
  if (!a.write && a.valueRegno >= 0 && a.size < 8) {
    const r = getReg(st, a.valueRegno);
    if (r.type === 'scalar') {
      setReg(st, a.valueRegno, { ...r, v: a.ldsx ? signExtend(r.v, a.size) : coerceToSize(r.v, a.size) });
    }
  }
}

/** The kernel struct behind a map type (what BTF calls a map pointer's target). */
function mapStructName(type: string | undefined): string {
  switch (type) {
    case 'hash': case 'percpu_hash': case 'lru_hash': case 'lru_percpu_hash': return 'bpf_htab';
    case 'ringbuf': return 'bpf_ringbuf_map';
    case 'queue': case 'stack': return 'bpf_queue_stack';
    case 'stack_trace': return 'bpf_stack_map';
    default: return 'bpf_array';
  }
}

const BPF_F_RDONLY_PROG = 1 << 7;
const BPF_F_WRONLY_PROG = 1 << 8;

function checkMapAccessType(flags: number, valueSize: number, off: number, size: number, write: boolean): void {
  if (write && flags & BPF_F_RDONLY_PROG) reject('invalid-mem-access', `write into map forbidden, value_size=${valueSize} off=${off} size=${size}`);
  if (!write && flags & BPF_F_WRONLY_PROG) reject('invalid-mem-access', `read from map forbidden, value_size=${valueSize} off=${off} size=${size}`);
}

/**
 * struct bpf_sock fields that may be read narrowly (any power-of-two size up to 4): some only at
 * their first byte (the kernel matches their offset exactly), the addresses anywhere inside.
 */
const SOCK_NARROW_AT: ReadonlySet<number> = new Set([4, 8, 12, 44, 72, 76]);
const SOCK_NARROW_RANGES: readonly [number, number][] = [[24, 4], [28, 16], [52, 4], [56, 16]];

/** bpf_sock_is_valid_access and its sock_common / tcp_sock variants. */
function sockFieldOk(kind: string, off: number, size: number): boolean {
  if (kind === 'tcp_sock') {
    if (off < 0 || off >= 112 || off % size !== 0) return false;
    return off === 80 || off === 88 ? size === 8 : size === 4;
  }
  if (kind === 'sock_common' && off >= 8 && off < 24) return false; // type .. priority
  if (off < 0 || off >= 80 || off % size !== 0) return false;
  const narrow = (width: number) => size <= width && (size & (size - 1)) === 0;
  if (SOCK_NARROW_AT.has(off) || SOCK_NARROW_RANGES.some(([start, len]) => off >= start && off < start + len)) return narrow(4);
  if (off >= 48 && off < 50) return size === 4 ? true : narrow(2); // dst_port (__be16 + padding)
  if (off >= 50 && off < 52) return false;
  return size === 4;
}

function checkSockAccess(reg: PtrReg, regno: number, off: number, size: number): void {
  if (reg.v.smin < 0n) {
    reject('negative-index', `R${regno} min value is negative, either use unsigned index or do a if (index >=0) check.`, { reg: regno });
  }
  if (!sockFieldOk(reg.type === 'sock' ? reg.kind : 'sock', off, size)) {
    reject('invalid-mem-access', `R${regno} invalid ${regTypeName(reg)} access off=${off} size=${size}`, { reg: regno });
  }
}

/**
 * check_stack_range_initialized: a helper reads (or, in raw mode, writes) [off, off+size) of
 * the stack. Returns the byte offsets a raw-mode write will initialise.
 */
export function checkStackRange(env: Env, st: VState, regno: number, size: number, zeroOk: boolean, write: boolean, raw: boolean): void {
  const r = getReg(st, regno) as PtrReg & { frame: number };
  if (size === 0 && !zeroOk) reject('helper-mem-size', 'invalid zero-sized read', { reg: regno });
  checkStackBounds(env, st, r, regno, r.off, size, write);
  const frame = frameOf(st, r);
  let minOff: number;
  let maxOff: number;
  let rawMode = raw;
  if (tnumIsConst(r.v.var)) {
    minOff = maxOff = Number(BigInt.asIntN(64, r.v.var.value)) + r.off;
  } else {
    if (!env.bypassSpecV1) {
      reject('stack-bounds', `R${regno} variable offset stack access prohibited for !root, var_off=${tnumStr(r.v.var)}`, { reg: regno });
    }
    rawMode = false;
    minOff = Number(r.v.smin) + r.off;
    maxOff = Number(r.v.smax) + r.off;
  }
  env.stackDepth[frame.subprog] = Math.max(env.stackDepth[frame.subprog], frame.allocated);
  if (rawMode) {
    // The helper fills the buffer: every byte becomes misc (check_mem_access BPF_B writes).
    for (let i = 0; i < size; i++) {
      stackWriteFixed(env, st, frame, { regno, off: 0, size: 1, write: true, valueRegno: -1, at: env.insnIdx }, minOff + i);
    }
    return;
  }
  for (let i = minOff; i < maxOff + size; i++) {
    const { spi, k } = byteIndex(i);
    const s = slotAt(frame, spi);
    const t = s.types[k];
    if (t === STACK.MISC) continue;
    if (t === STACK.ZERO || (t === STACK.INVALID && env.allowUninitStack)) {
      if (write) setSlot(frame, spi, { ...s, types: s.types.slice(0, k) + STACK.MISC + s.types.slice(k + 1) });
      continue;
    }
    if (isSpill(s) && (s.spill?.type === 'scalar' || env.allowPtrLeaks)) {
      if (write) setSlot(frame, spi, { types: s.types.replace(/r/g, STACK.MISC) });
      continue;
    }
    if (tnumIsConst(r.v.var)) {
      reject('stack-uninit-read', `invalid read from stack R${regno} off ${minOff}+${i - minOff} size ${size}`, { reg: regno });
    }
    reject('stack-uninit-read', `invalid read from stack R${regno} var_off ${tnumStr(r.v.var)}+${i - minOff} size ${size}`, { reg: regno });
  }
}

/** check_helper_mem_access: a helper touches `size` bytes at the pointer in `regno`. */
export function checkHelperMem(env: Env, st: VState, regno: number, size: number, write: boolean, zeroOk: boolean, raw: boolean): void {
  const r = getReg(st, regno);
  switch (r.type) {
    case 'packet':
    case 'packet_meta':
      return checkPacket(r, regno, r.off, size, zeroOk);
    case 'map_key':
      if (write) reject('invalid-mem-access', `R${regno} cannot write into ${regTypeName(r)}`, { reg: regno });
      return checkMemRegion(r, regno, r.off, size, env.maps[r.map]?.keySize ?? 0, false);
    case 'map_value': {
      const map = env.maps[r.map];
      checkMapAccessType(map?.flags ?? 0, map?.valueSize ?? 0, r.off, size, write);
      return checkMemRegion(r, regno, r.off, size, map?.valueSize ?? 0, zeroOk);
    }
    case 'mem':
      if (r.rdonly && write) reject('invalid-mem-access', `R${regno} cannot write into ${regTypeName(r)}`, { reg: regno });
      return checkMemRegion(r, regno, r.off, size, r.size, zeroOk);
    case 'stack':
      return checkStackRange(env, st, regno, size, zeroOk, write, raw);
    default:
      if (zeroOk && size === 0 && isConstScalar(r, 0n)) return;
      reject('helper-arg-type', `R${regno} type=${regTypeName(r)} expected=fp`, { reg: regno });
  }
}

/** check_mem_size_reg: the size argument after a memory argument. */
export function checkMemSize(env: Env, st: VState, regno: number, write: boolean, zeroOk: boolean, raw: boolean): bigint {
  const r = getReg(st, regno) as ScalarReg;
  const v = r.v;
  const rawOk = raw && tnumIsConst(v.var);
  if (v.smin < 0n) reject('helper-mem-size', `R${regno} min value is negative, either use unsigned or 'var &= const'`, { reg: regno });
  if (v.umin === 0n && !zeroOk) {
    reject('helper-mem-size', `R${regno} invalid zero-sized read: u64=[${v.umin},${v.umax}]`, { reg: regno });
  }
  if (v.umax >= BigInt(BPF_MAX_VAR_SIZ)) {
    reject('helper-mem-size', `R${regno} unbounded memory access, use 'var &= const' or 'if (var < const)'`, { reg: regno });
  }
  checkHelperMem(env, st, regno - 1, Number(v.umax), write, zeroOk, rawOk);
  needPrecise(env, regno);
  return v.umax;
}

/** Loads and stores: the register checks of check_load_mem / check_store_reg / BPF_ST. */
export function checkLoad(env: Env, st: VState, src: number, dst: number, off: number, size: number, ldsx: boolean, at: number): void {
  const s = getReg(st, src);
  if (src > 10) reject('bad-register', `R${src} is invalid`, { reg: src });
  if (s.type === 'not_init') reject('uninit-reg', `R${src} !read_ok`, { reg: src });
  checkDst(dst);
  checkMemAccess(env, st, { regno: src, off, size, write: false, valueRegno: dst, ldsx, at });
}

