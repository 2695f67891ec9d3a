// What the language offers, as data: builtins, functions (with argument shapes), map functions,
// probe kinds. The checker reads the argument shapes; hover and completion read the docs.
import type { AggKind, Type } from './types';
import { BOOL, INT64, UINT32, UINT64, VOID } from './types';
import { PROBE_KINDS, type ProbeKind } from './probes';

/** Which probe kinds provide a builtin. */
export type Availability = 'all' | 'argN' | 'sargN' | 'retval' | 'args' | 'func' | 'user' | 'kernel-func';

export interface BuiltinInfo {
  name: string;
  doc: string;
  type: Type;
  available: Availability;
}

export const BUILTINS: BuiltinInfo[] = [
  { name: 'pid', doc: 'Process ID (the kernel tgid) of the current task.', type: UINT32, available: 'all' },
  { name: 'tid', doc: 'Thread ID (the kernel pid) of the current task.', type: UINT32, available: 'all' },
  { name: 'ppid', doc: 'Parent process ID of the current task.', type: UINT32, available: 'all' },
  { name: 'uid', doc: 'User ID of the current task.', type: UINT64, available: 'all' },
  { name: 'gid', doc: 'Group ID of the current task.', type: UINT64, available: 'all' },
  { name: 'nsecs', doc: 'Nanosecond timestamp since boot (bpf_ktime_get_ns).', type: UINT64, available: 'all' },
  { name: 'elapsed', doc: 'Nanoseconds since the script started.', type: UINT64, available: 'all' },
  { name: 'jiffies', doc: 'Kernel jiffies counter.', type: UINT64, available: 'all' },
  { name: 'numaid', doc: 'NUMA node ID of the current CPU.', type: UINT32, available: 'all' },
  { name: 'cpu', doc: 'ID of the CPU running the probe.', type: UINT32, available: 'all' },
  { name: 'ncpus', doc: 'Number of CPUs.', type: UINT64, available: 'all' },
  { name: 'comm', doc: 'Name of the current thread (16 bytes).', type: { kind: 'string', size: 16 }, available: 'all' },
  { name: 'kstack', doc: 'Kernel stack trace (also kstack(limit), kstack(perf|raw, limit)).', type: { kind: 'stack', user: false }, available: 'all' },
  { name: 'ustack', doc: 'User stack trace (also ustack(limit), ustack(perf|raw, limit)).', type: { kind: 'stack', user: true }, available: 'all' },
  { name: 'args', doc: 'Arguments of a tracepoint, fentry/fexit or rawtracepoint probe: args.NAME (args->NAME in older scripts).', type: { kind: 'unknown' }, available: 'args' },
  { name: 'retval', doc: 'Return value of the traced function (kretprobe, uretprobe, fexit).', type: INT64, available: 'retval' },
  { name: 'func', doc: 'Name of the traced function.', type: { kind: 'ksym' }, available: 'func' },
  { name: 'probe', doc: 'Full name of the probe that fired, e.g. kprobe:vfs_read.', type: { kind: 'probe' }, available: 'all' },
  { name: 'curtask', doc: 'Address of the current task_struct (cast it: (struct task_struct *)curtask).', type: UINT64, available: 'all' },
  { name: 'rand', doc: 'A pseudo-random 32-bit number.', type: UINT32, available: 'all' },
  { name: 'cgroup', doc: 'ID of the cgroup (v2) of the current task.', type: UINT64, available: 'all' },
  { name: 'cpid', doc: 'PID of the child process started with -c.', type: UINT32, available: 'all' },
  { name: 'username', doc: 'User name of the current task, resolved in user space.', type: { kind: 'username' }, available: 'all' },
  { name: 'usermode', doc: '1 if the probe fired in user mode, 0 in kernel mode.', type: { kind: 'int', bits: 8, signed: false }, available: 'all' },
  { name: 'ctx', doc: 'The raw probe context pointer.', type: UINT64, available: 'all' },
];

/** argN and sargN are patterns, not rows. */
export const ARG_BUILTIN = /^arg([0-9]+)$/;
export const SARG_BUILTIN = /^sarg([0-9]+)$/;

