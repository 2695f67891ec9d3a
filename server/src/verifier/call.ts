// Calls: helper calls checked against their prototypes (check_helper_call / check_func_arg),
// acquired references (ringbuf records, sockets) and their release, bpf-to-bpf calls with
// their frames, function exit and the return-value rules, and the combined stack depth.
import type { Insn } from '../core/types';
import { helperName, HELPER_NAMES } from '../isa/helpers';
import { CHANGES_PKT_DATA, helperArgs, helperProto, type HelperArg, type HelperProto } from '../isa/helper-protos';
import { PROG_TYPE_IDS } from '../core/sections';
import { getReg, isPointerValue, needPrecise, readReg, setReg, type Env } from './env';
import { exitCallback, outOfRangeText, scheduleCallback } from './callback';
import { checkHelperMem, checkMemSize, checkPtrOffReg } from './mem';
import { reject } from './reject';
import {
  isConstScalar, isNullable, isPointer, notInit, ptrBase, regTypeName, unknownScalar, type PtrReg, type RegState,
} from './reg';
import { scalarUnknown, syncInPlace } from './scalar';
import { curFrame, MAX_BPF_STACK, MAX_CALL_FRAMES, mapAllRegs, newFrame, slotAt, STACK, type VState } from './state';
import { tnumIsConst } from './tnum';

const MAX_ERRNO = 4095n;

/** Map type numbers as the kernel prints them in compatibility errors. */
const MAP_TYPE_NUM: Record<string, number> = {
  hash: 1, array: 2, prog_array: 3, perf_event_array: 4, percpu_hash: 5, percpu_array: 6, stack_trace: 7,
  lru_hash: 9, lru_percpu_hash: 10, queue: 22, stack: 23, ringbuf: 27,
};

/** Helpers each special map type accepts (map side of check_map_func_compatibility). */
const MAP_ALLOWS: Record<string, readonly number[]> = {
  prog_array: [12],
  perf_event_array: [22, 25, 55, 111, 121],
  ringbuf: [130, 131, 134, 198, 199, 200],
  stack_trace: [27],
  queue: [87, 88, 89],
  stack: [87, 88, 89],
};

/** Map types each map-specific helper needs (helper side of check_map_func_compatibility). */
const HELPER_NEEDS: Record<number, readonly string[]> = {
  12: ['prog_array'],
  22: ['perf_event_array'], 25: ['perf_event_array'], 55: ['perf_event_array'],
  130: ['ringbuf'], 131: ['ringbuf'], 134: ['ringbuf'], 198: ['ringbuf'],
  27: ['stack_trace'],
  88: ['queue', 'stack'], 87: ['queue', 'stack'], 89: ['queue', 'stack'],
  195: ['percpu_array', 'percpu_hash', 'lru_percpu_hash'],
  33: [], 37: [], 51: [], 81: [], 107: [], 108: [], 156: [], 157: [], 210: [], 211: [],
  // A user ring buffer, a map type eBPF Studio does not model: no map eBPF Studio has fits.
  209: ['user_ringbuf'],
};

/** The kernel struct a helper's ARG_PTR_TO_BTF_ID argument must point to (arg_btf_id), where modelled. */
const BTF_ARGS: Record<number, string> = { 180: 'task_struct' };

/** The kernel's compatible_reg_types, as printed after `expected=`. */
const EXPECTED: Record<string, string> = {
  ARG_CONST_MAP_PTR: 'map_ptr',
  ARG_PTR_TO_MAP_KEY: 'fp, pkt, pkt_meta, map_key, map_value, mem, ringbuf_mem, buf, trusted_ptr_',
  ARG_PTR_TO_MAP_VALUE: 'fp, pkt, pkt_meta, map_key, map_value, mem, ringbuf_mem, buf, trusted_ptr_',
  ARG_PTR_TO_MEM: 'fp, pkt, pkt_meta, map_key, map_value, mem, ringbuf_mem, buf, trusted_ptr_',
  ARG_CONST_SIZE: 'scalar',
  ARG_CONST_SIZE_OR_ZERO: 'scalar',
  ARG_CONST_ALLOC_SIZE_OR_ZERO: 'scalar',
  ARG_PTR_TO_CTX: 'ctx',
  ARG_PTR_TO_STACK: 'fp',
  ARG_PTR_TO_FUNC: 'func',
  ARG_PTR_TO_RINGBUF_MEM: 'ringbuf_mem',
  ARG_PTR_TO_SOCK_COMMON: 'sock_common, sock, tcp_sock, xdp_sock',
  ARG_PTR_TO_BTF_ID_SOCK_COMMON: 'sock_common, sock, tcp_sock, xdp_sock, ptr_, trusted_ptr_',
  ARG_PTR_TO_SOCKET: 'sock',
  ARG_PTR_TO_BTF_ID: 'ptr_, trusted_ptr_, rcu_ptr_',
  ARG_PTR_TO_PERCPU_BTF_ID: 'percpu_ptr_, percpu_rcu_ptr_, percpu_trusted_ptr_',
  ARG_PTR_TO_SPIN_LOCK: 'map_value, ptr_',
  ARG_PTR_TO_TIMER: 'map_value',
  ARG_PTR_TO_CONST_STR: 'map_value',
  ARG_PTR_TO_DYNPTR: 'fp, dynptr_ptr',
  ARG_KPTR_XCHG_DEST: 'map_value, ptr_',
};

