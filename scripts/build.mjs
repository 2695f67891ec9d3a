// Bundles the extension client, the language server, the CLI and the benchmarks with esbuild.
import { build } from 'esbuild';
import { existsSync } from 'node:fs';

const common = {
  bundle: true,
  platform: 'node',
  target: 'node20',
  format: 'cjs',
  sourcemap: true,
  logLevel: 'warning',
  // koffi is a native module reached only by the optional kernel bridge; vscode is provided by the editor.
  external: ['vscode', 'koffi'],
};

const entries = [
  { in: 'client/src/extension.ts', out: 'dist/client/extension.js' },
  { in: 'server/src/lsp/main.ts', out: 'dist/server/server.js' },
  { in: 'server/src/cli.ts', out: 'dist/cli/cli.js' },
  { in: 'bench/bench.ts', out: 'dist/bench/bench.js' },
  { in: 'bench/fuzz.ts', out: 'dist/bench/fuzz.js' },
];

await Promise.all(
  entries
    .filter((e) => existsSync(e.in))
    .map((e) => build({ ...common, entryPoints: [e.in], outfile: e.out })),
);
