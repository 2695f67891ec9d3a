// Semantic tokens for eBPF assembly: mnemonics and syntax words, registers, numbers, labels and
// subprograms, maps, helpers, directives, section names and comments.
import { helperId } from '../isa/helpers';
import { FORMS_BY_MNEMONIC } from '../isa/table';
import type { AsmDoc } from './asm-doc';
import type { SemanticToken } from './semantic';

const SYNTAX_WORDS = new Set(['goto', 'gotol', 'if', 'call', 'callx', 'exit', 'll', 'lock', 'local', 'kfunc', 'may_goto', 'skb', 'fetch']);
/** LLVM-syntax words that name an operation inside an operand: `r1 = be16 r1`, `xchg_64(...)`. */
const OPERATION_WORD = /^(le|be|bswap)(16|32|64)$|^(xchg|cmpxchg)(32)?_(32|64)$|^atomic_fetch_|^addr_space_cast$/;
const TYPE_WORD = /^[us](8|16|32|64)$/;

export function asmSemanticTokens(doc: AsmDoc): SemanticToken[] {
  const out: SemanticToken[] = [];
  for (let line = 0; line < doc.lines.length; line++) {
    const text = doc.lines[line].replace(/\r$/, '');
    const lt = doc.tokens(line);
    if (lt.comment < text.length) out.push({ line, col: lt.comment, length: text.length - lt.comment, type: 'comment' });
    if (lt.section) {
      const d = lt.toks[0];
      out.push({ line, col: d.col, length: d.end - d.col, type: 'macro' });
      out.push({ line, col: lt.section.col, length: lt.section.end - lt.section.col, type: 'namespace' });
      continue;
    }
    const t = lt.toks;
    let i = 0;
    for (; i + 1 < t.length && (t[i].kind === 'ident' || t[i].kind === 'num') && t[i + 1].text === ':'; i += 2) {
      const fn = doc.labels.get(t[i].text)?.kind === 'function';
      out.push({ line, col: t[i].col, length: t[i].end - t[i].col, type: fn ? 'function' : 'label', modifiers: ['declaration'] });
    }
    const first = i;
    const isDirective = t[first]?.kind === 'ident' && t[first].text.startsWith('.');
    for (; i < t.length; i++) {
      const tok = t[i];
      const len = tok.end - tok.col;
      const push = (type: SemanticToken['type'], modifiers?: SemanticToken['modifiers']) => out.push({ line, col: tok.col, length: len, type, modifiers });
      switch (tok.kind) {
        case 'reg':
          push('variable', tok.value === 10n ? ['readonly'] : undefined);
          continue;
        case 'num':
          push('number');
          continue;
        case 'str':
          push('string');
          continue;
        case 'op':
          continue;
      }
      const name = tok.text;
      if (i === first && isDirective) {
        push('macro');
        continue;
      }
      if (isDirective && i === first + 1 && t[first].text === '.map') {
        push('struct', ['declaration']);
        continue;
      }
      if (doc.maps.has(name)) push('struct');
      else if (doc.labels.has(name) && !(i === first && doc.dialect === 'mnemonic')) push(doc.labels.get(name)!.kind === 'function' ? 'function' : 'label');
      else if (helperId(name) !== undefined && i > first) push('function', ['defaultLibrary']);
      else if (SYNTAX_WORDS.has(name.toLowerCase()) || OPERATION_WORD.test(name)) push('keyword');
      else if (i === first && (FORMS_BY_MNEMONIC.has(name.toLowerCase()) || /^[a-z]/.test(name))) push('keyword');
      else if (TYPE_WORD.test(name)) push('type');
      else if (isDirective) push('enumMember');
    }
  }
  return out;
}