/** The kernel struct a helper returning a trusted BTF pointer returns. */
const BTF_RETURNS: Record<number, string> = { 158: 'task_struct' };

const has = (a: HelperArg, f: string): boolean => (a.flags as readonly string[]).includes(f);

/** Whether a register's type is in the argument's compatible set (flags folded as check_reg_type does). */
function typeMatches(r: RegState, a: HelperArg): boolean {
  const nullOk = has(a, 'PTR_MAYBE_NULL');
  if (isNullable(r) && !nullOk) return false;
  switch (a.base) {
    case 'ARG_CONST_MAP_PTR': return r.type === 'map_ptr';
    case 'ARG_PTR_TO_MAP_KEY':
    case 'ARG_PTR_TO_MAP_VALUE':
    case 'ARG_PTR_TO_MEM':
      if (r.type === 'mem') return !r.rdonly || has(a, 'MEM_RDONLY');
      return r.type === 'stack' || r.type === 'packet' || r.type === 'packet_meta' || r.type === 'map_key' || r.type === 'map_value';
    case 'ARG_CONST_SIZE': case 'ARG_CONST_SIZE_OR_ZERO': case 'ARG_CONST_ALLOC_SIZE_OR_ZERO':
      return r.type === 'scalar';
    case 'ARG_PTR_TO_CTX': return r.type === 'ctx';
    case 'ARG_PTR_TO_STACK': return r.type === 'stack';
    case 'ARG_PTR_TO_FUNC': return r.type === 'func';
    case 'ARG_PTR_TO_RINGBUF_MEM': return r.type === 'mem' && r.ringbuf && !r.rdonly;
    case 'ARG_PTR_TO_SOCK_COMMON': return r.type === 'sock';
    case 'ARG_PTR_TO_BTF_ID_SOCK_COMMON': return r.type === 'sock' || (r.type === 'btf_ptr' && r.struct === 'sock_common');
    case 'ARG_PTR_TO_BTF_ID': return r.type === 'btf_ptr';
    case 'ARG_PTR_TO_SOCKET': return r.type === 'sock' && r.kind === 'sock';
    case 'ARG_PTR_TO_SPIN_LOCK': case 'ARG_PTR_TO_TIMER': case 'ARG_PTR_TO_CONST_STR': case 'ARG_KPTR_XCHG_DEST':
      return r.type === 'map_value';
    case 'ARG_PTR_TO_DYNPTR': return r.type === 'stack';
    default: return false;
  }
}

interface CallMeta {
  map?: number;
  refObjId: number;
  releaseRegno: number;
  constMapKey: bigint;
  memSize: bigint;
  msizeMax: bigint;
  /** The subprogram an ARG_PTR_TO_FUNC argument names (meta->subprogno). */
  subprog?: number;
}

/** get_constant_map_key: an array-map key that is a known constant on the stack. */
function constantMapKey(env: Env, st: VState, key: RegState, keySize: number): bigint {
  if (!env.privileged || key.type !== 'stack' || !tnumIsConst(key.v.var)) return -1n;
  const stackOff = key.off + Number(BigInt.asIntN(64, key.v.var.value));
  const slot = -stackOff - 1;
  const spi = Math.floor(slot / 8);
  const k = slot % 8;
  const s = slotAt(st.frames[key.frame], spi);
  let zero = 0;
  for (let i = k; i >= 0 && s.types[i] === STACK.ZERO; i--) zero++;
  if (zero >= keySize) return 0n;
  if (s.types[7] !== STACK.SPILL || s.spill?.type !== 'scalar') return -1n;
  let spill = 0;
  for (let i = k; i >= 0 && s.types[i] === STACK.SPILL; i--) spill++;
  if (spill !== keySize) return -1n;
  if (!tnumIsConst(s.spill.v.var)) return -1n;
  return BigInt.asIntN(64, s.spill.v.var.value);
}

