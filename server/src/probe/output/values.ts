// Typed values read back from the bytes the programs wrote (map keys and values, printf
// records), and their text as bpftrace prints it in text and JSON output.
import type { Type } from '../types';
import { BUFFER_HEADER, storageSize, tupleOffsets, elemSize } from '../compile/layout';

/** What user space resolves by itself: probe names, kernel symbols, stacks, user names. */
export interface Resolver {
  probe(id: number): string;
  ksym(addr: bigint): string;
  /** The frames, one per line after a leading newline, each indented by `indent` spaces. */
  stack(id: bigint, user: boolean, indent: number): string;
  username(uid: bigint): string;
}

/** bpftrace indents stack frames by 8 spaces in values and printf, by 4 in map keys. */
export const VALUE_INDENT = 8;
export const KEY_INDENT = 4;

export type Value =
  | { kind: 'int'; value: bigint }
  | { kind: 'str'; text: string }
  /** Resolved text (symbols, probe names, stacks): quoted in JSON like strings. `raw`: the address, for %d/%x. */
  | { kind: 'sym'; text: string; raw?: bigint }
  | { kind: 'tuple'; elems: Value[] }
  | { kind: 'array'; elems: Value[] };

export function readU64(bytes: Uint8Array, at: number): bigint {
  let v = 0n;
  for (let i = 7; i >= 0; i--) v = (v << 8n) | BigInt(bytes[at + i] ?? 0);
  return v;
}

function readUint(bytes: Uint8Array, at: number, size: number): bigint {
  let v = 0n;
  for (let i = size - 1; i >= 0; i--) v = (v << 8n) | BigInt(bytes[at + i] ?? 0);
  return v;
}

/** bpftrace's text for a buffer: printable ASCII (32 to 126) as itself, any other byte as \xNN. */
export function hexFormatBuffer(b: Uint8Array): string {
  let s = '';
  for (const x of b) s += x >= 32 && x <= 126 ? String.fromCharCode(x) : `\\x${x.toString(16).padStart(2, '0')}`;
  return s;
}

/** A NUL-terminated string in at most `size` bytes. */
export function readCString(bytes: Uint8Array, at: number, size: number): string {
  let end = at;
  const stop = Math.min(bytes.length, at + size);
  while (end < stop && bytes[end] !== 0) end++;
  return Buffer.from(bytes.subarray(at, end)).toString('utf8');
}

/** An integer as the type prints it: its width and sign applied to the 64-bit word. */
export function intValue(raw: bigint, t: Type): bigint {
  if (t.kind === 'int') return t.signed ? BigInt.asIntN(t.bits, raw) : BigInt.asUintN(t.bits, raw);
  // A bool register holds 0 or 1, except where the checker typed a ?: with an integer branch as bool.
  if (t.kind === 'bool') return BigInt.asIntN(64, raw);
  if (t.kind === 'agg') return t.agg === 'count' ? BigInt.asUintN(64, raw) : BigInt.asIntN(64, raw);
  return BigInt.asUintN(64, raw);
}

/** Decodes a value of type `t` laid out at `at` (the compiler's storage layout). */
export function decodeValue(t: Type, bytes: Uint8Array, at: number, r: Resolver, indent = VALUE_INDENT): Value {
  switch (t.kind) {
    case 'string':
      return { kind: 'str', text: readCString(bytes, at, t.size) };
    case 'buffer': {
      const len = Math.min(t.size, Number(readU64(bytes, at)));
      return { kind: 'str', text: hexFormatBuffer(bytes.subarray(at + BUFFER_HEADER, at + BUFFER_HEADER + len)) };
    }
    case 'tuple': {
      const offs = tupleOffsets(t.elems);
      return { kind: 'tuple', elems: t.elems.map((e, i) => decodeValue(e, bytes, at + offs[i]!, r, indent)) };
    }
    case 'array': {
      const es = elemSize(t.elem) ?? 1;
      const elems: Value[] = [];
      for (let i = 0; i < t.length; i++) {
        const raw = readUint(bytes, at + i * es, es);
        elems.push({ kind: 'int', value: intValue(raw, t.elem) });
      }
      return { kind: 'array', elems };
    }
    case 'pointer': {
      const raw = readU64(bytes, at);
      return { kind: 'sym', text: `0x${raw.toString(16)}`, raw };
    }
    case 'ksym':
    case 'usym':
      return { kind: 'sym', text: r.ksym(readU64(bytes, at)) };
    case 'probe':
      return { kind: 'sym', text: r.probe(Number(readU64(bytes, at))) };
    case 'username':
      return { kind: 'sym', text: r.username(readU64(bytes, at)) };
    case 'stack':
      return { kind: 'sym', text: r.stack(BigInt.asIntN(64, readU64(bytes, at)), t.user, indent) };
    case 'strerror':
      return { kind: 'sym', text: strerror(Number(BigInt.asIntN(64, readU64(bytes, at)))) };
    case 'inet':
      return { kind: 'sym', text: inetText(Number(readU64(bytes, at)), bytes.subarray(at + 8, at + 24)) };
    default:
      return { kind: 'int', value: intValue(readU64(bytes, at), t) };
  }
}

