// The inspector webview panel: one per window, updated after each run. The page itself
// (client/media/inspector.js) only copies the view model's strings into the DOM.
import { randomBytes } from 'node:crypto';
import * as vscode from 'vscode';
import type { RunResult } from '../../../server/src/protocol';
import { inspectorHtml, makeNonce } from './html';
import { InspectorView, renderModel } from './model';

export interface InspectorMessage {
  type: 'update';
  view: InspectorView | null;
  /** Display name of the file that ran. */
  source?: string;
}

export class InspectorPanel implements vscode.Disposable {
  static readonly viewType = 'ebpfStudio.inspector';
  private panel: vscode.WebviewPanel | undefined;
  private last: InspectorMessage = { type: 'update', view: null };

  constructor(private readonly extensionUri: vscode.Uri) {}

  /** Shows the panel; with a result, renders it (the panel keeps the last one across reloads). */
  show(result?: RunResult, source?: vscode.Uri): void {
    if (result) {
      this.last = { type: 'update', view: renderModel(result), source: source ? displayName(source) : undefined };
    }
    const panel = this.ensurePanel();
    panel.reveal(panel.viewColumn ?? vscode.ViewColumn.Beside, true);
    void panel.webview.postMessage(this.last);
  }

  private ensurePanel(): vscode.WebviewPanel {
    if (this.panel) return this.panel;
    const media = vscode.Uri.joinPath(this.extensionUri, 'client', 'media');
    const panel = vscode.window.createWebviewPanel(
      InspectorPanel.viewType,
      'eBPF Inspector',
      { viewColumn: vscode.ViewColumn.Beside, preserveFocus: true },
      { enableScripts: true, localResourceRoots: [media], enableFindWidget: true },
    );
    const webview = panel.webview;
    webview.html = inspectorHtml({
      cspSource: webview.cspSource,
      nonce: makeNonce((n) => randomBytes(n)),
      scriptUri: webview.asWebviewUri(vscode.Uri.joinPath(media, 'inspector.js')).toString(),
      styleUri: webview.asWebviewUri(vscode.Uri.joinPath(media, 'inspector.css')).toString(),
    });
    // The page asks for the current view when it (re)loads, e.g. after being hidden.
    webview.onDidReceiveMessage((m: unknown) => {
      if (m && typeof m === 'object' && (m as { type?: unknown }).type === 'ready') void webview.postMessage(this.last);
    });
    panel.onDidDispose(() => {
      this.panel = undefined;
    });
    this.panel = panel;
    return panel;
  }

  dispose(): void {
    this.panel?.dispose();
  }
}

function displayName(uri: vscode.Uri): string {
  return uri.scheme === 'file' ? vscode.workspace.asRelativePath(uri) : uri.toString(true);
}