/** check_func_arg for argument `i` (register r(i+1)). */
function checkArg(env: Env, st: VState, proto: HelperProto, args: readonly HelperArg[], i: number, meta: CallMeta): void {
  const a = args[i];
  const regno = i + 1;
  const r = readReg(st, regno);
  if (a.base === 'ARG_ANYTHING') {
    if (isPointerValue(env, r)) reject('pointer-leak', `R${regno} leaks addr into helper function`, { reg: regno, helper: proto.id, arg: i });
    return;
  }
  if ((r.type === 'packet' || r.type === 'packet_meta' || r.type === 'packet_end') && !pktAccessOk(env)) {
    reject('helper-arg-type', 'helper access to the packet is not allowed', { reg: regno, helper: proto.id, arg: i });
  }
  if (a.base === 'ARG_PTR_TO_DYNPTR' && r.type === 'stack' && has(a, 'OBJ_RELEASE')) {
    reject('helper-arg-type', `arg ${regno} is an unacquired reference`, { reg: regno });
  }
  const nullArg = isConstScalar(r, 0n) && has(a, 'PTR_MAYBE_NULL');
  if (!nullArg) {
    if (!typeMatches(r, a)) {
      reject('helper-arg-type', `R${regno} type=${regTypeName(r)} expected=${EXPECTED[a.base]}`, { reg: regno, helper: proto.id, arg: i });
    }
    if (isPointer(r)) checkArgRegOff(r, regno, a);
  }
  if (has(a, 'OBJ_RELEASE')) {
    if (isPointer(r) && !r.refObjId && !isConstScalar(r, 0n)) {
      reject('helper-release', `R${regno} must be referenced when passed to release function`, { reg: regno, helper: proto.id, arg: i });
    }
    meta.releaseRegno = regno;
  }
  if (isPointer(r) && r.refObjId) meta.refObjId = r.refObjId;
  const write = has(a, 'MEM_WRITE');
  const raw = has(a, 'MEM_UNINIT');
  switch (a.base) {
    case 'ARG_CONST_MAP_PTR':
      meta.map = (r as PtrReg & { map: number }).map;
      break;
    case 'ARG_PTR_TO_MAP_KEY': {
      const map = env.maps[meta.map ?? -1];
      if (!map) reject('helper-arg-type', 'invalid map_ptr to access map->key', { reg: regno });
      checkHelperMem(env, st, regno, map.keySize, false, false, false);
      if (map.type === 'array' || map.type === 'percpu_array') meta.constMapKey = constantMapKey(env, st, getReg(st, regno), map.keySize);
      break;
    }
    case 'ARG_PTR_TO_MAP_VALUE': {
      if (nullArg) return;
      const map = env.maps[meta.map ?? -1];
      if (!map) reject('helper-arg-type', 'invalid map_ptr to access map->value', { reg: regno });
      checkHelperMem(env, st, regno, map.valueSize, write, false, raw);
      break;
    }
    case 'ARG_PTR_TO_MEM':
      if (has(a, 'MEM_FIXED_SIZE')) {
        checkHelperMem(env, st, regno, a.size ?? 0, write, false, raw);
        if (has(a, 'MEM_ALIGNED') && r.type === 'stack') {
          const off = r.off + Number(BigInt.asIntN(64, r.v.var.value));
          if (off % (a.size ?? 1) !== 0) reject('stack-misaligned', `misaligned stack access off ${r.v.var.value}+${r.off}+0 size ${a.size}`);
        }
      }
      break;
    case 'ARG_CONST_SIZE':
    case 'ARG_CONST_SIZE_OR_ZERO': {
      const prev = args[i - 1];
      const umax = checkMemSize(env, st, regno, has(prev, 'MEM_WRITE'), a.base === 'ARG_CONST_SIZE_OR_ZERO', has(prev, 'MEM_UNINIT'));
      meta.msizeMax = umax;
      break;
    }
    case 'ARG_CONST_ALLOC_SIZE_OR_ZERO':
      if (r.type !== 'scalar' || !tnumIsConst(r.v.var)) reject('helper-arg-type', `R${regno} is not a known constant'`, { reg: regno });
      meta.memSize = r.v.var.value;
      needPrecise(env, regno);
      break;
    case 'ARG_PTR_TO_SPIN_LOCK':
    case 'ARG_PTR_TO_TIMER': {
      const map = env.maps[(r as PtrReg & { map: number }).map];
      const what = a.base === 'ARG_PTR_TO_TIMER' ? 'bpf_timer' : 'bpf_spin_lock';
      reject('helper-arg-type', `map '${map?.name ?? ''}' has to have BTF in order to use ${what}`, { reg: regno });
      break;
    }
    case 'ARG_PTR_TO_CONST_STR': {
      const map = env.maps[(r as PtrReg & { map: number }).map];
      if (!map || !(map.flags & (1 << 7))) reject('helper-arg-type', `R${regno} does not point to a readonly map'`, { reg: regno });
      reject('unsupported', `R${regno}: constant strings in frozen read-only maps are not modelled`, { reg: regno });
      break;
    }
    case 'ARG_PTR_TO_DYNPTR':
      // No dynptr is ever initialised here: creating one needs a helper eBPF Studio does not model.
      if (has(a, 'OBJ_RELEASE')) reject('helper-arg-type', `arg ${regno} is an unacquired reference`, { reg: regno });
      if (!has(a, 'MEM_UNINIT')) reject('helper-arg-type', `Expected an initialized dynptr as arg #${i}`, { reg: regno });
      reject('unsupported', `${helperName(proto.id)}: dynptrs are not modelled by eBPF Studio`, { reg: regno });
      break;
    case 'ARG_PTR_TO_FUNC':
      meta.subprog = (r as PtrReg & { subprog: number }).subprog;
      break;
    case 'ARG_PTR_TO_BTF_ID':
      if (r.type === 'btf_ptr' && BTF_ARGS[proto.id] !== undefined) {
        if (r.struct !== BTF_ARGS[proto.id]) reject('helper-arg-type', `R${regno} is of type ${r.struct} but ${BTF_ARGS[proto.id]} is expected`, { reg: regno, helper: proto.id, arg: i });
        break;
      }
      reject('unsupported', `${helperName(proto.id)}: this kind of argument (${a.text}) is not modelled by eBPF Studio`, { reg: regno });
      break;
    case 'ARG_KPTR_XCHG_DEST':
      reject('unsupported', `${helperName(proto.id)}: this kind of argument (${a.text}) is not modelled by eBPF Studio`, { reg: regno });
      break;
    default:
      break;
  }
}

