// Formatting for eBPF assembly: labels at column 0 (an instruction after a label moves to its own
// line), instructions and data indented 4, section-level directives at column 0, runs of spaces
// inside a statement collapsed, and trailing comments of a block aligned to one column.
import type { TextEdit } from '../core/types';
import { commentStart } from '../asm/lexer';

const INDENT = '    ';
/** Directives that structure the file rather than emit code. */
const TOP_LEVEL = /^\.(section|text|map|globl|global|license|data|rodata|bss)\b/i;
/** A comment column further right than this is not worth aligning to. */
const MAX_COMMENT_COL = 56;

interface Stmt {
  /** Code with its indentation, without the comment. */
  code: string;
  comment?: string;
}

/** Collapses whitespace runs outside strings. */
function collapse(code: string): string {
  let out = '';
  let inStr = false;
  let space = false;
  for (const c of code) {
    if (c === '"') inStr = !inStr;
    if (!inStr && (c === ' ' || c === '\t')) {
      space = true;
      continue;
    }
    if (space && out) out += ' ';
    space = false;
    out += c;
  }
  return out;
}

/** Splits a leading `name:` (labels) off a statement; names may not contain spaces or quotes. */
function splitLabels(code: string): { labels: string[]; rest: string } {
  const labels: string[] = [];
  let rest = code;
  for (let guard = 0; guard < 16; guard++) {
    const m = /^([A-Za-z_.$][A-Za-z0-9_.$]*|[0-9]+):(?!=)\s*/.exec(rest);
    if (!m) break;
    labels.push(m[1] + ':');
    rest = rest.slice(m[0].length);
  }
  return { labels, rest };
}

function formatLine(raw: string): Stmt[] {
  const line = raw.replace(/\s+$/, '');
  const cut = commentStart(line);
  const code = collapse(line.slice(0, cut).trim());
  const comment = cut < line.length ? line.slice(cut).trimEnd() : undefined;
  if (!code) {
    if (comment === undefined) return [{ code: '' }];
    // A whole-line comment keeps its level: column 0 stays, anything indented goes to the code indent.
    return [{ code: /^\S/.test(line) ? comment : INDENT + comment }];
  }
  const { labels, rest } = splitLabels(code);
  const out: Stmt[] = labels.map((l) => ({ code: l }));
  if (rest) out.push({ code: TOP_LEVEL.test(rest) ? rest : INDENT + rest });
  out[out.length - 1].comment = comment;
  return out;
}

/** The formatted text. */
export function formatAsmText(text: string): string {
  const eol = text.includes('\r\n') ? '\r\n' : '\n';
  const stmts = text.split(/\r?\n/).flatMap(formatLine);
  const lines: string[] = [];
  // Align trailing comments within blocks separated by blank lines.
  let block: Stmt[] = [];
  const flush = () => {
    const widths = block.filter((s) => s.comment !== undefined && s.code.length + 2 <= MAX_COMMENT_COL).map((s) => s.code.length);
    const col = widths.length ? Math.max(...widths) + 2 : 0;
    for (const s of block) {
      if (s.comment === undefined) lines.push(s.code);
      else lines.push(s.code.length + 2 <= col ? s.code.padEnd(col) + s.comment : `${s.code} ${s.comment}`);
    }
    block = [];
  };
  for (const s of stmts) {
    if (s.code === '' && s.comment === undefined) {
      flush();
      lines.push('');
    } else block.push(s);
  }
  flush();
  return lines.join(eol);
}

/** Edits turning `text` into its formatted form: one per changed line, or one for the whole text when lines move. */
export function formatAsm(text: string): TextEdit[] {
  return diffEdits(text, formatAsmText(text));
}

/** Minimal line-wise edits from `before` to `after`. */
export function diffEdits(before: string, after: string): TextEdit[] {
  if (before === after) return [];
  const a = before.split('\n');
  const b = after.split('\n');
  if (a.length !== b.length) {
    const lastLine = a.length - 1;
    return [{ range: { start: { line: 0, col: 0 }, end: { line: lastLine, col: a[lastLine].length } }, newText: after }];
  }
  const edits: TextEdit[] = [];
  for (let i = 0; i < a.length; i++) {
    const x = a[i].replace(/\r$/, '');
    const y = b[i].replace(/\r$/, '');
    if (x !== y) edits.push({ range: { start: { line: i, col: 0 }, end: { line: i, col: x.length } }, newText: y });
  }
  return edits;
}
