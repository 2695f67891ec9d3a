// One small function per command. Each asks the language server (custom requests declared in
// server/src/protocol.ts) and shows the answer; none of them computes anything itself.
import * as vscode from 'vscode';
import type { LanguageClient } from 'vscode-languageclient/node';
import {
  CompiledRequest,
  DisassembleRequest,
  RunParams,
  RunRequest,
  VerifierLogRequest,
} from '../../server/src/protocol';
import type { Settings } from './config';
import type { ReadOnlyDocuments } from './documents';
import type { InspectorPanel } from './inspector/panel';

export interface CommandDeps {
  /** The running client; rejects with a readable message when the server is not available. */
  client(): Promise<LanguageClient>;
  inspector: InspectorPanel;
  docs: ReadOnlyDocuments;
  settings(): Settings;
}

/** Most workspace files offered as a probe script's events file. */
const MAX_EVENT_FILES = 50;

class UserError extends Error {}

/** The file a command acts on: the one it was invoked on (explorer, editor title), else the active editor's. */
function targetUri(arg: unknown): vscode.Uri {
  if (arg instanceof vscode.Uri) return arg;
  // Code lenses from the server pass the document's URI as a string.
  if (typeof arg === 'string') return vscode.Uri.parse(arg);
  const doc = vscode.window.activeTextEditor?.document;
  if (doc) return doc.uri;
  throw new UserError('Open a .bpf.s or .bt file first.');
}

function isProbeScript(uri: vscode.Uri): boolean {
  const open = vscode.workspace.textDocuments.find((d) => d.uri.toString() === uri.toString());
  return open ? open.languageId === 'bpftrace' : uri.path.endsWith('.bt');
}

const chosenEvents = new Map<string, string | undefined>();

/** For a .bt script: an events file from the workspace, or undefined to let the server generate events. */
async function pickEvents(uri: vscode.Uri): Promise<string | undefined> {
  const key = uri.toString();
  if (chosenEvents.has(key)) return chosenEvents.get(key);
  const files = await vscode.workspace.findFiles('**/*.events{,.json,.jsonl,.txt}', '**/node_modules/**', MAX_EVENT_FILES);
  if (files.length === 0) return undefined;
  const generate = { label: '$(sparkle) Generate events', uri: undefined as vscode.Uri | undefined };
  const items = [generate, ...files.map((f) => ({ label: vscode.workspace.asRelativePath(f), uri: f as vscode.Uri | undefined }))];
  const pick = await vscode.window.showQuickPick(items, { title: 'eBPF: events to drive the probes', placeHolder: 'Events file' });
  if (!pick) throw new UserError('Run cancelled.');
  const events = pick.uri?.toString();
  chosenEvents.set(key, events);
  return events;
}

export async function run(deps: CommandDeps, arg?: unknown): Promise<void> {
  const uri = targetUri(arg);
  const s = deps.settings();
  const params: RunParams = { uri: uri.toString(), budget: s.instructionBudget, progType: s.programType };
  if (isProbeScript(uri)) params.events = await pickEvents(uri);
  const client = await deps.client();
  const result = await vscode.window.withProgress(
    { location: vscode.ProgressLocation.Window, title: 'eBPF: running…' },
    () => client.sendRequest(RunRequest, params),
  );
  deps.inspector.show(result, uri);
  const meaning = result.r0Meaning ? ` (${result.r0Meaning})` : '';
  vscode.window.setStatusBarMessage(
    result.ok ? `eBPF: r0 = ${result.r0}${meaning}` : `eBPF: fault: ${result.error?.message ?? 'unknown'}`,
    8000,
  );
}

export async function openInspector(deps: CommandDeps): Promise<void> {
  deps.inspector.show();
}

export async function showVerifierLog(deps: CommandDeps, arg?: unknown): Promise<void> {
  const uri = targetUri(arg);
  const client = await deps.client();
  const { text } = await client.sendRequest(VerifierLogRequest, { uri: uri.toString() });
  await deps.docs.show('verifierLog', uri, text);
}

export async function showCompiled(deps: CommandDeps, arg?: unknown): Promise<void> {
  const uri = targetUri(arg);
  if (!isProbeScript(uri)) throw new UserError('Show Compiled eBPF works on bpftrace scripts (.bt).');
  const client = await deps.client();
  const { text } = await client.sendRequest(CompiledRequest, { uri: uri.toString() });
  await deps.docs.show('compiled', uri, text);
}

export async function disassembleObject(deps: CommandDeps, arg?: unknown): Promise<void> {
  let uri = arg instanceof vscode.Uri ? arg : undefined;
  if (!uri) {
    const picked = await vscode.window.showOpenDialog({
      title: 'eBPF: object file to disassemble',
      canSelectMany: false,
      filters: { 'ELF objects': ['o'], 'All files': ['*'] },
    });
    if (!picked || picked.length === 0) return;
    uri = picked[0];
  }
  if (uri.scheme !== 'file') throw new UserError('Disassembly needs a file on disk.');
  const client = await deps.client();
  const { text } = await client.sendRequest(DisassembleRequest, { path: uri.fsPath });
  await deps.docs.show('disasm', uri, text);
}

type Command = (deps: CommandDeps, arg?: unknown) => Promise<void>;

export const COMMANDS: Record<string, { title: string; run: Command }> = {
  'ebpfStudio.run': { title: 'Run', run },
  'ebpfStudio.openInspector': { title: 'Open Inspector', run: openInspector },
  'ebpfStudio.showVerifierLog': { title: 'Show Verifier Log', run: showVerifierLog },
  'ebpfStudio.showCompiled': { title: 'Show Compiled eBPF', run: showCompiled },
  'ebpfStudio.disassembleObject': { title: 'Disassemble Object File', run: disassembleObject },
};

function messageOf(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}

export function registerCommands(deps: CommandDeps): vscode.Disposable[] {
  return Object.entries(COMMANDS).map(([id, c]) =>
    vscode.commands.registerCommand(id, async (arg?: unknown) => {
      try {
        await c.run(deps, arg);
      } catch (e) {
        const text = e instanceof UserError ? e.message : `eBPF: ${c.title} failed: ${messageOf(e)}`;
        void vscode.window.showErrorMessage(text);
      }
    }),
  );
}
