// Differential test against the Linux kernel: random programs the verifier accepts run through
// BPF_PROG_TEST_RUN and through the VM with the same packet; r0 and the packet must agree.
import { describe, expect, it } from 'vitest';
import { kernelAvailable } from '../../server/src/kernel/bpf';
import { diffOne } from './kernel-diff';

const kernel = kernelAvailable();
if (!kernel.ok) console.warn(`kernel differential test skipped: ${kernel.reason}`);

const PER_TYPE = 100;

describe.skipIf(!kernel.ok)('VM = kernel on random programs (BPF_PROG_TEST_RUN)', () => {
  for (const type of ['socket_filter', 'sched_cls', 'xdp'] as const) {
    it(`${PER_TYPE} ${type} programs`, () => {
      const failures: string[] = [];
      for (let i = 0; i < PER_TYPE; i++) {
        const o = diffOne(0x5eed0000 + i * 7919 + type.length, type);
        if (!o.agree) failures.push(o.detail);
      }
      expect(failures.slice(0, 2).join('\n\n')).toBe('');
    });
  }
});
