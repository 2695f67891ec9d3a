// Function calls: printf and the other user-space actions (records in the event ring buffer),
// str() and friends (helpers), and a clear refusal for each function the simulation cannot do.
import type * as A from '../ast';
import { parseFormat } from '../format';
import type { Type } from '../types';
import { RECORD_HEADER, type ArgSlot } from './actions';
import { commInto, regOffset, stackId } from './builtins';
import { CompileError, unsupported } from './errors';
import { align8 } from './frame';
import { CTX, off, type Gen, type Mem } from './gen';
import { BUFFER_HEADER, elemSize, isWord, storageSize } from './layout';
import { buildKey, emitRecord, mapDelete } from './mapops';
import { EVENTS_MAP, JOIN_ARG_SIZE, JOIN_ARGS, JOIN_MAP } from './maps';
import { symbolAddress } from './symbols';
import { stringEquals } from './strings';
import { typeOf } from './types-util';

// ------------------------------------------------------------------ unsupported functions

const CANNOT = 'which a simulation cannot do';

const REFUSED: Record<string, string> = {
  system: `it runs a shell command on the machine, ${CANNOT}`,
  cat: `it reads a file on the machine, ${CANNOT}`,
  signal: `it sends a signal to a real process, ${CANNOT}`,
  override: `it changes the return value of a real kernel function, ${CANNOT}`,
  pton: 'IP address parsing is not implemented yet',
  percpu_kaddr: 'kernel symbol addresses are not simulated',
  cgroupid: 'cgroup ids of real paths are not simulated',
  cgroup_path: 'cgroup paths are not simulated',
  path: 'it needs the kernel\'s struct path',
  macaddr: 'MAC address formatting is not implemented yet',
  len: 'counting map keys in the program needs map iteration',
  strcontains: 'substring search is not implemented yet',
  skboutput: `it writes packets to a pcap file, ${CANNOT}`,
  socket_cookie: 'sockets are not simulated',
  memcmp: 'memcmp() is not implemented yet',
  errorf: 'errorf() is not implemented yet',
  debugf: `it writes to the kernel trace pipe, ${CANNOT}`,
  unwatch: 'watchpoints are not simulated',
  getopt: 'named options are not implemented yet',
  assert: 'assert() is not implemented yet',
  strftime: 'it is supported only directly as a printf() argument, like printf("%s", strftime("%H:%M:%S", nsecs))',
};

function refuse(e: A.Call): never {
  throw unsupported(e.calleeRange, `${e.callee}()`, REFUSED[e.callee] ? `${REFUSED[e.callee]}.` : '');
}

// ------------------------------------------------------------------ user-space actions

/** strftime(fmt, ns) as a printf argument: the record carries ns, the action the format. */
function strftimeArg(a: A.Expr): { format: string; ns: A.Expr } | undefined {
  if (a.kind !== 'Call' || a.callee !== 'strftime') return undefined;
  const [f, ns] = a.args;
  if (!f || f.kind !== 'Str' || !ns) throw new CompileError(a.range, 'strftime() needs a format string and a time in nanoseconds.', 'probe.compile-printf');
  return { format: f.value, ns };
}

function recordArgs(args: A.Expr[]): { slots: ArgSlot[]; size: number } {
  let at = 8;
  const slots: ArgSlot[] = [];
  for (const a of args) {
    const t = typeOf(a);
    const size = storageSize(t);
    if (size === undefined) throw unsupported(a.range, `Printing a ${t.kind} value`);
    const st = strftimeArg(a);
    slots.push(st ? { type: t, offset: at, strftime: st.format } : { type: t, offset: at });
    at += size;
  }
  return { slots, size: at };
}

function fillRecord(g: Gen, at: number, id: number, args: A.Expr[], slots: ArgSlot[], what: string): void {
  g.ins(`*(u64 *)(r10 ${off(at)}) = ${id}`, what);
  args.forEach((a, i) => g.store(strftimeArg(a)?.ns ?? a, slots[i]!.type, at + slots[i]!.offset));
}

function printf(g: Gen, e: A.Call): void {
  const fmt = e.args[0];
  if (!fmt || fmt.kind !== 'Str') throw new CompileError(e.range, 'printf() needs a format string literal.', 'probe.compile-printf');
  const parsed = parseFormat(fmt.value);
  const args = e.args.slice(1);
  if (parsed.conversions.length !== args.length) {
    throw new CompileError(e.range, `printf: the format has ${parsed.conversions.length} conversion(s) for ${args.length} argument(s).`, 'probe.compile-printf');
  }
  const { slots, size } = recordArgs(args);
  const id = g.env.actions.add({ kind: 'printf', format: fmt.value, args: slots });
  const at = g.tmp(size, e.range, 'the printf record');
  fillRecord(g, at, id, args, slots, `action ${id}: printf`);
  emitRecord(g, at, size);
}

