// The public API: per-instruction states for hovers, the formatters, the kernel-format log,
// statistics, options (program type, unprivileged rules), and robustness on odd input.
import { describe, expect, test } from 'vitest';
import type { Program } from '../../server/src/core/types';
import { assemble } from '../../server/src/asm/assembler';
import { formatRegState, verify } from '../../server/src/verifier/index';

const prog = (text: string): Program => {
  const r = assemble(text);
  expect(r.findings.filter((f) => f.severity === 'error')).toEqual([]);
  return r.programs[0];
};

const LOOKUP = prog(`.map counts hash key=4 value=8 entries=16
.section xdp
  r1 = 0
  *(u32 *)(r10 - 4) = r1
  r2 = r10
  r2 += -4
  r1 = counts ll
  call bpf_map_lookup_elem
  if r0 == 0 goto out
  r1 = *(u64 *)(r0 + 0)
out:
  r0 = 2
  exit
`);

describe('verify() API', () => {
  test('per-instruction states for hovers', () => {
    const v = verify(LOOKUP);
    expect(v.accepted).toBe(true);
    expect(v.states).toHaveLength(LOOKUP.insns.length);
    expect(formatRegState(v.states[7]!, 0, LOOKUP)).toBe('r0: map_value_or_null(map=counts, vs=8)');
    expect(formatRegState(v.states[8]!, 0, LOOKUP)).toBe('r0: map_value(map=counts, vs=8)');
    expect(formatRegState(v.states[3]!, 2, LOOKUP)).toBe('r2: fp');
    expect(formatRegState(v.states[4]!, 2, LOOKUP)).toBe('r2: fp-4');
    expect(formatRegState(v.states[0]!, 1, LOOKUP)).toBe('r1: ctx()');
    expect(formatRegState(v.states[0]!, 3, LOOKUP)).toBe('r3: uninitialized');
    expect(formatRegState(v.states[7]!, 0, LOOKUP, 'kernel')).toBe('r0: map_value_or_null(id=1,map=counts,ks=4,vs=8)');
    // The second slot of the 64-bit load is never an instruction of its own.
    expect(v.states[5]).toBeUndefined();
    // The path that jumps to `out` is pruned there: the fall-through state already covers it.
    expect(v.allStates[9]).toHaveLength(1);
  });

  test('scalar ranges in plain words', () => {
    const p = prog('.section socket\n  r0 = *(u32 *)(r1 + 0)\n  r0 &= 0xff\n  r1 = -3\n  exit\n');
    const v = verify(p);
    expect(formatRegState(v.states[2]!, 0, p)).toBe('r0: scalar [0, 255]');
    expect(formatRegState(v.states[3]!, 1, p)).toBe('r1: scalar -3');
  });

  test('unreachable instructions have no state', () => {
    const p = prog('.section socket\n  r0 = 0\n  if r0 == 0 goto out\n  r0 = 1\nout:\n  exit\n');
    const v = verify(p);
    expect(v.accepted).toBe(true);
    expect(v.states[2]).toBeUndefined();
    expect(v.states[3]).toBeDefined();
  });

  test('kernel-format log on demand', () => {
    const v = verify(LOOKUP, { log: true });
    const lines = v.log!.trim().split('\n');
    expect(lines[0]).toBe('0: R1=ctx() R10=fp0');
    expect(lines).toContain('0: (b7) r1 = 0                        ; R1=0');
    expect(lines).toContain('6: (85) call bpf_map_lookup_elem#1    ; R0=map_value_or_null(id=1,map=counts,ks=4,vs=8)');
    expect(lines[lines.length - 1]).toMatch(/^processed 11 insns \(limit 1000000\) max_states_per_insn \d+ total_states \d+ peak_states \d+ mark_read 0$/);
    expect(verify(LOOKUP).log).toBeUndefined();
  });

  test('the log ends with the kernel error lines on rejection', () => {
    const v = verify(prog('.section socket\n  r0 = r2\n  exit\n'), { log: true });
    const lines = v.log!.trim().split('\n');
    expect(lines[lines.length - 2]).toBe('R2 !read_ok');
    expect(v.kernelText).toBe('R2 !read_ok');
  });

  test('statistics', () => {
    const v = verify(LOOKUP);
    expect(v.stats.processed).toBe(11);
    expect(v.stats.states).toBeGreaterThanOrEqual(0);
    expect(v.stats.ms).toBeGreaterThanOrEqual(0);
  });

  test('the program type can be overridden', () => {
    const p = prog('.section socket\n  r0 = *(u32 *)(r1 + 76)\n  r0 = 0\n  exit\n');
    expect(verify(p).kernelText).toBe('invalid bpf_context access off=76 size=4');
    expect(verify(p, { progType: 'sched_cls' }).accepted).toBe(true);
  });

  test('processed-instruction limit is configurable', () => {
    const p = prog('.section socket\n  r0 = 0\nl:\n  r0 += 1\n  if r0 < 100 goto l\n  exit\n');
    expect(verify(p).accepted).toBe(true);
    expect(verify(p, { insnLimit: 50 }).kernelText).toBe('BPF program is too large. Processed 51 insn');
  });

  test('empty and truncated programs are findings, not exceptions', () => {
    const empty: Program = { ...LOOKUP, insns: [], sourceMap: [] };
    expect(() => verify(empty)).not.toThrow();
    expect(verify(empty).accepted).toBe(false);
    const truncated: Program = { ...LOOKUP, insns: LOOKUP.insns.slice(0, 5) };
    expect(verify(truncated).kernelText).toBe('last insn is not an exit or jmp');
  });
});

