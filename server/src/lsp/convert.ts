// Editor-neutral results → LSP objects. The only place positions change names (col → character).
import {
  CompletionItemKind,
  DiagnosticSeverity,
  DiagnosticTag,
  InsertTextFormat,
  MarkupKind,
  SymbolKind,
  type CompletionItem,
  type Diagnostic,
  type DocumentSymbol,
  type FoldingRange,
  type Hover,
  type Position,
  type Range as LspRange,
  type TextEdit as LspTextEdit,
} from 'vscode-languageserver/node';
import type { Finding, Pos, Range, TextEdit } from '../core/types';
import type { CompletionEntry, DocSymbol, FoldRange, HoverInfo } from '../editor/types';

export const toPosition = (p: Pos): Position => ({ line: p.line, character: p.col });
export const fromPosition = (p: Position): Pos => ({ line: p.line, col: p.character });
export const toRange = (r: Range): LspRange => ({ start: toPosition(r.start), end: toPosition(r.end) });
export const toTextEdit = (e: TextEdit): LspTextEdit => ({ range: toRange(e.range), newText: e.newText });

const SEVERITY: Record<Finding['severity'], DiagnosticSeverity> = {
  error: DiagnosticSeverity.Error,
  warning: DiagnosticSeverity.Warning,
  info: DiagnosticSeverity.Information,
  hint: DiagnosticSeverity.Hint,
};

export function toDiagnostic(f: Finding, uri: string): Diagnostic {
  // The kernel's words stay visible (people search for them) when they differ from ours.
  const kernel = f.kernelText && f.kernelText !== f.message ? `\nkernel: ${f.kernelText}` : '';
  const d: Diagnostic = {
    range: toRange(f.range),
    severity: SEVERITY[f.severity],
    message: f.message + kernel,
    source: 'ebpf-studio',
  };
  if (f.code) d.code = f.code;
  if (f.related?.length) d.relatedInformation = f.related.map((r) => ({ location: { uri, range: toRange(r.range) }, message: r.message }));
  if (f.code === 'verifier.unreachable' || f.code === 'asm.unreachable') d.tags = [DiagnosticTag.Unnecessary];
  return d;
}

export function toHover(h: HoverInfo): Hover {
  return { contents: { kind: MarkupKind.Markdown, value: h.markdown }, range: toRange(h.range) };
}

const COMPLETION_KIND: Record<CompletionEntry['kind'], CompletionItemKind> = {
  keyword: CompletionItemKind.Keyword,
  snippet: CompletionItemKind.Snippet,
  function: CompletionItemKind.Function,
  variable: CompletionItemKind.Variable,
  constant: CompletionItemKind.Constant,
  module: CompletionItemKind.Module,
  field: CompletionItemKind.Field,
  struct: CompletionItemKind.Struct,
  event: CompletionItemKind.Event,
  reference: CompletionItemKind.Reference,
  enumMember: CompletionItemKind.EnumMember,
  value: CompletionItemKind.Value,
};

export function toCompletionItem(e: CompletionEntry): CompletionItem {
  const item: CompletionItem = { label: e.label, kind: COMPLETION_KIND[e.kind] };
  if (e.detail) item.detail = e.detail;
  if (e.documentation) item.documentation = { kind: MarkupKind.Markdown, value: e.documentation };
  if (e.filterText) item.filterText = e.filterText;
  if (e.sortText) item.sortText = e.sortText;
  const text = e.insertText ?? e.label;
  if (e.snippet) item.insertTextFormat = InsertTextFormat.Snippet;
  if (e.replace) item.textEdit = { range: toRange(e.replace), newText: text };
  else item.insertText = text;
  return item;
}

const SYMBOL_KIND: Record<DocSymbol['kind'], SymbolKind> = {
  module: SymbolKind.Module,
  function: SymbolKind.Function,
  label: SymbolKind.Key,
  variable: SymbolKind.Variable,
  struct: SymbolKind.Struct,
  event: SymbolKind.Event,
  constant: SymbolKind.Constant,
};

export function toDocumentSymbol(s: DocSymbol): DocumentSymbol {
  const d: DocumentSymbol = { name: s.name || '(unnamed)', kind: SYMBOL_KIND[s.kind], range: toRange(s.range), selectionRange: toRange(s.selectionRange) };
  if (s.detail) d.detail = s.detail;
  if (s.children) d.children = s.children.map(toDocumentSymbol);
  return d;
}

export function toFoldingRange(f: FoldRange): FoldingRange {
  const r: FoldingRange = { startLine: f.startLine, endLine: f.endLine };
  if (f.kind) r.kind = f.kind;
  return r;
}
