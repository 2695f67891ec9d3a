// The latency benchmark runs end to end on a small file (figures are printed by `npm run bench`, not asserted).
import { describe, expect, it } from 'vitest';
import { assemble } from '../../server/src/asm/assembler';
import { benchProgram, formatLspBench, runLspBench } from '../../bench/lsp-bench';
import { ensureBuilt, SERVER } from './lsp-client';

describe('language-server benchmark', () => {
  it('generates a program of the requested size that assembles cleanly', () => {
    const r = assemble(benchProgram(10_000));
    expect(r.findings).toEqual([]);
    expect(r.programs[0].insns.length).toBeGreaterThanOrEqual(10_000);
    expect(r.programs[0].insns.length).toBeLessThan(10_010);
  });

  it('times edits until their diagnostics are published', async () => {
    ensureBuilt();
    const r = await runLspBench({ instructions: 300, edits: 4, serverPath: SERVER });
    expect(r.edits).toBe(4);
    expect(r.medianMs).toBeGreaterThanOrEqual(r.debounceMs * 0.9);
    expect(r.p95Ms).toBeGreaterThanOrEqual(r.medianMs);
    expect(formatLspBench(r)).toHaveLength(4);
  });
});
