// Every hand-written corpus program against the kernel verdict recorded next to it (recorded
// from Linux 6.18 and re-checked against the live kernel by kernel-oracle.test.ts). Runs anywhere.
import { describe, expect, test } from 'vitest';
import { assembleOne, loadCorpus, ourVerdict } from './support';

const corpus = loadCorpus();

describe('verifier corpus (recorded kernel verdicts)', () => {
  test('the corpus is large and every program records its verdict', () => {
    expect(corpus.length).toBeGreaterThanOrEqual(300);
    const missing = corpus.filter((p) => p.expect === undefined).map((p) => `${p.file}: ${p.name}`);
    expect(missing).toEqual([]);
    const accepts = corpus.filter((p) => p.expect === 'ACCEPT').length;
    console.log(`verifier corpus: ${corpus.length} programs, ${accepts} accepted and ${corpus.length - accepts} rejected by the kernel`);
  });

  test.each(corpus.map((p) => [`${p.file}: ${p.name}`, p] as const))('%s', (_name, p) => {
    const ours = ourVerdict(assembleOne(p.source));
    expect(ours.text).toBe(p.expect);
  });
});
