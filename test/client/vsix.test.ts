// The packaged .vsix holds only what runs in the editor and stays small (see .vscodeignore).
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';

const run = promisify(execFile);
const root = path.resolve(__dirname, '../..');
const vsce = path.join(root, 'node_modules/@vscode/vsce/vsce');
const built = existsSync(path.join(root, 'dist/client/extension.js')) && existsSync(path.join(root, 'dist/server/server.js'));
if (!built) console.warn('skipping vsix tests: dist/ is not built (npm run build)');

describe.skipIf(!built)('vsix package', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'vsix-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('lists only bundles, grammars, language configurations, inspector media and docs', async () => {
    const { stdout } = await run(process.execPath, [vsce, 'ls', '--no-dependencies'], { cwd: root, timeout: 60_000 });
    const files = stdout.split('\n').map((l) => l.trim()).filter(Boolean);
    const allowed = [
      /^package\.json$/,
      /^(README|CHANGELOG)\.md$/,
      /^LICENSE(\.md)?$/,
      /^icon\.png$/,
      /^media\/[\w./-]+$/,
      /^dist\/(client|server)\/[\w.-]+\.js$/,
      /^syntaxes\/[\w.-]+\.tmLanguage\.json$/,
      /^language-configuration-[\w-]+\.json$/,
      /^client\/media\/[\w.-]+$/,
    ];
    const stray = files.filter((f) => !allowed.some((re) => re.test(f)));
    expect(stray).toEqual([]);
    for (const needed of [
      'package.json',
      'dist/client/extension.js',
      'dist/server/server.js',
      'syntaxes/ebpf-asm.tmLanguage.json',
      'syntaxes/bpftrace.tmLanguage.json',
      'client/media/inspector.js',
      'client/media/inspector.css',
    ]) {
      expect(files).toContain(needed);
    }
  });

  it('packages to under 2 MB', async () => {
    const out = path.join(dir, 'ebpf-studio.vsix');
    await run(process.execPath, [vsce, 'package', '--no-dependencies', '--allow-missing-repository', '--no-rewrite-relative-links', '--skip-license', '-o', out], {
      cwd: root,
      timeout: 120_000,
    });
    expect(statSync(out).size).toBeLessThan(2 * 1024 * 1024);
  });
});
