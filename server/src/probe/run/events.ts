// Events files: JSON Lines, one probe firing per line, e.g.
//   {"probe": "kprobe:vfs_read", "ts": 1000, "pid": 100, "comm": "bash", "args": [3, 4096, 128], "retval": 4096}
// Every mistake becomes a finding at its line and column; nothing here throws.
import type { Finding } from '../../core/types';
import { probeKind } from '../probes';
import { JsonError, parseJsonLine, type JsonNode } from './json';

/** A number, or a string placed in simulated memory and passed by address. */
export type ScalarArg = bigint | string;

/**
 * Bytes placed in simulated memory and passed by address, with other values' addresses patched
 * in at `pointers`: a kernel object (a struct sock, a request) the generated workload makes.
 * Events files cannot write these. The same `id` is the same object at the same address.
 */
export interface MemoryImage {
  kind: 'image';
  id: string;
  bytes: Uint8Array;
  pointers: { at: number; to: ArgValue }[];
}

/**
 * An argument or return value: a scalar, or a list placed in simulated memory as a
 * NULL-terminated array of 8-byte values (strings by address) and passed by address — an argv —
 * or (generated only) a memory image.
 */
export type ArgValue = ScalarArg | ScalarArg[] | MemoryImage;

export const isImage = (v: unknown): v is MemoryImage => typeof v === 'object' && v !== null && (v as MemoryImage).kind === 'image';

/** Most items a list argument may have. */
const MAX_LIST_ITEMS = 256;

export interface ProbeEvent {
  /** 1-based line in the events file (or index + 1 for events given as objects). */
  line: number;
  /** Canonical attach point: `kprobe:vfs_read`, `tracepoint:syscalls:sys_enter_openat`. */
  probe: string;
  ts: bigint;
  pid: number;
  tid: number;
  uid: number;
  gid: number;
  cpu: number;
  comm: string;
  /** argN values (a list), or tracepoint fields by name (an object). */
  args?: ArgValue[] | Record<string, ArgValue>;
  retval?: ArgValue;
  /** Simulated stacks, innermost frame first, as function names. */
  kstack?: string[];
  ustack?: string[];
}

type InputScalar = number | bigint | string | boolean;

/** An event as a plain object (the CLI and tests may pass these instead of JSONL text). */
export interface EventInput {
  probe: string;
  ts?: number | bigint;
  pid?: number;
  tid?: number;
  uid?: number;
  gid?: number;
  cpu?: number;
  comm?: string;
  args?: (InputScalar | InputScalar[])[] | Record<string, InputScalar | InputScalar[]>;
  retval?: InputScalar | InputScalar[];
  kstack?: string[];
  ustack?: string[];
}

export const MAX_EVENTS = 1_000_000;
export const MAX_CPUS = 256;
/** Six register arguments and 32 on the stack (what the compiler reads). */
const MAX_ARGS = 38;
/** Probe kinds that fire on their own, so events cannot name them. */
const TIMED = new Set(['BEGIN', 'END', 'interval', 'profile']);
const KNOWN_KEYS = ['probe', 'ts', 'pid', 'tid', 'uid', 'gid', 'cpu', 'comm', 'args', 'retval', 'kstack', 'ustack'];

class EventError extends Error {
  constructor(message: string, readonly col: number, readonly endCol?: number) {
    super(message);
  }
}

function finding(line: number, col: number, endCol: number, message: string): Finding {
  return { range: { start: { line, col }, end: { line, col: Math.max(endCol, col + 1) } }, severity: 'error', message, code: 'probe.events' };
}

/** `k:vfs_read` → `kprobe:vfs_read`; undefined when the provider is unknown. */
export function canonicalProbe(name: string): string | undefined {
  const i = name.indexOf(':');
  const provider = i < 0 ? name : name.slice(0, i);
  const kind = probeKind(provider);
  if (!kind) return undefined;
  return i < 0 ? kind.name : `${kind.name}${name.slice(i)}`;
}

function integer(n: JsonNode, what: string, min: bigint, max: bigint): bigint {
  if (n.kind === 'number' && n.int !== undefined) {
    if (n.int < min || n.int > max) throw new EventError(`${what} must be between ${min} and ${max}, not ${n.int}`, n.col);
    return n.int;
  }
  if (n.kind === 'number') throw new EventError(`${what} must be a whole number, not ${n.text}`, n.col);
  throw new EventError(`${what} must be a number`, n.col);
}

