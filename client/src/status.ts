// The status-bar item with the active file's verdict, fed by the server's ebpf/verdict notification.
import * as vscode from 'vscode';
import type { VerdictParams } from '../../server/src/protocol';
import { verdictLook } from './verdict';

export const LANGUAGES = ['ebpf-asm', 'bpftrace'] as const;

export function isEbpfDocument(doc: vscode.TextDocument | undefined): boolean {
  return !!doc && (LANGUAGES as readonly string[]).includes(doc.languageId);
}

export class VerdictStatus implements vscode.Disposable {
  private readonly item = vscode.window.createStatusBarItem('ebpfStudio.verdict', vscode.StatusBarAlignment.Left, 50);
  private readonly verdicts = new Map<string, VerdictParams>();
  private readonly subscriptions: vscode.Disposable[] = [];

  constructor() {
    this.item.name = 'eBPF verdict';
    this.item.command = 'ebpfStudio.showVerifierLog';
    this.subscriptions.push(
      vscode.window.onDidChangeActiveTextEditor(() => this.refresh()),
      vscode.workspace.onDidCloseTextDocument((d) => this.verdicts.delete(d.uri.toString())),
    );
    this.refresh();
  }

  update(p: VerdictParams): void {
    if (!p || typeof p.uri !== 'string') return;
    this.verdicts.set(p.uri, p);
    this.refresh();
  }

  private refresh(): void {
    const doc = vscode.window.activeTextEditor?.document;
    if (!isEbpfDocument(doc)) {
      this.item.hide();
      return;
    }
    const look = verdictLook(this.verdicts.get(doc!.uri.toString()));
    this.item.text = look.text;
    this.item.tooltip = look.tooltip;
    this.item.backgroundColor = look.background ? new vscode.ThemeColor(look.background) : undefined;
    this.item.show();
  }

  dispose(): void {
    for (const s of this.subscriptions) s.dispose();
    this.item.dispose();
  }
}