describe('unprivileged mode', () => {
  const opts = { unprivileged: true } as const;

  test('bounded loops are back-edges', () => {
    const p = prog('.section socket\n  r0 = 0\nl:\n  r0 += 1\n  if r0 < 10 goto l\n  exit\n');
    expect(verify(p).accepted).toBe(true);
    expect(verify(p, opts).kernelText).toBe('back-edge from insn 2 to 1');
  });

  test('pointer leaks and comparisons', () => {
    expect(verify(prog('.section socket\n  r0 = r10\n  exit\n'), opts).kernelText).toBe('R0 leaks addr as return value');
    expect(verify(prog('.section socket\n  r0 = 0\n  if r1 > 5 goto +0\n  exit\n'), opts).kernelText).toBe('R1 pointer comparison prohibited');
    expect(verify(prog('.section socket\n  w0 = w1\n  exit\n'), opts).kernelText).toBe('R1 partial copy of pointer');
    expect(verify(prog('.section socket\n  r2 = r10\n  r2 -= r1\n  r0 = 0\n  exit\n'), opts).kernelText).toBe('R2 pointer -= pointer prohibited');
  });

  test('uninitialised stack reads', () => {
    const p = prog('.section socket\n  r1 = 0\n  *(u64 *)(r10 - 16) = r1\n  r0 = *(u64 *)(r10 - 8)\n  exit\n');
    expect(verify(p).accepted).toBe(true);
    expect(verify(p, opts).kernelText).toBe('invalid read from stack off -8+0 size 8');
    // Below the stack used so far, the access itself is out of bounds.
    expect(verify(prog('.section socket\n  r0 = *(u64 *)(r10 - 8)\n  exit\n'), opts).kernelText).toBe('invalid read from stack R10 off=-8 size=8');
  });

  test('bpf-to-bpf calls need CAP_BPF', () => {
    const p = prog('.section socket\n  call f\n  exit\nf:\n  r0 = 0\n  exit\n');
    expect(verify(p, opts).kernelText).toBe('loading/calling other bpf or kernel functions are allowed for CAP_BPF and CAP_SYS_ADMIN');
  });
});

describe('unprivileged mode: what an unprivileged loader may do', () => {
  const opts = { unprivileged: true } as const;

  test('only socket filters and cgroup skb programs', () => {
    expect(verify(prog('.section xdp\n  r0 = 2\n  exit\n'), opts).kernelText).toMatch(/^xdp programs need CAP_BPF/);
    expect(verify(prog('.section socket\n  r0 = 0\n  exit\n'), opts).accepted).toBe(true);
  });

  test('tracing helpers need CAP_PERFMON', () => {
    const p = prog('.section socket\n  call bpf_get_current_pid_tgid\n  r0 = 0\n  exit\n');
    expect(verify(p).accepted).toBe(true);
    expect(verify(p, opts).kernelText).toBe('program of this type cannot use helper bpf_get_current_pid_tgid#14');
    expect(verify(prog('.section socket\n  call bpf_get_prandom_u32\n  r0 = 0\n  exit\n'), opts).accepted).toBe(true);
  });

  test('pointer arithmetic must stay inside the map value', () => {
    const text = `.map arr array key=4 value=8 entries=1
.section socket
  r1 = 0
  *(u32 *)(r10 - 4) = r1
  r2 = r10
  r2 += -4
  r1 = arr ll
  call bpf_map_lookup_elem
  if r0 == 0 goto out
  r0 += 16
out:
  r0 = 0
  exit
`;
    expect(verify(prog(text)).accepted).toBe(true);
    expect(verify(prog(text), opts).kernelText).toBe('R0 pointer arithmetic of map value goes out of range, prohibited for !root');
    expect(verify(prog(text.replace('r0 += 16', 'r0 += 4')), opts).accepted).toBe(true);
  });

  test('scalars lose their value through the stack (no scalar spills)', () => {
    const text = '.section socket\n  r1 = 4\n  *(u64 *)(r10 - 8) = r1\n  r1 = *(u64 *)(r10 - 8)\n  r2 = r10\n  r2 += -16\n  r2 += r1\n  r0 = 0\n  exit\n';
    expect(verify(prog(text)).accepted).toBe(true);
    expect(verify(prog(text), opts).accepted).toBe(false);
  });
});

describe('plain descriptions for the inspector', () => {
  test('registers and stack slots', async () => {
    const { describeRegs, describeStack } = await import('../../server/src/verifier/index');
    const p = prog('.section socket\n  r6 = 5\n  *(u64 *)(r10 - 8) = r6\n  *(u32 *)(r10 - 12) = 0\n  *(u64 *)(r10 - 24) = r1\n  r0 = 0\n  exit\n');
    const st = verify(p).states[4]!;
    expect(describeRegs(st, p)).toEqual(['r1: ctx()', 'r6: scalar 5', 'r10: fp']);
    expect(describeStack(st, p)).toEqual(['fp-8: spilled scalar 5', 'fp-16: 4 zero byte(s), 4 unwritten', 'fp-24: spilled ctx()']);
  });
});

describe('time budget for editors', () => {
  test('a long walk stops with a warning instead of a verdict', () => {
    const p = prog('.section socket\n  r0 = 0\nl:\n  r0 += 1\n  if r0 != 0 goto l\n  exit\n');
    const v = verify(p, { timeBudgetMs: 20 });
    expect(v.accepted).toBe(false);
    expect(v.verdict).toBe('unknown');
    expect(v.findings[0].code).toBe('verifier.timeout');
    expect(v.findings[0].severity).toBe('warning');
    expect(v.stats.processed).toBeLessThan(1_000_000);
  });
});