function argValue(n: JsonNode, what: string): ArgValue {
  if (n.kind === 'array') {
    if (n.items.length > MAX_LIST_ITEMS) throw new EventError(`${what} has more than ${MAX_LIST_ITEMS} items`, n.items[MAX_LIST_ITEMS]!.col);
    return n.items.map((x, i) => {
      if (x.kind === 'array') throw new EventError(`${what}[${i}] must be a number or a string (lists do not nest)`, x.col);
      return argValue(x, `${what}[${i}]`) as ScalarArg;
    });
  }
  if (n.kind === 'string') return n.value;
  if (n.kind === 'bool') return n.value ? 1n : 0n;
  if (n.kind === 'number') {
    if (n.int === undefined) throw new EventError(`${what} must be a whole number or a string, not ${n.text}`, n.col);
    if (n.int < -(1n << 63n) || n.int >= 1n << 64n) throw new EventError(`${what} does not fit in 64 bits`, n.col);
    return BigInt.asUintN(64, n.int);
  }
  throw new EventError(`${what} must be a number, a string or a list of them`, n.col);
}

function names(n: JsonNode, what: string): string[] {
  if (n.kind !== 'array') throw new EventError(`${what} must be a list of function names`, n.col);
  if (n.items.length > 127) throw new EventError(`${what} has more than 127 frames`, n.col);
  return n.items.map((x, i) => {
    if (x.kind !== 'string' || !x.value) throw new EventError(`${what}[${i}] must be a function name`, x.col);
    return x.value;
  });
}

/** Validates one parsed event. `prevTs` is the default ts. */
function toEvent(node: JsonNode, line: number, prevTs: bigint): ProbeEvent {
  if (node.kind !== 'object') throw new EventError('each line must be one JSON object, like {"probe": "kprobe:vfs_read", "ts": 1000}', node.col);
  const get = (k: string) => node.entries.find((e) => e.key === k)?.value;
  for (const e of node.entries) {
    if (!KNOWN_KEYS.includes(e.key)) {
      throw new EventError(`unknown field "${e.key}": an event has ${KNOWN_KEYS.join(', ')}`, e.keyCol, e.keyCol + e.key.length + 2);
    }
  }
  const p = get('probe');
  if (!p) throw new EventError('the event has no "probe" (like "probe": "kprobe:vfs_read")', node.col);
  if (p.kind !== 'string') throw new EventError('"probe" must be a string like "kprobe:vfs_read"', p.col);
  const probe = canonicalProbe(p.value);
  if (!probe) throw new EventError(`"${p.value}" does not start with a probe type (kprobe:, tracepoint:, uprobe:, ...)`, p.col);
  const kind = probe.split(':')[0]!;
  if (TIMED.has(kind)) throw new EventError(`${kind} probes fire by themselves (BEGIN first, END last, interval/profile by ts); events name the other probes`, p.col);
  if (!probe.includes(':')) throw new EventError(`"${p.value}" needs an attach point after the type, like kprobe:vfs_read`, p.col);
  if (/[*?]/.test(probe)) throw new EventError(`an event names one concrete probe, not a pattern ("${p.value}")`, p.col);
  const tsNode = get('ts');
  const ts = tsNode ? integer(tsNode, '"ts"', 0n, (1n << 63n) - 1n) : prevTs;
  const small = (k: string, dflt: number, max: bigint): number => {
    const n = get(k);
    return n ? Number(integer(n, `"${k}"`, 0n, max)) : dflt;
  };
  const pid = small('pid', 0, 0xffffffffn);
  const cpu = small('cpu', 0, BigInt(MAX_CPUS - 1));
  const ev: ProbeEvent = {
    line,
    probe,
    ts,
    pid,
    tid: small('tid', pid, 0xffffffffn),
    uid: small('uid', 0, 0xffffffffn),
    gid: small('gid', 0, 0xffffffffn),
    cpu,
    comm: pid === 0 ? `swapper/${cpu}` : 'unknown',
  };
  const comm = get('comm');
  if (comm) {
    if (comm.kind !== 'string') throw new EventError('"comm" must be a string (the task name, at most 15 characters are kept)', comm.col);
    ev.comm = comm.value;
  }
  const args = get('args');
  if (args) {
    if (args.kind === 'array') {
      if (args.items.length > MAX_ARGS) throw new EventError(`at most ${MAX_ARGS} arguments: arg0..arg5 are passed in registers, arg6..arg${MAX_ARGS - 1} on the stack`, args.items[MAX_ARGS]!.col);
      ev.args = args.items.map((x, i) => argValue(x, `arg${i}`));
    } else if (args.kind === 'object') {
      ev.args = Object.fromEntries(args.entries.map((e) => [e.key, argValue(e.value, `args.${e.key}`)]));
    } else {
      throw new EventError('"args" must be a list (arg0, arg1, ...) or an object of tracepoint fields', args.col);
    }
  }
  const rv = get('retval');
  if (rv) ev.retval = argValue(rv, '"retval"');
  const ks = get('kstack');
  if (ks) ev.kstack = names(ks, '"kstack"');
  const us = get('ustack');
  if (us) ev.ustack = names(us, '"ustack"');
  return ev;
}