function intConst(e: A.Expr | undefined, dflt: number): number {
  if (!e) return dflt;
  if (e.kind === 'Int') return Number(e.value);
  throw new CompileError(e.range, 'This must be a constant integer.', 'probe.compile-const');
}

function simpleAction(g: Gen, e: A.Call, id: number, what: string): void {
  const at = g.tmp(8, e.range, `the ${e.callee} record`);
  g.ins(`*(u64 *)(r10 ${off(at)}) = ${id}`, `action ${id}: ${what}`);
  emitRecord(g, at, 8);
}

function wholeMap(g: Gen, e: A.Call): string {
  const m = e.args[0];
  if (!m || m.kind !== 'Map' || m.keys) throw new CompileError(e.range, `${e.callee}() takes a whole map: ${e.callee}(@name).`, 'probe.compile-map');
  g.map(m.name, m.range);
  return m.name;
}

function print(g: Gen, e: A.Call): void {
  const first = e.args[0]!;
  if (first.kind === 'Map' && !first.keys) {
    // A whole map, keyed or not, prints in map format ("@v: 5").
    const map = wholeMap(g, e);
    const id = g.env.actions.add({ kind: 'print_map', map, top: intConst(e.args[1], 0), div: intConst(e.args[2], 1) });
    simpleAction(g, e, id, `print ${map}`);
    return;
  }
  const { slots, size } = recordArgs([first]);
  const id = g.env.actions.add({ kind: 'print_value', arg: slots[0]! });
  const at = g.tmp(size, e.range, 'the print record');
  fillRecord(g, at, id, [first], slots, `action ${id}: print a value`);
  emitRecord(g, at, size);
}

/**
 * join(argv[, sep]): the record (the action id, then JOIN_ARGS strings of JOIN_ARG_SIZE bytes) is
 * built in a per-CPU scratch map value, too big for the stack: each argv[i] is read with
 * probe_read and its string with probe_read_str, as bpftrace does. User space joins the strings
 * up to the first empty one.
 */
function join(g: Gen, e: A.Call): void {
  const sep = e.args[1];
  if (sep && sep.kind !== 'Str') throw new CompileError(sep.range, 'join()\'s separator must be a string literal.', 'probe.compile-const');
  const id = g.env.actions.add({ kind: 'join', separator: sep && sep.kind === 'Str' ? sep.value : ' ' });
  const arr = g.int(e.args[0]!);
  const key = g.tmp(8, e.range, 'the join scratch key');
  const ptr = g.tmp(8, e.range, 'argv[i]');
  const done = g.label('join_done');
  g.ins(`*(u64 *)(r10 ${off(key)}) = 0`);
  g.mapCall('map_lookup_elem', JOIN_MAP, key);
  g.ins(`if r0 == 0 goto ${done}`);
  const v = g.acquire(e.range);
  g.ins(`r${v} = r0`, 'the record, in the scratch map value');
  g.ins(`*(u64 *)(r${v} + 0) = ${id}`, `action ${id}: join`);
  const read = userStrings(g) ? 'probe_read_user' : 'probe_read_kernel';
  for (let i = 0; i < JOIN_ARGS; i++) {
    g.ins('r1 = r10', `argv[${i}]`);
    g.ins(`r1 += ${ptr}`);
    g.ins('r2 = 8');
    g.ins(`r3 = r${arr}`);
    if (i) g.ins(`r3 += ${8 * i}`);
    g.call(read);
    g.ins(`r3 = *(u64 *)(r10 ${off(ptr)})`);
    g.ins(`r1 = r${v}`);
    g.ins(`r1 += ${RECORD_HEADER + i * JOIN_ARG_SIZE}`);
    g.ins(`r2 = ${JOIN_ARG_SIZE}`);
    g.call(`${read}_str`);
  }
  g.useMap(EVENTS_MAP);
  g.ins(`r1 = ${EVENTS_MAP} ll`);
  g.ins(`r2 = r${v}`);
  g.ins(`r3 = ${RECORD_HEADER + JOIN_ARGS * JOIN_ARG_SIZE}`);
  g.ins('r4 = 0');
  g.call('ringbuf_output');
  g.release(v);
  g.place(done);
  g.release(arr);
}

