// Builds LLVM-syntax eBPF assembly text line by line. Each instruction line remembers the script
// range it came from, so the assembled program's source map can point back into the .bt file.
import type { Range } from '../../core/types';

export interface AsmLine {
  text: string;
  /** The script range this line implements (instructions only). */
  range?: Range;
}

export class AsmBuilder {
  readonly lines: AsmLine[] = [];
  private labelCount = 0;
  /** The script range instructions are attributed to until changed. */
  range: Range | undefined;

  /** A fresh label name, unique in this program. */
  label(what: string): string {
    return `.L${what}_${++this.labelCount}`;
  }

  ins(text: string, comment?: string): void {
    const body = `    ${text}`;
    this.lines.push({ text: comment ? `${body.padEnd(40)}# ${comment}` : body, range: this.range });
  }

  place(label: string): void {
    this.lines.push({ text: `${label}:` });
  }

  comment(text: string): void {
    for (const l of text.split('\n')) this.lines.push({ text: `    # ${l}` });
  }

  raw(text: string): void {
    this.lines.push({ text });
  }

  text(): string {
    return this.lines.map((l) => l.text).join('\n') + '\n';
  }

  /** Script range of each asm line (by 0-based line index), for rebuilding the source map. */
  rangesByLine(): (Range | undefined)[] {
    return this.lines.map((l) => l.range);
  }
}
