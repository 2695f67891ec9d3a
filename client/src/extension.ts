// Entry point of the VS Code extension: starts the language client (the server does the work) and
// wires the commands, the inspector panel, the read-only views and the verdict status item.
import { existsSync } from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { LanguageClient, LanguageClientOptions, ServerOptions, State, TransportKind } from 'vscode-languageclient/node';
import { VerdictNotification } from '../../server/src/protocol';
import { registerCommands } from './commands';
import { readSettings, SECTION, Settings } from './config';
import { ReadOnlyDocuments } from './documents';
import { InspectorPanel } from './inspector/panel';
import { LANGUAGES, VerdictStatus } from './status';

/** How long a command waits for a server that is still starting. */
const START_TIMEOUT_MS = 20_000;

let client: LanguageClient | undefined;
let starting: Promise<void> | undefined;

function serverModule(context: vscode.ExtensionContext, settings: Settings): string {
  const custom = settings.server.path.trim();
  if (custom) return path.isAbsolute(custom) ? custom : path.resolve(context.extensionPath, custom);
  return context.asAbsolutePath(path.join('dist', 'server', 'server.js'));
}

function createClient(module: string, settings: Settings): LanguageClient {
  const serverOptions: ServerOptions = {
    run: { module, transport: TransportKind.ipc },
    debug: { module, transport: TransportKind.ipc, options: { execArgv: ['--nolazy', '--inspect=6010'] } },
  };
  const { server: _server, ...initSettings } = settings;
  const clientOptions: LanguageClientOptions = {
    documentSelector: LANGUAGES.flatMap((language) => [
      { scheme: 'file', language },
      { scheme: 'untitled', language },
    ]),
    synchronize: { configurationSection: SECTION },
    initializationOptions: { settings: initSettings },
    outputChannelName: 'eBPF Studio',
  };
  return new LanguageClient('ebpfStudio', 'eBPF Studio', serverOptions, clientOptions);
}

async function readyClient(): Promise<LanguageClient> {
  if (!client) throw new Error('the language server is not available (see Output › eBPF Studio)');
  if (client.state === State.Running) return client;
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error('the language server did not start in time')), START_TIMEOUT_MS);
  });
  try {
    await Promise.race([starting ?? client.start(), timeout]);
  } finally {
    clearTimeout(timer);
  }
  // Re-read: the state changed while we awaited.
  const state = client.state as State;
  if (state !== State.Running) throw new Error('the language server is not running (see Output › eBPF Studio)');
  return client;
}

export async function activate(context: vscode.ExtensionContext): Promise<void> {
  const settings = readSettings();
  const docs = new ReadOnlyDocuments();
  const inspector = new InspectorPanel(context.extensionUri);
  const status = new VerdictStatus();
  context.subscriptions.push(docs, inspector, status);
  context.subscriptions.push(...registerCommands({ client: readyClient, inspector, docs, settings: () => readSettings() }));
  context.subscriptions.push(
    vscode.workspace.onDidChangeConfiguration((e) => {
      if (e.affectsConfiguration(`${SECTION}.server.path`)) {
        void vscode.window.showInformationMessage('eBPF Studio: reload the window to use the new language server path.');
      }
    }),
  );

  const module = serverModule(context, settings);
  if (!existsSync(module)) {
    void vscode.window.showErrorMessage(`eBPF Studio: language server not found at ${module}.`);
    return;
  }
  client = createClient(module, settings);
  client.onNotification(VerdictNotification, (p) => status.update(p));
  context.subscriptions.push({ dispose: () => void client?.stop() });
  starting = client.start().catch((e: unknown) => {
    const msg = e instanceof Error ? e.message : String(e);
    void vscode.window.showErrorMessage(`eBPF Studio: the language server failed to start: ${msg}`);
  });
  await starting;
}

export async function deactivate(): Promise<void> {
  const c = client;
  client = undefined;
  if (c && c.state === State.Running) await c.stop();
}