/** check_func_arg_reg_off. */
function checkArgRegOff(r: PtrReg, regno: number, a: HelperArg): void {
  if (has(a, 'OBJ_RELEASE')) {
    if (r.off) reject('helper-release', `R${regno} must have zero offset when passed to release func or trusted arg to kfunc`, { reg: regno });
    checkPtrOffReg(r, regno, false);
    return;
  }
  switch (r.type) {
    case 'stack': case 'packet': case 'packet_meta': case 'map_key': case 'map_value': case 'mem':
      return;
    default:
      checkPtrOffReg(r, regno, false);
  }
}

function pktAccessOk(env: Env): boolean {
  return env.progType === 'xdp' || env.progType === 'sched_cls' || env.progType === 'sched_act' || env.progType === 'cgroup_skb';
}

/** Every register holding this reference becomes invalid (release_reference). */
function releaseReference(env: Env, st: VState, refObjId: number, at: number): void {
  const idx = st.refs.findIndex((r) => r.id === refObjId);
  if (idx < 0) reject('helper-release', `verifier internal error: release of unknown reference id=${refObjId}`);
  st.refs.splice(idx, 1);
  mapAllRegs(st, (r) => (isPointer(r) && r.refObjId === refObjId ? (env.allowPtrLeaks ? unknownScalar(at) : notInit(at)) : r));
}

/** record_func_map / record_func_key: read-only maps and tail-call maps. */
function recordFuncMap(env: Env, meta: CallMeta, id: number): void {
  const m = meta.map !== undefined ? env.maps[meta.map] : undefined;
  if (m && m.flags & (1 << 7) && [2, 3, 87, 88].includes(id)) reject('helper-map-compat', 'write into map forbidden', { helper: id });
  if (id === 12 && m?.type !== 'prog_array') reject('helper-map-compat', 'expected prog array map for tail call', { helper: id });
}

