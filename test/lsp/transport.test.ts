// The server on the transport VS Code uses (TransportKind.ipc: node IPC, `--node-ipc`).
import { fork } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import {
  createProtocolConnection,
  InitializeRequest,
  IPCMessageReader,
  IPCMessageWriter,
  PublishDiagnosticsNotification,
  type PublishDiagnosticsParams,
} from 'vscode-languageserver-protocol/node';
import path from 'node:path';
import { ensureBuilt, LspClient, ROOT, SERVER } from './lsp-client';

describe('transports', () => {
  it('serves over node IPC, as vscode-languageclient launches it', async () => {
    ensureBuilt();
    const proc = fork(SERVER, ['--node-ipc'], { cwd: ROOT, stdio: ['ignore', 'ignore', 'pipe', 'ipc'] });
    const conn = createProtocolConnection(new IPCMessageReader(proc), new IPCMessageWriter(proc));
    const got = new Promise<PublishDiagnosticsParams>((resolve) => conn.onNotification(PublishDiagnosticsNotification.type, resolve));
    conn.listen();
    try {
      const init = await conn.sendRequest(InitializeRequest.type, { processId: process.pid, rootUri: null, capabilities: {}, workspaceFolders: null });
      expect(init.capabilities.hoverProvider).toBe(true);
      expect(init.serverInfo?.name).toBe('ebpf-studio');
      await conn.sendNotification('initialized', {});
      await conn.sendNotification('textDocument/didOpen', { textDocument: { uri: 'file:///x.bt', languageId: 'bpftrace', version: 3, text: 'BEGIN { printf( }\n' } });
      const p = await got;
      expect(p.version).toBe(3);
      expect(p.diagnostics[0].severity).toBe(1);
    } finally {
      conn.dispose();
      proc.kill();
    }
  });

  it('serves on stdio as `ebpf-studio lsp --stdio`, for other editors', async () => {
    ensureBuilt();
    const c = await LspClient.start({}, ['lsp', '--stdio'], path.join(ROOT, 'bin/ebpf-studio.js'));
    try {
      await c.open('file:///x.bpf.s', 'asm', 'bogus\n');
      const p = await c.diagnostics('file:///x.bpf.s', 1);
      expect(p.diagnostics.map((d) => d.code)).toEqual(['asm.unknown-mnemonic']);
    } finally {
      await c.stop();
    }
  });
});
