// The kernel's printf for BPF (bpf_trace_printk, bpf_trace_vprintk, bpf_snprintf): the conversions
// bpf_bprintf_prepare accepts — %d %i %u %x %X with l/ll, %c, %s, %p and its %pI4/%pi4/%pI6/%pi6/
// %pks/%pus/%px/%pK/%pB/%ps/%pS variants, flags "0 +-" and a width; no precision. Anything else
// makes the helper fail with -EINVAL, as in the kernel.
import type { Memory } from '../memory';

export type FormatResult = { ok: true; text: string } | { ok: false; reason: string };

function pad(s: string, width: number, flags: string): string {
  if (s.length >= width) return s;
  if (flags.includes('-')) return s + ' '.repeat(width - s.length);
  if (flags.includes('0')) {
    const sign = /^[+\- ]/.test(s) ? s[0] : '';
    const digits = sign ? s.slice(1) : s;
    return sign + '0'.repeat(width - s.length) + digits;
  }
  return ' '.repeat(width - s.length) + s;
}

function readBytes(mem: Memory, addr: bigint, n: number): Uint8Array | undefined {
  try {
    return mem.readBytes(addr, n, 'format argument read');
  } catch {
    return undefined;
  }
}

function ip6(b: Uint8Array, colons: boolean): string {
  const groups: string[] = [];
  for (let i = 0; i < 16; i += 2) groups.push(((b[i] << 8) | b[i + 1]).toString(16).padStart(4, '0'));
  return colons ? groups.join(':') : groups.join('');
}

export function bpfFormat(fmt: string, args: readonly bigint[], mem: Memory): FormatResult {
  let out = '';
  let used = 0;
  for (let i = 0; i < fmt.length; i++) {
    const ch = fmt[i];
    const code = ch.charCodeAt(0);
    if (code > 127 || (code < 32 && !/\s/.test(ch))) return { ok: false, reason: `format contains the non-printable byte 0x${code.toString(16)}` };
    if (ch !== '%') {
      out += ch;
      continue;
    }
    if (fmt[i + 1] === '%') {
      out += '%';
      i++;
      continue;
    }
    if (used >= args.length) return { ok: false, reason: `format has more conversions than the ${args.length} argument(s) available` };
    i++;
    let flags = '';
    while ('0+- '.includes(fmt[i] ?? 'x') && i < fmt.length) flags += fmt[i++];
    let width = 0;
    // The kernel prints into a 1 KiB buffer; a wider field could only be cut off.
    while (i < fmt.length && fmt[i] >= '0' && fmt[i] <= '9') width = Math.min(1024, width * 10 + Number(fmt[i++]));
    const arg = args[used++];
    const c = fmt[i];
    if (c === 'p') {
      const next = fmt[i + 1] ?? '';
      const next2 = fmt[i + 2] ?? '';
      if ((next === 'i' || next === 'I') && (next2 === '4' || next2 === '6')) {
        i += 2;
        const b = readBytes(mem, arg, next2 === '4' ? 4 : 16);
        if (!b) out += pad('(efault)', width, flags);
        else if (next2 === '4') out += pad(Array.from(b, (x) => (next === 'i' ? x.toString().padStart(3, '0') : x.toString())).join('.'), width, flags);
        else out += pad(ip6(b, next === 'I'), width, flags);
        continue;
      }
      if ((next === 'k' || next === 'u') && next2 === 's') {
        i += 2;
        out += pad(mem.readCString(arg, 1024) ?? '(efault)', width, flags);
        continue;
      }
      if ('xKBsS'.includes(next) && next !== '') i++;
      out += pad(BigInt.asUintN(64, arg).toString(16).padStart(16, '0'), width, flags);
      continue;
    }
    if (c === 's') {
      out += pad(mem.readCString(arg, 1024) ?? '', width, flags);
      continue;
    }
    if (c === 'c') {
      out += pad(String.fromCharCode(Number(arg & 0xffn)), width, flags);
      continue;
    }
    let bits = 32;
    if (fmt[i] === 'l') {
      bits = 64;
      i++;
      if (fmt[i] === 'l') i++;
    }
    const conv = fmt[i];
    let text: string;
    switch (conv) {
      case 'd':
      case 'i': {
        const v = BigInt.asIntN(bits, arg);
        text = (v >= 0n && flags.includes('+') ? '+' : v >= 0n && flags.includes(' ') ? ' ' : '') + v.toString();
        break;
      }
      case 'u':
        text = BigInt.asUintN(bits, arg).toString();
        break;
      case 'x':
        text = BigInt.asUintN(bits, arg).toString(16);
        break;
      case 'X':
        text = BigInt.asUintN(bits, arg).toString(16).toUpperCase();
        break;
      default:
        return { ok: false, reason: `unsupported conversion '%${fmt.slice(i - (bits === 64 ? 1 : 0), i + 1)}' (the kernel accepts d i u x X c s p with l/ll)` };
    }
    out += pad(text, width, flags);
  }
  return { ok: true, text: out };
}
