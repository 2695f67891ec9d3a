// End to end: clang-19 objects → readBpfObject → the real kernel verifier and PROG_TEST_RUN.
import { describe, expect, test } from 'vitest';
import type { Program } from '../../server/src/core/types';
import { readBpfObject } from '../../server/src/elf';
import { closeFd, kernelAvailable, mapLookup, progLoad, progTestRun } from '../../server/src/kernel/bpf';
import { loadProgram, withProgramMaps } from '../../server/src/kernel/programMaps';
import { compileC, PRELUDE, toolMissing } from '../elf/tools';

const avail = kernelAvailable();
const reason = !avail.ok ? avail.reason : toolMissing('clang-19');
if (reason) console.warn(`skipping ELF → kernel tests: ${reason}`);

function programsOf(name: string, source: string): Program[] {
  const c = compileC(name, `${PRELUDE}${source}`);
  const obj = readBpfObject(c.bytes, c.file);
  expect(obj.findings).toEqual([]);
  return obj.programs;
}

function run(p: Program, data = new Uint8Array(64), after?: (fds: ReadonlyMap<string, number>) => void): number {
  return withProgramMaps(p, (insns, fds) => {
    const r = progLoad({ insns, progType: p.type, license: p.license });
    expect(r.fd, r.log).toBeDefined();
    try {
      const retval = progTestRun({ fd: r.fd!, data }).retval;
      after?.(fds);
      return retval;
    } finally {
      closeFd(r.fd);
    }
  });
}

describe.skipIf(!!reason)('objects from clang load and run in the kernel', () => {
  test('appended subprograms and re-targeted calls are accepted and compute the right result', () => {
    const [filter, filter2] = programsOf(
      'k_subprog',
      `static __attribute__((noinline)) int add3(int a, int b) { return a * 3 + b; }
       __attribute__((noinline)) int twice(int x) { return add3(x, x) + 1; }
       SEC("socket") int filter(void *skb) { return add3(1, 2) + twice(5); }
       SEC("socket") int filter2(void *skb) { return twice(7); }
       char LICENSE[] SEC("license") = "GPL";`,
    );
    expect(run(filter)).toBe(1 * 3 + 2 + (5 * 3 + 5 + 1));
    expect(run(filter2)).toBe(7 * 3 + 7 + 1);
  });

  test('legacy maps: the program updates the map the bridge created', () => {
    const [p] = programsOf(
      'k_legacy',
      `struct bpf_map_def { unsigned int type, key_size, value_size, max_entries, map_flags; };
       struct bpf_map_def SEC("maps") hits = { .type = 2, .key_size = 4, .value_size = 8, .max_entries = 8 };
       SEC("xdp") int xdp_count(void *ctx) {
         u32 k = 3; long *v = (long *)bpf_map_lookup_elem(&hits, &k);
         if (v) __sync_fetch_and_add(v, 5);
         return 2;
       }
       char _license[] SEC("license") = "GPL";`,
    );
    let count = -1n;
    expect(
      run(p, new Uint8Array(64), (fds) => {
        count = Buffer.from(mapLookup(fds.get('hits')!, Uint8Array.of(3, 0, 0, 0), 8)!).readBigInt64LE();
      }),
    ).toBe(2);
    expect(count).toBe(5n);
  });

  test('global data: .data and .rodata values reach the program through map_value loads', () => {
    const [p] = programsOf(
      'k_globals',
      `int counter = 5;
       const volatile int limit = 37;
       SEC("xdp") int xdp_globals(void *ctx) { counter += 1; return counter + limit; }
       char LICENSE[] SEC("license") = "GPL";`,
    );
    expect(p.maps.map((m) => m.name).sort()).toEqual(['.data', '.rodata']);
    expect(run(p)).toBe(6 + 37);
  });

  test('a kprobe with BTF-defined maps passes the verifier', () => {
    const [p] = programsOf(
      'k_kprobe',
      `struct { __uint(type, 1); __uint(max_entries, 1024); __type(key, u32); __type(value, u64); } counts SEC(".maps");
       SEC("kprobe/vfs_read") int count_reads(void *ctx) {
         u32 pid = bpf_get_current_pid_tgid() >> 32;
         u64 one = 1, *v = (u64 *)bpf_map_lookup_elem(&counts, &pid);
         if (v) *v += 1; else bpf_map_update_elem(&counts, &pid, &one, 0);
         return 0;
       }
       char LICENSE[] SEC("license") = "GPL";`,
    );
    const r = loadProgram(p);
    expect(r.fd, r.log).toBeDefined();
    closeFd(r.fd);
  });
});
