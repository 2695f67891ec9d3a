// Language-server latency: open a 10,000-instruction file in the real bundled server, make N
// one-line edits, and time each edit until its diagnostics are published (debounce included, as
// a user waits for it), plus the server's resident memory at the end.
import { spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import {
  createProtocolConnection,
  DidChangeTextDocumentNotification,
  DidOpenTextDocumentNotification,
  ExitNotification,
  InitializedNotification,
  InitializeRequest,
  PublishDiagnosticsNotification,
  ShutdownRequest,
  StreamMessageReader,
  StreamMessageWriter,
  type PublishDiagnosticsParams,
} from 'vscode-languageserver-protocol/node';

export interface LspBenchOptions {
  /** Instructions in the file (default 10,000). */
  instructions?: number;
  /** Edits to time (default 30). */
  edits?: number;
  /** The bundled server; found next to the bench bundle or under dist/ by default. */
  serverPath?: string;
  /** Longest wait for one publish, in ms (default 60 s). */
  timeoutMs?: number;
}

export interface LspBenchResult {
  instructions: number;
  lines: number;
  edits: number;
  /** Open → first diagnostics, in ms. */
  openMs: number;
  medianMs: number;
  p95Ms: number;
  maxMs: number;
  /** Server resident memory after the edits, in MiB (undefined where /proc is not readable). */
  rssMiB?: number;
  /** The server's debounce, included in every figure. */
  debounceMs: number;
}

/** A valid program of about `n` instructions: blocks of stack traffic, arithmetic and decided branches. */
export function benchProgram(n: number): string {
  const lines = ['; generated for the language-server benchmark', '.map counts array key=4 value=8 entries=4', '.section xdp'];
  let count = 0;
  for (let b = 0; count < n - 2; b++) {
    lines.push(
      `    r1 = ${b % 1000}`,
      '    *(u64 *)(r10 - 8) = r1',
      '    r2 = *(u64 *)(r10 - 8)',
      '    r2 += 1',
      `    if r2 > 5000 goto skip${b}`,
      '    r3 = r2',
      '    r3 <<= 2',
      `skip${b}:`,
    );
    count += 7;
  }
  lines.push('    r0 = 2', '    exit', '');
  return lines.join('\n');
}

function findServer(explicit?: string): string {
  const candidates = [explicit, path.resolve(__dirname, '../server/server.js'), path.resolve(__dirname, '../dist/server/server.js'), path.resolve('dist/server/server.js')];
  const hit = candidates.find((c): c is string => !!c && existsSync(c));
  if (!hit) throw new Error('dist/server/server.js not found: run `npm run build` first');
  return hit;
}

function rssMiB(pid: number | undefined): number | undefined {
  if (pid === undefined) return undefined;
  try {
    const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) / 1024 : undefined;
  } catch {
    return undefined;
  }
}

function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)];
}

export async function runLspBench(options: LspBenchOptions = {}): Promise<LspBenchResult> {
  const n = options.instructions ?? 10_000;
  const edits = Math.max(1, Math.min(options.edits ?? 30, 1000));
  const timeoutMs = options.timeoutMs ?? 60_000;
  const proc = spawn(process.execPath, [findServer(options.serverPath), '--stdio'], { stdio: ['pipe', 'pipe', 'ignore'] });
  const conn = createProtocolConnection(new StreamMessageReader(proc.stdout!), new StreamMessageWriter(proc.stdin!));
  const waiting = new Map<number, (p: PublishDiagnosticsParams) => void>();
  const uri = 'file:///bench/big.bpf.s';
  conn.onNotification(PublishDiagnosticsNotification.type, (p) => {
    if (p.uri !== uri || p.version === undefined) return;
    waiting.get(p.version)?.(p);
    waiting.delete(p.version);
  });
  conn.onRequest('workspace/configuration', (p: { items: unknown[] }) => p.items.map(() => ({})));
  conn.listen();
  const published = (version: number) =>
    new Promise<PublishDiagnosticsParams>((resolve, reject) => {
      const t = setTimeout(() => reject(new Error(`no diagnostics for version ${version} within ${timeoutMs} ms`)), timeoutMs);
      waiting.set(version, (p) => {
        clearTimeout(t);
        resolve(p);
      });
    });
  try {
    await conn.sendRequest(InitializeRequest.type, { processId: process.pid, rootUri: null, workspaceFolders: null, capabilities: { workspace: { configuration: true } } });
    await conn.sendNotification(InitializedNotification.type, {});
    const text = benchProgram(n);
    const lines = text.split('\n');
    // The line to edit: the first `r1 = …`. Each edit changes its immediate, so every edit is
    // assembled and verified again (the slower case: a broken line skips verification).
    const target = lines.findIndex((l) => l.startsWith('    r1 = '));
    let t0 = performance.now();
    const first = published(1);
    await conn.sendNotification(DidOpenTextDocumentNotification.type, { textDocument: { uri, languageId: 'ebpf-asm', version: 1, text } });
    await first;
    const openMs = performance.now() - t0;
    const times: number[] = [];
    for (let i = 0; i < edits; i++) {
      const version = i + 2;
      const newText = `    r1 = ${i + 1}`;
      const done = published(version);
      t0 = performance.now();
      await conn.sendNotification(DidChangeTextDocumentNotification.type, {
        textDocument: { uri, version },
        contentChanges: [{ range: { start: { line: target, character: 0 }, end: { line: target, character: lines[target].length } }, text: newText }],
      });
      lines[target] = newText;
      await done;
      times.push(performance.now() - t0);
    }
    const sorted = [...times].sort((a, b) => a - b);
    return {
      instructions: n,
      lines: lines.length,
      edits,
      openMs,
      medianMs: percentile(sorted, 50),
      p95Ms: percentile(sorted, 95),
      maxMs: sorted[sorted.length - 1],
      rssMiB: rssMiB(proc.pid),
      debounceMs: 150,
    };
  } finally {
    try {
      await Promise.race([conn.sendRequest(ShutdownRequest.type), new Promise((r) => setTimeout(r, 2000))]);
      await conn.sendNotification(ExitNotification.type);
    } catch {
      // already gone
    }
    conn.dispose();
    if (proc.exitCode === null) proc.kill();
  }
}

/** One line per figure, as bench.ts prints them. */
export function formatLspBench(r: LspBenchResult): string[] {
  return [
    `file           ${r.instructions} instructions, ${r.lines} lines`,
    `open           ${r.openMs.toFixed(1)} ms to first diagnostics`,
    `edit→publish   median ${r.medianMs.toFixed(1)} ms, p95 ${r.p95Ms.toFixed(1)} ms, max ${r.maxMs.toFixed(1)} ms over ${r.edits} edits (includes the ${r.debounceMs} ms debounce)`,
    `server memory  ${r.rssMiB === undefined ? 'unknown' : `${r.rssMiB.toFixed(0)} MiB RSS`}`,
  ];
}
