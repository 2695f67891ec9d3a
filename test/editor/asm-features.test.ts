// The assembly editor features, called directly on documents.
import { describe, expect, it } from 'vitest';
import { analyzeDocument } from '../../server/src/editor/analysis';
import { analyzeAsm } from '../../server/src/editor/asm-doc';
import { formatAsmText } from '../../server/src/editor/asm-format';
import { llvmSnippet, mnemonicSnippet } from '../../server/src/editor/asm-completion';
import * as F from '../../server/src/editor/features';
import type { KernelNames } from '../../server/src/editor/kernel-names';
import { encodeTokens } from '../../server/src/editor/semantic';
import { DEFAULT_SETTINGS } from '../../server/src/editor/types';
import type { RegisterStates } from '../../server/src/editor/verify-view';
import { assemble } from '../../server/src/asm/assembler';
import { FORMS_BY_MNEMONIC } from '../../server/src/isa/table';

const PROGRAM = `.map counts hash key=4 value=8 entries=16
.section xdp
    r1 = 0
    *(u32 *)(r10 - 4) = r1
    r2 = r10
    r2 += -4
    r1 = counts ll
    call bpf_map_lookup_elem
    if r0 == 0 goto out
    call helper
out:
    r0 = 2 ; XDP_PASS
    exit
helper:
    r0 = 0
    exit
`;

const kernel: KernelNames = {
  functions: () => ['do_sys_openat2', 'vfs_read', 'vfs_readv', 'vfs_write'],
  tracepoints: () => ['sched:sched_switch', 'syscalls:sys_enter_openat'],
  functionSource: () => 'bundled',
};

const at = (line: number, col: number) => ({ line, col });
const analyze = (text: string) => analyzeDocument(text, 'asm', DEFAULT_SETTINGS);

describe('asm hover', () => {
  const a = analyze(PROGRAM);

  it('explains an instruction with its syntax and encoding bytes', () => {
    const h = F.hover(a, at(2, 7))!;
    expect(h.markdown).toContain('**mov**');
    expect(h.markdown).toContain('dst = imm');
    expect(h.markdown).toContain('b7 01 00 00 00 00 00 00');
    expect(h.range).toEqual({ start: at(2, 4), end: at(2, 10) });
  });

  it('gives both slots of a 64-bit load', () => {
    const h = F.hover(a, at(6, 7))!;
    // r1 = counts ll: opcode 0x18, src=1 (map fd), index 0, then the second slot.
    expect(h.markdown).toContain('18 11 00 00 00 00 00 00 00 00 00 00 00 00 00 00');
  });

  it('shows a helper signature and what it does', () => {
    const h = F.hover(a, at(7, 14))!;
    expect(h.markdown).toContain('void *bpf_map_lookup_elem(struct bpf_map *map, const void *key)');
    expect(h.markdown).toMatch(/NULL/);
    expect(h.markdown).toContain('Helper id 1.');
  });

  it('shows a map definition at its use', () => {
    const h = F.hover(a, at(6, 10))!;
    expect(h.markdown).toContain('.map counts hash key=4 value=8 entries=16');
    expect(h.markdown).toContain('4-byte keys');
  });

  it('names a section\'s program type', () => {
    expect(F.hover(a, at(1, 10))!.markdown).toContain('program type `xdp`');
    const k = F.hover(analyze('.section kprobe/vfs_read\n    exit\n'), at(0, 12))!;
    expect(k.markdown).toContain('`kprobe`');
    expect(k.markdown).toContain('vfs_read');
  });

  it('tells a label from a subprogram', () => {
    expect(F.hover(a, at(8, 21))!.markdown).toMatch(/^Label \*\*out\*\* at slot 9/);
    expect(F.hover(a, at(9, 10))!.markdown).toMatch(/^Subprogram \*\*helper\*\* at slot 11/);
  });

  it('describes registers and, with verifier states, their types', () => {
    expect(F.hover(a, at(4, 9))!.markdown).toContain('frame pointer');
    const states: RegisterStates = {
      before: (slot) => (slot === 7 ? new Map([[0, 'map_value_or_null(id=1)']]) : new Map()),
      after: () => undefined,
    };
    const verified = { ...a, checks: [{ name: 'xdp', accepted: true, states }] };
    expect(F.hover(verified, at(8, 8))!.markdown).toContain('Before: map_value_or_null(id=1)');
  });

  it('says nothing in comments', () => {
    expect(F.hover(a, at(11, 15))).toBeUndefined();
  });
});