export function builtinInfo(name: string): BuiltinInfo | undefined {
  const b = BUILTINS.find((x) => x.name === name);
  if (b) return b;
  const a = ARG_BUILTIN.exec(name);
  if (a) return { name, doc: `Argument ${a[1]} of the traced function, from its register (kprobe, uprobe, usdt).`, type: UINT64, available: 'argN' };
  const s = SARG_BUILTIN.exec(name);
  if (s) return { name, doc: `Argument ${s[1]} passed on the stack (kprobe, uprobe).`, type: INT64, available: 'sargN' };
  return undefined;
}

/** Whether a probe kind provides a builtin with this availability. */
export function availableIn(kind: ProbeKind, a: Availability): boolean {
  switch (a) {
    case 'all':
      return true;
    case 'argN':
      return kind.argN;
    case 'sargN':
      return kind.name === 'kprobe' || kind.name === 'uprobe';
    case 'retval':
      return kind.retval;
    case 'args':
      return kind.args !== 'none';
    case 'func':
      return kind.func;
    case 'user':
      return kind.user;
    case 'kernel-func':
      return kind.name === 'kprobe' || kind.name === 'kretprobe' || kind.name === 'fentry' || kind.name === 'fexit';
  }
}

/** Probe kinds that provide a builtin, for messages ("arg0 is available in kprobe, uprobe and usdt probes"). */
export function kindsProviding(a: Availability): string[] {
  return PROBE_KINDS.filter((k) => availableIn(k, a) && !k.special && k.name !== 'iter' && !k.name.startsWith('async')).map((k) => k.name);
}

/**
 * Argument shapes the checker enforces:
 * int: an integer; str: a string; strlit: a string literal; intlit: an integer constant;
 * map: a map (@m, no key); mapkey: @m[key]; ptr: a pointer or integer address; any: anything;
 * stackmode: perf, bpftrace or raw; fmt: a format string literal whose arguments follow.
 */
export type ArgShape = 'int' | 'str' | 'strlit' | 'intlit' | 'map' | 'mapkey' | 'ptr' | 'any' | 'stackmode' | 'fmt';

export interface FunctionInfo {
  name: string;
  signature: string;
  doc: string;
  /** Shapes of the fixed arguments; `rest` repeats for extra arguments (printf's values). */
  args: ArgShape[];
  minArgs: number;
  maxArgs: number;
  rest?: ArgShape;
  /** Result type (the checker refines some, like str() sizes and bswap widths). */
  returns: Type;
  /** An aggregation: only valid as the value assigned to a map. */
  agg?: AggKind;
  /** Needs --unsafe. */
  unsafe?: boolean;
  /** Only in these probe kinds (by canonical name). */
  only?: string[];
  /** Also callable without parentheses (a builtin with optional arguments). */
  bare?: boolean;
}

const fn = (name: string, signature: string, doc: string, args: ArgShape[], minArgs: number, returns: Type, extra: Partial<FunctionInfo> = {}): FunctionInfo => ({
  name,
  signature,
  doc,
  args,
  minArgs,
  maxArgs: extra.rest ? Infinity : args.length,
  returns,
  ...extra,
});

