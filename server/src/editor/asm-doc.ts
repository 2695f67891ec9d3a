// One analysis of an eBPF assembly document, shared by every feature: the assembler's result,
// each line's tokens, which instruction slot a line holds, and where labels and maps are
// defined and used. Built once per document version.
import type { MapSpec, Program, Range } from '../core/types';
import { assemble, type AsmResult, type Dialect } from '../asm/assembler';
import { commentStart, lexLine, type Tok } from '../asm/lexer';
import type { SymbolOccurrences } from './types';

export interface LineTokens {
  toks: Tok[];
  /** Column where the comment starts (the line's length when there is none). */
  comment: number;
  /** Column of the `.section` name when the line is a section directive. */
  section?: { col: number; end: number; name: string };
}

export interface InsnAt {
  program: Program;
  /** Index of the program in `result.programs`. */
  programIndex: number;
  slot: number;
}

export interface LabelInfo {
  name: string;
  range: Range;
  kind: 'label' | 'function';
  /** The program (section) it is in, with its slot, when it labels code. */
  program?: Program;
  slot?: number;
}

export interface AsmDoc {
  text: string;
  lines: string[];
  result: AsmResult;
  dialect: Dialect;
  /** Tokens of a line (cached). */
  tokens(line: number): LineTokens;
  /** The instruction a line holds (its first slot), if any. */
  insnAt(line: number): InsnAt | undefined;
  labels: Map<string, LabelInfo>;
  maps: Map<string, MapSpec>;
  /** Occurrences per symbol, keyed by `label:NAME` or `map:NAME`. */
  occurrences: Map<string, SymbolOccurrences>;
  /** Sections in source order with the lines they span. */
  sections: { name: string; nameRange: Range; startLine: number; endLine: number }[];
}

/** Words that are part of instruction syntax, never a symbol reference. */
const SYNTAX_WORDS = new Set(['goto', 'gotol', 'if', 'call', 'callx', 'll', 'lock', 'local', 'kfunc', 'may_goto', 'exit', 'skb']);
/** Directives whose arguments name labels. */
const LABEL_DIRECTIVES = new Set(['.globl', '.global', '.type', '.size', '.local', '.weak', '.hidden']);

const SECTION_RE = /^(\s*)\.section\b\s*/;

export function lineTokens(line: string): LineTokens {
  const clean = line.replace(/\r$/, '');
  const comment = commentStart(clean);
  const sec = SECTION_RE.exec(clean);
  if (sec) {
    const nameCol = sec[0].length;
    const raw = clean.slice(nameCol, comment).split(',')[0];
    const trimmed = raw.trimEnd();
    let col = nameCol;
    let name = trimmed;
    if (name.startsWith('"') && name.endsWith('"') && name.length >= 2) {
      name = name.slice(1, -1);
      col++;
    }
    const toks: Tok[] = [{ kind: 'ident', text: '.section', col: sec[1].length, end: sec[1].length + 8 }];
    return { toks, comment, section: { col, end: col + name.length, name } };
  }
  return { toks: lexLine(clean, comment).toks, comment };
}

