// Callbacks beyond the corpus verdicts (callbacks.progs): where the func_info flag comes from
// (the .func_info directive, an object's .BTF.ext), the registers a callback starts with per
// helper, the explanations and warnings, and that non-converging callbacks stay bounded.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, test } from 'vitest';
import type { Program } from '../../server/src/core/types';
import { readBpfObject } from '../../server/src/elf/index';
import { formatRegKernel, verify } from '../../server/src/verifier/index';
import { assembleOne, C_DIR, clangSkipReason } from './support';

const MAPS = '.map h hash key=8 value=16 entries=16\n.map a array key=4 value=8 entries=4\n';

/** A socket program calling `helper` with r1-r4 set by `args`, and a callback body. */
function program(args: string, helper: number, body: string, funcInfo = true): Program {
  return assembleOne(`${funcInfo ? '.func_info\n' : ''}${MAPS}.section socket\n${args}  call ${helper}\n  r0 = 0\n  exit\ncb:\n${body}`);
}

const cbStart = (p: Program): number => p.symbols.find((s) => s.name === 'cb')!.insn;

describe('callbacks', () => {
  test('.func_info marks the programs of the file; without it a callback address is refused', () => {
    const args = '  r1 = 1\n  r2 = cb ll\n  r3 = 0\n  r4 = 0\n';
    const body = '  r0 = 0\n  exit\n';
    const withInfo = program(args, 181, body);
    const without = program(args, 181, body, false);
    expect(withInfo.funcInfo).toBe(true);
    expect(without.funcInfo).toBeUndefined();
    expect(verify(withInfo).accepted).toBe(true);
    const v = verify(without);
    expect(v.kernelText).toBe('missing btf func_info');
    expect(v.findings[0].message).toMatch(/needs BTF func_info from the loader.*`\.func_info`/);
  });

  test('bpf_for_each_map_elem: the callback starts with the map, its key and value, the context and nothing in r5', () => {
    const p = program('  r1 = h ll\n  r2 = cb ll\n  r3 = r10\n  r3 += -8\n  r4 = 0\n  r5 = 0\n  *(u64 *)(r10 - 8) = r5\n', 164, '  r0 = 0\n  exit\n');
    const v = verify(p);
    expect(v.accepted).toBe(true);
    const st = v.states[cbStart(p)]!;
    expect(st.frames).toHaveLength(2);
    const regs = st.frames[1].regs.map((r) => formatRegKernel(r, p.maps, 1));
    expect(regs.slice(1, 6)).toEqual(['map_ptr(map=h,ks=8,vs=16)', 'map_key(map=h,ks=8,vs=16)', 'map_value(map=h,ks=8,vs=16)', 'fp[0]-8', '?']);
    expect(st.frames[1].callsite).toBe(p.insns.findIndex((i) => i.opcode === 0x85));
  });

  test('bpf_loop: the callback starts with an unknown index and the context; r3-r5 unset', () => {
    const p = program('  r1 = 5\n  r2 = cb ll\n  r3 = 0\n  r4 = 0\n', 181, '  r0 = 0\n  exit\n');
    const st = verify(p).states[cbStart(p)]!;
    expect(st.frames[1].regs.slice(1, 6).map((r) => formatRegKernel(r, p.maps, 1))).toEqual(['scalar()', '0', '?', '?', '?']);
  });

  test('bpf_loop runs the callback at most nr_loops times when its state keeps changing', () => {
    // The callback tests the counter, so the counter stays exact and every iteration differs.
    const iterations = (n: number): number => {
      const p = program(
        `  r1 = 0\n  *(u64 *)(r10 - 8) = r1\n  r1 = ${n}\n  r2 = cb ll\n  r3 = r10\n  r3 += -8\n  r4 = 0\n`,
        181,
        '  r1 = *(u64 *)(r2 + 0)\n  r1 += 1\n  *(u64 *)(r2 + 0) = r1\n  if r1 > 1000 goto big\n  r0 = 0\n  exit\nbig:\n  r0 = 1\n  exit\n',
      );
      const v = verify(p, { log: true });
      expect(v.accepted).toBe(true);
      // Each scheduled iteration is a pending path that starts at the callback.
      return v.log!.split('\n').filter((l) => new RegExp(`^from \\d+ to ${cbStart(p)}:`).test(l)).length;
    };
    expect(iterations(1)).toBe(1);
    expect(iterations(7)).toBe(7);
    expect(iterations(40)).toBe(40);
  });

  test('a stateless callback converges after one iteration, whatever the count', () => {
    const p = program('  call 7\n  r1 = r0\n  r2 = cb ll\n  r3 = 0\n  r4 = 0\n', 181, '  r0 = 0\n  exit\n');
    const v = verify(p, { log: true });
    expect(v.accepted).toBe(true);
    expect(v.log!.split('\n').filter((l) => new RegExp(`^from \\d+ to ${cbStart(p)}:`).test(l))).toHaveLength(1);
  });

  test('a callback whose iterations never converge stops at the instruction limit', () => {
    // No bound on bpf_for_each_map_elem's iterations, and an exact counter: the kernel's fate too.
    const p = program(
      '  r1 = 0\n  *(u64 *)(r10 - 8) = r1\n  r1 = h ll\n  r2 = cb ll\n  r3 = r10\n  r3 += -8\n  r4 = 0\n',
      164,
      '  r1 = *(u64 *)(r4 + 0)\n  r1 += 1\n  *(u64 *)(r4 + 0) = r1\n  if r1 == 1000000000 goto big\n  r0 = 0\n  exit\nbig:\n  r0 = 1\n  exit\n',
    );
    const v = verify(p, { insnLimit: 20_000 });
    expect(v.accepted).toBe(false);
    expect(v.kernelText).toBe('BPF program is too large. Processed 20001 insn');
  });

  test('explanations: the callback return range; a warning for flags the helper refuses', () => {
    const bad = verify(program('  r1 = 1\n  r2 = cb ll\n  r3 = 0\n  r4 = 0\n', 181, '  r0 = 3\n  exit\n'));
    expect(bad.findings[0].message).toMatch(/a callback must return 0 \(go on\) or 1 \(stop\)/);
    expect(bad.findings[0].code).toBe('verifier.return-value');
    const flags = verify(program('  r1 = 1\n  r2 = cb ll\n  r3 = 0\n  r4 = 2\n', 181, '  r0 = 0\n  exit\n'));
    expect(flags.accepted).toBe(true);
    expect(flags.findings.map((f) => f.code)).toContain('verifier.callback-flags');
    expect(flags.findings.find((f) => f.code === 'verifier.callback-flags')!.message).toMatch(/flags argument of bpf_loop must be 0/);
    const zero = verify(program('  r1 = 1\n  r2 = cb ll\n  r3 = 0\n  r4 = 0\n', 181, '  r0 = 0\n  exit\n'));
    expect(zero.findings.map((f) => f.code)).not.toContain('verifier.callback-flags');
  });

  test('with func_info, tail calls and LD_ABS in subprograms are named as not modelled, not refused as without BTF', () => {
    const src = (info: boolean) => `${info ? '.func_info\n' : ''}.map pa prog_array key=4 value=4 entries=4\n.section socket\n  call fn\n  r0 = 0\n  exit\nfn:\n  r1 = pa ll\n  r2 = 0\n  r3 = 0\n  call 12\n  r0 = 0\n  exit\n`;
    expect(verify(assembleOne(src(false))).kernelText).toBe('tail_call is not allowed in subprogs without BTF');
    expect(verify(assembleOne(src(true))).kernelText).toMatch(/tail calls in a subprogram .* not modelled by eBPF Studio/);
  });
});

