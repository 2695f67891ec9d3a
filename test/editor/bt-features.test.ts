// The bpftrace editor features, called directly on scripts.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { analyzeDocument } from '../../server/src/editor/analysis';
import { formatBtText } from '../../server/src/editor/bt-format';
import * as F from '../../server/src/editor/features';
import type { KernelNames } from '../../server/src/editor/kernel-names';
import { DEFAULT_SETTINGS } from '../../server/src/editor/types';
import { parseScript } from '../../server/src/probe/parser';

const SCRIPT = `tracepoint:syscalls:sys_enter_openat
/pid > 100/
{
	$f = str(args.filename);
	@opens[comm] = count();
	if ($f == "x") {
		printf("%s\\n", $f);
	}
}

kprobe:vfs_read
{
	@bytes = hist(arg2);
	$f = 1;
}

END
{
	clear(@opens);
}
`;

const kernel: KernelNames = {
  functions: () => ['do_sys_openat2', 'vfs_read', 'vfs_readv', 'vfs_write'],
  tracepoints: () => ['sched:sched_switch', 'sched:sched_wakeup', 'syscalls:sys_enter_openat'],
  functionSource: () => 'bundled',
};

// No BTF and no tracefs: results must not depend on the machine (the bundled tracepoint catalog is used).
const hooks = { probeOptions: { btf: null, useTracefs: false, checkBinaries: false, readHeaders: false } };
const analyze = (text: string) => analyzeDocument(text, 'bpftrace', DEFAULT_SETTINGS, hooks);
const at = (line: number, col: number) => ({ line, col });
const labels = (text: string, line: number, col: number) => F.completion(analyze(text), at(line, col), kernel).items.map((i) => i.label);

describe('bpftrace diagnostics', () => {
  it('reports syntax errors and checker findings with their lines', () => {
    const a = analyze('kprobe:vfs_read { @x = count( }\n');
    expect(a.findings.length).toBeGreaterThan(0);
    expect(a.findings[0]).toMatchObject({ severity: 'error', range: { start: { line: 0 } } });
    const b = analyze('BEGIN { printf("%d\\n", nosuchbuiltin); }\n');
    expect(b.findings.some((f) => f.message.includes('nosuchbuiltin'))).toBe(true);
    expect(analyze(SCRIPT).findings.filter((f) => f.severity === 'error')).toEqual([]);
  });
});

describe('bpftrace hover', () => {
  const a = analyze(SCRIPT);

  it('documents probe kinds', () => {
    const h = F.hover(a, at(10, 2))!;
    expect(h.markdown).toContain('**kprobe** probe');
    expect(h.range).toEqual({ start: at(10, 0), end: at(10, 6) });
  });

  it('lists a tracepoint\'s fields', () => {
    const h = F.hover(a, at(0, 25))!;
    expect(h.markdown).toContain('syscalls:sys_enter_openat');
    expect(h.markdown).toContain('filename');
  });

  it('documents builtins, functions and keywords', () => {
    expect(F.hover(a, at(1, 2))!.markdown).toMatch(/^\*\*pid\*\*.*Process ID/);
    expect(F.hover(a, at(3, 7))!.markdown).toContain('str(char *s[, length])');
    expect(F.hover(a, at(5, 2))!.markdown).toMatch(/^\*\*if\*\*/);
  });

  it('shows the checker\'s types of maps and variables', () => {
    expect(F.hover(a, at(4, 3))!.markdown).toContain('**@opens[string[16]]**: count()');
    expect(F.hover(a, at(3, 2))!.markdown).toContain('**$f**: string[64]');
  });
});

