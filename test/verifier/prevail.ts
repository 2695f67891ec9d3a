// Reading PREVAIL's YAML verifier cases (../shared/verifier-cases/prevail, MIT) into our syntax.
// PREVAIL checks a code fragment against a symbolic pre-state; we build that state with a
// prologue of real instructions where it can be expressed, and explain the cases we skip.
import { parseAllDocuments } from 'yaml';

export interface PrevailCase {
  file: string;
  name: string;
  pre: string[];
  code: Record<string, string>;
  messages: string[];
  options: string[];
}

export type Conversion = { ok: true; source: string } | { ok: false; reason: string };

export function readPrevail(file: string, text: string): PrevailCase[] {
  const out: PrevailCase[] = [];
  for (const doc of parseAllDocuments(text)) {
    const v = doc.toJS() as Record<string, unknown> | null;
    if (!v || typeof v['test-case'] !== 'string') continue;
    out.push({
      file,
      name: v['test-case'],
      pre: ((v.pre as unknown[]) ?? []).map(String),
      code: (v.code as Record<string, string>) ?? {},
      messages: ((v.messages as unknown[]) ?? []).map(String),
      options: ((v.options as unknown[]) ?? []).map(String),
    });
  }
  return out;
}

interface RegPre {
  type?: string;
  svalue?: string;
  uvalue?: string;
  stackOffset?: number;
  ctxOffset?: number;
  other: string[];
}

const S32_MIN = -(2 ** 31);
const S32_MAX = 2 ** 31 - 1;

/** A single value, a [lo, hi] range, or undefined. */
function parseValue(v: string | undefined): { lo: bigint; hi: bigint } | undefined {
  if (v === undefined) return undefined;
  const range = /^\[\s*(-?\d+)\s*,\s*(-?\d+)\s*\]$/.exec(v);
  if (range) return { lo: BigInt(range[1]), hi: BigInt(range[2]) };
  if (/^-?\d+$/.test(v)) return { lo: BigInt(v), hi: BigInt(v) };
  return undefined;
}

/** Builds the prologue that puts registers in the pre-state, or says why it cannot. */
function prologue(pre: string[]): { lines: string[]; bail: boolean } | { reason: string } {
  const regs = new Map<number, RegPre>();
  for (const item of pre) {
    const m = /^r(\d+)\.(\w+)=(.*)$/.exec(item);
    if (!m) {
      if (/^s\[\d+\.\.\.\d+\]\.type=number$/.test(item)) continue; // unknown stack numbers: reads are allowed anyway
      return { reason: `pre-condition '${item}' has no eBPF equivalent` };
    }
    const r = regs.get(Number(m[1])) ?? { other: [] };
    switch (m[2]) {
      case 'type': r.type = m[3]; break;
      case 'svalue': r.svalue = m[3]; break;
      case 'uvalue': r.uvalue = m[3]; break;
      case 'stack_offset': r.stackOffset = Number(m[3]); break;
      case 'ctx_offset': r.ctxOffset = Number(m[3]); break;
      default: r.other.push(item);
    }
    regs.set(Number(m[1]), r);
  }
  const loads: string[] = [];
  const sets: string[] = [];
  let bail = false;
  for (const [n, r] of [...regs].sort((a, b) => b[0] - a[0])) {
    if (r.other.length) return { reason: `pre-condition '${r.other[0]}' is not modelled` };
    if (n === 10) {
      if (r.type !== 'stack' || (r.stackOffset !== undefined && r.stackOffset !== 512)) return { reason: 'r10 is always the frame pointer' };
      continue;
    }
    if (r.type === 'ctx') {
      if (n !== 1 || (r.ctxOffset ?? 0) !== 0) return { reason: 'only r1 holds the context at program start' };
      continue;
    }
    if (r.type === 'stack') {
      if (r.stackOffset === undefined) return { reason: 'stack pointer without an offset' };
      sets.push(`r${n} = r10`, `r${n} += ${r.stackOffset - 512}`);
      continue;
    }
    if (r.type !== 'number') return { reason: `register type '${r.type}' (${pre.join(', ')}) is not expressible here` };
    const s = parseValue(r.svalue);
    const u = r.uvalue && !/^r\d+\./.test(r.uvalue) ? parseValue(r.uvalue) : undefined;
    if (r.svalue !== undefined && !s) return { reason: `value '${r.svalue}' is symbolic` };
    if (!s) {
      // Any number: load one the program cannot predict.
      loads.push(`r${n} = *(u32 *)(r1 + 0)`);
      continue;
    }
    if (s.lo === s.hi) {
      const k = s.lo;
      sets.push(k >= BigInt(S32_MIN) && k <= BigInt(S32_MAX) ? `r${n} = ${k}` : `r${n} = ${k} ll`);
      continue;
    }
    if (s.lo < BigInt(S32_MIN) || s.hi > BigInt(S32_MAX) || (u && (u.lo !== s.lo || u.hi !== s.hi) && s.lo >= 0n)) {
      return { reason: `range [${s.lo}, ${s.hi}] needs more than a 32-bit source` };
    }
    loads.push(`r${n} = *(s32 *)(r1 + 0)`, `if r${n} s> ${s.hi} goto __bail`, `if r${n} s< ${s.lo} goto __bail`);
    bail = true;
  }
  // Loads read the context through r1, so they come before anything overwrites r1.
  const ordered = [...loads.filter((l) => !l.startsWith('r1 ')), ...loads.filter((l) => l.startsWith('r1 ')), ...sets];
  return { lines: ordered, bail };
}