export const FUNCTIONS: FunctionInfo[] = [
  fn('printf', 'printf(fmt, ...args)', 'Print formatted text; the format is checked against the arguments.', ['fmt'], 1, VOID, { rest: 'any' }),
  fn('print', 'print(value) / print(@map[, top[, divisor]])', 'Print a value or a whole map (optionally only the top N entries).', ['any', 'intlit', 'intlit'], 1, VOID),
  fn('time', 'time([fmt])', 'Print the current time with a strftime format (default "%H:%M:%S\\n").', ['strlit'], 0, VOID),
  fn('strftime', 'strftime(fmt, nsecs)', 'A timestamp formatted with strftime when printed.', ['strlit', 'int'], 2, { kind: 'timestamp' }),
  fn('join', 'join(char *arr[], [sep])', 'Print the strings of a NULL-terminated array, joined by sep (default " ").', ['ptr', 'strlit'], 1, VOID),
  fn('str', 'str(char *s[, length])', 'Read a NUL-terminated string from memory (at most length bytes, default 64).', ['ptr', 'int'], 1, { kind: 'string', size: 64 }),
  fn('buf', 'buf(void *data[, length])', 'Read length bytes as a buffer; print it with %r.', ['ptr', 'int'], 1, { kind: 'buffer', size: 64 }),
  fn('path', 'path(struct path *p[, length])', 'The full path of a struct path (fentry/fexit only).', ['ptr', 'int'], 1, { kind: 'string', size: 64 }),
  fn('ksym', 'ksym(addr)', 'The kernel symbol containing an address, resolved when printed.', ['int'], 1, { kind: 'ksym' }),
  fn('usym', 'usym(addr)', 'The user symbol containing an address, resolved when printed.', ['int'], 1, { kind: 'usym' }),
  fn('kaddr', 'kaddr(name)', 'Address of a kernel symbol (resolved at compile time).', ['strlit'], 1, UINT64),
  fn('uaddr', 'uaddr(name)', 'Address of a symbol in the traced binary (uprobe/usdt only).', ['strlit'], 1, UINT64, { only: ['uprobe', 'uretprobe', 'usdt'] }),
  fn('percpu_kaddr', 'percpu_kaddr(name[, cpu])', 'Address of a per-CPU kernel variable.', ['strlit', 'int'], 1, UINT64),
  fn('ntop', 'ntop([af, ]addr)', 'Format an IPv4/IPv6 address (an integer or a 4/16-byte array) as text.', ['any', 'any'], 1, { kind: 'inet' }),
  fn('pton', 'pton(addr)', 'Parse an IP address literal into a byte array.', ['strlit'], 1, { kind: 'array', elem: { kind: 'int', bits: 8, signed: false }, length: 4 }),
  fn('system', 'system(fmt, ...args)', 'Run a shell command (needs --unsafe).', ['fmt'], 1, VOID, { rest: 'any', unsafe: true }),
  fn('exit', 'exit([code])', 'End the script: END probes run and maps are printed.', ['int'], 0, VOID),
  fn('cat', 'cat(fmt, ...args)', 'Print the contents of a file.', ['fmt'], 1, VOID, { rest: 'any' }),
  fn('signal', 'signal(sig)', 'Send a signal (name or number) to the current process (needs --unsafe).', ['any'], 1, VOID, { unsafe: true }),
  fn('strncmp', 'strncmp(a, b, n)', 'Compare up to n bytes of two strings: 0 when equal.', ['str', 'str', 'intlit'], 3, INT64),
  fn('strcontains', 'strcontains(haystack, needle)', 'True if needle occurs in haystack.', ['str', 'str'], 2, BOOL),
  fn('strerror', 'strerror(errno)', 'The text of an errno value, resolved when printed.', ['int'], 1, { kind: 'strerror' }),
  fn('macaddr', 'macaddr(char mac[6])', 'Format a 6-byte MAC address.', ['any'], 1, { kind: 'macaddr' }),
  fn('cgroupid', 'cgroupid(path)', 'The cgroup v2 ID of a cgroup path (compile time).', ['strlit'], 1, UINT64),
  fn('cgroup_path', 'cgroup_path(id[, filter])', 'The path of a cgroup ID, resolved when printed.', ['int', 'strlit'], 1, { kind: 'cgroup_path' }),
  fn('reg', 'reg(name)', 'Value of a CPU register ("ip", "sp", "ax", ...).', ['strlit'], 1, UINT64),
  fn('override', 'override(rc)', 'Override the return value of a kernel function (kprobe only, needs --unsafe).', ['int'], 1, VOID, { unsafe: true, only: ['kprobe'] }),
  fn('kstack', 'kstack([mode, ][limit])', 'Kernel stack trace; mode is bpftrace, perf or raw.', ['any', 'intlit'], 0, { kind: 'stack', user: false }, { bare: true }),
  fn('ustack', 'ustack([mode, ][limit])', 'User stack trace; mode is bpftrace, perf or raw.', ['any', 'intlit'], 0, { kind: 'stack', user: true }, { bare: true }),
  fn('bswap', 'bswap(n)', 'Reverse the byte order of an integer.', ['int'], 1, UINT64),
  fn('sizeof', 'sizeof(type or expr)', 'Size in bytes of a type or expression.', ['any'], 1, UINT64),
  fn('offsetof', 'offsetof(struct, field)', 'Offset in bytes of a field in a struct.', ['any', 'any'], 2, UINT64),
  fn('uptr', 'uptr(ptr)', 'Mark a pointer as a user-space address.', ['ptr'], 1, UINT64),
  fn('kptr', 'kptr(ptr)', 'Mark a pointer as a kernel address.', ['ptr'], 1, UINT64),
  fn('skboutput', 'skboutput(path, skb, len, offset)', 'Write packet data to a pcap file.', ['strlit', 'ptr', 'int', 'int'], 4, UINT32),
  fn('socket_cookie', 'socket_cookie(struct sock *sk)', 'The socket cookie of a socket.', ['ptr'], 1, UINT64),
  fn('memcmp', 'memcmp(a, b, n)', 'Compare n bytes of two values: 0 when equal.', ['any', 'any', 'intlit'], 3, INT64),
  fn('errorf', 'errorf(fmt, ...args)', 'Print a formatted error message with the source location.', ['fmt'], 1, VOID, { rest: 'any' }),
  fn('debugf', 'debugf(fmt, ...args)', 'Print to the kernel trace pipe (bpf_trace_printk).', ['fmt'], 1, VOID, { rest: 'any' }),
  fn('unwatch', 'unwatch(addr)', 'Remove a watchpoint.', ['int'], 1, VOID),
  fn('getopt', 'getopt(name[, default])', 'A named command-line option (-- --name=value).', ['strlit', 'any'], 1, INT64),
  fn('assert', 'assert(cond, message)', 'Exit with an error when cond is false.', ['any', 'strlit'], 2, VOID),
  fn('nsecs', 'nsecs([monotonic|boot|tai|sw_tai])', 'Nanosecond timestamp from the chosen clock.', ['any'], 0, UINT64, { bare: true }),
  fn('comm', 'comm([pid])', 'Name of the current thread.', ['int'], 0, { kind: 'string', size: 16 }, { bare: true }),
  // Map functions
  fn('count', 'count()', 'Count events: @m = count().', [], 0, { kind: 'agg', agg: 'count' }, { agg: 'count' }),
  fn('sum', 'sum(n)', 'Sum of the values: @m = sum(n).', ['int'], 1, { kind: 'agg', agg: 'sum' }, { agg: 'sum' }),
  fn('avg', 'avg(n)', 'Average of the values: @m = avg(n).', ['int'], 1, { kind: 'agg', agg: 'avg' }, { agg: 'avg' }),
  fn('min', 'min(n)', 'Minimum of the values: @m = min(n).', ['int'], 1, { kind: 'agg', agg: 'min' }, { agg: 'min' }),
  fn('max', 'max(n)', 'Maximum of the values: @m = max(n).', ['int'], 1, { kind: 'agg', agg: 'max' }, { agg: 'max' }),
  fn('stats', 'stats(n)', 'Count, average and total of the values: @m = stats(n).', ['int'], 1, { kind: 'agg', agg: 'stats' }, { agg: 'stats' }),
  fn('hist', 'hist(n[, k])', 'Power-of-two histogram (k: 0-5 sub-buckets per power): @m = hist(n).', ['int', 'intlit'], 1, { kind: 'agg', agg: 'hist' }, { agg: 'hist' }),
  fn('lhist', 'lhist(n, min, max, step)', 'Linear histogram from min to max in steps: @m = lhist(n, 0, 100, 10).', ['int', 'intlit', 'intlit', 'intlit'], 4, { kind: 'agg', agg: 'lhist' }, { agg: 'lhist' }),
  fn('delete', 'delete(@m[key]) / delete(@m, key)', 'Delete one key from a map.', ['mapkey', 'any'], 1, BOOL),
  fn('clear', 'clear(@m)', 'Delete every key from a map.', ['map'], 1, VOID),
  fn('zero', 'zero(@m)', 'Set every value in a map to zero.', ['map'], 1, VOID),
  fn('len', 'len(@m) / len(stack)', 'Number of elements in a map, or frames in a stack.', ['any'], 1, INT64),
  fn('has_key', 'has_key(@m, key)', 'True if the map has this key.', ['map', 'any'], 2, BOOL),
];

