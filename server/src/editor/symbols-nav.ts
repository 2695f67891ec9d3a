// Go to definition, find references and rename over a document's symbol occurrences. Works for
// any language whose analysis lists occurrences (labels and maps in assembly; @maps, $vars,
// functions and macros in bpftrace scripts).
import type { Pos, Range, TextEdit } from '../core/types';
import { rangeContains, type RenameError, type RenameResult, type SymbolOccurrences } from './types';

export interface OccurrenceHit {
  symbol: SymbolOccurrences;
  range: Range;
  isDefinition: boolean;
}

/** The occurrence under a position. */
export function occurrenceAt(occurrences: Iterable<SymbolOccurrences>, pos: Pos): OccurrenceHit | undefined {
  for (const symbol of occurrences) {
    for (const r of symbol.definitions) if (rangeContains(r, pos)) return { symbol, range: r, isDefinition: true };
    for (const r of symbol.references) if (rangeContains(r, pos)) return { symbol, range: r, isDefinition: false };
  }
  return undefined;
}

export function definitionAt(occurrences: Iterable<SymbolOccurrences>, pos: Pos): Range[] {
  const hit = occurrenceAt(occurrences, pos);
  return hit ? hit.symbol.definitions : [];
}

export function referencesAt(occurrences: Iterable<SymbolOccurrences>, pos: Pos, includeDeclaration: boolean): Range[] {
  const hit = occurrenceAt(occurrences, pos);
  if (!hit) return [];
  return includeDeclaration ? [...hit.symbol.definitions, ...hit.symbol.references] : [...hit.symbol.references];
}

export interface RenameRules {
  /** Checks a new name; returns why it is not allowed, or undefined. */
  validate(newName: string, symbol: SymbolOccurrences): string | undefined;
  /** The text to write for a new name at an occurrence (e.g. adding a sigil the user left out). */
  spell?(newName: string, symbol: SymbolOccurrences): string;
}

/** The range a rename would change at a position, for prepareRename; undefined when nothing renamable is there. */
export function prepareRenameAt(occurrences: Iterable<SymbolOccurrences>, pos: Pos): { range: Range; placeholder: string } | undefined {
  const hit = occurrenceAt(occurrences, pos);
  return hit ? { range: hit.range, placeholder: hit.symbol.name } : undefined;
}

export function renameAt(occurrences: Iterable<SymbolOccurrences>, pos: Pos, newName: string, rules: RenameRules): RenameResult | RenameError {
  const hit = occurrenceAt(occurrences, pos);
  if (!hit) return { error: 'nothing to rename here: place the cursor on a label, map, variable or function name' };
  const spelled = rules.spell ? rules.spell(newName, hit.symbol) : newName;
  const why = rules.validate(spelled, hit.symbol);
  if (why) return { error: why };
  const edits: TextEdit[] = [...hit.symbol.definitions, ...hit.symbol.references].map((range) => ({ range, newText: spelled }));
  return { edits };
}
