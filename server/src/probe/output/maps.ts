// Printing a map the way bpftrace 0.17 does: entries sorted (integer-valued maps by value,
// hist/lhist by their total count, avg/stats by their average, the rest by key), per-CPU copies
// added up, hist and lhist drawn as bars 52 characters wide.
import type { MapPlan } from '../compile/maps';
import { storageSize } from '../compile/layout';
import { decodeValue, intValue, jsonEscape, KEY_INDENT, readU64, valueJson, valueText, type Resolver, type Value } from './values';

/** One map entry as the VM holds it: the key, and one value per CPU (one for non-per-CPU maps). */
export interface RawEntry {
  key: Uint8Array;
  values: Uint8Array[];
}

export interface PrintOptions {
  /** Print only the last `top` entries (the largest). 0: all. */
  top?: number;
  /** Divide values by this. */
  div?: number;
}

interface Row {
  key: Value[];
  sortKey: (bigint | string)[];
}

const BAR = 52;

function decodeKey(plan: MapPlan, bytes: Uint8Array, r: Resolver): Row {
  const key: Value[] = [];
  const sortKey: (bigint | string)[] = [];
  let at = 0;
  for (const t of plan.keys) {
    const v = decodeValue(t, bytes, at, r, KEY_INDENT);
    key.push(v);
    // bpftrace sorts integer keys as unsigned 64-bit numbers and strings bytewise.
    sortKey.push(v.kind === 'int' ? BigInt.asUintN(64, readU64(bytes, at)) : valueText(v));
    at += storageSize(t) ?? 8;
  }
  return { key, sortKey };
}

function compareKeys(a: Row, b: Row): number {
  for (let i = 0; i < Math.min(a.sortKey.length, b.sortKey.length); i++) {
    const x = a.sortKey[i]!;
    const y = b.sortKey[i]!;
    if (x === y) continue;
    if (typeof x === 'bigint' && typeof y === 'bigint') return x < y ? -1 : 1;
    const bx = Buffer.from(String(x));
    const by = Buffer.from(String(y));
    return Buffer.compare(bx, by);
  }
  return 0;
}

function keyText(k: Value[]): string {
  return k.length ? `[${k.map(valueText).join(', ')}]` : '';
}

function keyJson(k: Value[]): string {
  return `"${jsonEscape(k.map(valueText).join(','))}"`;
}

function sum(values: Uint8Array[], at: number): bigint {
  let s = 0n;
  for (const v of values) s += readU64(v, at);
  return BigInt.asUintN(64, s);
}

function applyTop<T>(rows: T[], top: number | undefined): T[] {
  return top && rows.length > top ? rows.slice(rows.length - top) : rows;
}

// ------------------------------------------------------------------ word-valued maps

interface WordRow extends Row {
  /** Sortable number, when the map sorts by value. */
  num?: bigint;
  value: Value;
}

function sortsByValue(plan: MapPlan): boolean {
  if (plan.agg) return true;
  const t = plan.value;
  return t.kind === 'int' || t.kind === 'bool';
}

function wordRows(plan: MapPlan, entries: RawEntry[], r: Resolver, div: number): WordRow[] {
  const rows: WordRow[] = [];
  for (const e of entries) {
    const k = decodeKey(plan, e.key, r);
    let num: bigint | undefined;
    let value: Value;
    if (plan.agg === 'count' || plan.agg === 'sum') {
      num = intValue(sum(e.values, 0), plan.value);
      value = { kind: 'int', value: num / BigInt(div) };
    } else if (plan.agg === 'min' || plan.agg === 'max') {
      let best: bigint | undefined;
      for (const v of e.values) {
        if (readU64(v, 8) === 0n) continue;
        const x = BigInt.asIntN(64, readU64(v, 0));
        if (best === undefined || (plan.agg === 'min' ? x < best : x > best)) best = x;
      }
      num = best ?? 0n;
      value = { kind: 'int', value: num / BigInt(div) };
    } else {
      value = decodeValue(plan.value, e.values[0] ?? new Uint8Array(8), 0, r);
      if (value.kind === 'int') {
        num = value.value;
        value = { kind: 'int', value: num / BigInt(div) };
      }
    }
    rows.push({ ...k, num, value });
  }
  rows.sort(compareKeys);
  if (sortsByValue(plan)) rows.sort((a, b) => (a.num! < b.num! ? -1 : a.num! > b.num! ? 1 : 0));
  return rows;
}

