// Settings, language detection, kernel-name lookup and the semantic-token encoding.
import { describe, expect, it } from 'vitest';
import { BUNDLED_KERNEL_FUNCTIONS, withPrefix } from '../../server/src/editor/kernel-names';
import { encodeTokens, TOKEN_MODIFIERS, TOKEN_TYPES } from '../../server/src/editor/semantic';
import { DEFAULT_SETTINGS, languageOf, readSettings } from '../../server/src/editor/types';

describe('settings', () => {
  it('reads the client\'s settings and falls back on bad values', () => {
    expect(readSettings(undefined)).toEqual(DEFAULT_SETTINGS);
    expect(readSettings({ programType: 'kprobe', instructionBudget: 5000, unprivileged: true, inlayHints: { enabled: false }, cpus: 2 })).toEqual({
      programType: 'kprobe', instructionBudget: 5000, unprivileged: true, inlayHints: { enabled: false }, cpus: 2,
    });
    expect(readSettings({ instructionBudget: -1, cpus: 1e6, unprivileged: 'yes', 'inlayHints.enabled': false })).toEqual({
      ...DEFAULT_SETTINGS, cpus: 256, inlayHints: { enabled: false },
    });
  });

  it('tells languages apart by id, then by file name', () => {
    expect(languageOf('bpftrace', 'file:///a.s')).toBe('bpftrace');
    expect(languageOf('ebpf-asm', 'file:///a.bt')).toBe('asm');
    expect(languageOf(undefined, 'file:///x/trace.bt')).toBe('bpftrace');
    expect(languageOf('plaintext', 'file:///x/prog.bpf.s')).toBe('asm');
  });
});

describe('kernel names', () => {
  it('finds names by prefix in a sorted list, with a cap', () => {
    const names = ['a', 'vfs_open', 'vfs_read', 'vfs_readv', 'vfs_write', 'z'];
    expect(withPrefix(names, 'vfs_r', 10)).toEqual({ names: ['vfs_read', 'vfs_readv'], more: false });
    expect(withPrefix(names, 'vfs_', 2)).toEqual({ names: ['vfs_open', 'vfs_read'], more: true });
    expect(withPrefix(names, 'nothing', 2)).toEqual({ names: [], more: false });
    expect([...BUNDLED_KERNEL_FUNCTIONS]).toEqual([...BUNDLED_KERNEL_FUNCTIONS].sort());
  });
});

describe('semantic token encoding', () => {
  it('encodes positions relative to the previous token and drops overlaps', () => {
    const data = encodeTokens([
      { line: 2, col: 4, length: 3, type: 'keyword' },
      { line: 0, col: 1, length: 2, type: 'variable', modifiers: ['readonly', 'static'] },
      { line: 2, col: 5, length: 1, type: 'number' },
      { line: 2, col: 9, length: 2, type: 'number' },
    ]);
    const ro = 1 << TOKEN_MODIFIERS.indexOf('readonly');
    const st = 1 << TOKEN_MODIFIERS.indexOf('static');
    expect(data).toEqual([
      0, 1, 2, TOKEN_TYPES.indexOf('variable'), ro | st,
      2, 4, 3, TOKEN_TYPES.indexOf('keyword'), 0,
      0, 5, 2, TOKEN_TYPES.indexOf('number'), 0,
    ]);
  });
});
