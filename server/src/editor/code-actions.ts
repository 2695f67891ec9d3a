// Code actions: the verifier's (and assembler's) mechanical fixes, offered on the findings they fix.
import type { Finding, Range } from '../core/types';
import type { CodeActionInfo } from './types';

function overlaps(a: Range, b: Range): boolean {
  const before = (p: Range['start'], q: Range['start']) => p.line < q.line || (p.line === q.line && p.col < q.col);
  return !before(a.end, b.start) && !before(b.end, a.start);
}

export function codeActions(findings: readonly Finding[], range: Range): CodeActionInfo[] {
  const out: CodeActionInfo[] = [];
  for (const f of findings) {
    if (!f.fixes?.length || !overlaps(f.range, range)) continue;
    f.fixes.forEach((fix, i) => {
      out.push({ title: fix.title, edits: fix.edits, fixes: { range: f.range, message: f.message }, preferred: i === 0 });
    });
  }
  return out;
}
