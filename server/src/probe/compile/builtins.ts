// Builtin variables (pid, comm, nsecs, arg0, ...) as code. Each row says how its value is made;
// one helper call and a little arithmetic for most of them.
import type * as A from '../ast';
import { ARG_BUILTIN, SARG_BUILTIN } from '../catalog';
import { PT_REGS_PARMS, PT_REGS_X86_64 } from '../../core/contexts';
import { CompileError, unsupported } from './errors';
import { CTX, off, type Gen, type Mem } from './gen';
import { START_MAP } from './maps';
import { symbolAddress } from './symbols';

type IntGen = (g: Gen, e: A.Ident, r: string) => void;

/** Offset of a pt_regs register (x86-64). */
export function regOffset(name: string): number | undefined {
  const i = PT_REGS_X86_64.indexOf(name);
  return i < 0 ? undefined : i * 8;
}

const helperLow32 = (helper: string): IntGen => (g, _e, r) => {
  g.call(helper);
  g.ins(`${r} = r0`);
  g.ins(`${r} <<= 32`);
  g.ins(`${r} >>= 32`);
};

const helperHigh32 = (helper: string): IntGen => (g, _e, r) => {
  g.call(helper);
  g.ins(`${r} = r0`);
  g.ins(`${r} >>= 32`);
};

const helper64 = (helper: string): IntGen => (g, _e, r) => {
  g.call(helper);
  g.ins(`${r} = r0`);
};

function elapsed(g: Gen, e: A.Ident, r: string): void {
  // Nanoseconds since the run started: the runner writes the start time into bt_start[0].
  const key = g.tmp(8, e.range, 'bt_start key');
  g.call('ktime_get_ns');
  g.ins(`${r} = r0`);
  g.ins(`*(u64 *)(r10 ${off(key)}) = 0`);
  g.useMap(START_MAP);
  g.ins(`r1 = ${START_MAP} ll`);
  g.ins('r2 = r10');
  g.ins(`r2 += ${key}`);
  g.call('map_lookup_elem');
  const none = g.label('nostart');
  g.ins(`if r0 == 0 goto ${none}`);
  g.ins('r1 = *(u64 *)(r0 + 0)');
  g.ins(`${r} -= r1`);
  g.place(none);
}

function retval(g: Gen, e: A.Ident, r: string): void {
  const k = g.attach.kind.name;
  if (k !== 'kretprobe' && k !== 'uretprobe') throw unsupported(e.range, `retval in ${k} probes`);
  g.ins(`${r} = *(u64 *)(r${CTX} + ${regOffset('ax')})`, 'retval (pt_regs->ax)');
}

function funcName(g: Gen): string {
  const t = g.attach.target;
  return t.func ?? t.usdtProbe ?? g.attach.name;
}

/** `func`: the traced function, as a simulated symbol address resolved back to its name when printed. */
function func(g: Gen, _e: A.Ident, r: string): void {
  const name = funcName(g);
  const addr = symbolAddress(g.env.symbols, name, g.attach.kind.user ? 'user' : 'kernel');
  g.imm(r, addr);
  g.asm.lines[g.asm.lines.length - 1]!.text += `  # func = ${name}`;
}

const INT_BUILTINS: Record<string, IntGen> = {
  pid: helperHigh32('get_current_pid_tgid'),
  tid: helperLow32('get_current_pid_tgid'),
  uid: helperLow32('get_current_uid_gid'),
  username: helperLow32('get_current_uid_gid'),
  gid: helperHigh32('get_current_uid_gid'),
  nsecs: helper64('ktime_get_ns'),
  elapsed,
  cpu: helperLow32('get_smp_processor_id'),
  curtask: helper64('get_current_task'),
  rand: helperLow32('get_prandom_u32'),
  cgroup: helper64('get_current_cgroup_id'),
  jiffies: helper64('jiffies64'),
  numaid: helperLow32('get_numa_node_id'),
  retval,
  func,
  probe: (g, _e, r) => g.ins(`${r} = ${g.probeId}`, `probe = ${g.attach.name}`),
  ncpus: (g, _e, r) => g.ins(`${r} = ${g.env.ncpus}`),
  ctx: (g, _e, r) => g.ins(`${r} = r${CTX}`),
  kstack: (g, _e, r) => stackId(g, r, false),
  ustack: (g, _e, r) => stackId(g, r, true),
};

const BPF_F_USER_STACK = 256;

/** bpf_get_stackid(ctx, &bt_stacks, flags): the id user space resolves into frames. */
export function stackId(g: Gen, r: string, user: boolean): void {
  g.useMap('bt_stacks');
  g.ins(`r1 = r${CTX}`);
  g.ins('r2 = bt_stacks ll');
  g.ins(`r3 = ${user ? BPF_F_USER_STACK : 0}`);
  g.call('get_stackid');
  g.ins(`${r} = r0`);
}

