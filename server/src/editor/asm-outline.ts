// The outline of an assembly document: document symbols (sections with their subprograms and
// labels, maps), folding ranges, and rename rules for its symbols.
import { sectionInfo } from '../core/sections';
import type { Range } from '../core/types';
import { helperId } from '../isa/helpers';
import { rng, type AsmDoc, type LabelInfo } from './asm-doc';
import type { RenameRules } from './symbols-nav';
import type { DocSymbol, FoldRange } from './types';

function lastCodeLine(doc: AsmDoc, from: number, to: number): number {
  let end = to;
  while (end > from && isBlankOrComment(doc, end)) end--;
  return end;
}

function isBlankOrComment(doc: AsmDoc, line: number): boolean {
  const lt = doc.tokens(line);
  return lt.toks.length === 0 && !lt.section;
}

function lineEnd(doc: AsmDoc, line: number): number {
  return (doc.lines[line] ?? '').replace(/\r$/, '').length;
}

function labelSymbols(doc: AsmDoc, labels: LabelInfo[], endLine: number): DocSymbol[] {
  return labels.map((l, i) => {
    const next = labels[i + 1]?.range.start.line ?? endLine + 1;
    const last = lastCodeLine(doc, l.range.start.line, next - 1);
    const slot = l.slot !== undefined ? `slot ${l.slot}` : undefined;
    return {
      name: l.name,
      detail: l.kind === 'function' ? ['subprogram', slot].filter(Boolean).join(', ') : slot,
      kind: l.kind === 'function' ? 'function' : 'label',
      range: { start: l.range.start, end: { line: last, col: lineEnd(doc, last) } },
      selectionRange: l.range,
    };
  });
}

export function asmDocumentSymbols(doc: AsmDoc): DocSymbol[] {
  const out: DocSymbol[] = [];
  const labels = [...doc.labels.values()].sort((a, b) => a.range.start.line - b.range.start.line);
  const firstSection = doc.sections[0]?.startLine ?? doc.lines.length;
  // Code before any .section is in .text.
  out.push(...labelSymbols(doc, labels.filter((l) => l.range.start.line < firstSection), firstSection - 1));
  for (const s of doc.sections) {
    const inside = labels.filter((l) => l.range.start.line > s.startLine && l.range.start.line <= s.endLine);
    const last = lastCodeLine(doc, s.startLine, s.endLine);
    const info = sectionInfo(s.name);
    const program = doc.result.programs.find((p) => p.section === s.name);
    const detail = program ? `${info.type}, ${program.insns.length} insns` : s.name === '.text' ? '.text' : 'data';
    out.push({
      name: s.name,
      detail,
      kind: 'module',
      range: { start: { line: s.startLine, col: 0 }, end: { line: last, col: lineEnd(doc, last) } },
      selectionRange: s.nameRange,
      children: labelSymbols(doc, inside, s.endLine),
    });
  }
  for (const m of doc.maps.values()) {
    if (!m.range) continue;
    const occ = doc.occurrences.get(`map:${m.name}`);
    out.push({
      name: m.name,
      detail: `${m.type} map`,
      kind: 'struct',
      range: m.range,
      selectionRange: occ?.definitions[0] ?? m.range,
    });
  }
  return out.sort((a, b) => a.range.start.line - b.range.start.line);
}

export function asmFoldingRanges(doc: AsmDoc): FoldRange[] {
  const out: FoldRange[] = [];
  for (const s of doc.sections) {
    const last = lastCodeLine(doc, s.startLine, s.endLine);
    if (last > s.startLine) out.push({ startLine: s.startLine, endLine: last, kind: 'region' });
  }
  const fns = [...doc.labels.values()].filter((l) => l.kind === 'function').sort((a, b) => a.range.start.line - b.range.start.line);
  fns.forEach((f, i) => {
    const section = doc.sections.find((s) => f.range.start.line >= s.startLine && f.range.start.line <= s.endLine);
    const limit = Math.min(fns[i + 1]?.range.start.line ?? Infinity, (section?.endLine ?? doc.lines.length - 1) + 1) - 1;
    const last = lastCodeLine(doc, f.range.start.line, limit);
    if (last > f.range.start.line) out.push({ startLine: f.range.start.line, endLine: last, kind: 'region' });
  });
  // Runs of two or more whole-line comments.
  let runStart = -1;
  for (let line = 0; line <= doc.lines.length; line++) {
    const isComment = line < doc.lines.length && /^\s*(;|#|\/\/)/.test(doc.lines[line]);
    if (isComment && runStart < 0) runStart = line;
    if (!isComment && runStart >= 0) {
      if (line - 1 > runStart) out.push({ startLine: runStart, endLine: line - 1, kind: 'comment' });
      runStart = -1;
    }
  }
  return out.sort((a, b) => a.startLine - b.startLine);
}

const NAME_RE = /^[A-Za-z_][A-Za-z0-9_.$]*$/;
const RESERVED = new Set(['goto', 'gotol', 'if', 'call', 'callx', 'll', 'lock', 'local', 'kfunc', 'may_goto', 'exit', 'skb']);

export function asmRenameRules(doc: AsmDoc): RenameRules {
  return {
    validate(newName, symbol) {
      if (!NAME_RE.test(newName)) return `'${newName}' is not a valid name (letters, digits, _ . $; not starting with a digit)`;
      if (/^%?[rw]\d+$/.test(newName)) return `'${newName}' is a register name`;
      if (RESERVED.has(newName)) return `'${newName}' is part of the instruction syntax`;
      if (newName === symbol.name) return undefined;
      if (doc.labels.has(newName) || doc.maps.has(newName)) return `'${newName}' is already defined in this file`;
      if (symbol.kind !== 'map' && helperId(newName) !== undefined) return `'${newName}' is a helper name: calls to it would no longer reach the subprogram`;
      return undefined;
    },
  };
}

/** The range of a whole line, for features that point at a line. */
export function lineRange(doc: AsmDoc, line: number): Range {
  return rng(line, 0, lineEnd(doc, line));
}