/** A keyless count() map prints 0 before its first event, as bpftrace 0.17 does. */
function emptyCount(plan: MapPlan): boolean {
  return plan.agg === 'count' && plan.keys.length === 0;
}

// ------------------------------------------------------------------ hist / lhist

interface HistRow extends Row {
  buckets: Map<number, bigint>;
  total: bigint;
}

function histRows(plan: MapPlan, entries: RawEntry[], r: Resolver): HistRow[] {
  const byKey = new Map<string, HistRow>();
  for (const e of entries) {
    const keyBytes = e.key.subarray(0, plan.keySize);
    const id = Buffer.from(keyBytes).toString('hex');
    let row = byKey.get(id);
    if (!row) {
      row = { ...decodeKey(plan, keyBytes, r), buckets: new Map(), total: 0n };
      byKey.set(id, row);
    }
    const bucket = Number(readU64(e.key, plan.keySize));
    const n = sum(e.values, 0);
    row.buckets.set(bucket, (row.buckets.get(bucket) ?? 0n) + n);
    row.total += n;
  }
  const rows = [...byKey.values()];
  rows.sort(compareKeys);
  rows.sort((a, b) => (a.total < b.total ? -1 : a.total > b.total ? 1 : 0));
  return rows;
}

function powerLabel(power: number): string {
  const suffixes = ['', 'K', 'M', 'G', 'T'];
  const s = Math.min(4, Math.floor(power / 10));
  return `${2 ** (power - s * 10)}${suffixes[s]}`;
}

/** The first value of hist(n, k) bucket number `index` (index ≥ 2^(k+1)): 2^power × (N + sub-bucket). */
function subBucketStart(index: number, k: number): bigint {
  const n = 1 << k;
  const power = (index >> k) - 1;
  return (1n << BigInt(power)) * BigInt(n + (index & (n - 1)));
}

/** That first value as bpftrace labels it: the power's multiples of 1024 as K, M, G, T, P, E. */
function subBucketLabel(index: number, k: number): string {
  const n = 1 << k;
  let power = (index >> k) - 1;
  const decade = Math.min(6, Math.floor(power / 10));
  power -= 10 * decade;
  return `${(1n << BigInt(power)) * BigInt(n + (index & (n - 1)))}${['', 'K', 'M', 'G', 'T', 'P', 'E'][decade]}`;
}

function linearLabel(n: number): string {
  if (n === 0) return '0';
  if (n % 1048576 === 0) return `${n / 1048576}M`;
  if (n % 1024 === 0) return `${n / 1024}K`;
  return String(n);
}

interface Bucket {
  label: string;
  min?: number | bigint;
  max?: number | bigint;
  count: bigint;
}

