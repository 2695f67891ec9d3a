// Builds LLVM-syntax eBPF assembly text line by line. Each instruction line remembers the script
// range it came from, so the assembled program's source map can point back into the .bt file.
import type { Range } from '../../core/types';

export interface AsmLine {
  text: string;
  /** The script range this line implements (instructions only). */
  range?: Range;
}

export class AsmBuilder {
  /** The program's lines: the entry function, then the subprograms appended at the end. */
  private readonly main: AsmLine[] = [];
  /** Where lines go now: the main list, or a subprogram's while one is being written. */
  private out: AsmLine[] = this.main;
  private labelCount = 0;
  /** The script range instructions are attributed to until changed. */
  range: Range | undefined;

  /** A fresh label name, unique in this program. */
  label(what: string): string {
    return `.L${what}_${++this.labelCount}`;
  }

  /** The lines being written (the last one is the latest instruction). */
  get lines(): AsmLine[] {
    return this.out;
  }

  /** Sends lines to `target` until the returned function is called (labels stay unique). */
  divert(target: AsmLine[]): () => void {
    const prev = this.out;
    this.out = target;
    return () => {
      this.out = prev;
    };
  }

  /** Appends lines written elsewhere (subprograms) after the program's own. */
  append(lines: AsmLine[]): void {
    this.main.push(...lines);
  }

  ins(text: string, comment?: string): void {
    const body = `    ${text}`;
    this.out.push({ text: comment ? `${body.padEnd(40)}# ${comment}` : body, range: this.range });
  }

  place(label: string): void {
    this.out.push({ text: `${label}:` });
  }

  comment(text: string): void {
    for (const l of text.split('\n')) this.out.push({ text: `    # ${l}` });
  }

  raw(text: string): void {
    this.out.push({ text });
  }

  text(): string {
    return this.main.map((l) => l.text).join('\n') + '\n';
  }

  /** Script range of each asm line (by 0-based line index), for rebuilding the source map. */
  rangesByLine(): (Range | undefined)[] {
    return this.main.map((l) => l.range);
  }
}