function checkMapCompat(env: Env, map: number | undefined, id: number): void {
  if (map === undefined) return;
  const m = env.maps[map];
  if (!m) return;
  const name = helperName(id) ?? `bpf_${HELPER_NAMES[id] ?? 'unknown'}`;
  const err = (): never => reject('helper-map-compat', `cannot pass map_type ${MAP_TYPE_NUM[m.type] ?? 0} into func ${name}#${id}`, { helper: id });
  const allows = MAP_ALLOWS[m.type];
  if (allows && !allows.includes(id)) err();
  const needs = HELPER_NEEDS[id];
  if (needs && needs.length > 0 && !needs.includes(m.type)) err();
  if (needs && needs.length === 0 && (id === 33 || id === 37 || id === 51 || id === 81)) err();
}

/**
 * Helpers a loader without CAP_BPF and CAP_PERFMON may call (bpf_base_func_proto's first group),
 * plus the socket and cgroup-skb ones those program types add.
 */
const UNPRIVILEGED_BASE = new Set([1, 2, 3, 5, 7, 8, 12, 42, 87, 88, 89, 125, 130, 131, 132, 133, 134, 164, 181, 182, 195, 197, 198, 199, 200, 201, 202, 203, 208]);
const UNPRIVILEGED_EXTRA: Partial<Record<string, readonly number[]>> = {
  socket_filter: [25, 26, 46, 47, 68, 160],
  cgroup_skb: [25, 26, 46, 47, 68, 160, 79, 81, 83, 84, 85, 86, 95, 96, 97, 98, 99, 107, 108, 122, 128, 129],
};

function unprivilegedAllows(env: Env, id: number): boolean {
  return UNPRIVILEGED_BASE.has(id) || (UNPRIVILEGED_EXTRA[env.progType]?.includes(id) ?? false);
}

/** check_helper_call. */
export function checkHelperCall(env: Env, st: VState, insn: Insn, at: number): void {
  const id = insn.imm;
  if (id < 0 || id >= HELPER_NAMES.length) reject('helper-unknown', `invalid func unknown#${id}`, { helper: id });
  const name = id === 0 ? 'bpf_unspec' : helperName(id)!;
  const proto = helperProto(id);
  if (!proto || !proto.progTypes.includes(env.progType) || (!env.privileged && !unprivilegedAllows(env, id))) {
    reject('helper-not-allowed', `program of this type cannot use helper ${name}#${id}`, { helper: id });
  }
  if (!env.gplCompatible && proto.gplOnly) reject('helper-other', 'cannot call GPL-restricted function from non-GPL compatible program', { helper: id });
  if (proto.mightSleep) reject('helper-other', 'helper call might sleep in a non-sleepable prog', { helper: id });
  const meta: CallMeta = { refObjId: 0, releaseRegno: 0, constMapKey: -1n, memSize: 0n, msizeMax: 0n };
  const args = helperArgs(proto, env.progType);
  for (let i = 0; i < args.length; i++) checkArg(env, st, proto, args, i, meta);
  recordFuncMap(env, meta, id);
  if (meta.releaseRegno) {
    const r = getReg(st, meta.releaseRegno);
    if (isPointer(r) && r.refObjId) releaseReference(env, st, r.refObjId, at);
  }
  if (meta.subprog !== undefined) scheduleCallback(env, st, id, meta.subprog, at);
  if (id === 173 && env.progType !== 'kprobe') {
    reject('helper-other', `func ${name}#${id} not supported for program type ${PROG_TYPE_IDS[env.progType]}`, { helper: id });
  }
  for (let r = 0; r <= 5; r++) setReg(st, r, notInit(at));
  setReturn(env, st, proto, meta, at);
  checkMapCompat(env, meta.map, id);
  if (CHANGES_PKT_DATA.has(id)) clearPacketPointers(env, st, at);
}