export interface EventsResult {
  events: ProbeEvent[];
  findings: Finding[];
}

/** Reads JSON Lines. Blank lines and lines starting with # or // are skipped. */
export function readEvents(text: string): EventsResult {
  const events: ProbeEvent[] = [];
  const findings: Finding[] = [];
  const lines = text.split('\n');
  let prevTs = 0n;
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!.replace(/\r$/, '');
    const trimmed = line.trim();
    if (!trimmed || trimmed.startsWith('#') || trimmed.startsWith('//')) continue;
    if (events.length >= MAX_EVENTS) {
      findings.push(finding(i, 0, line.length, `more than ${MAX_EVENTS} events; the rest of the file is ignored`));
      break;
    }
    try {
      const ev = toEvent(parseJsonLine(line), i + 1, prevTs);
      if (ev.ts < prevTs) {
        findings.push({ ...finding(i, 0, line.length, `"ts" goes back in time (${ev.ts} after ${prevTs}); events run in file order`), severity: 'warning' });
      }
      prevTs = ev.ts > prevTs ? ev.ts : prevTs;
      events.push(ev);
    } catch (e) {
      if (e instanceof JsonError) findings.push(finding(i, e.col, e.col + 1, `not valid JSON: ${e.message}`));
      else if (e instanceof EventError) findings.push(finding(i, e.col, e.endCol ?? e.col + 1, e.message));
      else throw e;
    }
  }
  return { events, findings };
}

function plainToNode(v: unknown, depth = 0): JsonNode {
  if (depth > 8) return { kind: 'null', col: 0 };
  if (typeof v === 'string') return { kind: 'string', col: 0, value: v };
  if (typeof v === 'boolean') return { kind: 'bool', col: 0, value: v };
  if (typeof v === 'bigint') return { kind: 'number', col: 0, text: v.toString(), int: v };
  if (typeof v === 'number') return Number.isInteger(v) ? { kind: 'number', col: 0, text: String(v), int: BigInt(v) } : { kind: 'number', col: 0, text: String(v) };
  if (Array.isArray(v)) return { kind: 'array', col: 0, items: v.map((x) => plainToNode(x, depth + 1)) };
  if (v && typeof v === 'object') {
    return { kind: 'object', col: 0, entries: Object.entries(v).filter(([, x]) => x !== undefined).map(([key, x]) => ({ key, keyCol: 0, value: plainToNode(x, depth + 1) })) };
  }
  return { kind: 'null', col: 0 };
}

/** Validates events given as objects; findings point at "line" index + 1. */
export function eventsFromObjects(list: readonly EventInput[]): EventsResult {
  const events: ProbeEvent[] = [];
  const findings: Finding[] = [];
  let prevTs = 0n;
  list.slice(0, MAX_EVENTS).forEach((obj, i) => {
    try {
      const ev = toEvent(plainToNode(obj), i + 1, prevTs);
      prevTs = ev.ts > prevTs ? ev.ts : prevTs;
      events.push(ev);
    } catch (e) {
      if (e instanceof EventError) findings.push(finding(i, 0, 1, `event ${i + 1}: ${e.message}`));
      else throw e;
    }
  });
  return { events, findings };
}
