// Offsets ↔ line/column for one source text. The lexer works in offsets (cheap to compare and
// slice); the AST and findings carry LSP-style ranges, so every node converts through here.
import type { Pos, Range } from '../core/types';

export class SourceText {
  readonly text: string;
  private readonly lineStarts: number[];

  constructor(text: string) {
    this.text = text;
    const starts = [0];
    for (let i = 0; i < text.length; i++) if (text.charCodeAt(i) === 10) starts.push(i + 1);
    this.lineStarts = starts;
  }

  pos(offset: number): Pos {
    const o = Math.max(0, Math.min(offset, this.text.length));
    let lo = 0;
    let hi = this.lineStarts.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (this.lineStarts[mid]! <= o) lo = mid;
      else hi = mid - 1;
    }
    return { line: lo, col: o - this.lineStarts[lo]! };
  }

  range(start: number, end: number): Range {
    return { start: this.pos(start), end: this.pos(Math.max(start, end)) };
  }

  offset(p: Pos): number {
    const ls = this.lineStarts[Math.max(0, Math.min(p.line, this.lineStarts.length - 1))]!;
    return Math.min(this.text.length, ls + p.col);
  }
}

export function spanRange(a: Range, b: Range): Range {
  return { start: a.start, end: b.end };
}
