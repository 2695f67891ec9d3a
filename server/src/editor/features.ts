// One entry per editor feature, dispatching on the document's language. The language server
// calls only these; each returns editor-neutral data (see types.ts).
import type { Pos, Range, TextEdit } from '../core/types';
import type { DocumentAnalysis } from './analysis';
import { asmCompletion, type CompletionList } from './asm-completion';
import { formatAsm } from './asm-format';
import { asmHover } from './asm-hover';
import { asmDocumentSymbols, asmFoldingRanges, asmRenameRules } from './asm-outline';
import { asmSemanticTokens } from './asm-tokens';
import { btCompletion } from './bt-completion';
import { formatBt, type BtFormatOptions } from './bt-format';
import { btHover } from './bt-hover';
import { btDocumentSymbols, btFoldingRanges, btRenameRules } from './bt-outline';
import { btSemanticTokens } from './bt-tokens';
import { codeActions as findingActions } from './code-actions';
import { codeLenses as lenses, type LensInfo } from './code-lens';
import { asmInlayHints } from './inlay';
import type { KernelNames } from './kernel-names';
import type { SemanticToken } from './semantic';
import { definitionAt, prepareRenameAt, referencesAt, renameAt } from './symbols-nav';
import type { CodeActionInfo, DocSymbol, EditorSettings, FoldRange, HoverInfo, InlayHintInfo, RenameError, RenameResult, SymbolOccurrences } from './types';

function occurrences(a: DocumentAnalysis): Iterable<SymbolOccurrences> {
  return (a.asm?.occurrences ?? a.probe?.occurrences ?? new Map()).values();
}

export function hover(a: DocumentAnalysis, pos: Pos): HoverInfo | undefined {
  if (a.asm) return asmHover(a.asm, pos, { states: (i) => a.checks[i]?.states });
  if (a.probe) return btHover(a.probe, pos);
  return undefined;
}

export function completion(a: DocumentAnalysis, pos: Pos, kernel: KernelNames): CompletionList {
  if (a.asm) return asmCompletion(a.asm, pos, kernel);
  if (a.probe) return btCompletion(a.probe, pos, kernel);
  return { items: [], incomplete: false };
}

export function definition(a: DocumentAnalysis, pos: Pos): Range[] {
  return definitionAt(occurrences(a), pos);
}

export function references(a: DocumentAnalysis, pos: Pos, includeDeclaration: boolean): Range[] {
  return referencesAt(occurrences(a), pos, includeDeclaration);
}

export function prepareRename(a: DocumentAnalysis, pos: Pos): { range: Range; placeholder: string } | undefined {
  return prepareRenameAt(occurrences(a), pos);
}

export function rename(a: DocumentAnalysis, pos: Pos, newName: string): RenameResult | RenameError {
  const rules = a.asm ? asmRenameRules(a.asm) : btRenameRules(a.probe!);
  return renameAt(occurrences(a), pos, newName, rules);
}

export function documentSymbols(a: DocumentAnalysis): DocSymbol[] {
  if (a.asm) return asmDocumentSymbols(a.asm);
  if (a.probe) return btDocumentSymbols(a.probe);
  return [];
}

export function foldingRanges(a: DocumentAnalysis): FoldRange[] {
  if (a.asm) return asmFoldingRanges(a.asm);
  if (a.probe) return btFoldingRanges(a.probe);
  return [];
}

export function semanticTokens(a: DocumentAnalysis): SemanticToken[] {
  if (a.asm) return asmSemanticTokens(a.asm);
  if (a.probe) return btSemanticTokens(a.probe);
  return [];
}

export function format(a: DocumentAnalysis, options: BtFormatOptions = {}): TextEdit[] {
  if (a.asm) return formatAsm(a.asm.text);
  if (a.probe) return formatBt(a.probe.text, options);
  return [];
}

export function inlayHints(a: DocumentAnalysis, settings: EditorSettings, startLine: number, endLine: number): InlayHintInfo[] {
  if (!settings.inlayHints.enabled || !a.asm) return [];
  return asmInlayHints(a.asm, a.checks, startLine, endLine);
}

export function codeActions(a: DocumentAnalysis, range: Range): CodeActionInfo[] {
  return findingActions(a.findings, range, a.asm?.text ?? a.probe?.text);
}

export function codeLenses(a: DocumentAnalysis): LensInfo[] {
  return lenses(a);
}

export type { CompletionList, LensInfo };