function setReturn(env: Env, st: VState, proto: HelperProto, meta: CallMeta, at: number): void {
  switch (proto.ret) {
    case 'RET_INTEGER': {
      const v = scalarUnknown();
      if ([67, 141, 45, 115, 114].includes(proto.id)) {
        v.smax = meta.msizeMax;
        v.s32max = meta.msizeMax;
        v.smin = -MAX_ERRNO;
        v.s32min = -MAX_ERRNO;
        syncInPlace(v);
      } else if (proto.id === 8) {
        const n = BigInt(env.nrCpus - 1);
        Object.assign(v, { umin: 0n, umax: n, u32min: 0n, u32max: n, smin: 0n, smax: n, s32min: 0n, s32max: n });
        syncInPlace(v);
      }
      setReg(st, 0, { type: 'scalar', v, id: 0, at });
      return;
    }
    case 'RET_VOID':
      setReg(st, 0, notInit(at));
      return;
    case 'RET_PTR_TO_MAP_VALUE':
    case 'RET_PTR_TO_MAP_VALUE_OR_NULL': {
      const map = meta.map!;
      const m = env.maps[map];
      let nullable = proto.ret === 'RET_PTR_TO_MAP_VALUE_OR_NULL';
      if (proto.id === 1 && m && (m.type === 'array' || m.type === 'percpu_array') && meta.constMapKey >= 0n && meta.constMapKey < BigInt(m.maxEntries)) {
        nullable = false;
      }
      setReg(st, 0, { type: 'map_value', map, nullable, ...ptrBase(at, nullable ? env.newId() : 0) });
      if (nullable) env.uncheckedLookups.add(at);
      return;
    }
    case 'RET_PTR_TO_SOCKET_OR_NULL':
    case 'RET_PTR_TO_TCP_SOCK_OR_NULL':
    case 'RET_PTR_TO_SOCK_COMMON_OR_NULL': {
      const kind = proto.ret === 'RET_PTR_TO_SOCKET_OR_NULL' ? 'sock' : proto.ret === 'RET_PTR_TO_TCP_SOCK_OR_NULL' ? 'tcp_sock' : 'sock_common';
      if (proto.acquires) {
        const rid = acquire(env, st, at, 'sock');
        setReg(st, 0, { type: 'sock', kind, nullable: true, ...ptrBase(at, rid, rid) });
      } else {
        setReg(st, 0, { type: 'sock', kind, nullable: true, ...ptrBase(at, env.newId(), meta.refObjId) });
      }
      return;
    }
    case 'RET_PTR_TO_RINGBUF_MEM_OR_NULL': {
      const rid = acquire(env, st, at, 'ringbuf');
      setReg(st, 0, { type: 'mem', size: Number(meta.memSize), ringbuf: true, rdonly: false, nullable: true, ...ptrBase(at, rid, rid) });
      return;
    }
    case 'RET_PTR_TO_BTF_ID_TRUSTED':
      setReg(st, 0, { type: 'btf_ptr', struct: BTF_RETURNS[proto.id] ?? 'unknown', trusted: true, nullable: false, ...ptrBase(at) });
      return;
    default:
      reject('unsupported', `${helperName(proto.id)} returns a BTF-typed kernel pointer, which eBPF Studio does not model`);
  }
}

function acquire(env: Env, st: VState, at: number, kind: 'ringbuf' | 'sock'): number {
  const id = env.newId();
  st.refs.push({ id, insn: at, kind });
  return id;
}

/** After a helper that may move the packet, every packet pointer is stale (clear_all_pkt_pointers). */
function clearPacketPointers(env: Env, st: VState, at: number): void {
  mapAllRegs(st, (r) => (r.type === 'packet' || r.type === 'packet_meta' || r.type === 'packet_end' ? (env.allowPtrLeaks ? unknownScalar(at) : notInit(at)) : r));
}

/** check_func_call: a bpf-to-bpf call pushes a frame; r1-r5 go to the callee. Returns the callee's first insn. */
export function checkLocalCall(env: Env, st: VState, insn: Insn, idx: number): number {
  const target = idx + insn.imm + 1;
  const subprog = env.cfg.subprogs.indexOf(target);
  if (subprog < 0) reject('helper-other', `verifier bug. No program starts at insn ${target}`);
  if (st.frames.length >= MAX_CALL_FRAMES) {
    reject('call-depth', `the call stack of ${st.frames.length + 1} frames is too deep`, { other: target });
  }
  const caller = curFrame(st);
  const callee = newFrame(st.frames.length, idx, subprog);
  for (let r = 1; r <= 5; r++) callee.regs[r] = caller.regs[r];
  for (let r = 0; r <= 5; r++) caller.regs[r] = notInit(idx);
  st.frames.push(callee);
  return target;
}

