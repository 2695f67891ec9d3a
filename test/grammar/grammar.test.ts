// Runs the TextMate grammar tests (test/grammar/*.test.bpf.s, *.test.bt) through vscode-tmgrammar-test,
// the same tokenizer engine VS Code uses, so `npm test` fails when a grammar regresses.
import { execFile } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';

const run = promisify(execFile);
const root = path.resolve(__dirname, '../..');
const cli = path.join(root, 'node_modules/vscode-tmgrammar-test/dist/unit.js');

const suites = [
  { grammar: 'syntaxes/ebpf-asm.tmLanguage.json', scope: 'source.ebpf-asm', suffix: '.test.bpf.s' },
  { grammar: 'syntaxes/bpftrace.tmLanguage.json', scope: 'source.bpftrace', suffix: '.test.bt' },
];

async function tmGrammarTest(grammar: string, file: string): Promise<{ code: number; output: string }> {
  try {
    const { stdout, stderr } = await run(process.execPath, [cli, '-g', grammar, file], { cwd: root, timeout: 30_000 });
    return { code: 0, output: stdout + stderr };
  } catch (e) {
    const err = e as { code?: number; stdout?: string; stderr?: string; message: string };
    return { code: typeof err.code === 'number' ? err.code : 1, output: `${err.stdout ?? ''}${err.stderr ?? ''}${err.message}` };
  }
}

describe('TextMate grammars', () => {
  for (const s of suites) {
    const files = readdirSync(__dirname).filter((f) => f.endsWith(s.suffix));

    it(`${s.grammar} is valid JSON with scope ${s.scope}`, () => {
      const g = JSON.parse(readFileSync(path.join(root, s.grammar), 'utf8')) as { scopeName: string };
      expect(g.scopeName).toBe(s.scope);
    });

    it(`has test cases for ${s.scope}`, () => {
      expect(files.length).toBeGreaterThan(0);
    });

    for (const f of files) {
      it(`${f} passes`, async () => {
        const { code, output } = await tmGrammarTest(s.grammar, path.join('test/grammar', f));
        expect(output).toContain('run successfuly');
        expect(code, output).toBe(0);
      });
    }
  }

  it('reports a failure when an assertion is wrong (the runner can fail)', async () => {
    const { mkdtempSync, writeFileSync } = await import('node:fs');
    const { tmpdir } = await import('node:os');
    const dir = mkdtempSync(path.join(tmpdir(), 'tmgrammar-'));
    const file = path.join(dir, 'wrong.test.bt');
    writeFileSync(file, '// SYNTAX TEST "source.bpftrace"\nBEGIN { }\n// <----- comment.line.double-slash.bpftrace\n');
    const { code, output } = await tmGrammarTest('syntaxes/bpftrace.tmLanguage.json', file);
    expect(code).not.toBe(0);
    expect(output).toContain('missing required scopes');
  });
});