describe('asm completion', () => {
  const a = analyze(PROGRAM);
  const labels = (line: number, col: number, doc = a) => F.completion(doc, at(line, col), kernel).items.map((i) => i.label);

  it('offers helpers and subprograms after call', () => {
    const items = labels(7, 9);
    expect(items).toContain('bpf_map_lookup_elem');
    expect(items).toContain('bpf_ktime_get_ns');
    expect(items).toContain('helper');
  });

  it('offers labels after goto', () => {
    expect(labels(8, 21)).toEqual(expect.arrayContaining(['out', 'helper']));
  });

  it('offers instruction templates as snippets at the start of a statement', () => {
    const doc = analyze(PROGRAM + '    \n');
    const items = F.completion(doc, at(16, 4), kernel).items;
    const add = items.find((i) => i.label === 'add (imm)')!;
    expect(add.snippet).toBe(true);
    expect(add.insertText).toBe('${1:r1} += ${2:0}');
    expect(items.some((i) => i.label === 'exit')).toBe(true);
    expect(items.some((i) => i.label === '.map')).toBe(true);
  });

  it('offers maps where a 64-bit value goes, and registers', () => {
    const doc = analyze(PROGRAM.replace('r1 = counts ll', 'r1 = c'));
    const items = labels(6, 10, doc);
    expect(items).toContain('counts');
    expect(items).toContain('r0');
  });

  it('offers SEC names and kernel functions after .section', () => {
    const doc = analyze('.section \n');
    expect(labels(0, 9, doc)).toEqual(expect.arrayContaining(['xdp', 'kprobe/', 'tracepoint/']));
    const k = analyze('.section kprobe/vfs_r\n');
    expect(labels(0, 21, k)).toEqual(['kprobe/vfs_read', 'kprobe/vfs_readv']);
    const t = analyze('.section tracepoint/sched/\n');
    expect(labels(0, 26, t)).toEqual(['tracepoint/sched/sched_switch']);
  });

  it('offers map types and parameters in .map', () => {
    expect(F.completion(analyze('.map m \n'), at(0, 7), kernel).items.map((i) => i.label)).toContain('percpu_array');
    expect(F.completion(analyze('.map m hash \n'), at(0, 12), kernel).items.map((i) => i.label)).toEqual(['key=', 'value=', 'entries=', 'flags=']);
  });

  it('uses the mnemonic dialect\'s spelling in mnemonic files', () => {
    const doc = analyze('mov %r0, 1\n    \nexit\n');
    const items = F.completion(doc, at(1, 4), kernel).items;
    expect(items.find((i) => i.label === 'ldxw')!.insertText).toBe('ldxw ${1:%r1}, ${2:[%r2+0]}');
    expect(F.completion(doc, at(0, 5), kernel).items.map((i) => i.label)).toContain('%r10');
  });

  it('every LLVM snippet, filled with its defaults, assembles to its form', () => {
    for (const forms of FORMS_BY_MNEMONIC.values()) {
      for (const form of forms) {
        if (form.kind === 'lddw' && form.fixed.src !== 0) continue;
        if (['ja', 'jcond', 'gotol', 'may_goto', 'call_local'].includes(form.kind)) continue; // need a label
        const values = new Map<string, string>();
        const text = llvmSnippet(form)
          .replace(/\$\{(\d+):([^}]*)\}/g, (_m, n: string, v: string) => (values.set(n, v), v))
          .replace(/\$\{(\d+)\}/g, (_m, n: string) => values.get(n)!);
        const r = assemble(`${text}\n`);
        expect(r.findings, `${form.mnemonic}: ${text}`).toEqual([]);
        expect(r.programs[0].insns[0].opcode, `${form.mnemonic}: ${text}`).toBe(form.opcode);
      }
    }
  });

  it('every mnemonic snippet, filled with its defaults, assembles', () => {
    const form = FORMS_BY_MNEMONIC.get('stxdw')![0];
    const text = mnemonicSnippet(form).replace(/\$\{\d+:([^}]*)\}/g, '$1');
    expect(text).toBe('stxdw [%r1+0], %r2');
    expect(assemble(text + '\n', { dialect: 'mnemonic' }).findings).toEqual([]);
  });
});