const STMTS: Record<string, (g: Gen, e: A.Call) => void> = {
  printf,
  join,
  print,
  time: (g, e) => {
    const f = e.args[0];
    const format = f && f.kind === 'Str' ? f.value : '%H:%M:%S\n';
    simpleAction(g, e, g.env.actions.add({ kind: 'time', format }), 'time');
  },
  exit: (g, e) => {
    simpleAction(g, e, g.env.actions.add({ kind: 'exit' }), 'exit');
    g.ins(`goto ${g.exitLabel}`, 'exit() ends this probe too');
  },
  clear: (g, e) => {
    const map = wholeMap(g, e);
    simpleAction(g, e, g.env.actions.add({ kind: 'clear', map }), `clear ${map}`);
  },
  zero: (g, e) => {
    const map = wholeMap(g, e);
    simpleAction(g, e, g.env.actions.add({ kind: 'zero', map }), `zero ${map}`);
  },
  delete: mapDelete,
};

/** A call used as a statement. */
export function callStmt(g: Gen, e: A.Call): void {
  const s = STMTS[e.callee];
  if (s) {
    s(g, e);
    return;
  }
  const t = typeOf(e);
  if (isWord(t)) g.release(g.int(e));
  else g.mem(e);
}

// ------------------------------------------------------------------ values

type IntCall = (g: Gen, e: A.Call) => number;

function passThrough(g: Gen, e: A.Call): number {
  return g.int(e.args[0]!);
}

function strncmp(g: Gen, e: A.Call): number {
  const n = intConst(e.args[2], 0);
  const slot = g.tmp(8, e.range, 'the strncmp result');
  const end = g.label('strncmp');
  g.ins(`*(u64 *)(r10 ${off(slot)}) = 1`, 'different unless shown equal');
  stringEquals(g, e.args[0]!, e.args[1]!, undefined, end, n);
  g.ins(`*(u64 *)(r10 ${off(slot)}) = 0`);
  g.place(end);
  const r = g.acquire(e.range);
  g.ins(`r${r} = *(u64 *)(r10 ${off(slot)})`);
  return r;
}

function hasKey(g: Gen, e: A.Call): number {
  const m = e.args[0]!;
  if (m.kind !== 'Map') throw new CompileError(m.range, 'has_key() takes a map.', 'probe.compile-map');
  const map = g.map(m.name, m.range);
  if (map.agg === 'hist' || map.agg === 'lhist') throw unsupported(e.range, 'has_key() on a hist/lhist map');
  const key = buildKey(g, map, [e.args[1]!], e.range);
  g.mapCall('map_lookup_elem', map.sym, key);
  const r = g.acquire(e.range);
  const none = g.label('nokey');
  g.ins(`r${r} = 0`);
  g.ins(`if r0 == 0 goto ${none}`);
  g.ins(`r${r} = 1`);
  g.place(none);
  return r;
}

function bswap(g: Gen, e: A.Call): number {
  const t = typeOf(e.args[0]!);
  const bits = t.kind === 'int' ? t.bits : 64;
  const r = g.int(e.args[0]!);
  if (bits > 8) g.ins(`r${r} = bswap${bits} r${r}`);
  return r;
}

function nsecsCall(g: Gen, e: A.Call): number {
  const a = e.args[0];
  const clock = a && a.kind === 'Ident' ? a.name : 'monotonic';
  const helper = { monotonic: 'ktime_get_ns', boot: 'ktime_get_boot_ns', tai: 'ktime_get_tai_ns' }[clock];
  if (!helper) throw unsupported(e.range, `nsecs(${clock})`);
  const r = g.acquire(e.range);
  g.call(helper);
  g.ins(`r${r} = r0`);
  return r;
}

function reg(g: Gen, e: A.Call): number {
  const a = e.args[0];
  const name = a && a.kind === 'Str' ? a.value : '';
  const at = regOffset(name);
  if (at === undefined) throw new CompileError(e.range, `"${name}" is not an x86-64 pt_regs register.`, 'probe.compile-reg');
  const k = g.attach.kind;
  if (k.progType !== 'kprobe' && k.progType !== 'perf_event') throw unsupported(e.range, `reg() in ${k.name} probes`);
  const r = g.acquire(e.range);
  g.ins(`r${r} = *(u64 *)(r${CTX} + ${at})`, `reg("${name}")`);
  return r;
}

function stackCall(user: boolean): IntCall {
  return (g, e) => {
    if (e.args.length) throw unsupported(e.range, `${e.callee}() with a mode or frame limit`, `use plain ${e.callee}`);
    const r = g.acquire(e.range);
    stackId(g, `r${r}`, user);
    return r;
  };
}

