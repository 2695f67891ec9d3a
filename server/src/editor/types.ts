// Editor-neutral results of the editor features. The language server turns these into LSP
// objects at its edge (server/src/lsp/convert.ts); nothing here knows about LSP or vscode.
import type { Pos, Range, TextEdit } from '../core/types';

export type Language = 'asm' | 'bpftrace';

/** Which language a document is, from the client's language id or, failing that, its file name. */
export function languageOf(languageId: string | undefined, uri: string): Language {
  if (languageId === 'bpftrace') return 'bpftrace';
  if (languageId === 'ebpf-asm' || languageId === 'asm') return 'asm';
  return /\.bt$/i.test(uri) ? 'bpftrace' : 'asm';
}

export interface HoverInfo {
  /** Markdown. */
  markdown: string;
  range: Range;
}

export type CompletionKind =
  | 'keyword'
  | 'snippet'
  | 'function'
  | 'variable'
  | 'constant'
  | 'module'
  | 'field'
  | 'struct'
  | 'event'
  | 'reference'
  | 'enumMember'
  | 'value';

export interface CompletionEntry {
  label: string;
  kind: CompletionKind;
  /** Short text beside the label (e.g. the syntax of an instruction form). */
  detail?: string;
  /** Markdown documentation. */
  documentation?: string;
  /** Text inserted; `label` when absent. */
  insertText?: string;
  /** `insertText` is a snippet with ${1:...} tab stops. */
  snippet?: boolean;
  /** Text the client filters on, when it differs from the label. */
  filterText?: string;
  sortText?: string;
  /** The range the inserted text replaces (the word being typed). */
  replace?: Range;
}

export type SymbolKind = 'module' | 'function' | 'label' | 'variable' | 'struct' | 'event' | 'constant';

export interface DocSymbol {
  name: string;
  detail?: string;
  kind: SymbolKind;
  /** The whole extent (a section, a probe block). */
  range: Range;
  /** The name itself. */
  selectionRange: Range;
  children?: DocSymbol[];
}

export interface FoldRange {
  startLine: number;
  endLine: number;
  kind?: 'comment' | 'region';
}

/** A symbol's occurrences in one document: the definition(s) first, then the uses. */
export interface SymbolOccurrences {
  name: string;
  kind: 'label' | 'function' | 'map' | 'variable' | 'macro';
  definitions: Range[];
  references: Range[];
}

export interface RenameResult {
  edits: TextEdit[];
}

export interface RenameError {
  error: string;
}

export interface InlayHintInfo {
  position: Pos;
  label: string;
  tooltip?: string;
}

export interface CodeActionInfo {
  title: string;
  edits: TextEdit[];
  /** Diagnostic codes/messages this action fixes, so the client can show it as a quick fix. */
  fixes?: { range: Range; message: string };
  preferred?: boolean;
}

/** The settings the server reads (section `ebpfStudio`), already checked. */
export interface EditorSettings {
  programType: string;
  instructionBudget: number;
  unprivileged: boolean;
  inlayHints: { enabled: boolean };
  cpus: number;
}

export const DEFAULT_SETTINGS: EditorSettings = {
  programType: 'auto',
  instructionBudget: 1_000_000,
  unprivileged: false,
  inlayHints: { enabled: true },
  cpus: 4,
};

function positiveInt(v: unknown, fallback: number, max: number): number {
  return typeof v === 'number' && Number.isInteger(v) && v >= 1 ? Math.min(v, max) : fallback;
}

/** Settings from whatever the client sent (missing or wrong-typed values fall back to defaults). */
export function readSettings(raw: unknown): EditorSettings {
  const o = (raw && typeof raw === 'object' ? raw : {}) as Record<string, unknown>;
  const hints = (o.inlayHints && typeof o.inlayHints === 'object' ? o.inlayHints : {}) as Record<string, unknown>;
  // Clients that send flat keys ("inlayHints.enabled") are read too.
  const hintsEnabled = hints.enabled ?? o['inlayHints.enabled'];
  return {
    programType: typeof o.programType === 'string' && o.programType ? o.programType : DEFAULT_SETTINGS.programType,
    instructionBudget: positiveInt(o.instructionBudget, DEFAULT_SETTINGS.instructionBudget, 1_000_000_000),
    unprivileged: o.unprivileged === true,
    inlayHints: { enabled: hintsEnabled !== false },
    cpus: positiveInt(o.cpus, DEFAULT_SETTINGS.cpus, 256),
  };
}

export function rangeContains(r: Range, p: Pos): boolean {
  if (p.line < r.start.line || p.line > r.end.line) return false;
  if (p.line === r.start.line && p.col < r.start.col) return false;
  if (p.line === r.end.line && p.col > r.end.col) return false;
  return true;
}

export function sameRange(a: Range, b: Range): boolean {
  return a.start.line === b.start.line && a.start.col === b.start.col && a.end.line === b.end.line && a.end.col === b.end.col;
}
