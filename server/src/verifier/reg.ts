// Register states as the kernel's verifier keeps them (struct bpf_reg_state), as a union so
// that a state the kernel cannot have cannot be written. Register values are immutable.
import type { MapSpec } from '../core/types';
import { S32_MAX, S32_MIN, U32_MAX } from './num';
import { formatRanges, isConst, scalarConst, scalarUnknown, SCALAR_UNKNOWN, type Scalar } from './scalar';
import { fmtSigned, fmtUnsigned, hex } from './num';
import { tnumIsConst, tnumStr } from './tnum';

/** Fields every pointer carries: fixed offset, variable offset (a scalar), ids, and its origin. */
export interface PtrCommon {
  /** Fixed offset added to the base (reg->off). */
  readonly off: number;
  /** The variable part of the offset (reg->var_off and its bounds). */
  readonly v: Scalar;
  /** Shared by copies: a NULL check or a packet range check reaches all of them. */
  readonly id: number;
  /** The acquired reference this pointer holds (ringbuf record, socket), 0 when none. */
  readonly refObjId: number;
  /** Instruction that produced this value (-1: program entry). */
  readonly at: number;
}

export interface NotInit {
  readonly type: 'not_init';
  readonly at: number;
}

export interface ScalarReg {
  readonly type: 'scalar';
  readonly v: Scalar;
  /** Copies of one unknown value share an id so that a bounds check reaches them all. */
  readonly id: number;
  /** For `rX = rY; rX += K`: the constant K linking rX to rY's id (the kernel's BPF_ADD_CONST). */
  readonly linkOff?: number;
  /** The link was made by a 32-bit add (BPF_ADD_CONST32): the copy is the zero-extended sum. */
  readonly link32?: boolean;
  readonly at: number;
}

export type SockKind = 'sock' | 'sock_common' | 'tcp_sock';

export type PtrReg = PtrCommon & (
  | { readonly type: 'ctx' }
  | { readonly type: 'stack'; readonly frame: number }
  | { readonly type: 'map_ptr'; readonly map: number }
  | { readonly type: 'map_value'; readonly map: number; readonly nullable: boolean }
  | { readonly type: 'map_key'; readonly map: number }
  | { readonly type: 'packet' | 'packet_meta'; readonly range: number }
  | { readonly type: 'packet_end' }
  | { readonly type: 'mem'; readonly size: number; readonly ringbuf: boolean; readonly rdonly: boolean; readonly nullable: boolean }
  | { readonly type: 'sock'; readonly kind: SockKind; readonly nullable: boolean }
  | { readonly type: 'func'; readonly subprog: number }
  /** A typed kernel pointer (PTR_TO_BTF_ID), e.g. the current task: `struct` names its BTF type. */
  | { readonly type: 'btf_ptr'; readonly struct: string; readonly trusted: boolean; readonly nullable: boolean }
);

export type RegState = NotInit | ScalarReg | PtrReg;
export type RegType = RegState['type'];
export type PtrType = PtrReg['type'];

export const notInit = (at = -1): NotInit => ({ type: 'not_init', at });
export const scalarReg = (v: Scalar, at: number, id = 0): ScalarReg => ({ type: 'scalar', v, id, at });
export const unknownScalar = (at: number): ScalarReg => ({ type: 'scalar', v: SCALAR_UNKNOWN, id: 0, at });
export const constScalar = (value: bigint, at: number): ScalarReg => ({ type: 'scalar', v: scalarConst(value), id: 0, at });

const ZERO_OFF: Scalar = scalarConst(0n);
/** Pointer fields for a fresh pointer with no offset. */
export const ptrBase = (at: number, id = 0, refObjId = 0): PtrCommon => ({ off: 0, v: ZERO_OFF, id, refObjId, at });

export const isPointer = (r: RegState): r is PtrReg => r.type !== 'scalar' && r.type !== 'not_init';
export const isScalar = (r: RegState): r is ScalarReg => r.type === 'scalar';
export const isNullable = (r: RegState): boolean => 'nullable' in r && r.nullable;
export const isPacketPtr = (r: RegState): boolean => r.type === 'packet' || r.type === 'packet_meta';
export const isConstScalar = (r: RegState, value?: bigint): boolean =>
  r.type === 'scalar' && isConst(r.v) && (value === undefined || r.v.var.value === value);

/** The kernel's name for a register type (reg_type_str), e.g. map_value_or_null, ringbuf_mem. */
export function regTypeName(r: RegState): string {
  switch (r.type) {
    case 'not_init': return '?';
    case 'scalar': return 'scalar';
    case 'ctx': return 'ctx';
    case 'stack': return 'fp';
    case 'map_ptr': return 'map_ptr';
    case 'map_value': return r.nullable ? 'map_value_or_null' : 'map_value';
    case 'map_key': return 'map_key';
    case 'packet': return 'pkt';
    case 'packet_meta': return 'pkt_meta';
    case 'packet_end': return 'pkt_end';
    case 'mem': return `${r.rdonly ? 'rdonly_' : ''}${r.ringbuf ? 'ringbuf_' : ''}mem${r.nullable ? '_or_null' : ''}`;
    case 'sock': return `${r.kind}${r.nullable ? '_or_null' : ''}`;
    case 'func': return 'func';
    case 'btf_ptr': return `${r.trusted ? 'trusted_' : ''}ptr_${r.nullable ? 'or_null_' : ''}${r.struct}`;
  }
}

