// printf as bpftrace does it: the format goes to C's printf with each argument as a 64-bit
// value, so `%d` prints the low 32 bits (signed), `%ld`/`%lld` all 64, `%hhd` 8; `%s` prints
// strings and resolved values (symbols, probe names); `%p` is glibc's (0x..., or (nil)).
import type { Value } from './values';
import { valueText } from './values';

const SPEC = /%([-+ #0]*)(\d+)?(?:\.(\d*))?(hh|h|ll|l|j|z|t|L|q)?([diouxXcspr%])/y;

const LENGTH_BITS: Record<string, number> = { hh: 8, h: 16, l: 64, ll: 64, j: 64, z: 64, t: 64, L: 64, q: 64 };

function pad(s: string, width: number, left: boolean, zero: boolean): string {
  if (s.length >= width) return s;
  if (left) return s.padEnd(width);
  if (zero) {
    const sign = /^[-+ ]/.test(s) ? s[0]! : '';
    const prefix = /^[-+ ]?0[xX]/.test(s) ? s.slice(sign.length, sign.length + 2) : '';
    const digits = s.slice(sign.length + prefix.length);
    return sign + prefix + digits.padStart(width - sign.length - prefix.length, '0');
  }
  return s.padStart(width);
}

function intOf(v: Value | undefined): bigint {
  if (!v) return 0n;
  if (v.kind === 'int') return v.value;
  // A pointer printed with an integer conversion prints its address.
  if (v.kind === 'sym' && v.raw !== undefined) return v.raw;
  return 0n;
}

function formatInt(conv: string, flags: string, width: number, precision: number | undefined, bits: number, raw: bigint): string {
  const signed = conv === 'd' || conv === 'i';
  const value = signed ? BigInt.asIntN(bits, raw) : BigInt.asUintN(bits, raw);
  const neg = value < 0n;
  const mag = neg ? -value : value;
  let digits = conv === 'x' ? mag.toString(16) : conv === 'X' ? mag.toString(16).toUpperCase() : conv === 'o' ? mag.toString(8) : mag.toString();
  if (precision !== undefined) {
    if (precision === 0 && mag === 0n) digits = '';
    digits = digits.padStart(precision, '0');
  }
  let prefix = '';
  if (signed) prefix = neg ? '-' : flags.includes('+') ? '+' : flags.includes(' ') ? ' ' : '';
  if (flags.includes('#') && mag !== 0n) {
    if (conv === 'x') prefix = '0x';
    else if (conv === 'X') prefix = '0X';
    else if (conv === 'o' && !digits.startsWith('0')) digits = '0' + digits;
  }
  const zero = flags.includes('0') && !flags.includes('-') && precision === undefined;
  return pad(prefix + digits, width, flags.includes('-'), zero);
}

/** Where the last argument-taking conversion ends: bpftrace 0.17 prints the rest verbatim. */
function formattedLength(format: string): number {
  let end = 0;
  for (let i = 0; i < format.length; i++) {
    if (format[i] !== '%') continue;
    SPEC.lastIndex = i;
    const m = SPEC.exec(format);
    if (!m) continue;
    i += m[0].length - 1;
    if (m[5] !== '%') end = i + 1;
  }
  return end;
}

/**
 * Formats `format` with the decoded arguments, C printf style. Like bpftrace 0.17, only the
 * part up to the last conversion goes through printf: text after it (all of a format without
 * arguments) is printed as written, so a trailing `%%` stays `%%`.
 */
export function formatPrintf(format: string, args: readonly Value[]): string {
  let out = '';
  let argi = 0;
  const formatted = formattedLength(format);
  for (let i = 0; i < format.length; i++) {
    if (i >= formatted) {
      out += format.slice(i);
      break;
    }
    const ch = format[i]!;
    if (ch !== '%') {
      out += ch;
      continue;
    }
    SPEC.lastIndex = i;
    const m = SPEC.exec(format);
    if (!m) {
      out += ch;
      continue;
    }
    i += m[0].length - 1;
    const [, flags = '', w, prec, len, conv] = m;
    if (conv === '%') {
      out += '%';
      continue;
    }
    const width = w ? Number(w) : 0;
    const precision = prec === undefined ? undefined : Number(prec || 0);
    const arg = args[argi++];
    switch (conv) {
      case 'd':
      case 'i':
      case 'u':
      case 'x':
      case 'X':
      case 'o':
        out += formatInt(conv, flags, width, precision, len ? LENGTH_BITS[len] ?? 32 : 32, intOf(arg));
        break;
      case 'c':
        out += pad(String.fromCharCode(Number(BigInt.asUintN(8, intOf(arg)))), width, flags.includes('-'), false);
        break;
      case 'p': {
        const v = BigInt.asUintN(64, intOf(arg));
        out += pad(v === 0n ? '(nil)' : `0x${v.toString(16)}`, width, flags.includes('-'), false);
        break;
      }
      case 's':
      case 'r': {
        let s = arg ? valueText(arg) : '';
        if (precision !== undefined) s = s.slice(0, precision);
        out += pad(s, width, flags.includes('-'), false);
        break;
      }
    }
  }
  return out;
}