/** The buckets bpftrace prints: from the first to the last non-empty one. */
function buckets(plan: MapPlan, row: HistRow): Bucket[] {
  const out: Bucket[] = [];
  if (plan.agg === 'hist') {
    const used = [...row.buckets.entries()].filter(([, n]) => n > 0n).map(([i]) => i);
    if (!used.length) return out;
    const lo = Math.min(...used);
    const hi = Math.max(...used);
    const k = plan.histBits ?? 0;
    for (let i = lo; i <= hi; i++) {
      const count = row.buckets.get(i) ?? 0n;
      if (i === 0) out.push({ label: '(..., 0)', max: -1, count });
      else if (k > 0) {
        // Values below 2N (N = 2^k) have a bucket each; above, N buckets per power of two.
        if (i <= 2 << k) out.push({ label: `[${i - 1}]`, min: i - 1, max: i - 1, count });
        else out.push({ label: `[${subBucketLabel(i - 1, k)}, ${subBucketLabel(i, k)})`, min: subBucketStart(i - 1, k), max: subBucketStart(i, k) - 1n, count });
      } else if (i === 1) out.push({ label: '[0]', min: 0, max: 0, count });
      else if (i === 2) out.push({ label: '[1]', min: 1, max: 1, count });
      else out.push({ label: `[${powerLabel(i - 2)}, ${powerLabel(i - 1)})`, min: 1n << BigInt(i - 2), max: (1n << BigInt(i - 1)) - 1n, count });
    }
    return out;
  }
  const p = plan.lhist!;
  const n = Math.floor((p.max - p.min) / p.step);
  const used = [...row.buckets.entries()].filter(([i, c]) => c > 0n && i <= n + 1).map(([i]) => i);
  if (!used.length) return out;
  const lo = Math.min(...used);
  const hi = Math.max(...used);
  for (let i = lo; i <= hi; i++) {
    const count = row.buckets.get(i) ?? 0n;
    if (i === 0) out.push({ label: `(..., ${linearLabel(p.min)})`, max: p.min - 1, count });
    else if (i === n + 1) out.push({ label: `[${linearLabel(p.max)}, ...)`, min: p.max, count });
    else {
      const a = (i - 1) * p.step + p.min;
      out.push({ label: `[${linearLabel(a)}, ${linearLabel(a + p.step)})`, min: a, max: a + p.step - 1, count });
    }
  }
  return out;
}

/** bar width = trunc(count / (float)max * 52), in single-precision float as bpftrace computes it. */
function barWidth(count: bigint, max: bigint): number {
  if (max === 0n) return 0;
  const ratio = Math.fround(Math.fround(Number(count)) / Math.fround(Number(max)));
  return Math.trunc(Math.fround(ratio * BAR));
}

function histLines(bs: Bucket[], div: number, plan: MapPlan): string {
  const max = bs.reduce((m, b) => (b.count > m ? b.count : m), 0n);
  let s = '';
  for (const b of bs) {
    const shown = plan.agg === 'hist' ? b.count / BigInt(div) : b.count;
    s += `${b.label.padEnd(16)}${shown.toString().padStart(8)} |${'@'.repeat(barWidth(b.count, max)).padEnd(BAR)}|\n`;
  }
  return s;
}

function histJson(bs: Bucket[], div: number, plan: MapPlan): string {
  const parts = bs.map((b) => {
    const fields: string[] = [];
    if (b.min !== undefined) fields.push(`"min": ${b.min}`);
    if (b.max !== undefined) fields.push(`"max": ${b.max}`);
    fields.push(`"count": ${plan.agg === 'hist' ? b.count / BigInt(div) : b.count}`);
    return `{${fields.join(', ')}}`;
  });
  return `[${parts.join(', ')}]`;
}

// ------------------------------------------------------------------ avg / stats

interface StatsRow extends Row {
  count: bigint;
  total: bigint;
  average: bigint;
}

function statsRows(plan: MapPlan, entries: RawEntry[], r: Resolver): StatsRow[] {
  const rows: StatsRow[] = entries.map((e) => {
    const count = BigInt.asIntN(64, sum(e.values, 0));
    const total = BigInt.asIntN(64, sum(e.values, 8));
    return { ...decodeKey(plan, e.key, r), count, total, average: count !== 0n ? total / count : 0n };
  });
  rows.sort(compareKeys);
  rows.sort((a, b) => (a.average < b.average ? -1 : a.average > b.average ? 1 : 0));
  return rows;
}

// ------------------------------------------------------------------ entry points

