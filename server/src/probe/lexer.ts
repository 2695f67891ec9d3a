// The bpftrace lexer: an on-demand scanner. The parser pulls one token at a time and, at the
// start of a probe, asks for the raw attach-point text instead (attach points are not made of
// ordinary tokens: `uprobe:/bin/bash:readline`, `kprobe:lookup_fast.constprop.*`).

export type TokKind =
  | 'ident'
  | 'int'
  | 'string'
  | 'var' // $name
  | 'param' // $1, $#
  | 'map' // @name or @
  | 'punct'
  | 'directive' // a preprocessor line, `#include <x>`; also the shebang
  | 'bad'
  | 'eof';

export interface Token {
  kind: TokKind;
  /** Source text of the token (for punct: the operator; for var/map: with its sigil). */
  text: string;
  start: number;
  end: number;
  /** int: the value. */
  value?: bigint;
  /** int: the unit suffix, if a duration (value is then already in nanoseconds). */
  unit?: string;
  /** string: the decoded contents. */
  str?: string;
}

export interface LexError {
  start: number;
  end: number;
  message: string;
  code: string;
}

// Longest first, so `<<=` wins over `<<` and `<`.
const PUNCTS = [
  '<<=', '>>=',
  '..', '->', '++', '--', '+=', '-=', '*=', '/=', '%=', '&=', '|=', '^=', '==', '!=', '<=', '>=', '&&', '||', '<<', '>>',
  '+', '-', '*', '/', '%', '&', '|', '^', '!', '~', '<', '>', '=', '?', ':', ';', ',', '.', '(', ')', '[', ']', '{', '}',
];

/** Duration suffixes, in nanoseconds. */
export const DURATION_NS: Record<string, bigint> = {
  ns: 1n,
  us: 1000n,
  ms: 1000_000n,
  s: 1000_000_000n,
  m: 60n * 1000_000_000n,
  h: 3600n * 1000_000_000n,
  d: 86400n * 1000_000_000n,
};

const C_INT_SUFFIX = /^(?:[uU](?:ll|LL|l|L)?|(?:ll|LL|l|L)[uU]?)$/;

