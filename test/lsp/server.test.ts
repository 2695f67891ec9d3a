// The real bundled server process, driven over stdio by an LSP client: one test per feature, in
// both languages.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunResult } from '../../server/src/protocol';
import { ensureBuilt, LspClient } from './lsp-client';

const ASM = `.map counts hash key=4 value=8 entries=16
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

const BT = `kprobe:vfs_read
/pid > 100/
{
	@bytes[comm] = sum(arg2);
	$n = 1;
	if ($n) {
		print($n);
	}
}

END
{
	clear(@bytes);
}
`;

const NO_LLVM_MC = !existsSync('/usr/bin/llvm-mc-19');
if (NO_LLVM_MC) console.warn('llvm-mc-19 is not installed (apt-get install llvm-19); skipping the object-file tests');

const ASM_URI = 'file:///work/prog.bpf.s';
const BT_URI = 'file:///work/trace.bt';
const pos = (line: number, character: number) => ({ line, character });
const range = (l1: number, c1: number, l2: number, c2: number) => ({ start: pos(l1, c1), end: pos(l2, c2) });

let c: LspClient;

beforeAll(async () => {
  ensureBuilt();
  c = await LspClient.start({ inlayHints: { enabled: true } });
  await c.open(ASM_URI, 'ebpf-asm', ASM);
  await c.open(BT_URI, 'bpftrace', BT);
  await c.diagnostics(ASM_URI, 1);
  await c.diagnostics(BT_URI, 1);
});

afterAll(async () => {
  await c?.stop();
});

const req = <T>(method: string, params: object) => c.conn.sendRequest(method, params) as Promise<T>;
const doc = (uri: string) => ({ textDocument: { uri } });

describe('diagnostics', () => {
  it('publishes assembler errors on open with the document version', async () => {
    const uri = 'file:///work/broken.bpf.s';
    await c.open(uri, 'ebpf-asm', '.section xdp\n    r0 = 2\n    bogus r1\n    exit\n', 7);
    const p = await c.diagnostics(uri, 7);
    expect(p.diagnostics).toEqual([
      expect.objectContaining({ range: range(2, 4, 2, 9), severity: 1, code: 'asm.unknown-mnemonic', source: 'ebpf-studio', message: "unknown mnemonic 'bogus'" }),
    ]);
  });

  it('publishes bpftrace parse and checker errors', async () => {
    const uri = 'file:///work/broken.bt';
    await c.open(uri, 'bpftrace', 'kprobe:vfs_read { @x = count( }\nBEGIN { printf("%d\\n", nosuch); }\n');
    const p = await c.diagnostics(uri, 1);
    expect(p.diagnostics.length).toBeGreaterThan(0);
    expect(p.diagnostics[0]).toMatchObject({ severity: 1, range: { start: { line: 0 } } });
    const clean = await c.diagnostics(BT_URI, 1);
    expect(clean.diagnostics.filter((d) => d.severity === 1)).toEqual([]);
  });

  it('debounces edits and publishes only for the latest version', async () => {
    const uri = 'file:///work/typing.bpf.s';
    await c.open(uri, 'ebpf-asm', '.section xdp\n    r0 = 0\n    exit\n', 1);
    await c.diagnostics(uri, 1);
    // Three quick edits: the first two are superseded before the debounce ends.
    await c.replace(uri, 2, '.section xdp\n    r0 = 0\n    bad1\n    exit\n');
    await c.replace(uri, 3, '.section xdp\n    r0 = 0\n    bad2\n    exit\n');
    await c.replace(uri, 4, '.section xdp\n    r0 = 0\n    exit\n    bad4 r1\n');
    const p = await c.diagnostics(uri, 4);
    expect(p.diagnostics.map((d) => d.range.start.line)).toEqual([3]);
    expect(c.published.filter((x) => x.uri === uri).map((x) => x.version)).toEqual([1, 4]);
  });

  it('clears diagnostics when a document closes', async () => {
    const uri = 'file:///work/closing.bpf.s';
    await c.open(uri, 'ebpf-asm', 'bogus\n');
    await c.diagnostics(uri, 1);
    await c.conn.sendNotification('textDocument/didClose', doc(uri));
    await expect.poll(() => c.published.filter((x) => x.uri === uri).at(-1)?.diagnostics).toEqual([]);
  });

  it('sends a verdict for the status bar', async () => {
    const v = await c.verdict('file:///work/broken.bpf.s');
    expect(v.verdict).toBe('error');
    expect(v.summary).toContain('line 3');
  });
});

describe('hover', () => {
  it('explains an asm instruction with its encoding', async () => {
    const h = await req<{ contents: { kind: string; value: string }; range: unknown }>('textDocument/hover', { ...doc(ASM_URI), position: pos(2, 7) });
    expect(h.contents.kind).toBe('markdown');
    expect(h.contents.value).toContain('**mov**');
    expect(h.contents.value).toContain('b7 01 00 00 00 00 00 00');
  });

  it('shows a helper\'s signature', async () => {
    const h = await req<{ contents: { value: string } }>('textDocument/hover', { ...doc(ASM_URI), position: pos(7, 14) });
    expect(h.contents.value).toContain('bpf_map_lookup_elem(struct bpf_map *map, const void *key)');
  });

  it('documents bpftrace probe kinds and functions', async () => {
    const k = await req<{ contents: { value: string } }>('textDocument/hover', { ...doc(BT_URI), position: pos(0, 2) });
    expect(k.contents.value).toContain('**kprobe** probe');
    const f = await req<{ contents: { value: string } }>('textDocument/hover', { ...doc(BT_URI), position: pos(3, 17) });
    expect(f.contents.value).toContain('sum(n)');
  });

  it('answers null where there is nothing to say', async () => {
    expect(await req('textDocument/hover', { ...doc(ASM_URI), position: pos(11, 15) })).toBeNull();
  });
});

describe('completion', () => {
  it('offers helpers after call in asm', async () => {
    const r = await req<{ items: { label: string; kind: number }[] }>('textDocument/completion', { ...doc(ASM_URI), position: pos(7, 9) });
    expect(r.items.map((i) => i.label)).toEqual(expect.arrayContaining(['bpf_map_lookup_elem', 'helper']));
  });

  it('offers snippets at a statement start', async () => {
    const uri = 'file:///work/complete.bpf.s';
    await c.open(uri, 'ebpf-asm', '.section xdp\n    \n');
    const r = await req<{ items: { label: string; insertTextFormat?: number; textEdit?: { newText: string } }[] }>('textDocument/completion', { ...doc(uri), position: pos(1, 4) });
    const exit = r.items.find((i) => i.label === 'exit')!;
    expect(exit.textEdit?.newText).toBe('exit');
    const add = r.items.find((i) => i.label === 'add (imm)')!;
    expect(add.insertTextFormat).toBe(2);
    expect(add.textEdit?.newText).toBe('${1:r1} += ${2:0}');
  });

  it('offers builtins, functions and maps in a bpftrace body', async () => {
    const r = await req<{ items: { label: string }[] }>('textDocument/completion', { ...doc(BT_URI), position: pos(4, 1) });
    expect(r.items.map((i) => i.label)).toEqual(expect.arrayContaining(['pid', 'printf', '@bytes', '$n']));
  });

  it('offers probe kinds at the top of a script', async () => {
    const r = await req<{ items: { label: string }[] }>('textDocument/completion', { ...doc(BT_URI), position: pos(9, 0) });
    expect(r.items.map((i) => i.label)).toEqual(expect.arrayContaining(['kprobe:', 'tracepoint:', 'BEGIN']));
  });
});

describe('definition and references', () => {
  it('goes to an asm label and a map', async () => {
    expect(await req('textDocument/definition', { ...doc(ASM_URI), position: pos(8, 21) })).toEqual([{ uri: ASM_URI, range: range(10, 0, 10, 3) }]);
    expect(await req('textDocument/definition', { ...doc(ASM_URI), position: pos(6, 10) })).toEqual([{ uri: ASM_URI, range: range(0, 5, 0, 11) }]);
  });

  it('finds references of a subprogram', async () => {
    const refs = await req('textDocument/references', { ...doc(ASM_URI), position: pos(13, 2), context: { includeDeclaration: true } });
    expect(refs).toEqual([{ uri: ASM_URI, range: range(13, 0, 13, 6) }, { uri: ASM_URI, range: range(9, 9, 9, 15) }]);
  });

  it('finds a bpftrace map across probes and a variable within its probe', async () => {
    const maps = await req<unknown[]>('textDocument/references', { ...doc(BT_URI), position: pos(3, 3), context: { includeDeclaration: true } });
    expect(maps).toEqual([{ uri: BT_URI, range: range(3, 1, 3, 7) }, { uri: BT_URI, range: range(12, 7, 12, 13) }]);
    const def = await req('textDocument/definition', { ...doc(BT_URI), position: pos(6, 9) });
    expect(def).toEqual([{ uri: BT_URI, range: range(4, 1, 4, 3) }]);
  });
});

describe('rename', () => {
  it('prepares and renames an asm label', async () => {
    expect(await req('textDocument/prepareRename', { ...doc(ASM_URI), position: pos(10, 1) })).toEqual({ range: range(10, 0, 10, 3), placeholder: 'out' });
    const edit = await req<{ changes: Record<string, { range: unknown; newText: string }[]> }>('textDocument/rename', { ...doc(ASM_URI), position: pos(10, 1), newName: 'done' });
    expect(edit.changes[ASM_URI]).toEqual([{ range: range(10, 0, 10, 3), newText: 'done' }, { range: range(8, 20, 8, 23), newText: 'done' }]);
  });

  it('renames a bpftrace map and refuses a clash', async () => {
    const edit = await req<{ changes: Record<string, { newText: string }[]> }>('textDocument/rename', { ...doc(BT_URI), position: pos(3, 3), newName: 'total' });
    expect(edit.changes[BT_URI].map((e) => e.newText)).toEqual(['@total', '@total']);
    await expect(req('textDocument/rename', { ...doc(ASM_URI), position: pos(10, 1), newName: 'r1' })).rejects.toThrow(/register name/);
  });
});

describe('document symbols', () => {
  it('lists asm sections with labels and maps', async () => {
    const syms = await req<{ name: string; kind: number; children?: { name: string }[] }[]>('textDocument/documentSymbol', doc(ASM_URI));
    expect(syms.map((s) => s.name)).toEqual(['counts', 'xdp']);
    expect(syms[1].children!.map((s) => s.name)).toEqual(['out', 'helper']);
  });

  it('lists bpftrace probes and maps', async () => {
    const syms = await req<{ name: string }[]>('textDocument/documentSymbol', doc(BT_URI));
    expect(syms.map((s) => s.name)).toEqual(['kprobe:vfs_read', '@bytes', 'END']);
  });
});

describe('semantic tokens', () => {
  it('encodes tokens with the advertised legend, in both languages', async () => {
    for (const uri of [ASM_URI, BT_URI]) {
      const t = await req<{ data: number[] }>('textDocument/semanticTokens/full', doc(uri));
      expect(t.data.length % 5).toBe(0);
      expect(t.data.length).toBeGreaterThan(20);
      // Relative positions never go backwards.
      for (let i = 0; i < t.data.length; i += 5) expect(t.data[i] >= 0 && (t.data[i] > 0 || t.data[i + 1] >= 0)).toBe(true);
    }
    const asm = await req<{ data: number[] }>('textDocument/semanticTokens/full', doc(ASM_URI));
    // First token: `.map` at 0:0, a macro (index 7 in the legend).
    expect(asm.data.slice(0, 4)).toEqual([0, 0, 4, 7]);
  });
});

describe('folding', () => {
  it('folds asm sections and bpftrace probes', async () => {
    expect(await req('textDocument/foldingRange', doc(ASM_URI))).toEqual([
      { startLine: 1, endLine: 15, kind: 'region' },
      { startLine: 13, endLine: 15, kind: 'region' },
    ]);
    const bt = await req<{ startLine: number; endLine: number }[]>('textDocument/foldingRange', doc(BT_URI));
    expect(bt.map((f) => [f.startLine, f.endLine])).toEqual([[0, 7], [5, 6], [10, 12]]);
  });
});

describe('formatting', () => {
  it('aligns asm', async () => {
    const uri = 'file:///work/ugly.bpf.s';
    await c.open(uri, 'ebpf-asm', '.section xdp\n  r0 = 0 ; zero\n\texit\n');
    const edits = await req('textDocument/formatting', { ...doc(uri), options: { tabSize: 4, insertSpaces: true } });
    expect(edits).toEqual([
      { range: range(1, 0, 1, 15), newText: '    r0 = 0  ; zero' },
      { range: range(2, 0, 2, 5), newText: '    exit' },
    ]);
  });

  it('indents bpftrace with the editor\'s indentation', async () => {
    const uri = 'file:///work/ugly.bt';
    await c.open(uri, 'bpftrace', 'BEGIN\n{\nprintf("hi\\n");\n}\n');
    const tabs = await req('textDocument/formatting', { ...doc(uri), options: { tabSize: 4, insertSpaces: false } });
    expect(tabs).toEqual([{ range: range(2, 0, 2, 15), newText: '\tprintf("hi\\n");' }]);
    const spaces = await req('textDocument/formatting', { ...doc(uri), options: { tabSize: 2, insertSpaces: true } });
    expect(spaces).toEqual([{ range: range(2, 0, 2, 15), newText: '  printf("hi\\n");' }]);
  });
});

const NULL_DEREF = `.map counts hash key=4 value=8 entries=16
.section xdp
    r1 = 0
    *(u32 *)(r10 - 4) = r1
    r2 = r10
    r2 += -4
    r1 = counts ll
    call bpf_map_lookup_elem
    r1 = *(u64 *)(r0 + 0)
