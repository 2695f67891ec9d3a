// Map reads, writes and aggregations. Keys are built on the stack in the map's key layout;
// values are read through bpf_map_lookup_elem (a missing key reads as zero, as in bpftrace) and
// written with bpf_map_update_elem, or updated in place when the key is already there.
import type { Range } from '../../core/types';
import type * as A from '../ast';
import { CompileError, unsupported } from './errors';
import { off, type Gen, type Mem } from './gen';
import { isWord, storageSize, tupleOffsets } from './layout';
import { AGG_VALUE, type MapPlan } from './maps';

/**
 * Builds the key of `map` from `keys` (or one tuple expression holding them all) on the stack,
 * with `extra` spare bytes after it (the hist bucket). Returns its r10 offset.
 */
export function buildKey(g: Gen, map: MapPlan, keys: A.Expr[] | undefined, range: Range, extra = 0): number {
  const at = g.tmp(map.keySize + extra, range, `the key of ${map.name}`);
  const given = keys ?? [];
  if (map.keys.length === 0) {
    if (given.length) throw new CompileError(range, `${map.name} has no keys.`, 'probe.compile-map');
    g.ins(`*(u64 *)(r10 ${off(at)}) = 0`, `${map.name} has no key`);
    return at;
  }
  if (given.length === 1 && map.keys.length > 1) {
    // delete(@m, (k1, k2)): a tuple laid out like the key.
    g.store(given[0]!, { kind: 'tuple', elems: map.keys }, at);
    return at;
  }
  if (given.length !== map.keys.length) throw new CompileError(range, `${map.name} takes ${map.keys.length} key(s).`, 'probe.compile-map');
  const offs = tupleOffsets(map.keys);
  given.forEach((k, i) => g.store(k, map.keys[i]!, at + offs[i]!));
  return at;
}

function requireKeys(map: MapPlan, e: A.MapRef): void {
  if (map.keys.length > 0 && !e.keys) throw new CompileError(e.range, `${map.name} has keys: read one element with ${map.name}[key].`, 'probe.compile-map');
}

/** The integer value of @m[k] on this CPU (0 when absent). */
export function mapReadInt(g: Gen, e: A.MapRef): number {
  const map = g.map(e.name, e.range);
  requireKeys(map, e);
  if (map.agg === 'hist' || map.agg === 'lhist' || map.agg === 'stats') throw unsupported(e.range, `Reading a ${map.agg}() map as a value`);
  if (!map.agg && !isWord(map.value)) throw new CompileError(e.range, `${map.name} holds ${map.value.kind} values, not integers.`, 'probe.compile-type');
  const key = buildKey(g, map, e.keys, e.range);
  g.mapCall('map_lookup_elem', map.sym, key);
  const r = g.acquire(e.range);
  const miss = g.label('absent');
  g.ins(`r${r} = 0`);
  g.ins(`if r0 == 0 goto ${miss}`);
  if (map.agg === 'avg') {
    g.ins(`r${r} = *(u64 *)(r0 + 8)`, 'total');
    g.ins('r1 = *(u64 *)(r0 + 0)', 'count');
    g.ins(`r${r} /= r1`);
  } else {
    g.ins(`r${r} = *(u64 *)(r0 + 0)`, map.name);
  }
  g.place(miss);
  return r;
}

/** The value of @m[k] copied to the stack (zeros when absent). */
export function mapReadMem(g: Gen, e: A.MapRef): Mem {
  const map = g.map(e.name, e.range);
  const size = storageSize(map.value);
  if (map.agg || size === undefined) throw new CompileError(e.range, `${map.name} does not hold a string or tuple.`, 'probe.compile-type');
  const at = g.tmp(size, e.range, `a copy of ${map.name}'s value`);
  mapReadInto(g, e, at, size);
  return { off: at, size };
}

/** Copies the value of @m[k] to r10 + at (`size` bytes: the common part, then zeros). */
export function mapReadInto(g: Gen, e: A.MapRef, at: number, size: number): void {
  const map = g.map(e.name, e.range);
  requireKeys(map, e);
  const have = storageSize(map.value);
  if (map.agg || have === undefined) throw new CompileError(e.range, `${map.name} does not hold a string or tuple.`, 'probe.compile-type');
  const key = buildKey(g, map, e.keys, e.range);
  const n = Math.min(size, have);
  g.mapCall('map_lookup_elem', map.sym, key);
  const miss = g.label('absent');
  const end = g.label('read');
  g.ins(`if r0 == 0 goto ${miss}`);
  g.copy(at, 'r0', 0, n);
  if (size > n) g.zero(at + n, size - n);
  g.ins(`goto ${end}`);
  g.place(miss);
  g.zero(at, size);
  g.place(end);
}

