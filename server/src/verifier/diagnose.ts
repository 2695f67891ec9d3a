// Turning a rejection into a diagnostic that teaches: the failing instruction's source range,
// the reason in plain words, the kernel's exact text, where the offending value came from and
// the branch path that led there, and a mechanical fix where one exists. Also the warnings for
// programs the kernel accepts but that are probably wrong.
import type { Finding, Fix, Insn, Program, ProgType, Range, RelatedInfo } from '../core/types';
import { zeroRange } from '../core/types';
import { disassembleInsns } from '../asm/disasm';
import { contextLayout, ctxFieldAt } from '../core/contexts';
import { helperName } from '../isa/helpers';
import { helperProto } from '../isa/helper-protos';
import type { Env } from './env';
import type { Failure } from './explore';
import { describeScalar, formatRegFriendly, isPointer, regTypeName, type RegState } from './reg';
import { curFrame, pathSteps, type VState } from './state';

export type DiagDialect = 'llvm' | 'mnemonic';

const rangeOf = (p: Program, insn: number | undefined): Range => (insn !== undefined ? p.sourceMap?.[insn] : undefined) ?? zeroRange;
const lineOf = (p: Program, insn: number): string => {
  const r = p.sourceMap?.[insn];
  return r ? `line ${r.start.line + 1}` : `instruction ${insn}`;
};

function regAt(st: VState | undefined, regno: number | undefined): RegState | undefined {
  if (!st || regno === undefined) return undefined;
  return curFrame(st).regs[regno];
}

function callName(p: Program, at: number): string | undefined {
  const insn = p.insns[at];
  if (!insn || insn.opcode !== 0x85 || insn.src !== 0) return undefined;
  return helperName(insn.imm);
}

/** Where a register got its value, as a related location. */
function origin(p: Program, r: RegState | undefined, regno: number): RelatedInfo[] {
  if (!r || r.at < 0 || !p.sourceMap?.[r.at]) return [];
  const helper = callName(p, r.at);
  const what = helper ? `r${regno} was set by ${helper} here` : `r${regno} got its value here`;
  return [{ range: rangeOf(p, r.at), message: `${what}: ${formatRegFriendly(r, p.maps)}` }];
}

/** The last branch decisions on the failing path. */
function pathInfo(p: Program, st: VState | undefined): RelatedInfo[] {
  if (!st) return [];
  return pathSteps(st.path, 4).filter((s) => p.sourceMap?.[s.from]).map((s) => ({
    range: rangeOf(p, s.from),
    message: s.taken ? `on the failing path this jump was taken (to ${lineOf(p, s.to)})` : 'on the failing path this jump was not taken',
  }));
}

const plainType = (r: RegState | undefined): string => (r ? regTypeName(r) : 'unknown');

interface Explained {
  message: string;
  related?: RelatedInfo[];
  fixes?: Fix[];
}

