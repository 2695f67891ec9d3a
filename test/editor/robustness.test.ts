// Any text, any position: every feature answers without throwing, in both languages.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { analyzeDocument } from '../../server/src/editor/analysis';
import * as F from '../../server/src/editor/features';
import type { KernelNames } from '../../server/src/editor/kernel-names';
import { DEFAULT_SETTINGS, type Language } from '../../server/src/editor/types';

const kernel: KernelNames = { functions: () => ['vfs_read'], tracepoints: () => ['sched:sched_switch'], functionSource: () => 'bundled' };
const hooks = { probeOptions: { btf: null, useTracefs: false, checkBinaries: false, readHeaders: false } };

const ASM_PIECES = ['.section xdp', '.map m hash key=4 value=8 entries=2', 'r1 = m ll', 'call bpf_map_lookup_elem', 'if r0 == 0 goto l', 'l:', 'exit', 'r0 = *(u32 *)(r1 + 4)', 'lddw %r1, 5', ';', '"', '%r', 'goto', '.section kprobe/', 'call ', 'w1 = -w1'];
const BT_PIECES = ['kprobe:vfs_read', '{', '}', '/pid/', '@m[comm] = count();', '$x = 1;', 'if ($x) {', 'printf("%d\\n", $x);', 'args.', '$t->', 'uprobe:/bin/sh:', 'tracepoint:sched:', 'BEGIN', '"', '/*', '*/', '//', 'fn f($a: int64): int64 { return $a; }', 'macro m($x) { $x }', 'struct s { int a; }'];

function text(pieces: string[]) {
  return fc.array(fc.oneof(fc.constantFrom(...pieces), fc.string({ maxLength: 12 }), fc.constantFrom('\n', ' ', '\t')), { maxLength: 40 }).map((a) => a.join(''));
}

function exercise(lang: Language, src: string, line: number, col: number): void {
  const a = analyzeDocument(src, lang, DEFAULT_SETTINGS, hooks);
  const pos = { line, col };
  F.hover(a, pos);
  F.completion(a, pos, kernel);
  F.definition(a, pos);
  F.references(a, pos, true);
  F.prepareRename(a, pos);
  F.rename(a, pos, 'renamed');
  F.documentSymbols(a);
  F.foldingRanges(a);
  F.semanticTokens(a);
  F.format(a);
  F.inlayHints(a, DEFAULT_SETTINGS, 0, 1000);
  F.codeActions(a, { start: pos, end: pos });
}

describe('robustness', () => {
  for (const [lang, pieces] of [['asm', ASM_PIECES], ['bpftrace', BT_PIECES]] as const) {
    it(`${lang}: every feature answers on arbitrary text at arbitrary positions`, () => {
      fc.assert(
        fc.property(text(pieces), fc.nat(12), fc.nat(60), (src, line, col) => {
          expect(() => exercise(lang, src, line, col)).not.toThrow();
        }),
        { numRuns: 300 },
      );
    });
  }
});