/** @m[k] = value (a plain value, not an aggregation). */
export function mapAssign(g: Gen, target: A.MapRef, value: A.Expr): void {
  const map = g.map(target.name, target.range);
  if (map.agg) throw new CompileError(value.range, `${map.name} holds ${map.agg}() values; assign it with ${map.name} = ${map.agg}(...).`, 'probe.compile-map');
  const key = buildKey(g, map, target.keys, target.range);
  const size = map.spec.valueSize;
  const at = g.tmp(size, value.range, `the new value of ${map.name}`);
  g.store(value, map.value, at);
  g.mapUpdate(map.sym, key, at);
}

/**
 * Adds `delta` (a register, or a constant) to the u64 at offset 0 of @m[k]: in place when the
 * key exists, else inserts it. Counts and sums on per-CPU maps need no atomics. Returns the new
 * value's register when `result` is asked for.
 */
function addToMap(g: Gen, map: MapPlan, target: A.MapRef, delta: string, result: boolean): number | undefined {
  const key = buildKey(g, map, target.keys, target.range);
  g.mapCall('map_lookup_elem', map.sym, key);
  const miss = g.label('insert');
  const end = g.label('updated');
  const r = result ? g.acquire(target.range) : undefined;
  const acc = r === undefined ? 'r1' : `r${r}`;
  g.ins(`if r0 == 0 goto ${miss}`);
  g.ins(`${acc} = *(u64 *)(r0 + 0)`);
  g.ins(`${acc} += ${delta}`);
  g.ins(`*(u64 *)(r0 + 0) = ${acc}`);
  g.ins(`goto ${end}`);
  g.place(miss);
  const val = g.tmp(map.spec.valueSize, target.range, `the first value of ${map.name}`);
  if (map.spec.valueSize > 8) g.zero(val + 8, map.spec.valueSize - 8);
  g.ins(`${acc} = ${delta}`);
  g.ins(`*(u64 *)(r10 ${off(val)}) = ${acc}`);
  g.mapUpdate(map.sym, key, val);
  g.place(end);
  return r;
}

/** @m[k]++ and friends: the map's value (or its count) changes by `delta`. */
export function mapIncDec(g: Gen, target: A.MapRef, delta: number, prefix: boolean): number {
  const map = g.map(target.name, target.range);
  if (map.agg && map.agg !== 'count' && map.agg !== 'sum') throw new CompileError(target.range, `${map.name} holds ${map.agg}() values.`, 'probe.compile-map');
  const r = addToMap(g, map, target, String(delta), true)!;
  if (!prefix) g.ins(`r${r} += ${-delta}`, 'the old value');
  return r;
}

const COMPOUND: Record<string, string> = {
  '+=': '+=', '-=': '-=', '*=': '*=', '/=': '/=', '%=': '%=', '&=': '&=', '|=': '|=', '^=': '^=', '<<=': '<<=', '>>=': '>>=',
};

/** @m[k] OP= value. */
export function mapCompound(g: Gen, s: A.AssignStmt & { target: A.MapRef }): void {
  const map = g.map(s.target.name, s.target.range);
  if (map.agg && map.agg !== 'count' && map.agg !== 'sum') throw new CompileError(s.range, `${map.name} holds ${map.agg}() values.`, 'probe.compile-map');
  if (!map.agg && !isWord(map.value)) throw new CompileError(s.range, `${map.name} holds ${map.value.kind} values.`, 'probe.compile-type');
  const v = g.int(s.value);
  if (s.op === '+=' || s.op === '-=') {
    if (s.op === '-=') g.ins(`r${v} = -r${v}`);
    addToMap(g, map, s.target, `r${v}`, false);
    g.release(v);
    return;
  }
  // Other operators read the old value (0 when absent) and write the result back.
  const key = buildKey(g, map, s.target.keys, s.target.range);
  g.mapCall('map_lookup_elem', map.sym, key);
  const miss = g.label('absent');
  g.ins('r1 = 0');
  g.ins(`if r0 == 0 goto ${miss}`);
  g.ins('r1 = *(u64 *)(r0 + 0)');
  g.place(miss);
  const op = COMPOUND[s.op]!;
  g.ins(`r1 ${op} r${v}`);
  const val = g.tmp(map.spec.valueSize, s.range, `the new value of ${map.name}`);
  if (map.spec.valueSize > 8) g.zero(val + 8, map.spec.valueSize - 8);
  g.ins(`*(u64 *)(r10 ${off(val)}) = r1`);
  g.mapUpdate(map.sym, key, val);
  g.release(v);
}