describe('bpftrace completion', () => {
  it('offers probe kinds at the top level', () => {
    const items = labels('\n', 0, 0);
    expect(items).toEqual(expect.arrayContaining(['kprobe:', 'tracepoint:', 'BEGIN', 'END', 'uprobe:']));
  });

  it('offers kernel functions after kprobe: and fentry:', () => {
    expect(labels('kprobe:vfs_r', 0, 12)).toEqual(['vfs_read', 'vfs_readv']);
    expect(labels('BEGIN {}\nfentry:do_', 1, 10)).toEqual(['do_sys_openat2']);
  });

  it('offers tracepoints as category:event', () => {
    const list = F.completion(analyze('tracepoint:sched:sched_w'), at(0, 24), kernel);
    expect(list.items.map((i) => i.label)).toEqual(['sched:sched_wakeup']);
    expect(list.items[0].replace).toEqual({ start: at(0, 11), end: at(0, 24) });
  });

  it('offers event names and units', () => {
    expect(labels('software:', 0, 9)).toContain('page-faults');
    expect(labels('interval:', 0, 9)).toEqual(['s', 'ms', 'us', 'hz']);
  });

  it('offers builtins, functions, maps and the scope\'s variables in a body', () => {
    const items = labels(SCRIPT.replace('clear(@opens);', 'clear(@opens);\n\t'), 20, 1);
    expect(items).toEqual(expect.arrayContaining(['pid', 'comm', 'printf', 'hist', '@opens', '@bytes', 'if']));
    // $f belongs to the other probes.
    expect(items).not.toContain('$f');
    const inFirst = labels(SCRIPT, 4, 1);
    expect(inFirst).toContain('$f');
  });

  it('offers only maps after @ and only variables after $', () => {
    const text = SCRIPT.replace('@bytes = hist(arg2);', '@bytes = hist(arg2); @');
    expect(labels(text, 12, 23)).toEqual(['@opens', '@bytes']);
  });

  it('offers tracepoint fields after args.', () => {
    const text = SCRIPT.replace('str(args.filename)', 'str(args.f');
    const items = labels(text, 3, 16);
    expect(items).toContain('filename');
    expect(items).not.toContain('common_pid');
  });

  it('offers fields of structs the script defines, following pointers', () => {
    const body = 'kprobe:f { $p = (struct point *)arg0; $p->next->; }';
    const text = `struct point { int x; int y; struct point *next; }\n${body}\n`;
    expect(labels(text, 1, body.indexOf('->;') + 2)).toEqual(['x', 'y', 'next']);
  });

  const bin = '/bin/bash';
  if (!existsSync(bin)) console.warn('no /bin/bash; skipping uprobe completion');
  it.skipIf(!existsSync(bin))('offers the functions of a uprobe binary from its symbol table', () => {
    expect(labels(`uprobe:${bin}:readl`, 0, 7 + bin.length + 6)).toContain('readline');
  });
});

describe('bpftrace navigation and rename', () => {
  const a = analyze(SCRIPT);

  it('finds a map\'s uses across probes', () => {
    expect(F.references(a, at(4, 3), true)).toEqual([
      { start: at(4, 1), end: at(4, 7) },
      { start: at(18, 7), end: at(18, 13) },
    ]);
  });

  it('keeps variables to their probe', () => {
    expect(F.references(a, at(3, 2), true)).toEqual([
      { start: at(3, 1), end: at(3, 3) },
      { start: at(5, 5), end: at(5, 7) },
      { start: at(6, 17), end: at(6, 19) },
    ]);
    expect(F.definition(a, at(6, 18))).toEqual([{ start: at(3, 1), end: at(3, 3) }]);
  });

  it('renames @maps and $vars, adding the sigil when left out', () => {
    const r = F.rename(a, at(4, 3), 'n');
    if ('error' in r) throw new Error(r.error);
    expect(r.edits.map((e) => e.newText)).toEqual(['@n', '@n']);
    const v = F.rename(a, at(3, 2), '$name');
    if ('error' in v) throw new Error(v.error);
    expect(v.edits).toHaveLength(3);
    expect(F.rename(a, at(4, 3), '@bytes')).toEqual({ error: 'map @bytes already exists in this script' });
    expect(F.rename(a, at(3, 2), '$1')).toHaveProperty('error');
  });

  it('renames user functions with their calls', () => {
    const b = analyze('fn add($a: int64, $b: int64): int64 { return $a + $b; }\nBEGIN { print(add(1, 2)); }\n');
    expect(F.references(b, at(0, 4), true)).toEqual([{ start: at(0, 3), end: at(0, 6) }, { start: at(1, 14), end: at(1, 17) }]);
    expect(F.references(b, at(0, 46), true)).toHaveLength(2); // $a: the parameter and its use
    expect(F.rename(b, at(0, 4), 'printf')).toHaveProperty('error');
  });
});

