// Code actions: the fixes findings carry (the verifier's mechanical fixes), plus the suggestions
// findings make in words ("Did you mean "printf"?", an unknown mnemonic close to a known one)
// turned into one-click replacements.
import type { Finding, Range, TextEdit } from '../core/types';
import { suggest } from '../probe/checker';
import { FORMS_BY_MNEMONIC } from '../isa/table';
import type { CodeActionInfo } from './types';

function overlaps(a: Range, b: Range): boolean {
  const before = (p: Range['start'], q: Range['start']) => p.line < q.line || (p.line === q.line && p.col < q.col);
  return !before(a.end, b.start) && !before(b.end, a.start);
}

function textOf(lines: readonly string[], r: Range): string | undefined {
  if (r.start.line !== r.end.line) return undefined;
  return lines[r.start.line]?.slice(r.start.col, r.end.col);
}

const MNEMONICS = [...new Set([...FORMS_BY_MNEMONIC.keys()].filter((m) => !m.includes(' ')))];

/** A replacement for the word a finding points at, when its message suggests one. */
function suggestedEdit(f: Finding, lines: readonly string[]): TextEdit | undefined {
  const word = textOf(lines, f.range);
  if (!word || !/^[@$]?[A-Za-z_][\w.]*$/.test(word)) return undefined;
  let replacement = /Did you mean "([^"]+)"\?/.exec(f.message)?.[1];
  if (!replacement && f.code === 'asm.unknown-mnemonic') replacement = /"([^"]+)"/.exec(suggest(word.toLowerCase(), MNEMONICS))?.[1];
  if (!replacement || replacement === word) return undefined;
  return { range: f.range, newText: replacement };
}

/** Actions for the findings that overlap `range`; `text` lets word suggestions become edits. */
export function codeActions(findings: readonly Finding[], range: Range, text?: string): CodeActionInfo[] {
  const out: CodeActionInfo[] = [];
  const lines = text?.split('\n') ?? [];
  for (const f of findings) {
    if (!overlaps(f.range, range)) continue;
    if (f.fixes?.length) {
      f.fixes.forEach((fix, i) => {
        out.push({ title: fix.title, edits: fix.edits, fixes: { range: f.range, message: f.message }, preferred: i === 0 });
      });
      continue;
    }
    const edit = text === undefined ? undefined : suggestedEdit(f, lines);
    if (edit) out.push({ title: `Change to '${edit.newText}'`, edits: [edit], fixes: { range: f.range, message: f.message }, preferred: true });
  }
  return out;
}