function deleteValue(g: Gen, e: A.Call): number {
  mapDelete(g, e);
  const r = g.acquire(e.range);
  g.ins(`r${r} = r0`);
  return r;
}

/** kaddr("sym") / uaddr("sym"): the symbol's simulated address, fixed when the script compiles. */
function symbolCall(space: 'kernel' | 'user'): IntCall {
  return (g, e) => {
    const a = e.args[0];
    if (!a || a.kind !== 'Str') throw new CompileError(e.range, `${e.callee}() takes a symbol name in quotes, like ${e.callee}("jiffies").`, 'probe.compile-const');
    const r = g.acquire(e.range);
    g.imm(`r${r}`, symbolAddress(g.env.symbols, a.value, space));
    g.asm.lines[g.asm.lines.length - 1]!.text += `  # ${e.callee}("${a.value}")`;
    return r;
  };
}

const INT_CALLS: Record<string, IntCall> = {
  kaddr: symbolCall('kernel'),
  uaddr: symbolCall('user'),
  ksym: passThrough,
  // User symbols are not simulated: the address prints in hex, as bpftrace prints one it cannot resolve.
  usym: passThrough,
  uptr: passThrough,
  kptr: passThrough,
  strerror: passThrough,
  strncmp,
  has_key: hasKey,
  bswap,
  nsecs: nsecsCall,
  reg,
  kstack: stackCall(false),
  ustack: stackCall(true),
  delete: deleteValue,
};

export function callInt(g: Gen, e: A.Call): number {
  const f = INT_CALLS[e.callee];
  if (f) return f(g, e);
  if (e.args.length === 0 && !STMTS[e.callee] && !REFUSED[e.callee]) {
    // pid(), tid(), ... are the builtins.
    return g.int({ kind: 'Ident', name: e.callee, range: e.range, type: e.type });
  }
  if (STMTS[e.callee]) throw new CompileError(e.range, `${e.callee}() has no value.`, 'probe.compile-type');
  return refuse(e);
}

// ------------------------------------------------------------------ strings

/** str(p[, n]) read into r10 + at (size bytes, zero-filled first so map keys compare equal). */
function strInto(g: Gen, e: A.Call, at: number, size: number): void {
  const src = e.args[0]!;
  const st = typeOf(src);
  if (st.kind === 'string') {
    const m = g.mem(src);
    g.copyResized(at, size, m);
    return;
  }
  const want = typeOf(e);
  const limit = Math.min(size, want.kind === 'string' ? want.size : size);
  g.zero(at, size);
  const n = e.args[1];
  let nreg: number | undefined;
  if (n && n.kind !== 'Int') {
    nreg = g.int(n);
    const ok = g.label('len_ok');
    g.ins(`if r${nreg} <= ${limit} goto ${ok}`);
    g.ins(`r${nreg} = ${limit}`);
    g.place(ok);
  }
  const p = g.int(src);
  g.ins(`r3 = r${p}`);
  g.ins('r1 = r10');
  g.ins(`r1 += ${at}`);
  if (nreg !== undefined) g.ins(`r2 = r${nreg}`);
  else g.ins(`r2 = ${limit}`);
  g.call(userStrings(g) ? 'probe_read_user_str' : 'probe_read_kernel_str');
  g.release(p);
  if (nreg !== undefined) g.release(nreg);
}

/**
 * buf(p[, n]) into r10 + at: the length (a u64), then the bytes — read from p with probe_read,
 * or copied from an array value. User space prints them hex-escaped.
 */