/** The map as bpftrace's text output prints it (ends with a newline; "\n" alone when empty). */
export function formatMapText(plan: MapPlan, entries: RawEntry[], r: Resolver, opts: PrintOptions = {}): string {
  const div = opts.div && opts.div > 0 ? opts.div : 1;
  if (plan.agg === 'hist' || plan.agg === 'lhist') {
    const rows = applyTop(histRows(plan, entries, r), opts.top);
    return rows.map((row) => `${plan.name}${keyText(row.key)}: \n${histLines(buckets(plan, row), div, plan)}`).join('\n') + '\n';
  }
  if (plan.agg === 'avg' || plan.agg === 'stats') {
    let rows = statsRows(plan, entries, r);
    if (plan.agg === 'avg') rows = applyTop(rows, opts.top);
    const lines = rows.map((row) => {
      const v = plan.agg === 'stats' ? `count ${row.count}, average ${row.average}, total ${row.total}` : `${row.average / BigInt(div)}`;
      return `${plan.name}${keyText(row.key)}: ${v}`;
    });
    return lines.join('\n') + '\n\n';
  }
  if (!entries.length && emptyCount(plan)) return `${plan.name}: 0\n`;
  const rows = applyTop(wordRows(plan, entries, r, div), opts.top);
  // bpftrace 0.17 puts no newline between entries whose values are stacks, symbols or addresses.
  const glue = ['stack', 'ksym', 'usym', 'inet'].includes(plan.value.kind) ? '' : '\n';
  return rows.map((row) => `${plan.name}${keyText(row.key)}: ${valueText(row.value)}`).join(glue) + '\n';
}

/** The map as one line of bpftrace's JSON output, or '' when bpftrace prints nothing for it. */
export function formatMapJson(plan: MapPlan, entries: RawEntry[], r: Resolver, opts: PrintOptions = {}): string {
  const div = opts.div && opts.div > 0 ? opts.div : 1;
  const name = `"${jsonEscape(plan.name)}"`;
  const wrap = (type: string, elems: { key: Value[]; json: string }[]): string => {
    const body = plan.keys.length ? `{${elems.map((e) => `${keyJson(e.key)}: ${e.json}`).join(', ')}}` : elems.map((e) => e.json).join(', ');
    return `{"type": "${type}", "data": {${name}: ${body}}}\n`;
  };
  if (plan.agg === 'hist' || plan.agg === 'lhist') {
    const rows = applyTop(histRows(plan, entries, r), opts.top);
    if (!rows.length) return '';
    return wrap('hist', rows.map((row) => ({ key: row.key, json: histJson(buckets(plan, row), div, plan) })));
  }
  if (plan.agg === 'avg' || plan.agg === 'stats') {
    let rows = statsRows(plan, entries, r);
    if (plan.agg === 'avg') rows = applyTop(rows, opts.top);
    if (!rows.length) return '';
    return wrap('stats', rows.map((row) => ({
      key: row.key,
      json: plan.agg === 'stats' ? `{"count": ${row.count}, "average": ${row.average}, "total": ${row.total}}` : `${row.average / BigInt(div)}`,
    })));
  }
  if (!entries.length) return emptyCount(plan) ? `{"type": "map", "data": {${name}: 0}}\n` : '';
  const rows = applyTop(wordRows(plan, entries, r, div), opts.top);
  return wrap('map', rows.map((row) => ({ key: row.key, json: valueJson(row.value) })));
}

export interface SummaryRow {
  key: string[];
  /** The value as bpftrace prints it (hist/lhist: its bucket lines). */
  value: string;
  /** hist/lhist: the buckets bpftrace prints, labelled as it labels them. */
  buckets?: { label: string; count: number }[];
}

/** One row per key, as text: the key's parts and the value as bpftrace would print it. */
export function summarizeMap(plan: MapPlan, entries: RawEntry[], r: Resolver): SummaryRow[] {
  if (plan.agg === 'hist' || plan.agg === 'lhist') {
    return histRows(plan, entries, r).map((row) => {
      const bs = buckets(plan, row);
      return { key: row.key.map(valueText), value: histLines(bs, 1, plan), buckets: bs.map((b) => ({ label: b.label, count: Number(b.count) })) };
    });
  }
  if (plan.agg === 'avg' || plan.agg === 'stats') {
    return statsRows(plan, entries, r).map((row) => ({
      key: row.key.map(valueText),
      value: plan.agg === 'stats' ? `count ${row.count}, average ${row.average}, total ${row.total}` : `${row.average}`,
    }));
  }
  return wordRows(plan, entries, r, 1).map((row) => ({ key: row.key.map(valueText), value: valueText(row.value) }));
}