function explain(p: Program, progType: ProgType, f: Failure, dialect: DiagDialect): Explained {
  const e = f.error;
  const regno = e.info.reg;
  const r = regAt(f.state, regno);
  const rn = regno !== undefined ? `r${regno}` : 'the register';
  const insn = p.insns[f.insn];
  switch (e.code) {
    case 'null-deref': {
      const helper = r && r.at >= 0 ? callName(p, r.at) : undefined;
      const why = helper === 'bpf_map_lookup_elem'
        ? `${helper} returns NULL when the key is absent`
        : helper ? `${helper} may return NULL` : 'this pointer may be NULL';
      return {
        message: `${rn} may be NULL here: ${why}. Test it first, e.g. \`if ${rn} == 0 goto <exit>\`, before using it.`,
        related: origin(p, r, regno!),
        fixes: r && r.at >= 0 ? nullCheckFix(p, r.at, regno!, dialect) : undefined,
      };
    }
    case 'uninit-reg':
      return {
        message: regno === 0 && insn && (insn.opcode & 0xf7) === 0x95
          ? 'r0 is not set when the program exits: r0 is the return value, assign it before `exit`.'
          : regno !== undefined && regno >= 1 && regno <= 5 && r?.at !== undefined && r.at >= 0 && p.insns[r.at]?.opcode === 0x85
            ? `${rn} is read but a call at ${lineOf(p, r.at)} clobbered it: calls leave r1-r5 uninitialised; keep values you need in r6-r9.`
            : `${rn} is read before anything was written to it on this path.`,
        related: [...(r && r.at >= 0 ? [{ range: rangeOf(p, r.at), message: `${rn} lost its value here` }] : []), ...pathInfo(p, f.state)],
        fixes: regno !== undefined ? initFix(p, f.insn, regno, dialect) : undefined,
      };
    case 'fp-readonly':
      return { message: 'r10 is the frame pointer and is read-only: copy it first (`r1 = r10`) and change the copy.' };
    case 'invalid-mem-access':
      if (r?.type === 'scalar') {
        return {
          message: `${rn} is a number (${describeScalar(r.v)}), not a pointer: memory can only be accessed through pointers the verifier knows (context, stack, map values, packet).`,
          related: origin(p, r, regno!),
        };
      }
      return { message: `this access through ${rn} (${plainType(r)}) is not allowed.`, related: origin(p, r, regno ?? 0) };
    case 'map-value-bounds': {
      const m = r && 'map' in r ? p.maps[r.map] : undefined;
      return {
        message: `this access reaches outside the map value${m ? ` of '${m.name}' (value size ${m.valueSize} bytes)` : ''}: ${e.lines[0]}.`,
        related: origin(p, r, regno ?? 0),
      };
    }
    case 'negative-index':
      return {
        message: `the offset in ${rn} may be negative (${r && isPointer(r) ? describeScalar(r.v) : 'unknown'}): bound it from below or use an unsigned value.`,
        related: [...origin(p, r, regno ?? 0), ...pathInfo(p, f.state)],
      };
    case 'unbounded-access':
      return {
        message: `the offset in ${rn} has no upper bound the verifier can see: check it against the size (e.g. \`if rX > N goto\`) before adding it to the pointer.`,
        related: [...origin(p, r, regno ?? 0), ...pathInfo(p, f.state)],
      };
    case 'ctx-access': {
      const write = insn !== undefined && ((insn.opcode & 7) === 2 || (insn.opcode & 7) === 3);
      const layout = contextLayout(progType);
      const field = e.info.off !== undefined ? ctxFieldAt(layout, e.info.off) : undefined;
      const what = field ? `${layout.struct}.${field.name}` : `offset ${e.info.off ?? '?'} of ${layout.struct}`;
      return { message: `${progType} programs cannot ${write ? 'write' : 'read'} ${e.info.size ?? '?'} byte(s) at ${what}${field && e.info.off !== field.offset ? ` (offset ${e.info.off})` : ''}.` };
    }
    case 'stack-bounds':
      if (/variable-offset/.test(e.lines[0])) {
        return {
          message: `the offset in ${rn} can take values (${r && isPointer(r) ? describeScalar(r.v) : 'unbounded'}) that reach outside the stack frame: bound the index before adding it to the stack pointer.`,
          related: [...origin(p, r, regno ?? 0), ...pathInfo(p, f.state)],
        };
      }
      return { message: 'this stack access is outside the 512-byte stack frame (valid offsets are r10-512 .. r10-1).' };
    case 'stack-misaligned':
      return { message: 'stack accesses must be aligned to their size (an 8-byte access at a multiple of 8 from r10).', fixes: alignFix(p, f.insn, dialect) };
    case 'stack-uninit-read':
      return { message: 'this reads stack bytes that were never written on this path.', related: pathInfo(p, f.state) };
    case 'packet-bounds':
      return {
        message: `${rn} may point past the end of the packet: compare \`${rn} + size\` with data_end (\`if rX > data_end goto\`) before this access.`,
        related: [...origin(p, r, regno ?? 0), ...pathInfo(p, f.state)],
      };
    case 'div-by-zero':
      return { message: 'division or modulo by the constant 0 is rejected.' };
    case 'invalid-shift':
      return { message: `a shift by ${insn?.imm} is outside the register width (0..${insn && (insn.opcode & 7) === 7 ? 63 : 31}).` };
    case 'helper-unknown':
      return { message: `there is no helper function with id ${e.info.helper}.` };
    case 'helper-not-allowed':
      return { message: `${helperName(e.info.helper ?? 0) ?? 'this helper'} cannot be called from ${progType} programs.` };
    case 'helper-arg-type': {
      const proto = e.info.helper !== undefined ? helperProto(e.info.helper) : undefined;
      const a = e.info.arg !== undefined ? proto?.args[e.info.arg] : undefined;
      return {
        message: `argument ${regno !== undefined ? `r${regno}` : ''} of ${proto ? helperName(proto.id) : 'this call'} has the wrong type: it is ${plainType(r)}${a ? `, the helper wants ${a.text}` : ''}.${proto ? ` (${proto.signature})` : ''}`,
        related: origin(p, r, regno ?? 0),
      };
    }
    case 'helper-mem-size':
      return { message: `the size argument ${rn} must be a bounded, non-negative number the verifier can see (${e.lines[0]}).`, related: origin(p, r, regno ?? 0) };
    case 'helper-map-compat':
      return { message: `this helper cannot be used with this kind of map (${e.lines[0]}).` };
    case 'unreleased-ref': {
      const at = e.info.other;
      const helper = at !== undefined ? callName(p, at) : undefined;
      return {
        message: helper === 'bpf_ringbuf_reserve'
          ? `the ring buffer record reserved at ${lineOf(p, at!)} is neither submitted nor discarded on this path: call bpf_ringbuf_submit or bpf_ringbuf_discard before exit.`
          : `a reference acquired${at !== undefined ? ` at ${lineOf(p, at)}` : ''}${helper ? ` by ${helper}` : ''} is not released on this path before exit.`,
        related: [...(at !== undefined ? [{ range: rangeOf(p, at), message: 'acquired here' }] : []), ...pathInfo(p, f.state)],
      };
    }
    case 'ptr-arith':
      return { message: `this pointer arithmetic is not allowed: ${e.lines[e.lines.length - 1]}.`, related: origin(p, r, regno ?? 0) };
    case 'infinite-loop':
      return { message: 'this loop can run forever: the state at the top of the loop repeats exactly.' };
    case 'timeout':
      return { message: `${e.lines[0]}: the verdict is unknown (a long or unbounded loop?).` };
    case 'too-large':
      return { message: 'the verifier gave up after processing 1,000,000 instructions: a loop whose bound it cannot prove, or too many paths.' };
    case 'unreachable':
      return { message: 'this instruction can never run: the kernel rejects programs with unreachable code.' };
    case 'back-edge':
      return { message: 'loops (jumps backwards) are not allowed for unprivileged programs.' };
    case 'jump-out-of-range':
      return { message: `this jump goes outside the program or its function (${e.lines[0]}).` };
    case 'last-insn':
      return { message: 'the last instruction must be `exit` or a jump: execution would run off the end.' };
    case 'return-value': {
      const last = e.lines[e.lines.length - 1];
      if (/^At callback return|^R0 not a scalar value/.test(last)) {
        return { message: `a callback must return 0 (go on) or 1 (stop) in r0, a number the verifier can bound: ${last}.`, related: pathInfo(p, f.state) };
      }
      return { message: `the return value is not acceptable: ${last}.` };
    }
    case 'unsupported':
      if (e.lines[e.lines.length - 1] === 'missing btf func_info') {
        return {
          message: 'passing a function as a callback (`rX = fn ll`) needs BTF func_info from the loader, which a load without BTF lacks. ' +
            'If your loader gives it (libbpf and bpftrace do), write `.func_info` in the file to verify the program as loaded that way.',
        };
      }
      return { message: e.lines[e.lines.length - 1] };
    case 'call-depth':
      return { message: 'too many nested bpf-to-bpf calls (at most 8 frames).' };
    case 'stack-depth':
      return { message: 'the stack used by the chain of calls exceeds 512 bytes.' };
    default:
      return { message: e.lines[e.lines.length - 1] };
  }
}

