// Formatting for bpftrace scripts in the style of bpftrace's own tools (/usr/sbin/*.bt): a probe's
// `{` on its own line under the attach points, one indent (a tab by default) per brace level,
// no trailing whitespace, at most one blank line in a row. Lines are re-indented, never reflowed,
// and block comments and preprocessor lines are left as written.
import type { TextEdit } from '../core/types';
import { diffEdits } from './asm-format';

export interface BtFormatOptions {
  /** One level of indentation; a tab, as the bpftrace tools write. */
  indent?: string;
}

/** Extra indentation of a line that continues an unclosed parenthesis, as the tools write it. */
const CONTINUATION = '    ';

/** Tops of blocks whose `{` stays on the line (everything else at the top level is a probe header). */
const INLINE_BRACE_TOP = /^(config\b|fn\b|macro\b|struct\b|union\b|enum\b|typedef\b|let\b|#)/;

interface Scan {
  /** Brace depth change over the line, counted outside strings and comments. */
  delta: number;
  /** Closing braces at the start of the line (they dedent the line itself). */
  leadingClose: number;
  /** Parenthesis depth change: a call spread over lines continues on the next. */
  parens: number;
  /** The line ends inside a block comment. */
  inComment: boolean;
}

function scanLine(line: string, inComment: boolean): Scan {
  let delta = 0;
  let parens = 0;
  let leadingClose = 0;
  let seenCode = false;
  let inStr = false;
  for (let i = 0; i < line.length; i++) {
    const c = line[i];
    if (inComment) {
      if (c === '*' && line[i + 1] === '/') {
        inComment = false;
        i++;
      }
      continue;
    }
    if (inStr) {
      if (c === '\\') i++;
      else if (c === '"') inStr = false;
      continue;
    }
    if (c === '/' && line[i + 1] === '/') break;
    if (c === '/' && line[i + 1] === '*') {
      inComment = true;
      i++;
      continue;
    }
    if (c === '"') inStr = true;
    if (c === '(') parens++;
    if (c === ')') parens--;
    if (c === '{') delta++;
    if (c === '}') {
      delta--;
      if (!seenCode) leadingClose++;
    }
    if (c !== '}' && c !== ' ' && c !== '\t') seenCode = true;
  }
  return { delta, leadingClose, parens, inComment };
}

export function formatBtText(text: string, options: BtFormatOptions = {}): string {
  const unit = options.indent ?? '\t';
  const eol = text.includes('\r\n') ? '\r\n' : '\n';
  const src = text.split(/\r?\n/);
  const out: string[] = [];
  let depth = 0;
  let parens = 0;
  /** The previous code line ended with an operator or a comma: this line continues it. */
  let dangling = false;
  let inComment = false;
  let blank = 0;
  for (const raw of src) {
    const startsInComment = inComment;
    const trimmedEnd = raw.replace(/\s+$/, '');
    const body = trimmedEnd.trimStart();
    if (startsInComment) {
      // Inside a block comment: keep the author's layout.
      out.push(trimmedEnd);
      inComment = scanLine(trimmedEnd, true).inComment;
      continue;
    }
    if (body === '') {
      if (++blank <= 1) out.push('');
      continue;
    }
    blank = 0;
    const s = scanLine(body, false);
    inComment = s.inComment;
    if (body.startsWith('#')) {
      out.push(body);
      continue;
    }
    const level = Math.max(0, depth - s.leadingClose);
    // A probe header with its brace on the same line: the brace moves to a line of its own.
    if (depth === 0 && body.endsWith('{') && body !== '{' && !INLINE_BRACE_TOP.test(body) && s.delta === 1 && !body.includes('//')) {
      out.push(body.slice(0, -1).trimEnd());
      out.push('{');
    } else {
      const continues = (parens > 0 && !body.startsWith(')')) || (dangling && depth > 0 && !body.startsWith('{'));
      out.push(unit.repeat(level) + (continues ? CONTINUATION : '') + body);
    }
    depth = Math.max(0, depth + s.delta);
    parens = Math.max(0, parens + s.parens);
    // Comment-only lines do not end a statement, and neither do the comments after code.
    const code = body.replace(/\/\*.*?\*\//g, '').replace(/\/\/.*$|\/\*.*$/, '').trimEnd();
    if (code) dangling = /(?:[=,+\-*/%&|^?:<>]|&&|\|\|)$/.test(code) && !/(\+\+|--)$/.test(code);
  }
  // Drop blank lines at the end, keeping a final newline if there was one.
  while (out.length > 1 && out[out.length - 1] === '' && out[out.length - 2] === '') out.pop();
  return out.join(eol);
}

export function formatBt(text: string, options: BtFormatOptions = {}): TextEdit[] {
  return diffEdits(text, formatBtText(text, options));
}
