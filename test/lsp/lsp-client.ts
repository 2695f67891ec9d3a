// Drives the real bundled server (node dist/server/server.js --stdio) as an editor would:
// initialize, open documents, wait for diagnostics, send requests.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
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
  type Diagnostic,
  type ProtocolConnection,
} from 'vscode-languageserver-protocol/node';

export const ROOT = path.resolve(__dirname, '../..');
export const SERVER = path.join(ROOT, 'dist/server/server.js');

function newestSource(dir: string, depth = 0): number {
  let newest = 0;
  if (depth > 8) return newest;
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, e.name);
    newest = Math.max(newest, e.isDirectory() ? newestSource(p, depth + 1) : statSync(p).mtimeMs);
  }
  return newest;
}

/** Builds the bundle when it is missing or older than the server sources (`npm test` has built it already). */
export function ensureBuilt(): void {
  const stamp = existsSync(SERVER) ? statSync(SERVER).mtimeMs : 0;
  if (stamp > newestSource(path.join(ROOT, 'server/src'))) return;
  const r = spawnSync('node', ['scripts/build.mjs'], { cwd: ROOT, encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`build failed: ${r.stderr}`);
}

export interface Published {
  uri: string;
  version?: number;
  diagnostics: Diagnostic[];
}

export interface VerdictMessage {
  uri: string;
  verdict: string;
  summary: string;
}

export class LspClient {
  readonly conn: ProtocolConnection;
  readonly proc: ChildProcess;
  readonly published: Published[] = [];
  readonly verdicts: VerdictMessage[] = [];
  private waiters: (() => void)[] = [];
  /** What workspace/configuration answers for the section ebpfStudio. */
  settings: Record<string, unknown> = {};
  stderr = '';

  private constructor(args: string[], script: string) {
    this.proc = spawn('node', [script, ...args], { cwd: ROOT, stdio: ['pipe', 'pipe', 'pipe'] });
    this.proc.stderr!.on('data', (d) => (this.stderr += String(d)));
    this.conn = createProtocolConnection(new StreamMessageReader(this.proc.stdout!), new StreamMessageWriter(this.proc.stdin!));
    this.conn.onNotification(PublishDiagnosticsNotification.type, (p) => {
      this.published.push(p);
      this.wake();
    });
    this.conn.onNotification('ebpf/verdict', (p: VerdictMessage) => {
      this.verdicts.push(p);
      this.wake();
    });
    this.conn.onRequest('workspace/configuration', (p: { items: { section?: string }[] }) => p.items.map(() => this.settings));
    this.conn.onRequest('workspace/inlayHint/refresh', () => null);
    this.conn.onRequest('workspace/semanticTokens/refresh', () => null);
    this.conn.onRequest('client/registerCapability', () => null);
    this.conn.listen();
  }

  private wake(): void {
    const w = this.waiters;
    this.waiters = [];
    for (const f of w) f();
  }

  static async start(settings: Record<string, unknown> = {}, args = ['--stdio'], script = SERVER): Promise<LspClient> {
    const c = new LspClient(args, script);
    c.settings = settings;
    await c.conn.sendRequest(InitializeRequest.type, {
      processId: process.pid,
      rootUri: null,
      workspaceFolders: null,
      capabilities: {
        workspace: { configuration: true, inlayHint: { refreshSupport: true } },
        textDocument: {
          hover: { contentFormat: ['markdown'] },
          completion: { completionItem: { snippetSupport: true } },
          rename: { prepareSupport: true },
          documentSymbol: { hierarchicalDocumentSymbolSupport: true },
          publishDiagnostics: { relatedInformation: true, versionSupport: true },
        },
      },
    });
    await c.conn.sendNotification(InitializedNotification.type, {});
    return c;
  }

  async open(uri: string, languageId: string, text: string, version = 1): Promise<void> {
    await this.conn.sendNotification(DidOpenTextDocumentNotification.type, { textDocument: { uri, languageId, version, text } });
  }

  async replace(uri: string, version: number, text: string): Promise<void> {
    await this.conn.sendNotification(DidChangeTextDocumentNotification.type, { textDocument: { uri, version }, contentChanges: [{ text }] });
  }

  /** Waits until a publish for `uri` satisfies `pred` (default: any publish with the given version). */
  async diagnostics(uri: string, version?: number, timeoutMs = 20_000): Promise<Published> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const hit = this.published.find((p) => p.uri === uri && (version === undefined || p.version === version));
      if (hit) return hit;
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`no diagnostics for ${uri} v${version} within ${timeoutMs} ms; stderr: ${this.stderr}`);
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, left);
        this.waiters.push(() => {
          clearTimeout(t);
          resolve();
        });
      });
    }
  }

  async verdict(uri: string, timeoutMs = 20_000): Promise<VerdictMessage> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const hit = this.verdicts.find((p) => p.uri === uri);
      if (hit) return hit;
      if (Date.now() > deadline) throw new Error(`no verdict for ${uri}`);
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, 200);
        this.waiters.push(() => {
          clearTimeout(t);
          resolve();
        });
      });
    }
  }

  async stop(): Promise<void> {
    try {
      await Promise.race([this.conn.sendRequest(ShutdownRequest.type), new Promise((r) => setTimeout(r, 2000))]);
      await this.conn.sendNotification(ExitNotification.type);
    } catch {
      // the process may already be gone
    }
    this.conn.dispose();
    if (this.proc.exitCode === null) this.proc.kill();
  }
}