function bufInto(g: Gen, e: A.Call, at: number, size: number): void {
  const t = typeOf(e);
  const cap = Math.min(t.kind === 'buffer' ? t.size : size - BUFFER_HEADER, size - BUFFER_HEADER);
  const data = at + BUFFER_HEADER;
  g.zero(at, size);
  const src = e.args[0]!;
  const st = typeOf(src);
  const n = e.args[1];
  const given = n && n.kind === 'Int' ? Math.max(0, Math.min(cap, Number(n.value))) : undefined;
  if (st.kind === 'array' || st.kind === 'string') {
    // An array already read into the stack: its bytes, up to the buffer's size.
    const m = g.mem(src);
    const bytes = st.kind === 'array' ? st.length * (elemSize(st.elem) ?? 1) : st.size;
    const len = Math.min(given ?? cap, bytes, cap);
    g.copy(data, 'r10', m.off, Math.min(m.size, size - BUFFER_HEADER));
    g.ins(`*(u64 *)(r10 ${off(at)}) = ${len}`, 'buf() length');
    return;
  }
  let nreg: number | undefined;
  if (n && given === undefined) {
    nreg = g.int(n);
    const ok = g.label('len_ok');
    g.ins(`if r${nreg} <= ${cap} goto ${ok}`, `at most ${cap} bytes`);
    g.ins(`r${nreg} = ${cap}`);
    g.place(ok);
  }
  const p = g.int(src);
  g.ins(`r3 = r${p}`);
  g.ins('r1 = r10');
  g.ins(`r1 += ${data}`);
  g.ins(`r2 = ${nreg !== undefined ? `r${nreg}` : given ?? cap}`);
  g.call(userStrings(g) ? 'probe_read_user' : 'probe_read_kernel');
  g.release(p);
  if (nreg !== undefined) {
    g.ins(`*(u64 *)(r10 ${off(at)}) = r${nreg}`, 'buf() length');
    g.release(nreg);
  } else {
    g.ins(`*(u64 *)(r10 ${off(at)}) = ${given ?? cap}`, 'buf() length');
  }
}

function userStrings(g: Gen): boolean {
  return g.attach.kind.user || (g.attach.kind.name === 'tracepoint' && g.attach.target.category === 'syscalls');
}

const AF_INET = 2;
const AF_INET6 = 10;

/** ntop([af, ]addr) into r10 + at: the family word, then the address bytes. */
function ntopInto(g: Gen, e: A.Call, at: number): void {
  const addr = e.args[e.args.length - 1]!;
  const t = typeOf(addr);
  g.zero(at, 24);
  if (e.args.length === 2) {
    const af = g.int(e.args[0]!);
    g.ins(`*(u64 *)(r10 ${off(at)}) = r${af}`, 'address family');
    g.release(af);
  }
  if (t.kind === 'int' || t.kind === 'pointer') {
    if (e.args.length === 1) g.ins(`*(u64 *)(r10 ${off(at)}) = ${AF_INET}`, 'AF_INET');
    const a = g.int(addr);
    g.ins(`*(u32 *)(r10 ${off(at + 8)}) = w${a}`, 'the IPv4 address, network order as stored');
    g.release(a);
    return;
  }
  const m = g.mem(addr);
  const n = Math.min(16, m.size);
  if (e.args.length === 1) g.ins(`*(u64 *)(r10 ${off(at)}) = ${n > 4 ? AF_INET6 : AF_INET}`);
  for (let i = 0; i < n; i += 4) {
    g.ins(`r1 = *(u32 *)(r10 ${off(m.off + i)})`);
    g.ins(`*(u32 *)(r10 ${off(at + 8 + i)}) = r1`);
  }
}

/** Writes a string-valued call straight into its destination; false when the call has no such path. */
export function callStore(g: Gen, e: A.Call, at: number, size: number): boolean {
  if (e.callee === 'ntop' && size >= 24) {
    ntopInto(g, e, at);
    return true;
  }
  if (e.callee === 'str') {
    strInto(g, e, at, size);
    return true;
  }
  if (e.callee === 'buf') {
    bufInto(g, e, at, size);
    return true;
  }
  if (e.callee === 'comm' && e.args.length === 0 && size >= 16) {
    commInto(g, at);
    if (size > 16) g.zero(at + 16, size - 16);
    return true;
  }
  return false;
}

export function callMem(g: Gen, e: A.Call): Mem {
  if (e.callee === 'ntop') {
    const at = g.tmp(24, e.range, 'ntop()');
    ntopInto(g, e, at);
    return { off: at, size: 24 };
  }
  if (e.callee === 'buf') {
    const size = storageSize(typeOf(e)) ?? BUFFER_HEADER + 8;
    const at = g.tmp(size, e.range, 'buf()');
    bufInto(g, e, at, size);
    return { off: at, size };
  }
  if (e.callee === 'str' || (e.callee === 'comm' && e.args.length === 0)) {
    const t: Type = typeOf(e);
    const size = align8(t.kind === 'string' ? t.size : 16);
    const at = g.tmp(size, e.range, `${e.callee}()`);
    callStore(g, e, at, size);
    return { off: at, size };
  }
  if (e.callee === 'comm') throw unsupported(e.range, 'comm(pid)', 'only the current task\'s comm is known');
  if (REFUSED[e.callee]) refuse(e);
  throw new CompileError(e.range, `${e.callee}() does not give a string or tuple here.`, 'probe.compile-type');
}
