// Diagnostics that teach: plain words, the kernel's text, where the value came from, the path,
// and fixes that really fix (applied and re-verified here).
import { describe, expect, test } from 'vitest';
import type { Finding, TextEdit } from '../../server/src/core/types';
import { assemble } from '../../server/src/asm/assembler';
import { verify } from '../../server/src/verifier/index';

function applyEdits(text: string, edits: readonly TextEdit[]): string {
  const lines = text.split('\n');
  const offset = (l: number, c: number) => lines.slice(0, l).reduce((n, s) => n + s.length + 1, 0) + c;
  const sorted = [...edits].sort((a, b) => offset(b.range.start.line, b.range.start.col) - offset(a.range.start.line, a.range.start.col));
  let out = text;
  for (const e of sorted) {
    out = out.slice(0, offset(e.range.start.line, e.range.start.col)) + e.newText + out.slice(offset(e.range.end.line, e.range.end.col));
  }
  return out;
}

function run(text: string, dialect: 'llvm' | 'mnemonic' = 'llvm') {
  const asm = assemble(text, { dialect });
  expect(asm.findings.filter((f) => f.severity === 'error')).toEqual([]);
  return verify(asm.programs[0], { dialect });
}

const errorOf = (findings: Finding[]): Finding => {
  const e = findings.find((f) => f.severity === 'error');
  if (!e) throw new Error('expected an error finding');
  return e;
};

const LOOKUP = `.map counts hash key=4 value=8 entries=16
.section xdp
  r1 = 0
  *(u32 *)(r10 - 4) = r1
  r2 = r10
  r2 += -4
  r1 = counts ll
  call bpf_map_lookup_elem
  r1 = *(u64 *)(r0 + 0)
out:
  r0 = 2
  exit
`;

