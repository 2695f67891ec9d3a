// The inspector webview's HTML shell. Pure (no `vscode`), so its Content-Security-Policy is tested:
// nothing loads except the extension's own script (by nonce) and stylesheet; no inline code, nothing remote.
export interface ShellParams {
  /** webview.cspSource: the origin the webview serves local resources from. */
  cspSource: string;
  nonce: string;
  scriptUri: string;
  styleUri: string;
}

const ATTR_ESCAPES: Record<string, string> = { '&': '&amp;', '"': '&quot;', '<': '&lt;', '>': '&gt;', "'": '&#39;' };

export function escapeAttr(s: string): string {
  return s.replace(/[&"<>']/g, (c) => ATTR_ESCAPES[c]);
}

/** A nonce for one page load: 128 random bits, hex. */
export function makeNonce(random: (n: number) => Uint8Array): string {
  return Array.from(random(16), (b) => b.toString(16).padStart(2, '0')).join('');
}

export function contentSecurityPolicy(p: Pick<ShellParams, 'cspSource' | 'nonce'>): string {
  return [
    "default-src 'none'",
    `style-src ${p.cspSource}`,
    `script-src 'nonce-${p.nonce}'`,
    `img-src ${p.cspSource} data:`,
    `font-src ${p.cspSource}`,
  ].join('; ');
}

export function inspectorHtml(p: ShellParams): string {
  if (!/^[0-9a-f]{16,}$/.test(p.nonce)) throw new Error('inspector: nonce must be hex');
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="UTF-8">
<meta http-equiv="Content-Security-Policy" content="${escapeAttr(contentSecurityPolicy(p))}">
<meta name="viewport" content="width=device-width, initial-scale=1.0">
<link rel="stylesheet" href="${escapeAttr(p.styleUri)}">
<title>eBPF Inspector</title>
</head>
<body>
<main id="app" aria-live="polite"><p class="empty">Run a program (<b>eBPF: Run</b>) to see its registers, stack and maps here.</p></main>
<script nonce="${p.nonce}" src="${escapeAttr(p.scriptUri)}"></script>
</body>
</html>
`;
}
