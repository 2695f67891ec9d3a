// The language server: LSP wiring around the editor features in server/src/editor. It keeps one
// analysis per open document version, publishes diagnostics debounced and versioned (a result for
// an older version is never published), reads settings through workspace/configuration, and
// answers the custom ebpf/* requests.
import {
  CodeActionKind,
  createConnection,
  ProposedFeatures,
  TextDocuments,
  TextDocumentSyncKind,
  type Connection,
  type InitializeParams,
  type InitializeResult,
} from 'vscode-languageserver/node';
import { TextDocument } from 'vscode-languageserver-textdocument';
import { CompiledRequest, DisassembleRequest, RunRequest, VerdictNotification, VerifierLogRequest } from '../protocol';
import { analyzeDocument, type AnalysisHooks, type DocumentAnalysis } from '../editor/analysis';
import * as features from '../editor/features';
import { systemKernelNames, type KernelNames } from '../editor/kernel-names';
import { encodeTokens, TOKEN_MODIFIERS, TOKEN_TYPES } from '../editor/semantic';
import { DEFAULT_SETTINGS, languageOf, readSettings, type EditorSettings } from '../editor/types';
import { fromPosition, toCompletionItem, toDiagnostic, toDocumentSymbol, toFoldingRange, toHover, toPosition, toRange, toTextEdit } from './convert';
import { analysisHooks } from './hooks';
import { compiledText, disassembleText, runDocument, verifierLogText, type SourceLoader } from './requests';

export interface ServerOptions {
  /** A connection to serve on; by default one on the transport named in argv (--stdio, --node-ipc, --socket=N). */
  connection?: Connection;
  /** Kernel names for completion; the machine's by default. */
  kernelNames?: KernelNames;
  /** Checks from other modules (verifier, probe checker); the built-in wiring by default. */
  hooks?: AnalysisHooks;
  /** Delay between the last edit and the diagnostics run, in ms. */
  debounceMs?: number;
}

const SECTION = 'ebpfStudio';