/** The kernel's print of a register's state (print_reg_state), e.g. `map_value(map=m,ks=4,vs=8,off=4)`. */
export function formatRegKernel(r: RegState, maps: readonly MapSpec[], curFrame = 0, precise = false): string {
  if (r.type === 'not_init') return '?';
  const p = precise && r.type === 'scalar' ? 'P' : '';
  if (r.type === 'scalar' && tnumIsConst(r.v.var)) return p + fmtSigned(BigInt.asIntN(64, r.v.var.value));
  let out = p + regTypeName(r);
  if (r.type === 'stack') {
    if (r.frame !== curFrame) out += `[${r.frame}]`;
    if (tnumIsConst(r.v.var)) return out + fmtSigned(BigInt.asIntN(64, r.v.var.value) + BigInt(r.off));
  }
  const parts: string[] = [];
  if (r.type === 'scalar') {
    if (r.id) parts.push(`id=${r.id}${r.linkOff !== undefined ? (r.linkOff >= 0 ? '+' : '') + r.linkOff : ''}`);
  } else {
    if (r.id) parts.push(`id=${r.id}`);
    if (r.refObjId) parts.push(`ref_obj_id=${r.refObjId}`);
    if (r.type === 'map_ptr' || r.type === 'map_value' || r.type === 'map_key') {
      const m = maps[r.map];
      if (m?.name) parts.push(`map=${m.name}`);
      parts.push(`ks=${m?.keySize ?? 0},vs=${m?.valueSize ?? 0}`);
    }
    if (r.off) parts.push(`off=${r.off}`);
    if (r.type === 'packet' || r.type === 'packet_meta') parts.push(`r=${fmtUnsigned(BigInt.asUintN(64, BigInt(r.range)))}`);
    if (r.type === 'mem') parts.push(`sz=${r.size}`);
  }
  if (isPointer(r) && tnumIsConst(r.v.var)) {
    if (r.v.var.value) parts.push(`imm=${r.v.var.value.toString(16)}`);
  } else {
    parts.push(...formatRanges(r.v));
  }
  return `${out}(${parts.join(',')})`;
}

/** Readable ranges for people: `[0, 255]`, `1`, `any`. */
export function describeScalar(s: Scalar): string {
  if (tnumIsConst(s.var)) return BigInt.asIntN(64, s.var.value).toString();
  const parts: string[] = [];
  if (s.umin !== 0n || s.umax !== (1n << 64n) - 1n) {
    parts.push(`[${s.umin}, ${s.umax > 1n << 32n ? hex(s.umax) : s.umax}]`);
  } else if (s.smin !== -(1n << 63n) || s.smax !== (1n << 63n) - 1n) {
    parts.push(`[${s.smin}, ${s.smax}] signed`);
  } else if (s.u32max !== U32_MAX || s.u32min !== 0n) {
    parts.push(`low 32 bits in [${s.u32min}, ${s.u32max}]`);
  } else if (s.s32min !== S32_MIN || s.s32max !== S32_MAX) {
    parts.push(`low 32 bits in [${s.s32min}, ${s.s32max}] signed`);
  }
  if (parts.length === 0) return 'any value';
  const known = ~s.var.mask & ((1n << 64n) - 1n);
  if (s.var.mask !== (1n << 64n) - 1n && (known & 0xffn) && s.var.value !== 0n) parts.push(`bits ${tnumStr(s.var)}`);
  return parts.join(', ');
}

/** Editor-friendly state: `map_value_or_null(map=counts, vs=8)`, `scalar [0, 255]`, `fp-8`. */
export function formatRegFriendly(r: RegState, maps: readonly MapSpec[]): string {
  switch (r.type) {
    case 'not_init': return 'uninitialized';
    case 'scalar': return isConst(r.v) ? `scalar ${describeScalar(r.v)}` : `scalar ${describeScalar(r.v)}`;
    case 'stack': {
      const base = `fp${r.frame ? `[frame ${r.frame}]` : ''}`;
      if (tnumIsConst(r.v.var)) return `${base}${fmtOff(r.off + Number(BigInt.asIntN(64, r.v.var.value)))}`;
      return `${base}${fmtOff(r.off)} + ${describeScalar(r.v)}`;
    }
    default: {
      const parts: string[] = [];
      if (r.type === 'map_ptr' || r.type === 'map_value' || r.type === 'map_key') {
        const m = maps[r.map];
        parts.push(`map=${m?.name ?? '#' + r.map}`);
        if (r.type === 'map_value') parts.push(`vs=${m?.valueSize ?? 0}`);
        if (r.type === 'map_key') parts.push(`ks=${m?.keySize ?? 0}`);
      }
      if (r.off) parts.push(`off=${r.off}`);
      if (!tnumIsConst(r.v.var)) parts.push(`var=${describeScalar(r.v)}`);
      if (r.type === 'packet' || r.type === 'packet_meta') parts.push(`checked=${r.range}`);
      if (r.type === 'mem') parts.push(`size=${r.size}`);
      if (r.refObjId) parts.push(`ref=${r.refObjId}`);
      return `${regTypeName(r)}(${parts.join(', ')})`;
    }
  }
}

const fmtOff = (n: number): string => (n === 0 ? '' : n > 0 ? `+${n}` : `${n}`);

export { scalarUnknown, SCALAR_UNKNOWN };