describe('bpftrace outline, tokens, folding', () => {
  const a = analyze(SCRIPT);

  it('lists probes and maps', () => {
    expect(F.documentSymbols(a).map((s) => [s.name, s.kind])).toEqual([
      ['tracepoint:syscalls:sys_enter_openat', 'event'],
      ['@opens', 'variable'],
      ['kprobe:vfs_read', 'event'],
      ['@bytes', 'variable'],
      ['END', 'event'],
    ]);
  });

  it('folds probes and multi-line blocks', () => {
    expect(F.foldingRanges(a)).toEqual([
      { startLine: 0, endLine: 7, kind: 'region' },
      { startLine: 5, endLine: 6, kind: 'region' },
      { startLine: 10, endLine: 13, kind: 'region' },
      { startLine: 16, endLine: 18, kind: 'region' },
    ]);
  });

  it('classifies tokens', () => {
    const toks = F.semanticTokens(analyze(SCRIPT + '// done\n'));
    const find = (line: number, col: number) => toks.find((t) => t.line === line && t.col === col);
    expect(find(0, 0)?.type).toBe('namespace');
    expect(find(0, 11)?.type).toBe('function');
    expect(find(1, 1)).toMatchObject({ type: 'variable', modifiers: ['defaultLibrary', 'readonly'] });
    expect(find(3, 1)?.type).toBe('variable');
    expect(find(3, 6)).toMatchObject({ type: 'function', modifiers: ['defaultLibrary'] });
    expect(find(3, 15)?.type).toBe('property');
    expect(find(4, 1)).toMatchObject({ type: 'variable', modifiers: ['static'] });
    expect(find(5, 1)?.type).toBe('keyword');
    expect(find(6, 9)?.type).toBe('string');
    expect(find(20, 0)?.type).toBe('comment');
  });
});

describe('bpftrace formatting', () => {
  it('re-indents with tabs and puts a probe\'s brace on its own line', () => {
    const text = 'kprobe:x /pid/ {\n   $a = 1;\n if ($a) {\n  print($a);\n   }\n}\n\n\n\nEND { exit(); }\n';
    expect(formatBtText(text)).toBe('kprobe:x /pid/\n{\n\t$a = 1;\n\tif ($a) {\n\t\tprint($a);\n\t}\n}\n\nEND { exit(); }\n');
    expect(formatBtText(text, { indent: '  ' })).toContain('\n  if ($a) {\n    print($a);\n  }\n');
  });

  it('leaves strings, comments and preprocessor lines alone', () => {
    const text = '#include <linux/sched.h>\n/* a { comment\n   kept */\nBEGIN\n{\nprintf("{ not a block\\n");\n}\n';
    expect(formatBtText(text)).toBe('#include <linux/sched.h>\n/* a { comment\n   kept */\nBEGIN\n{\n\tprintf("{ not a block\\n");\n}\n');
  });

  it('puts a call continued over lines 4 spaces past the statement, as the tools do', () => {
    const text = 'BEGIN\n{\nprintf("%d %d\\n",\n1, 2);\n@x =\nhist(1);\n}\n';
    expect(formatBtText(text)).toBe('BEGIN\n{\n\tprintf("%d %d\\n",\n\t    1, 2);\n\t@x =\n\t    hist(1);\n}\n');
  });

  const tools = existsSync('/usr/sbin') ? readdirSync('/usr/sbin').filter((f) => f.endsWith('.bt')).map((f) => `/usr/sbin/${f}`) : [];
  it.skipIf(tools.length === 0)('keeps every bpftrace tool script parsing the same, and is idempotent on them', () => {
    for (const file of tools) {
      const text = readFileSync(file, 'utf8');
      const once = formatBtText(text);
      expect(formatBtText(once), file).toBe(once);
      const strip = (t: string) => JSON.stringify(parseScript(t).ast.probes.map((p) => p.attachPoints.map((ap) => ap.raw)));
      expect(strip(once), file).toBe(strip(text));
      expect(parseScript(once).findings.length, file).toBe(parseScript(text).findings.length);
    }
  });

  it.skipIf(tools.length === 0)('leaves the tool scripts written in the tab style exactly as they are', () => {
    // Tab style: code indented by tabs, continuations by tabs and 4 spaces, comment lines starting with '*'.
    const tabStyle = (t: string) => t.split('\n').every((l) => /^\t*( {4})?(?![ \t])/.test(l) || /^\s*\*/.test(l));
    const styled = tools.filter((f) => tabStyle(readFileSync(f, 'utf8')));
    expect(styled.length).toBeGreaterThan(tools.length / 2);
    for (const file of styled) expect(formatBtText(readFileSync(file, 'utf8')), file).toBe(readFileSync(file, 'utf8'));
  });
});

describe('bpftrace quick fixes', () => {
  it('turns "Did you mean" into an edit', () => {
    const a = analyze('BEGIN { prinft("hi\\n"); }\n');
    const f = a.findings.find((x) => x.message.includes('Did you mean'));
    expect(f).toBeDefined();
    const actions = F.codeActions(a, f!.range);
    expect(actions[0]).toMatchObject({ title: "Change to 'printf'", edits: [{ newText: 'printf', range: f!.range }] });
  });
});