/** prepare_func_exit: r0 goes back to the caller (a callback goes back to its helper call). Returns the instruction to continue at. */
export function exitLocalCall(env: Env, st: VState): number {
  const callee = curFrame(st);
  const r0 = callee.regs[0];
  if (r0.type === 'stack') reject('return-value', 'cannot return stack pointer to the caller', { reg: 0 });
  if (callee.callback) return exitCallback(env, st);
  st.frames.pop();
  curFrame(st).regs[0] = r0;
  return callee.callsite + 1;
}

/** check_reference_leak + check_return_code at the main program's exit. */
export function checkMainExit(env: Env, st: VState): void {
  if (st.refs.length > 0) {
    const lines = st.refs.map((r) => `Unreleased reference id=${r.id} alloc_insn=${r.insn}`);
    lines.push('BPF_EXIT instruction in main prog would lead to reference leak');
    reject('unreleased-ref', lines, { other: st.refs[st.refs.length - 1].insn });
  }
  const r0 = readReg(st, 0);
  if (isPointerValue(env, r0)) reject('pointer-leak', 'R0 leaks addr as return value', { reg: 0 });
  if (env.progType !== 'cgroup_skb') return;
  if (r0.type !== 'scalar') reject('return-value', `At program exit the register R0 is not a known value (${regTypeName(r0)})`, { reg: 0 });
  if (r0.v.smin < 0n || r0.v.smax > 1n) reject('return-value', outOfRangeText('At program exit', r0.v, 0n, 1n), { reg: 0 });
}

/** Program types whose functions get a private stack when they use this much (bpf_enable_priv_stack). */
const PRIV_STACK_TYPES: ReadonlySet<string> = new Set(['kprobe', 'tracepoint', 'perf_event', 'raw_tracepoint']);
const PRIV_STACK_MIN_SIZE = 64;

/**
 * check_max_stack_depth: the deepest chain of frames must fit in 512 bytes (rounded per frame as
 * the JIT does). In tracing programs without tail calls the x86-64 JIT gives every function using
 * 64 bytes or more a private stack, which does not count toward the chain.
 */
export function checkStackDepth(env: Env): void {
  const round = (d: number): number => Math.ceil(d / 16) * 16;
  const hasTailCall = env.insns.some((i) => i.opcode === 0x85 && i.src === 0 && i.imm === 12);
  const privStack = PRIV_STACK_TYPES.has(env.progType) && !hasTailCall;
  const calls = env.cfg.subprogs.map((start, i) => {
    const end = env.cfg.subprogs[i + 1] ?? env.insns.length;
    const out: number[] = [];
    for (let t = start; t < end; t++) {
      const insn = env.insns[t];
      // A callback's address load counts as a call to it: its frame sits on top of the loader's.
      if ((insn.opcode === 0x85 && insn.src === 1) || (insn.opcode === 0x18 && insn.src === 4)) out.push(env.cfg.subprogs.indexOf(t + insn.imm + 1));
    }
    return out;
  });
  // Depth-first over the (acyclic, checked by the CFG walk) call graph, bounded by frames.
  const visit = (sp: number, depth: number, frames: number): void => {
    // The kernel counts frames from 0 here.
    if (frames > MAX_CALL_FRAMES) reject('call-depth', `the call stack of ${frames - 1} frames is too deep !`);
    const own = round(env.stackDepth[sp] ?? 0);
    let d = depth;
    if (privStack && own >= PRIV_STACK_MIN_SIZE) {
      if (own > MAX_BPF_STACK) reject('stack-depth', `stack size of subprog ${sp} is ${own}. Too large`);
    } else {
      d += own;
      if (d > MAX_BPF_STACK) reject('stack-depth', `combined stack size of ${frames} calls is ${d}. Too large`);
    }
    for (const callee of calls[sp]) if (callee >= 0) visit(callee, d, frames + 1);
  };
  visit(0, 0, 1);
}

/** A bpf-to-bpf call: only loaders with CAP_BPF may make them. Returns the callee's first instruction. */
export function checkLocalCallAt(env: Env, st: VState, insn: Insn, idx: number): number {
  if (!env.privileged) reject('unsupported', 'function calls to other bpf functions are allowed for CAP_BPF');
  return checkLocalCall(env, st, insn, idx);
}

/** BPF_EXIT: leave a subprogram, or end the path with the main program's exit checks (-1). */
export function checkExit(env: Env, st: VState): number {
  if (st.frames.length > 1) return exitLocalCall(env, st);
  checkMainExit(env, st);
  return -1;
}
