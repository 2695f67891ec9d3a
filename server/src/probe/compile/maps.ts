// The eBPF maps behind a script's @maps, and the internal ones (the event ring buffer, the start
// time, stack traces). Aggregations live in per-CPU hashes as bpftrace keeps them: each CPU
// updates its own copy without atomics and user space adds the copies up when printing.
import type { MapSpec, Range } from '../../core/types';
import type * as A from '../ast';
import { exprChildren } from '../ast';
import type { CheckInfo } from '../checker';
import type { Type } from '../types';
import { CompileError } from './errors';
import { keySize, storageSize } from './layout';

export type Agg = 'count' | 'sum' | 'min' | 'max' | 'avg' | 'stats' | 'hist' | 'lhist';

export interface LhistParams {
  min: number;
  max: number;
  step: number;
}

export interface MapPlan {
  /** As written: `@reads`, `@` for the anonymous map. */
  name: string;
  /** The assembler's name for it. */
  sym: string;
  /** Key types; empty for a map without keys. */
  keys: Type[];
  /** Bytes of the script's key (hist/lhist maps append an 8-byte bucket index to it). */
  keySize: number;
  /** Value type: an aggregation or a plain value. */
  value: Type;
  agg?: Agg;
  lhist?: LhistParams;
  /** hist(n, k): 2^k buckets per power of two (0, the default, is one). */
  histBits?: number;
  spec: MapSpec;
}

/** Value layouts of the aggregations, as offsets into the per-CPU value. */
export const AGG_VALUE: Readonly<Record<Agg, { size: number; doc: string }>> = {
  count: { size: 8, doc: 'u64 count' },
  sum: { size: 8, doc: 's64 sum' },
  min: { size: 16, doc: 's64 value, u64 set' },
  max: { size: 16, doc: 's64 value, u64 set' },
  avg: { size: 16, doc: 'u64 count, s64 total' },
  stats: { size: 16, doc: 'u64 count, s64 total' },
  hist: { size: 8, doc: 'u64 count per (key, bucket)' },
  lhist: { size: 8, doc: 'u64 count per (key, bucket)' },
};

export const EVENTS_MAP = 'bt_events';
export const START_MAP = 'bt_start';
export const STACKS_MAP = 'bt_stacks';
export const STACK_DEPTH = 127;
/** join(): the scratch map its record is built in (16 strings of 1024 bytes do not fit the stack). */
export const JOIN_MAP = 'bt_join';
/** bpftrace's join limits: 16 arguments of up to 1024 bytes (NUL included). */
export const JOIN_ARGS = 16;
export const JOIN_ARG_SIZE = 1024;
export const EVENTS_BYTES = 1 << 18;
export const DEFAULT_MAX_KEYS = 4096;

/** `@reads` → `AT_reads`; `@` → `AT_`. Only [A-Za-z0-9_] survive in either. */
export function mapSymbol(name: string): string {
  return `AT_${name.slice(1)}`;
}

export function internalMapSpecs(): Record<string, MapSpec> {
  return {
    [EVENTS_MAP]: { name: EVENTS_MAP, type: 'ringbuf', keySize: 0, valueSize: 0, maxEntries: EVENTS_BYTES, flags: 0 },
    [START_MAP]: { name: START_MAP, type: 'array', keySize: 4, valueSize: 8, maxEntries: 1, flags: 0 },
    [STACKS_MAP]: { name: STACKS_MAP, type: 'stack_trace', keySize: 4, valueSize: 8 * STACK_DEPTH, maxEntries: 4096, flags: 0 },
    [JOIN_MAP]: { name: JOIN_MAP, type: 'percpu_array', keySize: 4, valueSize: 8 + JOIN_ARGS * JOIN_ARG_SIZE, maxEntries: 1, flags: 0 },
  };
}

function constInt(e: A.Expr | undefined): number | undefined {
  if (!e) return undefined;
  if (e.kind === 'Int') return Number(e.value);
  if (e.kind === 'Unary' && e.op === '-') {
    const v = constInt(e.operand);
    return v === undefined ? undefined : -v;
  }
  return undefined;
}