/** An exit instruction in the subprogram of `from` with a label on it (or on `r0 = K` just before). */
function exitLabel(p: Program, from: number): string | undefined {
  const isExit = (i: Insn | undefined) => i !== undefined && i.opcode === 0x95;
  const isMovR0 = (i: Insn | undefined) => i !== undefined && i.opcode === 0xb7 && i.dst === 0;
  const labels = [...p.symbols].filter((s) => s.insn > from || s.insn < from).sort((a, b) => a.insn - b.insn);
  for (const s of labels) {
    const i = p.insns[s.insn];
    if (isExit(i) || (isMovR0(i) && isExit(p.insns[s.insn + 1]))) return s.name;
  }
  return undefined;
}

const indentOf = (p: Program, insn: number): string => ' '.repeat(p.sourceMap?.[insn]?.start.col ?? 2);

function nullCheckFix(p: Program, callAt: number, regno: number, dialect: DiagDialect): Fix[] | undefined {
  const r = p.sourceMap?.[callAt];
  if (!r || regno !== 0) return undefined;
  const label = exitLabel(p, callAt);
  if (!label) return undefined;
  const text = dialect === 'mnemonic' ? `jeq %r0, 0, ${label}` : `if r0 == 0 goto ${label}`;
  const at = { line: r.end.line + 1, col: 0 };
  return [{ title: `Insert a NULL check after the call (\`${text}\`)`, edits: [{ range: { start: at, end: at }, newText: `${indentOf(p, callAt)}${text}\n` }] }];
}

