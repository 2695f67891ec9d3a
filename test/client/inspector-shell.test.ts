import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { contentSecurityPolicy, escapeAttr, inspectorHtml, makeNonce } from '../../client/src/inspector/html';
import { verdictLook } from '../../client/src/verdict';

const root = path.resolve(__dirname, '../..');
const params = {
  cspSource: 'https://file+.vscode-resource.vscode-cdn.net',
  nonce: 'a'.repeat(32),
  scriptUri: 'https://x/client/media/inspector.js',
  styleUri: 'https://x/client/media/inspector.css',
};

describe('inspector page shell', () => {
  it('has a strict CSP: nothing by default, scripts only by nonce, nothing inline or remote', () => {
    const csp = contentSecurityPolicy(params);
    expect(csp).toContain("default-src 'none'");
    expect(csp).toContain(`script-src 'nonce-${params.nonce}'`);
    expect(csp).not.toMatch(/unsafe-inline|unsafe-eval|\*|https?:\/\/(?!file\+)/);
    const html = inspectorHtml(params);
    expect(html).toContain('http-equiv="Content-Security-Policy"');
    // Every script tag carries the nonce; there is no inline script body.
    const scripts = [...html.matchAll(/<script([^>]*)>([\s\S]*?)<\/script>/g)];
    expect(scripts).toHaveLength(1);
    expect(scripts[0][1]).toContain(`nonce="${params.nonce}"`);
    expect(scripts[0][2].trim()).toBe('');
    expect(html).not.toMatch(/\son\w+=/); // no inline event handlers
  });

  it('escapes resource URIs in attributes and refuses a malformed nonce', () => {
    const html = inspectorHtml({ ...params, scriptUri: 'https://x/a.js?"><script>alert(1)</script>' });
    expect(html).not.toContain('"><script>alert(1)');
    expect(escapeAttr(`<&"'>`)).toBe('&lt;&amp;&quot;&#39;&gt;');
    expect(() => inspectorHtml({ ...params, nonce: "x' 'unsafe-inline" })).toThrow(/nonce/);
  });

  it('makes 128-bit hex nonces from the given random source', () => {
    const n = makeNonce((k) => Uint8Array.from({ length: k }, (_, i) => i * 17));
    expect(n).toMatch(/^[0-9a-f]{32}$/);
    expect(n.slice(0, 6)).toBe('001122');
  });

  it('page script builds the DOM with text only and talks to nothing remote', () => {
    const js = readFileSync(path.join(root, 'client/media/inspector.js'), 'utf8');
    const code = js.replace(/\/\/.*$/gm, '').replace(/\/\*[\s\S]*?\*\//g, '');
    for (const sink of ['innerHTML', 'outerHTML', 'insertAdjacentHTML', 'document.write', 'eval(', 'new Function', 'fetch(', 'XMLHttpRequest', 'import(']) {
      expect(code, sink).not.toContain(sink);
    }
    expect(code).toContain('createTextNode');
    const css = readFileSync(path.join(root, 'client/media/inspector.css'), 'utf8');
    expect(css).not.toMatch(/@import|url\(/);
    expect(css).toContain('var(--vscode-');
  });
});

describe('verdict status item', () => {
  it('shows each verdict with its own icon and the summary as tooltip', () => {
    expect(verdictLook({ verdict: 'accepted', summary: 'accepted: 12 insns' })).toEqual({
      text: '$(pass) eBPF: accepted',
      tooltip: 'accepted: 12 insns\nClick to show the verifier log.',
      background: undefined,
    });
    const rejected = verdictLook({ verdict: 'rejected', summary: 'rejected at line 7' });
    expect(rejected.text).toBe('$(error) eBPF: rejected');
    expect(rejected.background).toBe('statusBarItem.errorBackground');
    expect(verdictLook(undefined).text).toBe('$(question) eBPF: not verified');
    expect(verdictLook({ verdict: 'bogus' as never, summary: '' }).text).toBe('$(question) eBPF: not verified');
  });
});
