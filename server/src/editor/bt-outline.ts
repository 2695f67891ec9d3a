// The outline of a bpftrace script: document symbols (probes, functions, macros, @maps), folding
// ranges (probe and statement blocks, block comments), and rename rules for its symbols.
import type { Range } from '../core/types';
import type * as A from '../probe/ast';
import { builtinInfo, functionInfo } from '../probe/catalog';
import type { ProbeDoc } from './bt-doc';
import type { RenameRules } from './symbols-nav';
import type { DocSymbol, FoldRange } from './types';

function probeName(p: A.Probe): string {
  return p.attachPoints.map((ap) => ap.raw).join(', ');
}

export function btDocumentSymbols(doc: ProbeDoc): DocSymbol[] {
  const out: DocSymbol[] = [];
  for (const p of doc.ast.probes) {
    const first = p.attachPoints[0];
    out.push({ name: probeName(p) || 'probe', detail: p.predicate ? 'with predicate' : undefined, kind: 'event', range: p.range, selectionRange: first?.range ?? p.range });
  }
  for (const f of doc.ast.fns) out.push({ name: f.name, detail: 'fn', kind: 'function', range: f.range, selectionRange: f.nameRange });
  for (const m of doc.ast.macros) out.push({ name: m.name, detail: 'macro', kind: 'function', range: m.range, selectionRange: m.nameRange });
  for (const c of doc.ast.cdefs) if (c.name) out.push({ name: `${c.tag} ${c.name}`, kind: 'struct', range: c.range, selectionRange: c.range });
  for (const o of doc.occurrences.values()) {
    if (o.kind !== 'map') continue;
    const at = o.definitions[0] ?? o.references[0];
    if (at) out.push({ name: o.name, detail: `map, ${o.definitions.length + o.references.length} use(s)`, kind: 'variable', range: at, selectionRange: at });
  }
  return out.sort((a, b) => a.range.start.line - b.range.start.line || a.range.start.col - b.range.start.col);
}

function blockFold(r: Range, out: FoldRange[]): void {
  // Fold up to the line before the closing brace, so the brace stays visible.
  const end = r.end.line - 1;
  if (end > r.start.line) out.push({ startLine: r.start.line, endLine: end, kind: 'region' });
}

function stmtFolds(stmts: readonly A.Stmt[], out: FoldRange[], depth = 0): void {
  if (depth > 100) return;
  for (const s of stmts) {
    const blocks: A.Block[] = [];
    if (s.kind === 'If') {
      blocks.push(s.then);
      if (s.else?.kind === 'Block') blocks.push(s.else);
      else if (s.else) stmtFolds([s.else], out, depth + 1);
    } else if (s.kind === 'While' || s.kind === 'For' || s.kind === 'Unroll') blocks.push(s.body);
    else if (s.kind === 'Block') blocks.push(s);
    for (const b of blocks) {
      blockFold(b.range, out);
      stmtFolds(b.stmts, out, depth + 1);
    }
  }
}

export function btFoldingRanges(doc: ProbeDoc): FoldRange[] {
  const out: FoldRange[] = [];
  for (const p of doc.ast.probes) {
    const end = p.range.end.line - 1;
    if (end > p.range.start.line) out.push({ startLine: p.range.start.line, endLine: end, kind: 'region' });
    stmtFolds(p.body.stmts, out);
  }
  for (const f of doc.ast.fns) {
    blockFold(f.range, out);
    stmtFolds(f.body.stmts, out);
  }
  for (const m of doc.ast.macros) blockFold(m.range, out);
  for (const c of doc.ast.cdefs) blockFold(c.range, out);
  if (doc.ast.config) blockFold(doc.ast.config.range, out);
  // Block comments.
  const text = doc.text;
  let line = 0;
  let inStr = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (c === '\n') {
      line++;
      inStr = false;
      continue;
    }
    if (c === '"' && text[i - 1] !== '\\') inStr = !inStr;
    if (inStr) continue;
    if (c === '/' && text[i + 1] === '/') {
      while (i < text.length && text[i] !== '\n') i++;
      i--;
      continue;
    }
    if (c === '/' && text[i + 1] === '*') {
      const start = line;
      let j = i + 2;
      while (j < text.length && !(text[j] === '*' && text[j + 1] === '/')) {
        if (text[j] === '\n') line++;
        j++;
      }
      if (line > start) out.push({ startLine: start, endLine: line, kind: 'comment' });
      i = j + 1;
    }
  }
  return out.sort((a, b) => a.startLine - b.startLine);
}

const IDENT = /^[A-Za-z_][A-Za-z0-9_]*$/;

export function btRenameRules(doc: ProbeDoc): RenameRules {
  const taken = (key: string) => doc.occurrences.has(key);
  return {
    spell(newName, symbol) {
      if (symbol.kind === 'map' && !newName.startsWith('@')) return '@' + newName;
      if (symbol.kind === 'variable' && !newName.startsWith('$')) return '$' + newName;
      return newName;
    },
    validate(newName, symbol) {
      if (newName === symbol.name) return undefined;
      if (symbol.kind === 'map') {
        if (!/^@[A-Za-z_][A-Za-z0-9_]*$/.test(newName)) return `'${newName}' is not a map name (@ then letters, digits, _)`;
        if (taken(`map:${newName}`)) return `map ${newName} already exists in this script`;
        return undefined;
      }
      if (symbol.kind === 'variable') {
        if (!/^\$[A-Za-z_][A-Za-z0-9_]*$/.test(newName)) return `'${newName}' is not a variable name ($ then letters, digits, _; $1 is a parameter)`;
        for (const [k, o] of doc.occurrences) {
          if (o === symbol) {
            const scopePrefix = k.slice(0, k.lastIndexOf(':') + 1);
            if (taken(scopePrefix + newName)) return `variable ${newName} already exists in this scope`;
          }
        }
        return undefined;
      }
      if (!IDENT.test(newName)) return `'${newName}' is not a valid name`;
      if (functionInfo(newName) || builtinInfo(newName)) return `'${newName}' is a builtin name`;
      if (taken(`fn:${newName}`) || taken(`macro:${newName}`)) return `'${newName}' already exists in this script`;
      return undefined;
    },
  };
}