describe('asm navigation and rename', () => {
  const a = analyze(PROGRAM);

  it('goes from a jump to its label and from a map use to its declaration', () => {
    expect(F.definition(a, at(8, 21))).toEqual([{ start: at(10, 0), end: at(10, 3) }]);
    expect(F.definition(a, at(6, 10))).toEqual([{ start: at(0, 5), end: at(0, 11) }]);
  });

  it('finds references with and without the declaration', () => {
    expect(F.references(a, at(13, 2), true)).toEqual([{ start: at(13, 0), end: at(13, 6) }, { start: at(9, 9), end: at(9, 15) }]);
    expect(F.references(a, at(13, 2), false)).toEqual([{ start: at(9, 9), end: at(9, 15) }]);
  });

  it('renames a label everywhere and the result still assembles to the same code', () => {
    const r = F.rename(a, at(10, 1), 'done');
    if ('error' in r) throw new Error(r.error);
    expect(r.edits).toHaveLength(2);
    const lines = PROGRAM.split('\n');
    for (const e of [...r.edits].sort((x, y) => y.range.start.col - x.range.start.col)) {
      const l = lines[e.range.start.line];
      lines[e.range.start.line] = l.slice(0, e.range.start.col) + e.newText + l.slice(e.range.end.col);
    }
    const renamed = lines.join('\n');
    expect(renamed).toContain('goto done');
    expect(assemble(renamed).programs[0].insns).toEqual(assemble(PROGRAM).programs[0].insns);
  });

  it('refuses names that would change the program', () => {
    expect(F.rename(a, at(10, 1), 'helper')).toEqual({ error: "'helper' is already defined in this file" });
    expect(F.rename(a, at(10, 1), 'r3')).toEqual({ error: "'r3' is a register name" });
    expect(F.rename(a, at(13, 1), 'bpf_ktime_get_ns')).toHaveProperty('error');
    expect(F.rename(a, at(2, 5), 'x')).toHaveProperty('error');
  });

  it('prepares a rename only on a symbol', () => {
    expect(F.prepareRename(a, at(0, 7))).toEqual({ range: { start: at(0, 5), end: at(0, 11) }, placeholder: 'counts' });
    expect(F.prepareRename(a, at(2, 5))).toBeUndefined();
  });
});

describe('asm outline, tokens, folding', () => {
  const a = analyze(PROGRAM);

  it('lists sections with their labels and subprograms, and maps', () => {
    const syms = F.documentSymbols(a);
    expect(syms.map((s) => [s.name, s.kind])).toEqual([['counts', 'struct'], ['xdp', 'module']]);
    const xdp = syms[1];
    expect(xdp.detail).toBe('xdp, 13 insns');
    expect(xdp.children!.map((c) => [c.name, c.kind])).toEqual([['out', 'label'], ['helper', 'function']]);
    expect(xdp.range.end.line).toBe(15);
  });

  it('folds sections and subprograms', () => {
    expect(F.foldingRanges(a)).toEqual([
      { startLine: 1, endLine: 15, kind: 'region' },
      { startLine: 13, endLine: 15, kind: 'region' },
    ]);
  });

  it('classifies tokens', () => {
    const toks = F.semanticTokens(a);
    const find = (line: number, col: number) => toks.find((t) => t.line === line && t.col === col);
    expect(find(1, 9)?.type).toBe('namespace');
    expect(find(0, 5)).toMatchObject({ type: 'struct', modifiers: ['declaration'] });
    expect(find(2, 4)?.type).toBe('variable');
    expect(find(2, 9)?.type).toBe('number');
    expect(find(7, 9)).toMatchObject({ type: 'function', modifiers: ['defaultLibrary'] });
    expect(find(10, 0)).toMatchObject({ type: 'label', modifiers: ['declaration'] });
    expect(find(13, 0)).toMatchObject({ type: 'function', modifiers: ['declaration'] });
    expect(find(11, 11)?.type).toBe('comment');
    expect(find(8, 4)?.type).toBe('keyword');
    // The encoding is relative and five integers per token.
    expect(encodeTokens(toks).length).toBe(toks.length * 5);
  });
});