function initFix(p: Program, insn: number, regno: number, dialect: DiagDialect): Fix[] | undefined {
  const r = p.sourceMap?.[insn];
  if (!r || regno >= 10) return undefined;
  const text = dialect === 'mnemonic' ? `mov %r${regno}, 0` : `r${regno} = 0`;
  const at = { line: r.start.line, col: 0 };
  return [{ title: `Initialise r${regno} to 0 before this instruction`, edits: [{ range: { start: at, end: at }, newText: `${indentOf(p, insn)}${text}\n` }] }];
}

function alignFix(p: Program, idx: number, dialect: DiagDialect): Fix[] | undefined {
  const insn = p.insns[idx];
  const r = p.sourceMap?.[idx];
  if (!insn || !r || insn.dst !== 10 && insn.src !== 10) return undefined;
  const size = [4, 2, 1, 8][(insn.opcode >> 3) & 3];
  const aligned = Math.floor(insn.off / size) * size;
  if (aligned === insn.off || aligned < -512) return undefined;
  const fixed = disassembleInsns([{ ...insn, off: aligned }], { dialect })[0]?.text;
  if (!fixed) return undefined;
  return [{ title: `Align the stack slot to ${aligned} (a multiple of ${size})`, edits: [{ range: r, newText: fixed }] }];
}

/** The finding for a rejected program. */
export function diagnose(p: Program, progType: ProgType, f: Failure, env: Env | undefined, dialect: DiagDialect = 'llvm'): Finding {
  void env;
  const ex = explain(p, progType, f, dialect);
  return {
    range: rangeOf(p, f.insn),
    severity: f.error.code === 'timeout' ? 'warning' : 'error',
    message: ex.message,
    kernelText: f.error.lines.join('\n'),
    code: `verifier.${f.error.code}`,
    insn: f.insn,
    related: ex.related?.length ? ex.related : undefined,
    fixes: ex.fixes,
  };
}

/** Warnings for accepted programs: code no path reaches, lookups whose result is never checked. */
export function lintWarnings(p: Program, env: Env): Finding[] {
  const out: Finding[] = [];
  let start = -1;
  const flush = (end: number) => {
    if (start < 0) return;
    const first = rangeOf(p, start);
    const last = rangeOf(p, end);
    out.push({
      range: { start: first.start, end: last.end },
      severity: 'warning',
      message: 'dead code: no verified path reaches this; a branch before it always goes the other way.',
      code: 'verifier.dead-code',
      insn: start,
    });
    start = -1;
  };
  for (let i = 0; i < p.insns.length; i++) {
    if (p.insns[i].filler) continue;
    if (!env.records[i]) {
      if (start < 0) start = i;
    } else flush(i - 1);
  }
  flush(p.insns.length - 1);
  for (const at of env.nonZeroFlags) {
    out.push({
      range: rangeOf(p, at),
      severity: 'warning',
      message: `the flags argument of ${callName(p, at) ?? 'this helper'} must be 0: with other flags the call fails with -EINVAL and never runs the callback.`,
      code: 'verifier.callback-flags',
      insn: at,
    });
  }
  for (const at of env.uncheckedLookups) {
    if (env.checkedLookups.has(at)) continue;
    out.push({
      range: rangeOf(p, at),
      severity: 'warning',
      message: `the result of ${callName(p, at) ?? 'this lookup'} is never checked or used: the lookup has no effect.`,
      code: 'verifier.unused-lookup',
      insn: at,
    });
  }
  return out;
}

