// Malformed input: each mistake gives its own message at its own position, and assembly goes on.
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { assemble } from '../../server/src/asm/assembler';

function errorsOf(text: string) {
  return assemble(text, { file: 't.s' }).findings
    .filter((f) => f.severity === 'error')
    .map((f) => ({ line: f.range.start.line + 1, col: f.range.start.col + 1, message: f.message }));
}

describe('assembler errors', () => {
  const cases: [string, string, number, number, RegExp][] = [
    ['unknown mnemonic', 'mov %r0, 1\nfrobnicate %r1, 2\nexit', 2, 1, /unknown mnemonic 'frobnicate'/],
    ['bad register r11 (llvm)', 'r11 = 1\nexit', 1, 1, /invalid register 'r11': eBPF has r0-r10/],
    ['bad register %r11 (mnemonic)', 'mov %r11, 1\nexit', 1, 5, /invalid register '%r11'/],
    ['offset out of 16-bit range', 'r1 = *(u32 *)(r2 + 40000)\nexit', 1, 18, /offset \+40000 is out of the 16-bit range/],
    ['negative offset out of range', 'ldxw %r1, [%r2-40000]\nexit', 1, 15, /offset -40000 is out of the 16-bit range/],
    ['immediate out of 32-bit range', 'r1 = 4294967296\nexit', 1, 6, /immediate 4294967296 is out of the 32-bit range/],
    ['negative immediate out of range', 'mov %r1, -2147483649\nexit', 1, 10, /out of the 32-bit range/],
    ['missing label', 'if r1 > 2 goto nowhere\nexit', 1, 16, /undefined label 'nowhere'/],
    ['duplicate label', 'a:\nr0 = 0\na:\nexit', 3, 1, /label 'a' is already defined at line 1/],
    ['unknown helper', 'call bpf_no_such_helper\nexit', 1, 6, /unknown helper or function 'bpf_no_such_helper'/],
    ['unknown map', 'r1 = nomap ll\nexit', 1, 6, /'nomap' is neither a declared map/],
    ['unreadable llvm line', 'r1 = = 2\nexit', 1, 1, /cannot read 'r1 = = 2' as an eBPF instruction/],
    ['bad map type', '.map m hashish key=4 value=4 entries=1\nexit', 1, 8, /unknown map type 'hashish'/],
    ['wrong operand count', 'add %r1\nexit', 1, 1, /'add' takes 2 operands/],
    ['raw data not a whole slot', '.byte 1, 2, 3\nexit', 1, 1, /raw data in code must fill whole 8-byte instructions/],
    ['neg with two registers', 'r1 = -r2\nexit', 1, 7, /same register/],
    ['bad character', 'r1 = 1 @ 2\nexit', 1, 8, /unexpected character '@'/],
  ];
  for (const [name, text, line, col, message] of cases) {
    it(name, () => {
      const errs = errorsOf(text);
      expect(errs.length).toBeGreaterThanOrEqual(1);
      expect(errs[0]).toMatchObject({ line, col });
      expect(errs[0].message).toMatch(message);
    });
  }

  it('reports every error in a file, not only the first', () => {
    const errs = errorsOf('frob\nr11 = 1\nr1 = *(u8 *)(r2 + 99999)\nif r1 > 0 goto nope\nexit');
    expect(errs.map((e) => e.line)).toEqual([1, 2, 3, 4]);
  });

  it('keeps going after an error: later lines still assemble', () => {
    const r = assemble('bogus line here\nr0 = 1\nexit');
    expect(r.findings.filter((f) => f.severity === 'error')).toHaveLength(1);
    expect(r.programs[0].insns).toHaveLength(2);
  });

  it('warns about unsupported directives instead of ignoring them silently', () => {
    const r = assemble('.frobnicate 3\nexit');
    expect(r.findings).toEqual([expect.objectContaining({ severity: 'warning', message: 'directive .frobnicate is not supported and was ignored' })]);
  });

  it('never throws, whatever the input', () => {
    const alphabet = fc.constantFrom(
      'r1', 'w2', '%r3', 'r11', '=', '+=', '*', '(', ')', '[', ']', 'u32', 's8', 'goto', 'if', 'call', 'lock', 'exit', 'mov',
      'ldxw', 'lddw', ',', '+', '-', '0x10', '4294967296', '99999999999999999999999', 'll', ':', 'lbl', '.section', '.map',
      '.byte', '"', ';', '#', '\n', ' ', 'atomic_fetch_add', 'xchg_64', 'be16', 'skb', 'cmpxchg_64', 'r0', '$', '{',
    );
    fc.assert(
      fc.property(fc.array(alphabet, { maxLength: 60 }), (parts) => {
        const r = assemble(parts.join(' '));
        expect(Array.isArray(r.findings)).toBe(true);
      }),
      { numRuns: 2000 },
    );
  });
});