const isIdStart = (c: string): boolean => (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c === '_';
const isIdChar = (c: string): boolean => isIdStart(c) || (c >= '0' && c <= '9');
const isDigit = (c: string): boolean => c >= '0' && c <= '9';
const isSpace = (c: string): boolean => c === ' ' || c === '\t' || c === '\n' || c === '\r' || c === '\f' || c === '\v';

export class Lexer {
  readonly text: string;
  pos = 0;
  readonly errors: LexError[] = [];

  constructor(text: string) {
    this.text = text;
  }

  private err(start: number, end: number, message: string, code: string): void {
    this.errors.push({ start, end, message, code });
  }

  /** Skips whitespace and comments; reports an unterminated block comment once. */
  skipTrivia(): void {
    const t = this.text;
    while (this.pos < t.length) {
      const c = t[this.pos]!;
      if (isSpace(c)) {
        this.pos++;
      } else if (c === '/' && t[this.pos + 1] === '/') {
        const nl = t.indexOf('\n', this.pos);
        this.pos = nl < 0 ? t.length : nl;
      } else if (c === '/' && t[this.pos + 1] === '*') {
        const close = t.indexOf('*/', this.pos + 2);
        if (close < 0) {
          this.err(this.pos, this.pos + 2, 'This comment is never closed: add "*/" where it should end.', 'probe.unterminated-comment');
          this.pos = t.length;
        } else {
          this.pos = close + 2;
        }
      } else {
        return;
      }
    }
  }

  /** True when only blanks precede `offset` on its line (where a `#` starts a directive). */
  private atLineStart(offset: number): boolean {
    for (let i = offset - 1; i >= 0; i--) {
      const c = this.text[i]!;
      if (c === '\n') return true;
      if (c !== ' ' && c !== '\t') return false;
    }
    return true;
  }

  next(): Token {
    this.skipTrivia();
    const t = this.text;
    const start = this.pos;
    if (start >= t.length) return { kind: 'eof', text: '', start, end: start };
    const c = t[start]!;

    if (c === '#' && this.atLineStart(start)) return this.directive(start);
    if (isIdStart(c)) {
      let i = start + 1;
      while (i < t.length && isIdChar(t[i]!)) i++;
      this.pos = i;
      return { kind: 'ident', text: t.slice(start, i), start, end: i };
    }
    if (isDigit(c)) return this.number(start);
    if (c === '"') return this.string(start);
    if (c === '$') {
      let i = start + 1;
      if (t[i] === '#') {
        this.pos = i + 1;
        return { kind: 'param', text: '$#', start, end: i + 1 };
      }
      if (i < t.length && isDigit(t[i]!)) {
        while (i < t.length && isDigit(t[i]!)) i++;
        this.pos = i;
        return { kind: 'param', text: t.slice(start, i), start, end: i };
      }
      if (i < t.length && isIdStart(t[i]!)) {
        while (i < t.length && isIdChar(t[i]!)) i++;
        this.pos = i;
        return { kind: 'var', text: t.slice(start, i), start, end: i };
      }
      this.pos = start + 1;
      this.err(start, start + 1, 'A "$" must be followed by a variable name ($name) or a parameter number ($1).', 'probe.bad-variable');
      return { kind: 'bad', text: '$', start, end: start + 1 };
    }
    if (c === '@') {
      let i = start + 1;
      if (i < t.length && isIdStart(t[i]!)) while (i < t.length && isIdChar(t[i]!)) i++;
      this.pos = i;
      return { kind: 'map', text: t.slice(start, i), start, end: i };
    }
    for (const p of PUNCTS) {
      if (t.startsWith(p, start)) {
        this.pos = start + p.length;
        return { kind: 'punct', text: p, start, end: this.pos };
      }
    }
    // One unknown character: report it and keep going.
    const cp = t.codePointAt(start)!;
    const len = cp > 0xffff ? 2 : 1;
    this.pos = start + len;
    const shown = c === "'" ? "' (character literals are not supported: use the ASCII code, e.g. 65 for 'A')" : `'${t.slice(start, start + len)}'`;
    this.err(start, start + len, `Unexpected character ${shown}.`, 'probe.bad-char');
    return { kind: 'bad', text: t.slice(start, start + len), start, end: this.pos };
  }

  private directive(start: number): Token {
    const t = this.text;
    let i = start;
    // A directive runs to the end of its line; a trailing backslash continues it.
    while (i < t.length) {
      const nl = t.indexOf('\n', i);
      const lineEnd = nl < 0 ? t.length : nl;
      const body = t.slice(i, lineEnd).replace(/\r$/, '');
      if (body.endsWith('\\') && nl >= 0) {
        i = nl + 1;
        continue;
      }
      i = lineEnd;
      break;
    }
    let end = i;
    if (end > start && t[end - 1] === '\r') end--;
    this.pos = i;
    return { kind: 'directive', text: t.slice(start, end), start, end };
  }

  private number(start: number): Token {
    const t = this.text;
    let i = start;
    let value: bigint;
    let digits: string;
    if (t[i] === '0' && (t[i + 1] === 'x' || t[i + 1] === 'X')) {
      i += 2;
      const ds = i;
      while (i < t.length && /[0-9a-fA-F_]/.test(t[i]!)) i++;
      digits = t.slice(ds, i).replace(/_/g, '');
      if (!digits) {
        this.pos = i;
        this.err(start, i, 'A hexadecimal number needs digits after "0x".', 'probe.bad-number');
        return { kind: 'int', text: t.slice(start, i), start, end: i, value: 0n };
      }
      value = BigInt('0x' + digits);
    } else {
      while (i < t.length && (isDigit(t[i]!) || t[i] === '_')) i++;
      digits = t.slice(start, i).replace(/_/g, '');
      if (digits.length > 1 && digits.startsWith('0')) {
        if (/[89]/.test(digits)) {
          this.err(start, i, `"${digits}" is read as octal (it starts with 0) but has the digit 8 or 9.`, 'probe.bad-number');
          value = BigInt(digits);
        } else {
          value = BigInt('0o' + digits.slice(1));
        }
      } else {
        value = BigInt(digits);
      }
      // Scientific notation is integer-only: 1e6 == 1000000.
      if ((t[i] === 'e' || t[i] === 'E') && isDigit(t[i + 1] ?? '')) {
        let j = i + 1;
        while (j < t.length && isDigit(t[j]!)) j++;
        const exp = Number(t.slice(i + 1, j));
        value = exp > 40 ? value * 10n ** 40n : value * 10n ** BigInt(exp);
        i = j;
      }
    }
    // Suffix: a duration unit or a C integer suffix; anything else glued on is an error.
    let j = i;
    while (j < t.length && isIdChar(t[j]!)) j++;
    const suffix = t.slice(i, j);
    let unit: string | undefined;
    if (suffix) {
      const ns = DURATION_NS[suffix];
      if (ns !== undefined) {
        value *= ns;
        unit = suffix;
      } else if (!C_INT_SUFFIX.test(suffix)) {
        this.err(start, j, `"${t.slice(start, j)}" is not a number: unknown suffix "${suffix}" (allowed: ns, us, ms, s, m, h, d, or C suffixes like UL).`, 'probe.bad-number');
      }
    }
    if (value >= 1n << 64n) {
      this.err(start, j, `${t.slice(start, j)} does not fit in 64 bits.`, 'probe.number-too-big');
      value &= (1n << 64n) - 1n;
    }
    this.pos = j;
    const tok: Token = { kind: 'int', text: t.slice(start, j), start, end: j, value };
    if (unit) tok.unit = unit;
    return tok;
  }

  private string(start: number): Token {
    const t = this.text;
    let i = start + 1;
    let out = '';
    while (i < t.length) {
      const c = t[i]!;
      if (c === '"') {
        this.pos = i + 1;
        return { kind: 'string', text: t.slice(start, i + 1), start, end: i + 1, str: out };
      }
      if (c === '\n') break;
      if (c === '\\') {
        const e = t[i + 1] ?? '';
        const simple: Record<string, string> = { n: '\n', t: '\t', r: '\r', '\\': '\\', '"': '"', "'": "'", a: '\x07', b: '\b', f: '\f', v: '\v', e: '\x1b' };
        if (simple[e] !== undefined) {
          out += simple[e];
          i += 2;
        } else if (e === 'x') {
          const m = /^[0-9a-fA-F]{1,2}/.exec(t.slice(i + 2, i + 4));
          if (!m) {
            this.err(i, i + 2, 'A "\\x" escape needs one or two hex digits, e.g. "\\x41".', 'probe.bad-escape');
            i += 2;
          } else {
            out += String.fromCharCode(parseInt(m[0], 16));
            i += 2 + m[0].length;
          }
        } else if (e >= '0' && e <= '7') {
          const m = /^[0-7]{1,3}/.exec(t.slice(i + 1, i + 4))!;
          out += String.fromCharCode(parseInt(m[0], 8) & 0xff);
          i += 1 + m[0].length;
        } else {
          this.err(i, i + 2, `Unknown escape "\\${e}" in a string (known: \\n \\t \\r \\\\ \\" \\xNN \\0NN).`, 'probe.bad-escape');
          out += e;
          i += 2;
        }
        continue;
      }
      out += c;
      i++;
    }
    this.pos = i;
    this.err(start, i, 'This string is never closed: add a closing " on the same line.', 'probe.unterminated-string');
    return { kind: 'string', text: t.slice(start, i), start, end: i, str: out };
  }

  /**
   * Reads one attach point's raw text starting at `offset`: everything up to blank space, a
   * comma, a brace or a semicolon; a quoted part (`uprobe:"/my path/a":f`) may hold any of them.
   */
  scanAttachPoint(offset: number): { text: string; start: number; end: number } {
    const t = this.text;
    let i = offset;
    while (i < t.length) {
      const c = t[i]!;
      if (isSpace(c) || c === ',' || c === '{' || c === '}' || c === ';') break;
      if (c === '/' && (t[i + 1] === '/' || t[i + 1] === '*')) break;
      if (c === '"') {
        const close = t.indexOf('"', i + 1);
        const nl = t.indexOf('\n', i + 1);
        if (close < 0 || (nl >= 0 && nl < close)) {
          this.err(i, nl < 0 ? t.length : nl, 'This quoted part of the attach point is never closed.', 'probe.unterminated-string');
          i = nl < 0 ? t.length : nl;
          break;
        }
        i = close + 1;
        continue;
      }
      i++;
    }
    this.pos = i;
    return { text: t.slice(offset, i), start: offset, end: i };
  }
}

/** All tokens of a text (without the eof), for tests and highlighting. Always terminates. */
export function tokenize(text: string): { tokens: Token[]; errors: LexError[] } {
  const lx = new Lexer(text);
  const tokens: Token[] = [];
  // Each call consumes at least one character or returns eof.
  for (let guard = 0; guard <= text.length + 1; guard++) {
    const tok = lx.next();
    if (tok.kind === 'eof') break;
    tokens.push(tok);
  }
  return { tokens, errors: lx.errors };
}
