// The extension manifest's editor parts agree with the files and code they point at.
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';

const root = path.resolve(__dirname, '../..');
const pkg = JSON.parse(readFileSync(path.join(root, 'package.json'), 'utf8'));
const c = pkg.contributes;

describe('package.json contributes', () => {
  it('declares both languages with grammars and parseable language configurations', () => {
    const ids = c.languages.map((l: { id: string }) => l.id);
    expect(ids).toEqual(['ebpf-asm', 'bpftrace']);
    for (const l of c.languages) {
      const conf = JSON.parse(readFileSync(path.join(root, l.configuration), 'utf8'));
      expect(conf.comments.blockComment).toEqual(['/*', '*/']);
      new RegExp(l.firstLine); // must compile
    }
    for (const g of c.grammars) {
      expect(ids).toContain(g.language);
      const grammar = JSON.parse(readFileSync(path.join(root, g.path), 'utf8'));
      expect(grammar.scopeName).toBe(g.scopeName);
    }
    expect(pkg.activationEvents).toEqual(ids.map((id: string) => `onLanguage:${id}`));
  });

  it("picks .s files up only by content: eBPF first lines match, other assemblers' do not", () => {
    const asm = c.languages.find((l: { id: string }) => l.id === 'ebpf-asm');
    expect(asm.extensions).not.toContain('.s');
    const re = new RegExp(asm.firstLine);
    for (const yes of ['.section xdp', '.section "kprobe/vfs_read"', '\tr0 = 0', 'w1 = 5', 'mov32 %r0, 1', 'lddw %r1, 0x1']) {
      expect(re.test(yes), yes).toBe(true);
    }
    for (const no of ['\t.text', '.section .rodata', '\tmovq %rax, %rbx', 'mov r0, #1', '_start:', '\t.file "a.c"']) {
      expect(re.test(no), no).toBe(false);
    }
    const bt = new RegExp(c.languages.find((l: { id: string }) => l.id === 'bpftrace').firstLine);
    expect(bt.test('#!/usr/bin/env bpftrace')).toBe(true);
    expect(bt.test('#!/bin/sh')).toBe(false);
  });

  it('registers in code every command it contributes, and menus name only those', () => {
    const declared = c.commands.map((x: { command: string }) => x.command).sort();
    const source = readFileSync(path.join(root, 'client/src/commands.ts'), 'utf8');
    const registered = [...source.matchAll(/'(ebpfStudio\.\w+)':\s*\{\s*title/g)].map((m) => m[1]).sort();
    expect(registered).toEqual(declared);
    for (const items of Object.values(c.menus) as { command: string }[][]) {
      for (const item of items) expect(declared).toContain(item.command);
    }
  });

  it('has the settings the client reads, with their defaults', () => {
    const p = c.configuration.properties;
    expect(p['ebpfStudio.programType'].default).toBe('auto');
    expect(p['ebpfStudio.programType'].enum).toContain('xdp');
    expect(p['ebpfStudio.instructionBudget'].default).toBe(1_000_000);
    expect(p['ebpfStudio.unprivileged'].default).toBe(false);
    expect(p['ebpfStudio.inlayHints.enabled'].default).toBe(true);
    expect(p['ebpfStudio.cpus'].default).toBe(4);
    expect(p['ebpfStudio.server.path'].default).toBe('');
    const types = readFileSync(path.join(root, 'server/src/core/types.ts'), 'utf8');
    const progTypes = /export type ProgType =([^;]+);/.exec(types)![1].match(/'(\w+)'/g)!.map((s) => s.slice(1, -1));
    expect(p['ebpfStudio.programType'].enum).toEqual(['auto', ...progTypes]);
  });

  it('ships the inspector media and the entry point the manifest names', () => {
    expect(pkg.main).toBe('./dist/client/extension.js');
    expect(existsSync(path.join(root, 'client/media/inspector.js'))).toBe(true);
    expect(existsSync(path.join(root, 'client/media/inspector.css'))).toBe(true);
  });
});