export function analyzeAsm(text: string, options: { file?: string; dialect?: Dialect | 'auto' } = {}): AsmDoc {
  const result = assemble(text, { file: options.file, dialect: options.dialect ?? 'auto' });
  const lines = text.split('\n');
  const tokCache: (LineTokens | undefined)[] = new Array(lines.length);
  const tokens = (line: number): LineTokens => {
    if (line < 0 || line >= lines.length) return { toks: [], comment: 0 };
    return (tokCache[line] ??= lineTokens(lines[line]));
  };

  const byLine = new Map<number, InsnAt>();
  result.programs.forEach((program, programIndex) => {
    const map = program.sourceMap ?? [];
    for (let slot = 0; slot < map.length; slot++) {
      const r = map[slot];
      if (!r || program.insns[slot]?.filler) continue;
      if (!byLine.has(r.start.line)) byLine.set(r.start.line, { program, programIndex, slot });
    }
  });

  const symbolKind = new Map<string, { kind: 'label' | 'function'; program: Program; slot: number }>();
  for (const p of result.programs) for (const s of p.symbols) symbolKind.set(s.name, { kind: s.kind, program: p, slot: s.insn });

  const maps = new Map<string, MapSpec>();
  for (const m of result.maps) if (!maps.has(m.name)) maps.set(m.name, m);

  // Pass 1: label definitions and sections (labels may be used before they are defined).
  const labels = new Map<string, LabelInfo>();
  const sections: AsmDoc['sections'] = [];
  for (let line = 0; line < lines.length; line++) {
    const lt = tokens(line);
    if (lt.section) {
      const last = sections[sections.length - 1];
      if (last) last.endLine = line - 1;
      sections.push({ name: lt.section.name, nameRange: rng(line, lt.section.col, lt.section.end), startLine: line, endLine: lines.length - 1 });
      continue;
    }
    const t = lt.toks;
    for (let i = 0; i + 1 < t.length && (t[i].kind === 'ident' || t[i].kind === 'num') && t[i + 1].text === ':'; i += 2) {
      if (t[i].kind !== 'ident' || labels.has(t[i].text)) continue;
      const known = symbolKind.get(t[i].text);
      labels.set(t[i].text, {
        name: t[i].text,
        range: rng(line, t[i].col, t[i].end),
        kind: known?.kind ?? 'label',
        program: known?.program,
        slot: known?.slot,
      });
    }
  }

  // Pass 2: every occurrence.
  const occurrences = new Map<string, SymbolOccurrences>();
  const occ = (kind: 'label' | 'map', name: string): SymbolOccurrences => {
    const key = `${kind}:${name}`;
    let o = occurrences.get(key);
    if (!o) {
      const label = kind === 'label' ? labels.get(name) : undefined;
      o = { name, kind: kind === 'map' ? 'map' : label?.kind ?? 'label', definitions: [], references: [] };
      occurrences.set(key, o);
    }
    return o;
  };
  for (const l of labels.values()) occ('label', l.name).definitions.push(l.range);
  for (let line = 0; line < lines.length; line++) {
    const lt = tokens(line);
    if (lt.section) continue;
    let t = lt.toks;
    while (t.length >= 2 && (t[0].kind === 'ident' || t[0].kind === 'num') && t[1].text === ':') t = t.slice(2);
    if (t.length === 0) continue;
    const head = t[0].text.toLowerCase();
    if (head === '.map') {
      const name = t[1];
      if (name?.kind === 'ident') occ('map', name.text).definitions.push(rng(line, name.col, name.end));
      continue;
    }
    if (head.startsWith('.')) {
      if (!LABEL_DIRECTIVES.has(head)) continue;
      for (const a of t.slice(1)) if (a.kind === 'ident' && labels.has(a.text)) occ('label', a.text).references.push(rng(line, a.col, a.end));
      continue;
    }
    for (let i = 1; i < t.length; i++) {
      const a = t[i];
      if (a.kind !== 'ident' || SYNTAX_WORDS.has(a.text)) continue;
      // `lock fetch add` and `call local` spell their mnemonic in several words.
      if (i === 1 && (head === 'lock' || head === 'call') && !labels.has(a.text) && !maps.has(a.text)) continue;
      // The assembler resolves a value (lddw) to a map first, then a label.
      if (maps.has(a.text)) occ('map', a.text).references.push(rng(line, a.col, a.end));
      else if (labels.has(a.text)) occ('label', a.text).references.push(rng(line, a.col, a.end));
    }
  }

  return {
    text,
    lines,
    result,
    dialect: result.dialect,
    tokens,
    insnAt: (line) => byLine.get(line),
    labels,
    maps,
    occurrences,
    sections,
  };
}

export function rng(line: number, col: number, end: number): Range {
  return { start: { line, col }, end: { line, col: end } };
}

/** The token under a position (or ending right at it), if any. */
export function tokenAt(lt: LineTokens, col: number): Tok | undefined {
  return lt.toks.find((t) => col >= t.col && col < t.end) ?? lt.toks.find((t) => col === t.end);
}