export function startServer(options: ServerOptions = {}): Connection {
  const connection = options.connection ?? createConnection(ProposedFeatures.all);
  const documents = new TextDocuments(TextDocument);
  const kernel = options.kernelNames ?? systemKernelNames();
  const hooks = options.hooks ?? analysisHooks();
  const debounceMs = options.debounceMs ?? 150;

  let canPullConfig = false;
  let canRefreshInlays = false;
  let canRefreshTokens = false;
  /** Settings pushed by the client (initializationOptions or didChangeConfiguration). */
  let pushed: EditorSettings = DEFAULT_SETTINGS;
  const settingsByUri = new Map<string, EditorSettings>();
  const cache = new Map<string, { version: number; settings: EditorSettings; analysis: DocumentAnalysis }>();
  const timers = new Map<string, NodeJS.Timeout>();

  const settingsFor = (uri: string): EditorSettings => settingsByUri.get(uri) ?? pushed;

  async function fetchSettings(uri: string): Promise<EditorSettings> {
    if (!canPullConfig) return pushed;
    try {
      const raw: unknown = await connection.workspace.getConfiguration({ scopeUri: uri, section: SECTION });
      const s = raw === null || raw === undefined ? pushed : readSettings(raw);
      settingsByUri.set(uri, s);
      return s;
    } catch {
      return pushed;
    }
  }

  function analysisOf(doc: TextDocument): DocumentAnalysis {
    const settings = settingsFor(doc.uri);
    const hit = cache.get(doc.uri);
    if (hit && hit.version === doc.version && sameSettings(hit.settings, settings)) return hit.analysis;
    const analysis = analyzeDocument(doc.getText(), languageOf(doc.languageId, doc.uri), settings, hooks, uriToPath(doc.uri));
    cache.set(doc.uri, { version: doc.version, settings, analysis });
    return analysis;
  }

  const loader: SourceLoader = {
    analysis(uri) {
      const doc = documents.get(uri);
      return doc ? analysisOf(doc) : undefined;
    },
    settings: settingsFor,
    hooks,
    text: (uri) => documents.get(uri)?.getText(),
  };

  async function validate(uri: string): Promise<void> {
    const doc = documents.get(uri);
    if (!doc) return;
    const version = doc.version;
    await fetchSettings(uri);
    const now = documents.get(uri);
    // An edit arrived while settings were fetched: its own run will publish.
    if (!now || now.version !== version) return;
    const analysis = analysisOf(now);
    if (documents.get(uri)?.version !== version) return;
    connection.sendDiagnostics({ uri, version, diagnostics: analysis.findings.map((f) => toDiagnostic(f, uri)) });
    connection.sendNotification(VerdictNotification, { uri, verdict: analysis.verdict, summary: analysis.summary });
  }

  function schedule(uri: string, delay: number): void {
    clearTimeout(timers.get(uri));
    timers.set(uri, setTimeout(() => {
      timers.delete(uri);
      validate(uri).catch((e) => connection.console.error(`diagnostics for ${uri} failed: ${e instanceof Error ? e.stack : String(e)}`));
    }, delay));
  }

  connection.onInitialize((params: InitializeParams): InitializeResult => {
    const caps = params.capabilities;
    canPullConfig = caps.workspace?.configuration === true;
    canRefreshInlays = caps.workspace?.inlayHint?.refreshSupport === true;
    canRefreshTokens = caps.workspace?.semanticTokens?.refreshSupport === true;
    const init = params.initializationOptions as { settings?: unknown } | undefined;
    if (init?.settings) pushed = readSettings(init.settings);
    return {
      capabilities: {
        textDocumentSync: TextDocumentSyncKind.Incremental,
        hoverProvider: true,
        completionProvider: { triggerCharacters: ['.', '/', ':', '@', '$', '%', '>'] },
        definitionProvider: true,
        referencesProvider: true,
        renameProvider: { prepareProvider: true },
        documentSymbolProvider: true,
        foldingRangeProvider: true,
        documentFormattingProvider: true,
        semanticTokensProvider: { legend: { tokenTypes: [...TOKEN_TYPES], tokenModifiers: [...TOKEN_MODIFIERS] }, full: true },
        inlayHintProvider: true,
        codeActionProvider: { codeActionKinds: [CodeActionKind.QuickFix] },
        codeLensProvider: { resolveProvider: false },
      },
      serverInfo: { name: 'ebpf-studio', version: '0.1.0' },
    };
  });

  connection.onDidChangeConfiguration((change) => {
    const raw = (change.settings as Record<string, unknown> | null)?.[SECTION];
    if (raw) pushed = readSettings(raw);
    settingsByUri.clear();
    cache.clear();
    for (const doc of documents.all()) schedule(doc.uri, 0);
    if (canRefreshInlays) connection.languages.inlayHint.refresh().catch(() => undefined);
    if (canRefreshTokens) connection.languages.semanticTokens.refresh();
  });

  // TextDocuments reports an open as a content change too: the open is checked at once, edits after a pause.
  const openedAt = new Map<string, number>();
  documents.onDidOpen((e) => {
    openedAt.set(e.document.uri, e.document.version);
    schedule(e.document.uri, 0);
  });
  documents.onDidChangeContent((e) => {
    if (openedAt.get(e.document.uri) === e.document.version) return;
    schedule(e.document.uri, debounceMs);
  });
  documents.onDidClose((e) => {
    clearTimeout(timers.get(e.document.uri));
    timers.delete(e.document.uri);
    cache.delete(e.document.uri);
    openedAt.delete(e.document.uri);
    settingsByUri.delete(e.document.uri);
    connection.sendDiagnostics({ uri: e.document.uri, diagnostics: [] });
  });

  const withDoc = <T>(uri: string, empty: T, run: (a: DocumentAnalysis, doc: TextDocument) => T): T => {
    const doc = documents.get(uri);
    return doc ? run(analysisOf(doc), doc) : empty;
  };

  connection.onHover((p) => withDoc(p.textDocument.uri, null, (a) => {
    const h = features.hover(a, fromPosition(p.position));
    return h ? toHover(h) : null;
  }));

  connection.onCompletion((p) => withDoc(p.textDocument.uri, null, (a) => {
    const list = features.completion(a, fromPosition(p.position), kernel);
    return { isIncomplete: list.incomplete, items: list.items.map(toCompletionItem) };
  }));

  connection.onDefinition((p) => withDoc(p.textDocument.uri, null, (a) =>
    features.definition(a, fromPosition(p.position)).map((r) => ({ uri: p.textDocument.uri, range: toRange(r) }))));

  connection.onReferences((p) => withDoc(p.textDocument.uri, null, (a) =>
    features.references(a, fromPosition(p.position), p.context.includeDeclaration).map((r) => ({ uri: p.textDocument.uri, range: toRange(r) }))));

  connection.onPrepareRename((p) => withDoc(p.textDocument.uri, null, (a) => {
    const r = features.prepareRename(a, fromPosition(p.position));
    return r ? { range: toRange(r.range), placeholder: r.placeholder } : null;
  }));

  connection.onRenameRequest((p) => withDoc(p.textDocument.uri, null, (a) => {
    const r = features.rename(a, fromPosition(p.position), p.newName);
    if ('error' in r) throw new Error(r.error);
    return { changes: { [p.textDocument.uri]: r.edits.map(toTextEdit) } };
  }));

  connection.onDocumentSymbol((p) => withDoc(p.textDocument.uri, [], (a) => features.documentSymbols(a).map(toDocumentSymbol)));

  connection.onFoldingRanges((p) => withDoc(p.textDocument.uri, [], (a) => features.foldingRanges(a).map(toFoldingRange)));

  connection.onDocumentFormatting((p) => withDoc(p.textDocument.uri, [], (a) => {
    const indent = p.options.insertSpaces ? ' '.repeat(p.options.tabSize) : '\t';
    return features.format(a, { indent }).map(toTextEdit);
  }));

  connection.languages.semanticTokens.on((p) => withDoc(p.textDocument.uri, { data: [] }, (a) => ({ data: encodeTokens(features.semanticTokens(a)) })));

  connection.languages.inlayHint.on((p) => withDoc(p.textDocument.uri, [], (a, doc) =>
    features.inlayHints(a, settingsFor(doc.uri), p.range.start.line, p.range.end.line).map((h) => ({
      position: toPosition(h.position),
      label: h.label,
      tooltip: h.tooltip,
      paddingLeft: true,
    }))));

  connection.onCodeAction((p) => withDoc(p.textDocument.uri, [], (a) =>
    features.codeActions(a, { start: fromPosition(p.range.start), end: fromPosition(p.range.end) }).map((c) => ({
      title: c.title,
      kind: CodeActionKind.QuickFix,
      isPreferred: c.preferred,
      diagnostics: p.context.diagnostics.filter((d) => c.fixes && d.message.startsWith(c.fixes.message)),
      edit: { changes: { [p.textDocument.uri]: c.edits.map(toTextEdit) } },
    }))));

  connection.onCodeLens((p) => withDoc(p.textDocument.uri, [], (a) =>
    features.codeLenses(a).map((l) => ({ range: toRange(l.range), command: { title: l.title, command: l.command, arguments: [p.textDocument.uri] } })),
  ));
  connection.onRequest(RunRequest, (p) => runDocument(loader, p));
  connection.onRequest(VerifierLogRequest, (p) => ({ text: verifierLogText(loader, p.uri) }));
  connection.onRequest(CompiledRequest, (p) => ({ text: compiledText(loader, p.uri) }));
  connection.onRequest(DisassembleRequest, (p) => ({ text: disassembleText(p.path, p.dialect ?? 'kernel') }));

  documents.listen(connection);
  connection.listen();
  return connection;
}

function sameSettings(a: EditorSettings, b: EditorSettings): boolean {
  return a === b || JSON.stringify(a) === JSON.stringify(b);
}

/** A file: URI's path, for messages and relative includes; undefined for other schemes. */
export function uriToPath(uri: string): string | undefined {
  if (!uri.startsWith('file:')) return undefined;
  try {
    return decodeURIComponent(new URL(uri).pathname);
  } catch {
    return undefined;
  }
}