function argN(g: Gen, e: A.Ident, n: number, r: string): void {
  const k = g.attach.kind.name;
  if (k === 'rawtracepoint') {
    g.ins(`${r} = *(u64 *)(r${CTX} + ${n * 8})`, `arg${n}`);
    return;
  }
  if (k === 'usdt') throw unsupported(e.range, 'usdt arguments', 'their locations come from the binary\'s .note.stapsdt, which the simulation does not read');
  if (k !== 'kprobe' && k !== 'uprobe') throw unsupported(e.range, `arg${n} in ${k} probes`);
  const reg = PT_REGS_PARMS[n];
  if (!reg) {
    stackArg(g, e, n - PT_REGS_PARMS.length, `arg${n}`, r);
    return;
  }
  g.ins(`${r} = *(u64 *)(r${CTX} + ${regOffset(reg)})`, `arg${n} (pt_regs->${reg})`);
}

/** Stack slots one function argument may be read from (sarg0..sarg31, arg6..arg37). */
const MAX_STACK_ARGS = 32;

/**
 * An argument x86-64 passes on the stack (the seventh and later, or sargN): at function entry
 * sp points at the return address, so stack argument i is at sp + 8 * (i + 1). Read with
 * probe_read, as the stack is kernel (or user) memory the verifier cannot check.
 */
function stackArg(g: Gen, e: A.Ident, index: number, name: string, r: string): void {
  const k = g.attach.kind.name;
  if (k !== 'kprobe' && k !== 'uprobe') throw unsupported(e.range, `${name} in ${k} probes`);
  if (index >= MAX_STACK_ARGS) throw unsupported(e.range, name, `at most ${MAX_STACK_ARGS} arguments on the stack are read`);
  const at = g.tmp(8, e.range, `${name}, read from the stack`);
  g.ins(`r3 = *(u64 *)(r${CTX} + ${regOffset('sp')})`, `${name}: pt_regs->sp + ${8 * (index + 1)}`);
  g.ins(`r3 += ${8 * (index + 1)}`);
  g.ins('r1 = r10');
  g.ins(`r1 += ${at}`);
  g.ins('r2 = 8');
  g.call(g.attach.kind.user ? 'probe_read_user' : 'probe_read_kernel');
  g.ins(`${r} = *(u64 *)(r10 ${off(at)})`);
}

export function builtinInt(g: Gen, e: A.Ident): number {
  const a = ARG_BUILTIN.exec(e.name);
  const sa = SARG_BUILTIN.exec(e.name);
  const row = INT_BUILTINS[e.name];
  if (sa) {
    const r = g.acquire(e.range);
    stackArg(g, e, Number(sa[1]), e.name, `r${r}`);
    return r;
  }
  if (!a && !row) {
    if (e.name === 'comm') throw new CompileError(e.range, 'comm is a string, not an integer.', 'probe.compile-type');
    if (e.name === 'args') throw new CompileError(e.range, 'args is a record: read one field, like args.filename.', 'probe.compile-type');
    if (/^[A-Z_][A-Z0-9_]*$/.test(e.name)) {
      throw new CompileError(e.range, `The value of ${e.name} is not known here: no #define in the script or its headers, and no enum in the kernel's BTF, gives it. #define it in the script to compile.`, 'probe.compile-constant');
    }
    throw unsupported(e.range, `The builtin "${e.name}"`);
  }
  const r = g.acquire(e.range);
  if (a) argN(g, e, Number(a[1]), `r${r}`);
  else row!(g, e, `r${r}`);
  return r;
}

export function builtinMem(g: Gen, e: A.Ident): Mem {
  if (e.name === 'comm') {
    const at = g.tmp(16, e.range, 'comm');
    commInto(g, at);
    return { off: at, size: 16 };
  }
  throw new CompileError(e.range, `${e.name} is not a string.`, 'probe.compile-type');
}

/** bpf_get_current_comm(r10 + at, 16). */
export function commInto(g: Gen, at: number): void {
  g.ins('r1 = r10');
  g.ins(`r1 += ${at}`);
  g.ins('r2 = 16');
  g.call('get_current_comm');
}

/** An identifier that names a constant (#define, enum), or undefined. */
export function constantIdent(g: Gen, e: A.Ident): bigint | undefined {
  if (INT_BUILTINS[e.name] || ARG_BUILTIN.test(e.name) || SARG_BUILTIN.test(e.name) || e.name === 'comm' || e.name === 'args') return undefined;
  return g.env.constant(e.name);
}