export function functionInfo(name: string): FunctionInfo | undefined {
  return FUNCTIONS.find((f) => f.name === name);
}

export interface CatalogEntry {
  name: string;
  kind: 'builtin' | 'function' | 'map-function' | 'probe' | 'keyword';
  detail: string;
  doc: string;
}

export const KEYWORDS: { name: string; doc: string }[] = [
  { name: 'if', doc: 'if (cond) { ... } else if (cond) { ... } else { ... }' },
  { name: 'else', doc: 'The alternative branch of an if.' },
  { name: 'while', doc: 'while (cond) { ... } — must be provably bounded for the verifier.' },
  { name: 'for', doc: 'for ($kv : @map) { ... } or for ($i : 0..10) { ... }' },
  { name: 'unroll', doc: 'unroll(n) { ... } — repeat the block n times at compile time.' },
  { name: 'break', doc: 'Leave the innermost loop.' },
  { name: 'continue', doc: 'Go to the next iteration of the innermost loop.' },
  { name: 'return', doc: 'Leave the probe (not the script: use exit() for that).' },
  { name: 'let', doc: 'Declare a variable: let $x = 1; let $y: uint32; or a map at the top: let @m = lruhash(100);' },
  { name: 'config', doc: 'config = { max_map_keys = 8192; } — settings, before the probes.' },
  { name: 'macro', doc: 'macro name($var, @map, expr) { ... } — a hygienic macro.' },
  { name: 'sizeof', doc: 'sizeof(type or expression) — size in bytes.' },
  { name: 'offsetof', doc: 'offsetof(struct name, field) — offset in bytes.' },
];

