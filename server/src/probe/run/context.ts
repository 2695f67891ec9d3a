// What a program sees when an event fires: its context (pt_regs with the arguments, a tracepoint
// record, raw tracepoint args), pointing at string arguments placed in the process's memory
// (user-memory.ts), where they outlive the event.
import type { CtxInput, ValueInput } from '../../vm';
import type { AttachSpec } from '../compile/sections';
import type { TracepointField } from '../tracepoints';
import { isImage, type ArgValue, type ProbeEvent } from './events';

export interface BuiltContext {
  ctx: CtxInput;
  /** Problems with the event for this probe (reported once per event line). */
  problems: string[];
}

/** Places a string or list in the event's process memory and gives its address; numbers pass through. */
export type Place = (v: ArgValue) => bigint;

/** What one context build places: its values in process memory, and the run's own scratch memory. */
class Inputs {
  readonly memory: NonNullable<CtxInput['memory']> = [];
  constructor(readonly place: Place) {}
  value(v: ArgValue): ValueInput {
    return this.place(v);
  }
}

/** Arguments x86-64 passes in registers. */
const REGISTER_ARGS = 6;

function isPointerField(f: TracepointField): boolean {
  return /\*\s*$/.test(f.type.trim());
}

function writeLE(bytes: Uint8Array, at: number, size: number, v: bigint): void {
  let x = BigInt.asUintN(64, v);
  for (let i = 0; i < size; i++) {
    bytes[at + i] = Number(x & 0xffn);
    x >>= 8n;
  }
}

/** A tracepoint record: fields at their offsets; `__data_loc` strings appended after the fields. */
function tracepointContext(spec: AttachSpec, ev: ProbeEvent, s: Inputs, problems: string[]): CtxInput {
  const fmt = spec.tracepoint!;
  const args = ev.args;
  if (Array.isArray(args)) {
    problems.push(`${spec.name} takes its arguments by field name: "args": {"${fmt.fields[0]?.name ?? 'field'}": ...}`);
    return { tracepointFields: fmt.fields };
  }
  const given = args ?? {};
  const known = new Set(fmt.fields.map((f) => f.name));
  for (const k of Object.keys(given)) {
    if (!known.has(k)) problems.push(`${spec.name} has no field "${k}" (its fields: ${fmt.fields.map((f) => f.name).join(', ')})`);
  }
  const end = Math.max(8, ...fmt.fields.map((f) => f.offset + f.size));
  const body = (end + 7) & ~7;
  // Numbers, inline char arrays and __data_loc strings go straight into the record's bytes;
  // only pointers to strings go into the process's memory.
  const inline: { at: number; bytes: Uint8Array }[] = [];
  const numbers: { f: TracepointField; v: bigint }[] = [];
  const fields: Record<string, ValueInput> = {};
  let dataAt = body;
  for (const f of fmt.fields) {
    const v = given[f.name];
    if (v === undefined) continue;
    if ((Array.isArray(v) || isImage(v)) && !isPointerField(f)) {
      problems.push(`args.${f.name} (${f.type}) is not a pointer, so it cannot be a list`);
    } else if (Array.isArray(v) || isImage(v)) {
      fields[f.name] = s.value(v);
    } else if (f.dataLoc) {
      const bytes = new TextEncoder().encode((typeof v === 'string' ? v : v.toString()) + '\0');
      numbers.push({ f, v: BigInt((bytes.length << 16) | dataAt) });
      inline.push({ at: dataAt, bytes });
      dataAt += bytes.length;
    } else if (typeof v === 'string' && isPointerField(f)) {
      fields[f.name] = s.value(v);
    } else if (typeof v === 'string' && /char\s*\[/.test(f.type)) {
      const bytes = new Uint8Array(f.size);
      bytes.set(new TextEncoder().encode(v).subarray(0, Math.max(0, f.size - 1)));
      inline.push({ at: f.offset, bytes });
    } else if (typeof v === 'string') {
      problems.push(`args.${f.name} (${f.type}) is a number, not a string`);
    } else {
      numbers.push({ f, v });
    }
  }
  const raw = new Uint8Array((dataAt + 7) & ~7);
  for (const { at, bytes } of inline) raw.set(bytes, at);
  for (const { f, v } of numbers) writeLE(raw, f.offset, Math.min(f.size, 8), v);
  // A pseudo field covers the appended data so the record is long enough to hold it.
  const tracepointFields = raw.length > body ? [...fmt.fields, { name: '__data_loc_area', offset: body, size: raw.length - body, signed: false }] : fmt.fields;
  return { tracepointFields, raw, fields };
}

/** Where the simulated stack of a traced function sits (sp points at its return address). */
const RETURN_ADDRESS = 0xffffffff81000000n;

/**
 * pt_regs for a function's arguments: the first six in registers (di, si, dx, cx, r8, r9), the
 * rest on the stack above the return address, as x86-64 passes them; sp points at the stack.
 */
function registerAndStackArgs(args: ArgValue[], s: Inputs, problems: string[]): CtxInput {
  const ctx: CtxInput = { args: args.slice(0, REGISTER_ARGS).map((v) => s.value(v)) };
  const onStack = args.slice(REGISTER_ARGS);
  if (!onStack.length) return ctx;
  const bytes = new Uint8Array(8 * (onStack.length + 1));
  writeLE(bytes, 0, 8, RETURN_ADDRESS);
  onStack.forEach((v, i) => {
    if (typeof v !== 'bigint') problems.push(`arg${REGISTER_ARGS + i} is passed on the stack, where the simulation places numbers only, not ${typeof v === 'string' ? `the string "${v.slice(0, 20)}"` : Array.isArray(v) ? 'a list' : 'an object'}`);
    else writeLE(bytes, 8 * (i + 1), 8, v);
  });
  s.memory.push({ name: 'stack', bytes, writable: false });
  ctx.fields = { sp: '&stack' };
  return ctx;
}

/** The context for running `spec`'s program on `ev`. */
export function buildContext(spec: AttachSpec, ev: ProbeEvent, place: Place): BuiltContext {
  const s = new Inputs(place);
  const problems: string[] = [];
  const k = spec.kind.name;
  let ctx: CtxInput = {};
  if (k === 'tracepoint' && spec.tracepoint) {
    ctx = tracepointContext(spec, ev, s, problems);
  } else if (k === 'rawtracepoint') {
    if (ev.args && !Array.isArray(ev.args)) problems.push(`${k} events take "args" as a list (arg0, arg1, ...), not an object`);
    else if (ev.args) ctx = { args: ev.args.map((v) => s.value(v)) };
  } else if (k === 'kprobe' || k === 'uprobe' || k === 'usdt') {
    if (ev.args && !Array.isArray(ev.args)) problems.push(`${k} events take "args" as a list (arg0, arg1, ...), not an object`);
    else if (ev.args) ctx = registerAndStackArgs(ev.args, s, problems);
  } else if (k === 'kretprobe' || k === 'uretprobe') {
    if (ev.retval !== undefined) ctx = { fields: { ax: s.value(ev.retval) } };
  }
  if (s.memory.length) ctx.memory = s.memory;
  return { ctx, problems };
}