describe('verifier diagnostics', () => {
  test('NULL dereference: plain reason, kernel text, origin, fix that verifies', () => {
    const v = run(LOOKUP);
    expect(v.accepted).toBe(false);
    const f = errorOf(v.findings);
    expect(f.code).toBe('verifier.null-deref');
    expect(f.kernelText).toBe("R0 invalid mem access 'map_value_or_null'");
    expect(f.message).toMatch(/^r0 may be NULL here: bpf_map_lookup_elem returns NULL when the key is absent/);
    expect(f.range.start.line).toBe(8);
    expect(f.related?.[0].range.start.line).toBe(7);
    expect(f.related?.[0].message).toMatch(/bpf_map_lookup_elem/);
    const fix = f.fixes?.[0];
    expect(fix?.title).toMatch(/NULL check/);
    const fixed = applyEdits(LOOKUP, fix!.edits);
    expect(fixed).toContain('  if r0 == 0 goto out\n');
    expect(run(fixed).accepted).toBe(true);
  });

  test('the NULL-check fix is written in the mnemonic dialect for mnemonic files', () => {
    const text = `.map counts hash key=4 value=8 entries=16
.section xdp
  mov %r1, 0
  stxw [%r10-4], %r1
  mov %r2, %r10
  add %r2, -4
  lddw %r1, counts
  call bpf_map_lookup_elem
  ldxdw %r1, [%r0+0]
out:
  mov %r0, 2
  exit
`;
    const v = run(text, 'mnemonic');
    const fix = errorOf(v.findings).fixes?.[0];
    const fixed = applyEdits(text, fix!.edits);
    expect(fixed).toContain('jeq %r0, 0, out');
    expect(run(fixed, 'mnemonic').accepted).toBe(true);
  });

  test('uninitialised register: the fix initialises it', () => {
    const text = '.section socket\n  r0 = r2\n  exit\n';
    const v = run(text);
    const f = errorOf(v.findings);
    expect(f.kernelText).toBe('R2 !read_ok');
    expect(f.message).toMatch(/r2 is read before anything was written/);
    expect(run(applyEdits(text, f.fixes![0].edits)).accepted).toBe(true);
  });

  test('registers clobbered by a call are explained', () => {
    const v = run('.section socket\n  r1 = 1\n  call bpf_ktime_get_ns\n  r0 = r1\n  exit\n');
    const f = errorOf(v.findings);
    expect(f.kernelText).toBe('R1 !read_ok');
    expect(f.message).toMatch(/clobbered.*r6-r9/);
    expect(f.related?.[0].range.start.line).toBe(2);
  });

  test('r0 unset at exit', () => {
    const f = errorOf(run('.section socket\n  exit\n').findings);
    expect(f.message).toMatch(/r0 is the return value/);
  });

  test('misaligned stack slot: the fix aligns it and verifies', () => {
    const text = '.section socket\n  r1 = 0\n  *(u64 *)(r10 - 12) = r1\n  r0 = 0\n  exit\n';
    const f = errorOf(run(text).findings);
    expect(f.kernelText).toBe('misaligned stack access off 0+0+-12 size 8');
    const fixed = applyEdits(text, f.fixes![0].edits);
    expect(fixed).toContain('*(u64 *)(r10 - 16) = r1');
    expect(run(fixed).accepted).toBe(true);
  });

  test('map value out of bounds keeps both kernel lines and names the map', () => {
    const text = LOOKUP.replace('  r1 = *(u64 *)(r0 + 0)', '  if r0 == 0 goto out\n  r1 = *(u64 *)(r0 + 8)');
    const f = errorOf(run(text).findings);
    expect(f.kernelText).toBe('invalid access to map value, value_size=8 off=8 size=8\nR0 min value is outside of the allowed memory range');
    expect(f.message).toMatch(/outside the map value of 'counts' \(value size 8 bytes\)/);
  });

  test('unreleased ring buffer record points at the reservation and the path', () => {
    const text = `.map rb ringbuf entries=4096
.section socket
  r1 = rb ll
  r2 = 8
  r3 = 0
  call bpf_ringbuf_reserve
  if r0 == 0 goto out
  r1 = 1
  *(u64 *)(r0 + 0) = r1
out:
  r0 = 0
  exit
`;
    const f = errorOf(run(text).findings);
    expect(f.kernelText?.split('\n').pop()).toBe('BPF_EXIT instruction in main prog would lead to reference leak');
    expect(f.message).toMatch(/ring buffer record reserved at line 6 is neither submitted nor discarded/);
    expect(f.related?.some((r) => r.range.start.line === 5 && /acquired/.test(r.message))).toBe(true);
    expect(f.related?.some((r) => /jump was not taken/.test(r.message))).toBe(true);
  });

  test('packet access without a bounds check asks for one', () => {
    const f = errorOf(run('.section xdp\n  r2 = *(u32 *)(r1 + 0)\n  r0 = *(u8 *)(r2 + 0)\n  r0 = 2\n  exit\n').findings);
    expect(f.kernelText?.split('\n').pop()).toBe('R2 offset is outside of the packet');
    expect(f.message).toMatch(/data_end/);
  });

  test('pre-walk errors land on the offending instruction', () => {
    const f = errorOf(run('.section socket\n  r0 = 0\n  exit\n  r0 = 1\n  exit\n').findings);
    expect(f.kernelText).toBe('unreachable insn 2');
    expect(f.range.start.line).toBe(3);
  });

  test('warnings: dead code and a lookup whose result is never used', () => {
    const v = run(`.map counts hash key=4 value=8 entries=16
.section socket
  r1 = 0
  *(u32 *)(r10 - 4) = r1
  r2 = r10
  r2 += -4
  r1 = counts ll
  call bpf_map_lookup_elem
  r0 = 1
  if r0 == 1 goto out
  r0 = 5
out:
  exit
`);
    expect(v.accepted).toBe(true);
    const codes = v.findings.map((f) => `${f.code}@${f.range.start.line}`);
    expect(codes).toContain('verifier.dead-code@10');
    expect(codes).toContain('verifier.unused-lookup@7');
    expect(v.findings.every((f) => f.severity === 'warning')).toBe(true);
  });

  test('no warnings for a clean program', () => {
    const v = run(LOOKUP.replace('  r1 = *(u64 *)(r0 + 0)', '  if r0 == 0 goto out\n  r1 = *(u64 *)(r0 + 0)'));
    expect(v.accepted).toBe(true);
    expect(v.findings).toEqual([]);
  });
});

describe('context access diagnostics', () => {
  test('name the field the program may not touch', () => {
    const f = errorOf(run('.section socket\n  r0 = *(u32 *)(r1 + 76)\n  exit\n').findings);
    expect(f.kernelText).toBe('invalid bpf_context access off=76 size=4');
    expect(f.message).toBe('socket_filter programs cannot read 4 byte(s) at __sk_buff.data.');
    const w = errorOf(run('.section xdp\n  r2 = 0\n  *(u32 *)(r1 + 12) = r2\n  r0 = 2\n  exit\n').findings);
    expect(w.message).toBe('xdp programs cannot write 4 byte(s) at xdp_md.ingress_ifindex.');
  });
});