// ------------------------------------------------------------------ aggregations

/**
 * Computes the hist() bucket of the value in `x` into r2: 0 below zero, 1 for zero, 2 + log2(x)
 * above. With k sub-bucket bits (N = 2^k buckets per power of two), values below 2N get a bucket
 * each (x + 1); above, with p = floor(log2(x)) and the power p - k, the bucket is
 * ((p - k + 1) << k) + (x >> (p - k)) - N + 1, as bpftrace numbers them.
 */
function log2Bucket(g: Gen, x: string, k: number): void {
  if (k > 0) {
    log2SubBucket(g, x, k);
    return;
  }
  const done = g.label('bucket');
  g.ins('r2 = 0', 'bucket (..., 0)');
  g.ins(`if ${x} s< 0 goto ${done}`);
  g.ins('r2 = 1', 'bucket [0]');
  g.ins(`if ${x} == 0 goto ${done}`);
  g.ins(`r1 = ${x}`);
  g.ins('r2 = 2', 'then 2 + floor(log2(x))');
  for (const s of [32, 16, 8, 4, 2, 1]) {
    const skip = g.label('log2');
    g.ins('r3 = r1');
    g.ins(`r3 >>= ${s}`);
    g.ins(`if r3 == 0 goto ${skip}`);
    g.ins('r1 = r3');
    g.ins(`r2 += ${s}`);
    g.place(skip);
  }
  g.place(done);
}

function log2SubBucket(g: Gen, x: string, k: number): void {
  const n = 1 << k;
  const done = g.label('bucket');
  g.ins('r2 = 0', 'bucket (..., 0)');
  g.ins(`if ${x} s< 0 goto ${done}`);
  g.ins(`r2 = ${x}`, `values below ${2 * n} have a bucket each: x + 1`);
  g.ins('r2 += 1');
  g.ins(`if ${x} < ${2 * n} goto ${done}`);
  g.ins(`r1 = ${x}`);
  g.ins('r2 = 0', 'p = floor(log2(x))');
  for (const s of [32, 16, 8, 4, 2, 1]) {
    const skip = g.label('log2');
    g.ins('r3 = r1');
    g.ins(`r3 >>= ${s}`);
    g.ins(`if r3 == 0 goto ${skip}`);
    g.ins('r1 = r3');
    g.ins(`r2 += ${s}`);
    g.place(skip);
  }
  g.ins(`r2 -= ${k}`, 'the power: p - k');
  g.ins(`r1 = ${x}`);
  g.ins('r1 >>= r2', `x >> (p - k): ${n} to ${2 * n - 1}`);
  g.ins(`r1 -= ${n}`, 'the sub-bucket');
  g.ins('r2 += 1');
  g.ins(`r2 <<= ${k}`);
  g.ins('r2 += r1');
  g.ins('r2 += 1');
  g.place(done);
}

/** lhist() bucket into r2: 0 below min, 1 + (x - min) / step inside, buckets + 1 at or above max. */
function linearBucket(g: Gen, x: string, p: { min: number; max: number; step: number }): void {
  const done = g.label('bucket');
  const buckets = Math.floor((p.max - p.min) / p.step);
  g.ins('r2 = 0', `bucket (..., ${p.min})`);
  g.imm('r3', BigInt(p.min));
  g.ins(`if ${x} s< r3 goto ${done}`);
  g.ins(`r2 = ${buckets + 1}`, `bucket [${p.max}, ...)`);
  g.imm('r3', BigInt(p.max));
  g.ins(`if ${x} s>= r3 goto ${done}`);
  g.ins(`r2 = ${x}`);
  g.imm('r3', BigInt(p.min));
  g.ins('r2 -= r3');
  g.ins(`r2 /= ${p.step}`);
  g.ins('r2 += 1');
  g.place(done);
}

