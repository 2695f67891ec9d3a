// Tokens of one assembly line, shared by both dialects.

export type TokKind = 'reg' | 'num' | 'ident' | 'op' | 'str';

export interface Tok {
  kind: TokKind;
  text: string;
  /** 0-based columns in the line. */
  col: number;
  end: number;
  /** For `num`: the value; for `reg`: the register number. */
  value?: bigint;
  /** For `reg`: 'r', 'w' or '%r'. */
  prefix?: string;
  /** Filled by the matcher: the token's shape letter. */
  shape?: string;
}

// Longest first: `s>>=` must win over `s>` and `>>=`.
const OPERATORS = [
  's>>=', '>>=', '<<=', 's>=', 's<=', 's/=', 's%=', 's>', 's<',
  '+=', '-=', '*=', '/=', '%=', '|=', '&=', '^=', '==', '!=', '>=', '<=',
  '>', '<', '=', '&', '(', ')', '[', ']', '*', '+', '-', ',', ':', '{', '}',
];

const OPS_BY_CHAR = new Map<string, string[]>();
for (const op of OPERATORS) {
  const list = OPS_BY_CHAR.get(op[0]) ?? [];
  list.push(op);
  OPS_BY_CHAR.set(op[0], list);
}

export interface LexError {
  col: number;
  end: number;
  message: string;
}

const IDENT_START = /[A-Za-z_.$]/;
const IDENT_CHAR = /[A-Za-z0-9_.$]/;

/** Where a line's comment starts (`;`, `#` or `//`), or the line's length. `#` starts a comment only at a word start. */
export function commentStart(line: string): number {
  let inStr = false;
  for (let i = 0; i < line.length; i++) {
    const c = line[i];
    if (c === '"') inStr = !inStr;
    if (inStr) continue;
    if (c === ';' || (c === '/' && line[i + 1] === '/')) return i;
    if (c === '#' && (i === 0 || /\s/.test(line[i - 1]))) return i;
  }
  return line.length;
}

export function lexLine(line: string, stop = commentStart(line)): { toks: Tok[]; error?: LexError } {
  const toks: Tok[] = [];
  let i = 0;
  while (i < stop) {
    const c = line[i];
    if (c === ' ' || c === '\t' || c === '\r') {
      i++;
      continue;
    }
    const start = i;
    if (c === '"') {
      let j = i + 1;
      while (j < stop && line[j] !== '"') j += line[j] === '\\' ? 2 : 1;
      if (j >= stop) return { toks, error: { col: i, end: stop, message: 'unterminated string' } };
      toks.push({ kind: 'str', text: line.slice(i + 1, j), col: i, end: j + 1 });
      i = j + 1;
      continue;
    }
    if (/[0-9]/.test(c)) {
      let j = i;
      while (j < stop && /[0-9A-Za-z_]/.test(line[j])) j++;
      const text = line.slice(i, j);
      const value = parseNumber(text);
      if (value === undefined) return { toks, error: { col: i, end: j, message: `'${text}' is not a number` } };
      toks.push({ kind: 'num', text, col: i, end: j, value });
      i = j;
      continue;
    }
    if (c === '%' && /[rw]/.test(line[i + 1] ?? '')) {
      let j = i + 2;
      while (j < stop && IDENT_CHAR.test(line[j])) j++;
      toks.push(regOrIdent(line.slice(i, j), i, j, '%'));
      i = j;
      continue;
    }
    // `s>` and friends: an `s` glued to a comparison or compound operator.
    if (c === 's' && /[<>/%]/.test(line[i + 1] ?? '')) {
      const op = OPERATORS.find((o) => o.startsWith('s') && line.startsWith(o, i));
      if (op) {
        toks.push({ kind: 'op', text: op, col: i, end: i + op.length });
        i += op.length;
        continue;
      }
    }
    if (IDENT_START.test(c)) {
      let j = i + 1;
      while (j < stop && IDENT_CHAR.test(line[j])) j++;
      toks.push(regOrIdent(line.slice(i, j), i, j, ''));
      i = j;
      continue;
    }
    const op = OPS_BY_CHAR.get(c)?.find((o) => line.startsWith(o, i));
    if (op) {
      toks.push({ kind: 'op', text: op, col: start, end: start + op.length });
      i += op.length;
      continue;
    }
    return { toks, error: { col: i, end: i + 1, message: `unexpected character '${c}'` } };
  }
  return { toks };
}

function regOrIdent(text: string, col: number, end: number, pct: string): Tok {
  const m = /^%?([rw])([0-9]+)$/.exec(text);
  if (m && (pct === '%' ? text.startsWith('%') : true)) {
    return { kind: 'reg', text, col, end, value: BigInt(m[2]), prefix: pct + m[1] };
  }
  return { kind: 'ident', text, col, end };
}

/** Decimal, 0x hex, 0o/0 octal-free, 0b binary; underscores not allowed (as llvm-mc). */
export function parseNumber(text: string): bigint | undefined {
  if (/^0x[0-9a-f]+$/i.test(text) || /^0b[01]+$/i.test(text) || /^[0-9]+$/.test(text)) {
    try {
      return BigInt(text);
    } catch {
      return undefined;
    }
  }
  return undefined;
}