const noClang = clangSkipReason();

describe.skipIf(noClang)('callbacks in compiled C (clang-19)', () => {
  const SOURCE = `#include "common.h"
static long (*bpf_loop)(__u32 nr_loops, void *callback_fn, void *callback_ctx, __u64 flags) = (void *)181;
static long (*bpf_for_each_map_elem)(void *map, void *callback_fn, void *callback_ctx, __u64 flags) = (void *)164;
struct { __uint(type, BPF_MAP_TYPE_HASH); __uint(max_entries, 64); __type(key, __u32); __type(value, __u64); } counts SEC(".maps");
struct sum_ctx { __u64 total; __u64 last; };
static long add_elem(void *map, __u32 *key, __u64 *val, struct sum_ctx *c) { c->total += *val; c->last = *key; *val = 0; return 0; }
static long step(__u64 i, struct sum_ctx *c) { c->total += i; return 0; }
SEC("kprobe/do_nanosleep") int sum_counts(void *ctx) {
  struct sum_ctx c = {};
  bpf_for_each_map_elem(&counts, add_elem, &c, 0);
  bpf_loop(16, step, &c, 0);
  __u32 k = 0;
  bpf_map_update_elem(&counts, &k, &c.total, 0);
  return 0;
}
`;
  const LOOP_ONLY = `#include "common.h"
static long (*bpf_loop)(__u32 nr_loops, void *callback_fn, void *callback_ctx, __u64 flags) = (void *)181;
static long step(__u64 i, void *c) { return i > 3; }
SEC("socket") int loop_only(void *skb) { bpf_loop(8, step, 0, 0); return 0; }
`;
  const dir = mkdtempSync(path.join(tmpdir(), 'ebpf-callbacks-'));
  const compile = (name: string, text: string, debug: boolean): Program[] => {
    const src = path.join(dir, `${name}.c`);
    const obj = path.join(dir, `${name}${debug ? '-g' : ''}.o`);
    writeFileSync(src, text);
    execFileSync('clang-19', ['-target', 'bpf', '-O2', ...(debug ? ['-g'] : []), '-I', C_DIR, '-I/usr/include/x86_64-linux-gnu', '-c', src, '-o', obj], { stdio: ['ignore', 'ignore', 'pipe'] });
    const o = readBpfObject(new Uint8Array(readFileSync(obj)), obj);
    expect(o.findings.filter((f) => f.severity === 'error')).toEqual([]);
    return o.programs;
  };

  test('an object with .BTF.ext function info (-g) marks its programs, and its callbacks verify', () => {
    const [p] = compile('sum', SOURCE, true);
    expect(p.funcInfo).toBe(true);
    expect(p.insns.filter((i) => i.opcode === 0x18 && i.src === 4)).toHaveLength(2);
    const v = verify(p);
    expect(v.findings.filter((f) => f.severity === 'error')).toEqual([]);
    expect(v.accepted).toBe(true);
  });

  test('an object without BTF does not, and its callback is refused as the kernel refuses it', () => {
    const [plain] = compile('loop', LOOP_ONLY, false);
    expect(plain.funcInfo).toBeUndefined();
    expect(verify(plain).kernelText).toBe('missing btf func_info');
    const [debug] = compile('loop', LOOP_ONLY, true);
    expect(debug.funcInfo).toBe(true);
    expect(verify(debug).accepted).toBe(true);
  });
});