/** @m[k] = count() / sum(x) / min(x) / max(x) / avg(x) / stats(x) / hist(x) / lhist(x, ...). */
export function aggUpdate(g: Gen, target: A.MapRef, call: A.Call): void {
  const map = g.map(target.name, target.range);
  const agg = map.agg;
  if (!agg || agg !== call.callee) throw new CompileError(call.range, `${map.name} holds ${agg ? `${agg}()` : 'plain'} values, not ${call.callee}().`, 'probe.compile-map');
  const bucketed = agg === 'hist' || agg === 'lhist';
  const key = buildKey(g, map, target.keys, target.range, bucketed ? 8 : 0);
  const x = agg === 'count' ? undefined : g.int(call.args[0]!);
  const xr = x === undefined ? '' : `r${x}`;
  if (agg === 'hist') log2Bucket(g, xr, map.histBits ?? 0);
  if (agg === 'lhist') linearBucket(g, xr, map.lhist!);
  if (bucketed) g.ins(`*(u64 *)(r10 ${off(key + map.keySize)}) = r2`, 'the bucket, after the key');
  g.mapCall('map_lookup_elem', map.sym, key);
  const miss = g.label('insert');
  const end = g.label('updated');
  g.ins(`if r0 == 0 goto ${miss}`);
  switch (agg) {
    case 'count':
    case 'hist':
    case 'lhist':
      g.ins('r1 = *(u64 *)(r0 + 0)');
      g.ins('r1 += 1');
      g.ins('*(u64 *)(r0 + 0) = r1');
      break;
    case 'sum':
      g.ins('r1 = *(u64 *)(r0 + 0)');
      g.ins(`r1 += ${xr}`);
      g.ins('*(u64 *)(r0 + 0) = r1');
      break;
    case 'min':
    case 'max': {
      const write = g.label('set');
      g.ins('r1 = *(u64 *)(r0 + 8)', 'set?');
      g.ins(`if r1 == 0 goto ${write}`);
      g.ins('r1 = *(u64 *)(r0 + 0)');
      g.ins(`if r1 ${agg === 'min' ? 's<=' : 's>='} ${xr} goto ${end}`);
      g.place(write);
      g.ins(`*(u64 *)(r0 + 0) = ${xr}`);
      g.ins('r1 = 1');
      g.ins('*(u64 *)(r0 + 8) = r1');
      break;
    }
    case 'avg':
    case 'stats':
      g.ins('r1 = *(u64 *)(r0 + 0)', 'count');
      g.ins('r1 += 1');
      g.ins('*(u64 *)(r0 + 0) = r1');
      g.ins('r1 = *(u64 *)(r0 + 8)', 'total');
      g.ins(`r1 += ${xr}`);
      g.ins('*(u64 *)(r0 + 8) = r1');
      break;
    default:
      throw unsupported(call.range, `${agg}()`);
  }
  g.ins(`goto ${end}`);
  g.place(miss);
  const val = g.tmp(AGG_VALUE[agg].size, call.range, `the first value of ${map.name}`);
  const first = (at: number, v: string): void => g.ins(`*(u64 *)(r10 ${off(val + at)}) = ${v}`);
  switch (agg) {
    case 'count':
    case 'hist':
    case 'lhist':
      first(0, '1');
      break;
    case 'sum':
      first(0, xr);
      break;
    case 'min':
    case 'max':
      first(0, xr);
      first(8, '1');
      break;
    default:
      first(0, '1');
      first(8, xr);
  }
  g.mapUpdate(map.sym, key, val);
  g.place(end);
  if (x !== undefined) g.release(x);
}

/** delete(@m[k]) / delete(@m, k). Buckets of hist/lhist maps are deleted by user space. */
export function mapDelete(g: Gen, call: A.Call): void {
  const m = call.args[0];
  if (!m || m.kind !== 'Map') throw new CompileError(call.range, 'delete() takes a map element.', 'probe.compile-map');
  const map = g.map(m.name, m.range);
  const keys = call.args.length === 2 ? [call.args[1]!] : m.keys;
  if (map.agg === 'hist' || map.agg === 'lhist') {
    const id = g.env.actions.add({ kind: 'delete_buckets', map: map.name, keySize: map.keySize });
    const key = buildKey(g, map, keys, call.range);
    // The key sits right below the id word: copy it up to follow the id.
    const size = 8 + map.keySize;
    const out = g.tmp(size, call.range, 'the delete request');
    g.ins(`*(u64 *)(r10 ${off(out)}) = ${id}`, `action ${id}: delete every bucket of the key`);
    g.copy(out + 8, 'r10', key, map.keySize);
    emitRecord(g, out, size);
    return;
  }
  const key = buildKey(g, map, keys, call.range);
  g.mapCall('map_delete_elem', map.sym, key);
}

/** bpf_ringbuf_output(&bt_events, r10 + at, size, 0). */
export function emitRecord(g: Gen, at: number, size: number): void {
  g.useMap('bt_events');
  g.ins('r1 = bt_events ll');
  g.ins('r2 = r10');
  g.ins(`r2 += ${at}`);
  g.ins(`r3 = ${size}`);
  g.ins('r4 = 0');
  g.call('ringbuf_output');
}