const AGG_NAMES = new Set(['count', 'sum', 'avg', 'min', 'max', 'stats', 'hist', 'lhist', 'delete', 'clear', 'zero', 'len', 'has_key']);

/** Everything, one line of doc each, for hover and completion. */
export function catalog(): CatalogEntry[] {
  const out: CatalogEntry[] = [];
  for (const b of BUILTINS) out.push({ name: b.name, kind: 'builtin', detail: b.name, doc: b.doc });
  out.push({ name: 'arg0', kind: 'builtin', detail: 'arg0..argN', doc: builtinInfo('arg0')!.doc });
  out.push({ name: 'sarg0', kind: 'builtin', detail: 'sarg0..sargN', doc: builtinInfo('sarg0')!.doc });
  out.push({ name: '$1', kind: 'builtin', detail: '$1..$N, $#', doc: 'Positional parameters from the command line; $# is their count.' });
  for (const f of FUNCTIONS) out.push({ name: f.name, kind: AGG_NAMES.has(f.name) ? 'map-function' : 'function', detail: f.signature, doc: f.doc });
  for (const k of PROBE_KINDS) {
    out.push({ name: k.name, kind: 'probe', detail: k.syntax.join(' | '), doc: k.doc });
    for (const a of k.aliases) out.push({ name: a, kind: 'probe', detail: `${a}: = ${k.name}:`, doc: k.doc });
  }
  for (const k of KEYWORDS) out.push({ name: k.name, kind: 'keyword', detail: k.name, doc: k.doc });
  return out;
}

/** One-line doc for a name (builtin, function, probe kind or keyword), for hover. */
export function docFor(name: string): CatalogEntry | undefined {
  if (ARG_BUILTIN.test(name) || SARG_BUILTIN.test(name)) {
    const b = builtinInfo(name)!;
    return { name, kind: 'builtin', detail: name, doc: b.doc };
  }
  return catalog().find((e) => e.name === name);
}
