// Bad input never escapes as an exception: random instruction bytes, random mutations of valid
// programs and random map declarations all come back as a verdict with findings.
import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import type { Insn, MapSpec, Program } from '../../server/src/core/types';
import { decodeProgram } from '../../server/src/isa/codec';
import { verify } from '../../server/src/verifier/index';
import { PROG_TYPES } from '../../server/src/core/sections';
import { generatePrograms } from './generator';
import { assembleOne, loadCorpus } from './support';

const MAPS: MapSpec[] = [
  { name: 'h', type: 'hash', keySize: 4, valueSize: 8, maxEntries: 4, flags: 0 },
  { name: 'a', type: 'array', keySize: 4, valueSize: 16, maxEntries: 2, flags: 0 },
  { name: 'rb', type: 'ringbuf', keySize: 0, valueSize: 0, maxEntries: 4096, flags: 0 },
];

function program(insns: Insn[], type: Program['type']): Program {
  return { name: 'fuzz', section: 'fuzz', type, insns, maps: MAPS, relocs: [], symbols: [] };
}

describe('robustness', () => {
  test('random bytes: a verdict, never an exception', () => {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 8, maxLength: 160 }), fc.constantFrom(...PROG_TYPES), fc.boolean(), (bytes, type, unpriv) => {
        const insns = decodeProgram(bytes.subarray(0, bytes.length - (bytes.length % 8)));
        const v = verify(program(insns, type), { unprivileged: unpriv, insnLimit: 20_000 });
        return v.accepted || v.findings.some((f) => f.severity === 'error' && !!f.kernelText);
      }),
      { numRuns: 1500 },
    );
  });

  test('random mutants of the corpus in every program type and mode', () => {
    const bases = loadCorpus().filter((c) => c.expect === 'ACCEPT').map((c) => assembleOne(c.source));
    const mutants = generatePrograms(bases, 600, 99);
    let rejected = 0;
    for (const [i, p] of mutants.entries()) {
      const type = PROG_TYPES[i % PROG_TYPES.length];
      const v = verify({ ...p, type }, { unprivileged: i % 3 === 0, insnLimit: 50_000 });
      if (!v.accepted) rejected++;
      expect(v.accepted || v.findings.length > 0).toBe(true);
    }
    expect(rejected).toBeGreaterThan(0);
  });
});