describe('asm formatting', () => {
  it('puts labels at column 0, code at 4, and aligns trailing comments per block', () => {
    const text = 'loop: r1 += 1 ; count\n  r2   =  3   # x\n.section   xdp\n\texit\n';
    expect(formatAsmText(text)).toBe('loop:\n    r1 += 1  ; count\n    r2 = 3   # x\n.section xdp\n    exit\n');
  });

  it('is idempotent and keeps the program', () => {
    const once = formatAsmText(PROGRAM.replace(/^ {4}/gm, '\t'));
    expect(formatAsmText(once)).toBe(once);
    expect(assemble(once).programs[0].insns).toEqual(assemble(PROGRAM).programs[0].insns);
  });

  it('returns per-line edits when lines stay put', () => {
    const a = analyze('.section xdp\n  r0 = 0\n    exit\n');
    expect(F.format(a)).toEqual([{ range: { start: at(1, 0), end: at(1, 8) }, newText: '    r0 = 0' }]);
    expect(F.format(analyze(formatAsmText(PROGRAM)))).toEqual([]);
  });

  it('keeps strings intact', () => {
    expect(formatAsmText('.license   "G  PL"\n')).toBe('.license "G  PL"\n');
  });
});

describe('asm inlay hints and code actions', () => {
  it('shows the type of the register an instruction writes, when verified and enabled', () => {
    const a = analyze(PROGRAM);
    const states: RegisterStates = {
      before: () => new Map(),
      after: (slot) => (slot === 6 ? new Map([[0, 'map_value_or_null']]) : slot === 3 ? new Map([[2, 'fp-4']]) : new Map()),
    };
    const verified = { ...a, checks: [{ name: 'xdp', accepted: true, states }] };
    expect(F.inlayHints(verified, DEFAULT_SETTINGS, 0, 20)).toEqual([
      { position: at(5, 12), label: ' r2: fp-4', tooltip: expect.any(String) },
      { position: at(7, 28), label: ' r0: map_value_or_null', tooltip: expect.any(String) },
    ]);
    expect(F.inlayHints(verified, { ...DEFAULT_SETTINGS, inlayHints: { enabled: false } }, 0, 20)).toEqual([]);
    expect(F.inlayHints(a, DEFAULT_SETTINGS, 0, 20)).toEqual([]);
  });

  it('offers a finding\'s fixes where the finding is', () => {
    const a = analyze(PROGRAM);
    const fix = { title: 'Check r0 for NULL', edits: [{ range: { start: at(8, 0), end: at(8, 0) }, newText: '    if r0 == 0 goto out\n' }] };
    const withFix = { ...a, findings: [{ range: { start: at(8, 4), end: at(8, 10) }, severity: 'error' as const, message: 'R0 may be NULL', fixes: [fix] }] };
    expect(F.codeActions(withFix, { start: at(8, 5), end: at(8, 5) })).toEqual([
      { title: 'Check r0 for NULL', edits: fix.edits, fixes: { range: { start: at(8, 4), end: at(8, 10) }, message: 'R0 may be NULL' }, preferred: true },
    ]);
    expect(F.codeActions(withFix, { start: at(2, 0), end: at(2, 1) })).toEqual([]);
  });
});

describe('asm analysis', () => {
  it('reports assembler errors as findings and a verdict', () => {
    const a = analyze('.section xdp\n    r0 = 2\n    bogus r1\n    exit\n');
    expect(a.findings.map((f) => [f.range.start.line, f.code])).toEqual([[2, 'asm.unknown-mnemonic']]);
    expect(a.verdict).toBe('error');
    expect(a.summary).toContain('line 3');
  });

  it('maps lines to instruction slots across sections', () => {
    const doc = analyzeAsm('.section xdp\n    r0 = 1 ll\n    exit\n.section socket\n    r0 = 0\n    exit\n');
    expect(doc.insnAt(1)).toMatchObject({ slot: 0, programIndex: 0 });
    expect(doc.insnAt(2)).toMatchObject({ slot: 2, programIndex: 0 });
    expect(doc.insnAt(5)).toMatchObject({ slot: 1, programIndex: 1 });
    expect(doc.insnAt(3)).toBeUndefined();
  });
});

describe('quick fixes from suggestions', () => {
  it('offers the closest mnemonic for an unknown one', () => {
    const a = analyze('mov %r0, 1\nexti\n');
    const actions = F.codeActions(a, { start: at(1, 0), end: at(1, 4) });
    expect(actions).toEqual([expect.objectContaining({ title: "Change to 'exit'", edits: [{ range: { start: at(1, 0), end: at(1, 4) }, newText: 'exit' }] })]);
  });
});