/** The first key expression number `index` written for map `name`, for messages. */
function keyExpr(ast: A.Program, name: string, index: number): A.Expr | undefined {
  let found: A.Expr | undefined;
  const visit = (e: A.Expr | undefined, depth: number): void => {
    if (!e || found || depth > 100) return;
    if (e.kind === 'Map' && e.name === name && e.keys?.[index]) {
      found = e.keys[index];
      return;
    }
    for (const c of exprChildren(e)) visit(c, depth + 1);
  };
  const stmts = (list: A.Stmt[], depth: number): void => {
    for (const s of list) {
      if (found || depth > 64) return;
      if (s.kind === 'Assign') {
        visit(s.target, depth);
        visit(s.value, depth);
      } else if (s.kind === 'ExprStmt') visit(s.expr, depth);
      else if (s.kind === 'If') {
        visit(s.cond, depth);
        stmts(s.then.stmts, depth + 1);
        if (s.else) stmts(s.else.kind === 'If' ? [s.else] : s.else.stmts, depth + 1);
      } else if (s.kind === 'While' || s.kind === 'Unroll' || s.kind === 'For') stmts(s.body.stmts, depth + 1);
      else if (s.kind === 'Block') stmts(s.stmts, depth + 1);
    }
  };
  for (const p of ast.probes) stmts(p.body.stmts, 0);
  return found;
}

/** Sub-bucket bits hist() accepts (bpftrace allows 0 to 5). */
export const MAX_HIST_BITS = 5;

/** Every `@m = hist(n, k)` in the script, by map name: k, or undefined when it is not a constant 0..5. */
function histUses(ast: A.Program): Map<string, { bits: number | undefined; range: Range }[]> {
  const out = new Map<string, { bits: number | undefined; range: Range }[]>();
  const visitStmts = (stmts: A.Stmt[], depth: number): void => {
    if (depth > 64) return;
    for (const s of stmts) {
      if (s.kind === 'Assign' && s.target.kind === 'Map' && s.value.kind === 'Call' && s.value.callee === 'hist') {
        const k = s.value.args[1] ? constInt(s.value.args[1]) : 0;
        const bits = k !== undefined && Number.isInteger(k) && k >= 0 && k <= MAX_HIST_BITS ? k : undefined;
        const list = out.get(s.target.name) ?? [];
        list.push({ bits, range: (s.value.args[1] ?? s.value).range });
        out.set(s.target.name, list);
      }
      if (s.kind === 'If') {
        visitStmts(s.then.stmts, depth + 1);
        if (s.else) visitStmts(s.else.kind === 'If' ? [s.else] : s.else.stmts, depth + 1);
      } else if (s.kind === 'While' || s.kind === 'Unroll' || s.kind === 'For') visitStmts(s.body.stmts, depth + 1);
      else if (s.kind === 'Block') visitStmts(s.stmts, depth + 1);
    }
  };
  for (const p of ast.probes) visitStmts(p.body.stmts, 0);
  return out;
}

/** Every `@m = lhist(...)` in the script, by map name, so each map gets one set of bounds. */
function lhistUses(ast: A.Program): Map<string, { params: LhistParams | undefined; range: Range }[]> {
  const out = new Map<string, { params: LhistParams | undefined; range: Range }[]>();
  const visitStmts = (stmts: A.Stmt[], depth: number): void => {
    if (depth > 64) return;
    for (const s of stmts) {
      if (s.kind === 'Assign' && s.target.kind === 'Map' && s.value.kind === 'Call' && s.value.callee === 'lhist') {
        const [, mn, mx, st] = s.value.args.map(constInt);
        const params = mn !== undefined && mx !== undefined && st !== undefined ? { min: mn, max: mx, step: st } : undefined;
        const list = out.get(s.target.name) ?? [];
        list.push({ params, range: s.value.range });
        out.set(s.target.name, list);
      }
      if (s.kind === 'If') {
        visitStmts(s.then.stmts, depth + 1);
        if (s.else) visitStmts(s.else.kind === 'If' ? [s.else] : s.else.stmts, depth + 1);
      } else if (s.kind === 'While' || s.kind === 'Unroll' || s.kind === 'For') visitStmts(s.body.stmts, depth + 1);
      else if (s.kind === 'Block') visitStmts(s.stmts, depth + 1);
    }
  };
  for (const p of ast.probes) visitStmts(p.body.stmts, 0);
  return out;
}

