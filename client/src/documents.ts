// Read-only virtual documents for text the server produces: the verifier log, a .bt script's
// compiled eBPF and an object file's disassembly. VS Code shows content-provider documents read-only.
import * as vscode from 'vscode';

export const SCHEMES = {
  verifierLog: 'ebpf-verifier-log',
  compiled: 'ebpf-compiled',
  disasm: 'ebpf-disasm',
} as const;

export type ViewKind = keyof typeof SCHEMES;

/** The file-name suffix decides the language VS Code picks for the view (".bpf.s" → ebpf-asm). */
const SUFFIX: Record<ViewKind, string> = {
  verifierLog: '.verifier.log',
  compiled: '.compiled.bpf.s',
  disasm: '.bpf.s',
};

const LANGUAGE: Partial<Record<ViewKind, string>> = { compiled: 'ebpf-asm', disasm: 'ebpf-asm' };

/** A stable virtual URI for a view of `source`, e.g. ebpf-disasm:/work/prog.o.bpf.s. */
export function viewUri(kind: ViewKind, source: vscode.Uri): vscode.Uri {
  const base = source.scheme === 'file' ? source.path : `/${source.scheme}/${source.path.replace(/^\/+/, '')}`;
  return vscode.Uri.from({ scheme: SCHEMES[kind], path: base + SUFFIX[kind] });
}

export class ReadOnlyDocuments implements vscode.TextDocumentContentProvider, vscode.Disposable {
  private readonly texts = new Map<string, string>();
  private readonly changed = new vscode.EventEmitter<vscode.Uri>();
  readonly onDidChange = this.changed.event;
  private readonly registrations: vscode.Disposable[];

  constructor() {
    this.registrations = Object.values(SCHEMES).map((scheme) =>
      vscode.workspace.registerTextDocumentContentProvider(scheme, this),
    );
    // Forget texts of closed views so memory does not grow with every log opened.
    this.registrations.push(vscode.workspace.onDidCloseTextDocument((d) => this.texts.delete(d.uri.toString())));
  }

  provideTextDocumentContent(uri: vscode.Uri): string {
    return this.texts.get(uri.toString()) ?? '';
  }

  async show(kind: ViewKind, source: vscode.Uri, text: string): Promise<vscode.TextEditor> {
    const uri = viewUri(kind, source);
    this.texts.set(uri.toString(), text);
    this.changed.fire(uri);
    let doc = await vscode.workspace.openTextDocument(uri);
    const lang = LANGUAGE[kind];
    if (lang && doc.languageId !== lang) doc = await vscode.languages.setTextDocumentLanguage(doc, lang);
    return vscode.window.showTextDocument(doc, { preview: true, viewColumn: vscode.ViewColumn.Beside, preserveFocus: false });
  }

  dispose(): void {
    for (const r of this.registrations) r.dispose();
    this.changed.dispose();
    this.texts.clear();
  }
}
