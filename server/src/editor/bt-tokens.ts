// Semantic tokens for bpftrace scripts: probe kinds and targets, keywords, builtins, functions,
// @maps, $vars, positional parameters, types, fields, numbers, strings, comments, directives.
import type { Range } from '../core/types';
import { tokenize, type Token } from '../probe/lexer';
import { builtinInfo, functionInfo, KEYWORDS } from '../probe/catalog';
import { INT_TYPE_NAMES } from '../probe/parser';
import { SourceText } from '../probe/source';
import type { ProbeDoc } from './bt-doc';
import type { SemanticToken } from './semantic';

const KEYWORD_NAMES = new Set([...KEYWORDS.map((k) => k.name), 'fn', 'struct', 'union', 'enum', 'typedef', 'import', 'true', 'false', 'return', 'let']);
const C_TYPES = new Set(['char', 'short', 'int', 'long', 'unsigned', 'signed', 'void', 'const', 'volatile', 'string', 'float', 'double', 'bool']);

function pushRange(out: SemanticToken[], r: Range, type: SemanticToken['type'], modifiers?: SemanticToken['modifiers']): void {
  if (r.start.line !== r.end.line) return;
  out.push({ line: r.start.line, col: r.start.col, length: r.end.col - r.start.col, type, modifiers });
}

function commentTokens(text: string, src: SourceText, out: SemanticToken[]): void {
  let inStr = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (c === '\n') inStr = false;
    if (c === '"' && text[i - 1] !== '\\') inStr = !inStr;
    if (inStr) continue;
    if (c === '/' && (text[i + 1] === '/' || text[i + 1] === '*')) {
      const block = text[i + 1] === '*';
      let j = i + 2;
      while (j < text.length && (block ? !(text[j] === '*' && text[j + 1] === '/') : text[j] !== '\n')) j++;
      const end = block ? Math.min(text.length, j + 2) : j;
      // One token per line: tokens may not span lines.
      let s = i;
      while (s < end) {
        let e = text.indexOf('\n', s);
        if (e < 0 || e > end) e = end;
        const r = src.range(s, e);
        if (e > s) pushRange(out, r, 'comment');
        s = e + 1;
      }
      i = end - 1;
    }
  }
}

export function btSemanticTokens(doc: ProbeDoc): SemanticToken[] {
  const out: SemanticToken[] = [];
  const src = doc.parse.source;
  const attachRanges: Range[] = [];
  for (const p of doc.ast.probes) {
    for (const ap of p.attachPoints) {
      attachRanges.push(ap.range);
      const prov = { start: ap.range.start, end: { line: ap.range.start.line, col: ap.range.start.col + ap.provider.length } };
      pushRange(out, prov, 'namespace');
      ap.partRanges.forEach((r) => pushRange(out, r, 'function'));
    }
  }
  commentTokens(doc.text, src, out);
  const inAttach = (off: number) => {
    const pos = src.pos(off);
    return attachRanges.some((r) => (pos.line > r.start.line || (pos.line === r.start.line && pos.col >= r.start.col)) && (pos.line < r.end.line || (pos.line === r.end.line && pos.col < r.end.col)));
  };
  const { tokens } = tokenize(doc.text);
  let prev: Token | undefined;
  for (let i = 0; i < tokens.length; i++) {
    const t = tokens[i];
    if (t.kind === 'eof') break;
    const next = tokens[i + 1];
    const prevTok = prev;
    prev = t;
    if (inAttach(t.start)) continue;
    const r = src.range(t.start, t.end);
    switch (t.kind) {
      case 'int':
        pushRange(out, r, 'number');
        continue;
      case 'string':
        pushRange(out, r, 'string');
        continue;
      case 'var':
        pushRange(out, r, 'variable');
        continue;
      case 'map':
        pushRange(out, r, 'variable', ['static']);
        continue;
      case 'param':
        pushRange(out, r, 'parameter');
        continue;
      case 'directive':
        pushRange(out, r, 'macro');
        continue;
      case 'ident':
        break;
      default:
        continue;
    }
    const name = t.text;
    const afterDot = prevTok?.kind === 'punct' && (prevTok.text === '.' || prevTok.text === '->');
    const call = next?.kind === 'punct' && next.text === '(';
    if (afterDot) pushRange(out, r, 'property');
    else if (KEYWORD_NAMES.has(name)) pushRange(out, r, 'keyword');
    else if (INT_TYPE_NAMES.has(name) || C_TYPES.has(name) || (prevTok?.kind === 'ident' && ['struct', 'union', 'enum'].includes(prevTok.text))) pushRange(out, r, 'type');
    else if (call && doc.ast.fns.some((f) => f.name === name)) pushRange(out, r, 'function');
    else if (call && doc.ast.macros.some((m) => m.name === name)) pushRange(out, r, 'macro');
    else if (call && functionInfo(name)) pushRange(out, r, 'function', ['defaultLibrary']);
    else if (builtinInfo(name)) pushRange(out, r, 'variable', ['defaultLibrary', 'readonly']);
    else if (/^[A-Z][A-Z0-9_]+$/.test(name)) pushRange(out, r, 'macro');
  }
  return out;
}