/** PREVAIL's spellings that differ from LLVM's: labels, sign-extending moves, swaps, mixed widths, `ll`. */
function toLlvmSyntax(line: string): string {
  return line
    .replace(/;.*$/, '')
    .trim()
    .replace(/<(\w+)>/g, 'L_$1')
    .replace(/^([rw]\d+)\s*s(8|16|32)\s*=\s*([rw]\d+)$/, '$1 = (s$2)$3')
    .replace(/\bswap(16|32|64)\b/, 'bswap$1')
    .replace(/^(w\d+) (\S*=) r(\d+)$/, '$1 $2 w$3')
    .replace(/(\d)ll$/, '$1 ll')
    .trim();
}

/** The case as LLVM-syntax assembly for a socket filter, or why it cannot be expressed. */
export function convertPrevail(c: PrevailCase): Conversion {
  if (c.options.includes('big_endian')) return { ok: false, reason: 'big-endian semantics' };
  const pro = prologue(c.pre);
  if ('reason' in pro) return { ok: false, reason: pro.reason };
  const body: string[] = [];
  for (const [label, text] of Object.entries(c.code)) {
    body.push(`L_${label.replace(/[<>]/g, '')}:`);
    for (const raw of String(text).split('\n')) {
      const line = raw.trim();
      if (!line) continue;
      if (/^assume\b/.test(line)) return { ok: false, reason: "PREVAIL's 'assume' statements are not eBPF" };
      if (/\bcallx\b/.test(line)) return { ok: false, reason: 'callx is not accepted by Linux' };
      if (/map_fd|map_val|map_by_idx|packet_size|meta_offset/.test(line)) return { ok: false, reason: 'map/packet handles in PREVAIL syntax' };
      body.push(toLlvmSyntax(line));
    }
  }
  const last = body[body.length - 1] ?? '';
  if (!/^(exit|goto\b)/.test(last)) body.push('r0 = 0', 'exit');
  if (pro.bail) body.push('__bail:', 'r0 = 0', 'exit');
  return { ok: true, source: `.section socket\n${[...pro.lines, ...body].map((l) => (l.endsWith(':') ? l : `  ${l}`)).join('\n')}\n` };
}
