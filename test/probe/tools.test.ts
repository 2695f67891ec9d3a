// Every tool script installed by the bpftrace package must check with zero errors. Warnings are
// allowed only for things this machine genuinely lacks (a kernel function or struct field of
// another kernel version, a library symbol a stripped or merged library does not export, a macro
// that needs kernel headers).
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { checkScript } from '../../server/src/probe/checker';
import { show } from './helpers';

const DIR = '/usr/sbin';
const tools = existsSync(DIR) ? readdirSync(DIR).filter((f) => f.endsWith('.bt')).sort() : [];
if (!tools.length) console.warn(`tool-script tests skipped: no *.bt files in ${DIR} (apt-get install bpftrace)`);

const JUSTIFIED = new Set([
  'probe.unknown-kernel-func', // kprobe on a function this kernel does not have in BTF
  'probe.no-kernel-func',
  'probe.unknown-kernel-field', // a struct field renamed in this kernel version
  'probe.unknown-user-func', // a symbol a stripped library does not export
  'probe.binary-not-found', // a library not installed here
  'probe.unresolved-identifier', // a macro from kernel headers that are not installed
  'probe.unknown-tracepoint', // a tracepoint this kernel lacks
  'probe.no-tracepoint',
  'probe.unknown-struct', // no BTF readable on this machine
]);

describe.skipIf(!tools.length)('bpftrace tool scripts check clean', () => {
  for (const f of tools) {
    it(f, () => {
      const r = checkScript(readFileSync(`${DIR}/${f}`, 'utf8'), { file: f });
      expect(r.findings.filter((x) => x.severity === 'error').map(show)).toEqual([]);
      expect(r.findings.filter((x) => !JUSTIFIED.has(x.code ?? '')).map(show)).toEqual([]);
      expect(r.ast.probes.length).toBeGreaterThan(0);
    });
  }

  it('checks all of them in reasonable time (BTF read once, cached)', () => {
    const t0 = Date.now();
    for (const f of tools) checkScript(readFileSync(`${DIR}/${f}`, 'utf8'));
    expect(Date.now() - t0).toBeLessThan(20_000);
  });
});
