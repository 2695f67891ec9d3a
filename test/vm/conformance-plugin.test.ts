import { describe, expect, it } from 'vitest';
import { assemble } from '../../server/src/asm/assembler';
import { encodeProgram } from '../../server/src/isa/codec';
import { conformancePlugin } from '../../server/src/vm/conformance-plugin';
import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { conformanceFiles, missingTool, readConformance, tempDir } from '../support/tools';

/** The runner's encoding: each byte as two hex digits followed by two spaces. */
const runnerHex = (b: Uint8Array) => Array.from(b, (x) => x.toString(16).padStart(2, '0') + '  ').join('');

const files = conformanceFiles();
if (files.length === 0) console.warn('../shared/conformance is missing; skipping the plugin tests');

describe.skipIf(files.length === 0)('conformance plugin interface', () => {
  for (const name of ['ldxb-all', 'mem-len', 'callx', 'call_unwind_fail', 'lddw', 'subnet']) {
    it(`runs ${name} as the runner would`, () => {
      const file = files.find((f) => f.endsWith(`/${name}.data`))!;
      const c = readConformance(file);
      const program = assemble(c.asm ?? '', { file }).programs[0];
      const out = conformancePlugin([runnerHex(c.mem ?? new Uint8Array(0)), ''], runnerHex(encodeProgram(program.insns)) + '\n');
      expect(out.exitCode).toBe(0);
      expect(BigInt.asUintN(32, BigInt(out.stdout.trim()))).toBe(BigInt.asUintN(32, c.result ?? 0n));
    });
  }

  it('reports a fault with a non-zero exit', () => {
    // ldxdw r0, [r1+0] with no memory: r1 is 0.
    const out = conformancePlugin([''], '79 10 00 00 00 00 00 00 95 00 00 00 00 00 00 00');
    expect(out.exitCode).toBe(1);
    expect(out.stdout).toMatch(/^insn 0: 8-byte load at 0x0000000000000000: null pointer dereference/);
  });

  it('rejects text that is not hex', () => {
    const out = conformancePlugin([''], 'b7 00 zz');
    expect(out).toEqual({ stdout: 'program: "zz" is not a hex byte\n', exitCode: 2 });
  });
});

describe.skipIf(missingTool('llvm-mc-19'))('conformance plugin with --elf', () => {
  it('runs the first program of an object file', () => {
    const dir = tempDir();
    writeFileSync(path.join(dir, 'p.s'), '\t.section\tsocket,"ax",@progbits\n\t.globl prog\nprog:\n\tr0 = *(u8 *)(r1 + 1)\n\tr0 += r2\n\texit\n');
    execFileSync('llvm-mc-19', ['-triple', 'bpfel', '-filetype=obj', path.join(dir, 'p.s'), '-o', path.join(dir, 'p.o')]);
    const elf = new Uint8Array(readFileSync(path.join(dir, 'p.o')));
    const out = conformancePlugin(['05  07  09  ', '--elf'], runnerHex(elf));
    expect(out).toEqual({ stdout: '0xa\n', exitCode: 0 });
  });
});