export function valueText(v: Value): string {
  switch (v.kind) {
    case 'int':
      return v.value.toString();
    case 'str':
    case 'sym':
      return v.text;
    case 'tuple':
      return `(${v.elems.map(valueText).join(', ')})`;
    case 'array':
      return `[${v.elems.map(valueText).join(',')}]`;
  }
}

/** bpftrace's JSON escaping: quote, backslash, \n \r \t, other control characters as \u00XX. */
export function jsonEscape(s: string): string {
  let out = '';
  for (const ch of s) {
    const c = ch.charCodeAt(0);
    if (ch === '"') out += '\\"';
    else if (ch === '\\') out += '\\\\';
    else if (ch === '\n') out += '\\n';
    else if (ch === '\r') out += '\\r';
    else if (ch === '\t') out += '\\t';
    else if (c <= 0x1f) out += `\\u${c.toString(16).padStart(4, '0')}`;
    else out += ch;
  }
  return out;
}

export function valueJson(v: Value): string {
  switch (v.kind) {
    case 'int':
      return v.value.toString();
    case 'str':
    case 'sym':
      return `"${jsonEscape(v.text)}"`;
    case 'tuple':
    case 'array':
      return `[${v.elems.map(valueJson).join(',')}]`;
  }
}

/** Bytes the value of a type takes in a record (the compiler's layout). */
export function slotSize(t: Type): number {
  return storageSize(t) ?? 8;
}

/** inet_ntop(): dotted IPv4, or IPv6 with the longest run of zero groups written "::". */
export function inetText(af: number, addr: Uint8Array): string {
  if (af === 2) return Array.from(addr.subarray(0, 4)).join('.');
  if (af !== 10) return '';
  const groups: number[] = [];
  for (let i = 0; i < 16; i += 2) groups.push(((addr[i] ?? 0) << 8) | (addr[i + 1] ?? 0));
  if (groups.slice(0, 5).every((x) => x === 0) && groups[5] === 0xffff) return `::ffff:${Array.from(addr.subarray(12, 16)).join('.')}`;
  let best = -1;
  let bestLen = 1;
  for (let i = 0; i < 8; ) {
    if (groups[i] !== 0) {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && groups[j] === 0) j++;
    if (j - i > bestLen) {
      best = i;
      bestLen = j - i;
    }
    i = j;
  }
  const hex = groups.map((x) => x.toString(16));
  if (best < 0) return hex.join(':');
  return `${hex.slice(0, best).join(':')}::${hex.slice(best + bestLen).join(':')}`;
}

const ERRNO_TEXT: Record<number, string> = {
  1: 'Operation not permitted', 2: 'No such file or directory', 3: 'No such process', 4: 'Interrupted system call',
  5: 'Input/output error', 6: 'No such device or address', 7: 'Argument list too long', 8: 'Exec format error',
  9: 'Bad file descriptor', 10: 'No child processes', 11: 'Resource temporarily unavailable', 12: 'Cannot allocate memory',
  13: 'Permission denied', 14: 'Bad address', 16: 'Device or resource busy', 17: 'File exists', 19: 'No such device',
  20: 'Not a directory', 21: 'Is a directory', 22: 'Invalid argument', 24: 'Too many open files', 28: 'No space left on device',
  32: 'Broken pipe', 36: 'File name too long', 38: 'Function not implemented', 95: 'Operation not supported',
  104: 'Connection reset by peer', 110: 'Connection timed out', 111: 'Connection refused',
};

/** glibc's strerror() text for common errno values. */
export function strerror(n: number): string {
  return ERRNO_TEXT[n] ?? `Unknown error ${n}`;
}