function maxKeys(ast: A.Program): number {
  const item = ast.config?.items.find((i) => i.key.toLowerCase().replace(/^bpftrace_/, '') === 'max_map_keys');
  const v = item && item.value.kind === 'Int' ? Number(item.value.value) : undefined;
  return v && v > 0 && v <= 1 << 20 ? v : DEFAULT_MAX_KEYS;
}

/** Plans the maps of a checked script; problems (mixed lhist bounds) come back as errors. */
export function planMaps(ast: A.Program, info: CheckInfo): { maps: MapPlan[]; errors: CompileError[] } {
  const maps: MapPlan[] = [];
  const errors: CompileError[] = [];
  const lh = lhistUses(ast);
  const hu = histUses(ast);
  const entries = maxKeys(ast);
  for (const mi of info.maps.values()) {
    const value = mi.value;
    if (!value || value.kind === 'unknown' || value.kind === 'void') continue;
    const keys = (mi.keys ?? []).map((k) => (k.kind === 'agg' ? ({ kind: 'int', bits: 64, signed: true } as Type) : k));
    const where = mi.firstAssign ?? mi.writes[0] ?? ast.range;
    const bad = keys.findIndex((k) => storageSize(k) === undefined);
    if (bad >= 0) {
      const e = keyExpr(ast, mi.name, bad);
      const what = e?.kind === 'Call' ? `${e.callee}() is not supported as a map key by the eBPF Studio compiler` : `${mi.name} has a key of type ${keys[bad]!.kind} that the compiler cannot store in a map key`;
      errors.push(new CompileError(e?.range ?? where, `${what}.`));
      continue;
    }
    const ks = keySize(keys);
    const plan: MapPlan = { name: mi.name, sym: mapSymbol(mi.name), keys, keySize: ks, value, spec: undefined! };
    let valueSize: number | undefined;
    if (value.kind === 'agg') {
      if (value.agg === 'tseries') {
        errors.push(new CompileError(where, `tseries() (in ${mi.name}) is not supported by the eBPF Studio compiler.`));
        continue;
      }
      plan.agg = value.agg;
      valueSize = AGG_VALUE[value.agg].size;
      if (value.agg === 'lhist') {
        const uses = lh.get(mi.name) ?? [];
        const first = uses.find((u) => u.params)?.params;
        for (const u of uses) {
          if (!u.params) errors.push(new CompileError(u.range, 'lhist() needs constant min, max and step to be compiled.'));
          else if (first && (u.params.min !== first.min || u.params.max !== first.max || u.params.step !== first.step)) {
            errors.push(new CompileError(u.range, `${mi.name} is used with different lhist() bounds; one map keeps one set of min, max and step.`, 'probe.map-type-mismatch'));
          }
        }
        if (!first) continue;
        plan.lhist = first;
      }
      if (value.agg === 'hist') {
        const uses = hu.get(mi.name) ?? [];
        const first = uses.find((u) => u.bits !== undefined)?.bits ?? 0;
        for (const u of uses) {
          if (u.bits === undefined) errors.push(new CompileError(u.range, `hist()'s second argument must be a constant from 0 to ${MAX_HIST_BITS} (sub-buckets per power of two: 2^k).`, 'probe.arg-value'));
          else if (u.bits !== first) errors.push(new CompileError(u.range, `${mi.name} is used with different hist() sub-bucket counts; one map keeps one k.`, 'probe.map-type-mismatch'));
        }
        plan.histBits = first;
      }
    } else {
      valueSize = storageSize(value);
      if (valueSize === undefined) {
        errors.push(new CompileError(where, `${mi.name} holds ${value.kind} values, which the compiler cannot store in a map.`));
        continue;
      }
    }
    const bucketed = plan.agg === 'hist' || plan.agg === 'lhist';
    plan.spec = {
      name: plan.sym,
      type: plan.agg ? 'percpu_hash' : 'hash',
      keySize: ks + (bucketed ? 8 : 0),
      valueSize,
      maxEntries: bucketed ? entries * 8 : entries,
      flags: 0,
      range: where,
    };
    maps.push(plan);
  }
  maps.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  return { maps, errors };
}
