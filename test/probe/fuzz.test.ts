// Property tests: whatever the input, parsing and checking terminate, never throw, and every
// finding points inside the text.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { checkScript } from '../../server/src/probe/checker';
import { tokenize } from '../../server/src/probe/lexer';
import { parseScript } from '../../server/src/probe/parser';

const TOKENS = [
  'kprobe:vfs_read', 'tracepoint:sched:sched_switch', 'BEGIN', 'END', 'interval:s:1', 'uprobe:/bin/sh:main', 'k:', 't:a:b',
  '{', '}', '(', ')', '[', ']', '/', ';', ',', ':', '.', '..', '->', '?', '=', '+=', '<<=', '++', '--', '!', '~', '-', '*', '&', '|', '^',
  '&&', '||', '==', '!=', '<', '>', '<=', '>=', '<<', '>>', '+', '%',
  'if', 'else', 'while', 'for', 'unroll', 'break', 'continue', 'return', 'let', 'config', 'macro', 'fn', 'struct', 'union', 'enum', 'typedef',
  'sizeof', 'offsetof', 'printf', 'count', 'hist', 'lhist', 'delete', 'clear', 'str', 'args', 'arg0', 'retval', 'pid', 'comm', 'kstack',
  '$x', '$1', '$#', '@', '@m', '@m[', '1', '0x10', '1e6', '5s', '"s"', '"%d %s\\n"', '"unterminated', '/*', '*/', '//', '\n', ' ',
  '#include <linux/sched.h>\n', '#ifdef X\n', '#endif\n', '#define A 1\n', '(uint32)', '(struct task_struct *)', 'int', 'char', '_',
  '`', "'", '\\', '@@', '$', '#',
];

const soup = fc.array(fc.constantFrom(...TOKENS), { maxLength: 80 }).map((a) => a.join(' '));
const glued = fc.array(fc.constantFrom(...TOKENS), { maxLength: 80 }).map((a) => a.join(''));

function inside(text: string, line: number, col: number): boolean {
  const lines = text.split('\n');
  return line >= 0 && line < lines.length && col >= 0 && col <= lines[line]!.length;
}

describe('random input never breaks the front end', () => {
  it('token soup: parse never throws and findings are in range', () => {
    fc.assert(
      fc.property(fc.oneof(soup, glued), (text) => {
        const r = parseScript(text);
        for (const f of r.findings) {
          expect(inside(text, f.range.start.line, f.range.start.col)).toBe(true);
          expect(inside(text, f.range.end.line, f.range.end.col)).toBe(true);
        }
      }),
      { numRuns: 400 },
    );
  });

  it('token soup: check never throws', () => {
    fc.assert(
      fc.property(soup, (text) => {
        const r = checkScript(text, { btf: null, useTracefs: false, checkBinaries: false, readHeaders: false });
        expect(Array.isArray(r.findings)).toBe(true);
      }),
      { numRuns: 250 },
    );
  });

  it('arbitrary unicode: lexer and parser terminate', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary', maxLength: 300 }), (text) => {
        const t = tokenize(text);
        expect(t.tokens.length).toBeLessThanOrEqual(text.length);
        parseScript(text);
      }),
      { numRuns: 300 },
    );
  });

  it('a valid script with one random character replaced still parses its other probes', () => {
    const base = 'BEGIN { @a = 1; }\nkprobe:f { @b[pid] = count(); }\nEND { clear(@a); }\n';
    fc.assert(
      fc.property(fc.integer({ min: 0, max: base.indexOf('\nEND') - 1 }), fc.constantFrom('{', '}', ';', '(', '$', '`', '"'), (i, c) => {
        const text = base.slice(0, i) + c + base.slice(i + 1);
        const r = parseScript(text);
        // The last probe is untouched and must still be read.
        expect(r.ast.probes.some((p) => p.attachPoints[0]?.raw === 'END')).toBe(true);
      }),
      { numRuns: 200 },
    );
  });
});