out:
    r0 = 2
    exit
`;

describe('verifier', () => {
  const uri = 'file:///work/nullderef.bpf.s';

  it('publishes the verifier\'s rejection with the kernel\'s text and the related call', async () => {
    await c.open(uri, 'ebpf-asm', NULL_DEREF);
    const p = await c.diagnostics(uri, 1);
    expect(p.diagnostics).toHaveLength(1);
    const d = p.diagnostics[0];
    expect(d).toMatchObject({ severity: 1, code: 'verifier.null-deref', range: range(8, 4, 8, 25) });
    expect(d.message).toContain('may be NULL');
    expect(d.message).toContain("kernel: R0 invalid mem access 'map_value_or_null'");
    expect(d.relatedInformation?.[0]).toMatchObject({ location: { uri, range: { start: { line: 7 } } } });
    await expect.poll(() => c.verdicts.find((v) => v.uri === uri)?.verdict).toBe('rejected');
  });

  it('compiles and verifies bpftrace scripts: verdict and per-probe log', async () => {
    await expect.poll(() => c.verdicts.find((v) => v.uri === BT_URI)?.summary).toMatch(/^accepted: kprobe:vfs_read: \d+ insns processed/);
    const r = await req<{ text: string }>('ebpf/verifierLog', { uri: BT_URI });
    expect(r.text).toMatch(/^; program kprobe:vfs_read: accepted/);
    expect(r.text).toContain('; program END: accepted');
    expect(r.text).toMatch(/processed \d+ insns/);
  });

  it('says accepted in the verdict for a good program', async () => {
    await expect.poll(() => c.verdicts.find((v) => v.uri === ASM_URI)?.summary).toMatch(/^accepted: xdp: \d+ insns processed/);
  });

  it('shows register states in hover', async () => {
    const h = await req<{ contents: { value: string } }>('textDocument/hover', { ...doc(uri), position: pos(8, 20) });
    expect(h.contents.value).toContain('Before: map_value_or_null(map=counts, vs=8)');
  });

  it('offers the NULL check as a quick fix', async () => {
    const d = (await c.diagnostics(uri, 1)).diagnostics[0];
    const actions = await req<{ title: string; isPreferred: boolean; edit: { changes: Record<string, { range: unknown; newText: string }[]> } }[]>(
      'textDocument/codeAction', { ...doc(uri), range: d.range, context: { diagnostics: [d] } });
    expect(actions).toHaveLength(1);
    expect(actions[0].isPreferred).toBe(true);
    expect(actions[0].edit.changes[uri]).toEqual([{ range: range(8, 0, 8, 0), newText: '    if r0 == 0 goto out\n' }]);
  });

  it('returns the kernel-format verifier log', async () => {
    const r = await req<{ text: string }>('ebpf/verifierLog', { uri });
    expect(r.text).toMatch(/^; program xdp: rejected/);
    expect(r.text).toContain('6: (85) call bpf_map_lookup_elem#1');
    expect(r.text).toContain("R0 invalid mem access 'map_value_or_null'");
  });
});

describe('inlay hints and code actions', () => {
  it('shows register types after the instructions that write them', async () => {
    const hints = await req<{ position: { line: number; character: number }; label: string }[]>('textDocument/inlayHint', { ...doc(ASM_URI), range: range(0, 0, 8, 0) });
    expect(hints.map((h) => [h.position.line, h.label])).toEqual([
      [2, ' r1: scalar 0'],
      [4, ' r2: fp'],
      [5, ' r2: fp-4'],
      [6, ' r1: map_ptr(map=counts)'],
      [7, ' r0: map_value_or_null(map=counts, vs=8)'],
    ]);
    expect(hints[0].position.character).toBe(10);
    const bt = await req<unknown[]>('textDocument/inlayHint', { ...doc(BT_URI), range: range(0, 0, 14, 0) });
    expect(bt).toEqual([]);
  });

  it('offers quick fixes on the diagnostics they fix, in both languages', async () => {
    expect(await req<unknown[]>('textDocument/codeAction', { ...doc(ASM_URI), range: range(2, 0, 2, 5), context: { diagnostics: [] } })).toEqual([]);
    const bt = 'file:///work/typo.bt';
    await c.open(bt, 'bpftrace', 'BEGIN { prinft("hi\\n"); }\n');
    const d = (await c.diagnostics(bt, 1)).diagnostics.find((x) => x.message.includes('Did you mean'))!;
    const actions = await req<{ title: string; kind: string; diagnostics: unknown[]; edit: { changes: Record<string, unknown[]> } }[]>('textDocument/codeAction', { ...doc(bt), range: d.range, context: { diagnostics: [d] } });
    expect(actions).toEqual([{ title: "Change to 'printf'", kind: 'quickfix', isPreferred: true, diagnostics: [d], edit: { changes: { [bt]: [{ range: d.range, newText: 'printf' }] } } }]);
    const asm = 'file:///work/typo.bpf.s';
    await c.open(asm, 'ebpf-asm', 'mov %r0, 0\nexti\n');
    const e = (await c.diagnostics(asm, 1)).diagnostics[0];
    const fix = await req<{ edit: { changes: Record<string, { newText: string }[]> } }[]>('textDocument/codeAction', { ...doc(asm), range: e.range, context: { diagnostics: [e] } });
    expect(fix[0].edit.changes[asm]).toEqual([{ range: e.range, newText: 'exit' }]);
  });
});

describe('code lenses', () => {
  it('puts Run | Verify above each assembly program and Run | Show Compiled above a script', async () => {
    type Lens = { range: { start: { line: number } }; command: { title: string; command: string; arguments: string[] } };
    const asm = await req<Lens[]>('textDocument/codeLens', doc(ASM_URI));
    expect(asm.map((l) => [l.range.start.line, l.command.title, l.command.command, l.command.arguments[0]])).toEqual([
      [1, '▶ Run', 'ebpfStudio.run', ASM_URI],
      [1, 'Verify (accepted)', 'ebpfStudio.showVerifierLog', ASM_URI],
    ]);
    const bt = await req<Lens[]>('textDocument/codeLens', doc(BT_URI));
    expect(bt.map((l) => [l.range.start.line, l.command.title, l.command.command])).toEqual([
      [0, '▶ Run', 'ebpfStudio.run'],
      [0, 'Show Compiled eBPF', 'ebpfStudio.showCompiled'],
    ]);
  });
});

describe('custom requests', () => {
  it('ebpf/run runs an assembly program in the VM', async () => {
    const r = await req<RunResult>('ebpf/run', { uri: ASM_URI });
    expect(r.ok).toBe(true);
    // The hash map is empty: the lookup gives NULL and the program passes the packet.
    expect(r.r0).toBe('2');
    expect(r.r0Meaning).toBe('XDP_PASS');
    expect(r.progType).toBe('xdp');
    expect(r.insnCount).toBe(9);
    expect(r.registers.map((x) => x.name)).toEqual(['r0', 'r1', 'r2', 'r3', 'r4', 'r5', 'r6', 'r7', 'r8', 'r9', 'r10']);
    expect(r.maps).toEqual([{ name: 'counts', type: 'hash', keySize: 4, valueSize: 8, entries: [] }]);
    // The verifier's types at exit sit beside the values.
    expect(r.registers[0]).toEqual({ name: 'r0', value: '0x0000000000000002', type: 'scalar 2' });
    expect(r.registers[10].type).toBe('fp');
  });

  it('ebpf/run shows map contents and the stack the program wrote', async () => {
    const uri = 'file:///work/counter.bpf.s';
    await c.open(uri, 'ebpf-asm', [
      '.map hits array key=4 value=8 entries=1',
      '.section socket',
      '    r3 = 0x1234',
      '    *(u64 *)(r10 - 16) = r3',
      '    r1 = 0',
      '    *(u32 *)(r10 - 4) = r1',
      '    r2 = r10',
      '    r2 += -4',
      '    r1 = hits ll',
      '    call bpf_map_lookup_elem',
      '    if r0 == 0 goto out',
      '    r1 = 41',
      '    *(u64 *)(r0 + 0) = r1',
      'out:',
      '    r0 = 0',
      '    exit',
      '',
    ].join('\n'));
    const r = await req<RunResult>('ebpf/run', { uri });
    expect(r.ok).toBe(true);
    expect(r.maps[0].entries).toEqual([{ key: [0, 0, 0, 0], value: [41, 0, 0, 0, 0, 0, 0, 0] }]);
    expect(r.frames[0].stack).toEqual([{ offset: -16, bytes: [0x34, 0x12, 0, 0, 0, 0, 0, 0] }]);
  });

  it('ebpf/run reports a fault at its source line', async () => {
    const uri = 'file:///work/fault.bpf.s';
    await c.open(uri, 'ebpf-asm', '.section socket\n    r0 = 0\n    r1 = *(u64 *)(r0 + 0)\n    exit\n');
    const r = await req<RunResult>('ebpf/run', { uri });
    expect(r.ok).toBe(false);
    expect(r.error).toMatchObject({ line: 2, insn: 1 });
    expect(r.error!.message).toBeTruthy();
  });

  it('ebpf/run refuses a program that does not assemble, pointing at the line', async () => {
    const r = await req<RunResult>('ebpf/run', { uri: 'file:///work/broken.bpf.s' });
    expect(r.ok).toBe(false);
    expect(r.error).toMatchObject({ line: 2, col: 4 });
  });

  it('ebpf/run runs a bpftrace script on an events file: output, maps and histograms as bpftrace prints them', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'lsp-'));
    const events = path.join(dir, 'events.jsonl');
    writeFileSync(events, [
      '{"probe": "kprobe:vfs_read", "comm": "bash", "args": [0, 0, 100]}',
      '{"probe": "kprobe:vfs_read", "comm": "bash", "args": [0, 0, 3000]}',
      '{"probe": "kprobe:vfs_read", "comm": "sshd", "args": [0, 0, 5], "cpu": 1}',
      '',
    ].join('\n'));
    const uri = 'file:///work/reads.bt';
    await c.open(uri, 'bpftrace', 'kprobe:vfs_read\n{\n\t@reads[comm] = count();\n\t@bytes = hist(arg2);\n}\n');
    const r = await req<RunResult>('ebpf/run', { uri, events: pathToFileURL(events).toString() });
    expect(r.error).toBeUndefined();
    expect(r.ok).toBe(true);
    expect(r.output).toContain('@reads[bash]: 2');
    const reads = r.maps.find((m) => m.name === '@reads')!;
    const text = (b: number[] | number[][]) => Buffer.from(b as number[]).toString('utf8');
    expect(reads.entries.map((e) => [text(e.key), text(e.value)]).sort()).toEqual([['bash', '2'], ['sshd', '1']]);
    const hist = r.histograms!.find((h) => h.map === '@bytes')!;
    expect(hist.buckets.reduce((n, b) => n + b.count, 0)).toBe(3);
    expect(hist.buckets.find((b) => b.count > 0)!.label).toBe('[4, 8)');
  });

  it('ebpf/run points at a bad line of the events file', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'lsp-'));
    const events = path.join(dir, 'bad.jsonl');
    writeFileSync(events, '{"probe": "kprobe:vfs_read"}\n{"probe": \n');
    const r = await req<RunResult>('ebpf/run', { uri: BT_URI, events: pathToFileURL(events).toString() });
    expect(r.ok).toBe(false);
    expect(r.error!.message).toMatch(/events file: .*bad\.jsonl:2:/);
  });

  it('ebpf/run generates a workload when no events file is given', async () => {
    const r = await req<RunResult>('ebpf/run', { uri: BT_URI });
    expect(r.ok).toBe(true);
    expect(r.output[0]).toMatch(/^Attaching \d+ probes?\.\.\./);
  });

  it('ebpf/verifierLog explains why a broken program was not verified', async () => {
    const r = await req<{ text: string }>('ebpf/verifierLog', { uri: 'file:///work/broken.bpf.s' });
    expect(r.text).toContain('does not assemble');
    expect(r.text).toContain(':3:5');
  });

  it('ebpf/compiled shows the eBPF a script compiles to, one section per probe', async () => {
    const r = await req<{ text: string }>('ebpf/compiled', { uri: BT_URI });
    expect(r.text).toContain('.section kprobe/vfs_read');
    expect(r.text).toContain('call bpf_map_lookup_elem');
    expect(r.text).toMatch(/\n\s+exit\n/);
  });

  it('ebpf/compiled refuses assembly files and reports script errors', async () => {
    expect((await req<{ text: string }>('ebpf/compiled', { uri: ASM_URI })).text).toContain('bpftrace scripts');
    expect((await req<{ text: string }>('ebpf/compiled', { uri: 'file:///work/broken.bt' })).text).toContain('has errors');
  });

  it.skipIf(NO_LLVM_MC)('ebpf/disassemble reads an object file written by llvm-mc', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'lsp-'));
    writeFileSync(path.join(dir, 'p.s'), '\t.section xdp,"ax",@progbits\n\t.globl prog\nprog:\n\tr0 = 2\n\texit\n');
    execFileSync('llvm-mc-19', ['-triple', 'bpfel', '-filetype=obj', path.join(dir, 'p.s'), '-o', path.join(dir, 'p.o')]);
    const r = await req<{ text: string }>('ebpf/disassemble', { path: path.join(dir, 'p.o') });
    expect(r.text).toContain('.section xdp');
    expect(r.text).toMatch(/\n\s+r0 = 2\n\s+exit\n/);
    const m = await req<{ text: string }>('ebpf/disassemble', { path: path.join(dir, 'p.o'), dialect: 'mnemonic' });
    expect(m.text).toMatch(/mov %r0, 2/);
    // The same object runs in the VM.
    const run = await req<RunResult>('ebpf/run', { uri: pathToFileURL(path.join(dir, 'p.o')).toString() });
    expect(run).toMatchObject({ ok: true, r0: '2', r0Meaning: 'XDP_PASS', progType: 'xdp', insnCount: 2 });
  });

  it('ebpf/disassemble says what is wrong with a missing file', async () => {
    const r = await req<{ text: string }>('ebpf/disassemble', { path: '/nonexistent/x.o' });
    expect(r.text).toMatch(/^; cannot read \/nonexistent\/x.o/);
  });

  it('reads files that are not open', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'lsp-'));
    const file = path.join(dir, 'closed.bpf.s');
    writeFileSync(file, 'nope r1\n');
    const r = await req<{ text: string }>('ebpf/verifierLog', { uri: pathToFileURL(file).toString() });
    expect(r.text).toContain("unknown mnemonic 'nope'");
  });
});

describe('settings', () => {
  it('reads ebpfStudio settings through workspace/configuration and re-checks on change', async () => {
    const before = c.published.length;
    c.settings = { inlayHints: { enabled: false }, unprivileged: true };
    await c.conn.sendNotification('workspace/didChangeConfiguration', { settings: { ebpfStudio: c.settings } });
    // Every open document is checked again.
    await expect.poll(() => c.published.slice(before).some((p) => p.uri === ASM_URI)).toBe(true);
    const hints = await req<unknown[]>('textDocument/inlayHint', { ...doc(ASM_URI), range: range(0, 0, 16, 0) });
    expect(hints).toEqual([]);
  });
});
