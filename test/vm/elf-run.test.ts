// Running clang-compiled object files: maps declared in .maps, global data (.rodata, .bss) through
// BPF_PSEUDO_MAP_VALUE loads, bpf-to-bpf calls and trace_printk.
import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { readBpfObject } from '../../server/src/elf/index';
import { runProgram } from '../../server/src/vm/index';
import { missingTool, tempDir } from '../support/tools';

const SOURCE = `
#include <linux/bpf.h>
#define SEC(x) __attribute__((section(x), used))
#define __uint(name, val) int (*name)[val]
#define __type(name, val) typeof(val) *name
static void *(*map_lookup)(void *map, const void *key) = (void *) 1;
static long (*map_update)(void *map, const void *key, const void *value, __u64 flags) = (void *) 2;
static long (*printk)(const char *fmt, __u32 fmt_size, ...) = (void *) 6;
struct {
  __uint(type, BPF_MAP_TYPE_HASH);
  __uint(max_entries, 16);
  __type(key, __u32);
  __type(value, __u64);
} counts SEC(".maps");
volatile const __u32 factor = 3;
__u64 total = 0;
static __attribute__((noinline)) __u32 scale(__u32 x) { return x * factor; }
SEC("xdp")
int count_by_byte(struct xdp_md *ctx) {
  void *data = (void *)(long)ctx->data, *end = (void *)(long)ctx->data_end;
  __u32 key;
  if (data + 14 > end) return XDP_DROP;
  key = ((unsigned char *)data)[12];
  __u64 *v = map_lookup(&counts, &key);
  if (v) __sync_fetch_and_add(v, 1);
  else { __u64 one = 1; map_update(&counts, &key, &one, BPF_ANY); }
  total += scale(key);
  char fmt[] = "key %u total %llu\\n";
  printk(fmt, sizeof(fmt), key, total);
  return XDP_PASS;
}
char _license[] SEC("license") = "GPL";
`;

const missing = missingTool('clang-19');

describe.skipIf(missing)('clang-compiled objects', () => {
  it('runs with maps, global data, a subprogram and printk', () => {
    const dir = tempDir();
    writeFileSync(path.join(dir, 'p.c'), SOURCE);
    execFileSync('clang-19', ['-O2', '-g', '-target', 'bpf', '-I/usr/include/x86_64-linux-gnu', '-c', path.join(dir, 'p.c'), '-o', path.join(dir, 'p.o')], { stdio: 'pipe' });
    const obj = readBpfObject(new Uint8Array(readFileSync(path.join(dir, 'p.o'))), 'p.o');
    expect(obj.findings.filter((f) => f.severity === 'error')).toEqual([]);
    expect(obj.programs.length).toBe(1);
    const program = obj.programs[0];
    const packet = Array.from({ length: 20 }, (_, i) => i);
    const r = runProgram(program, { ctx: { packet } });
    expect(r.error ?? r.fault).toBeUndefined();
    expect(r.meaning).toBe('XDP_PASS');
    expect(r.output.map((l) => l.text)).toEqual(['key 12 total 36']);
    expect(r.maps.find((m) => m.name === 'counts')?.entries).toEqual([{ key: [12, 0, 0, 0], value: [1, 0, 0, 0, 0, 0, 0, 0] }]);
    expect(r.maps.find((m) => m.name === '.bss')?.entries).toEqual([{ key: [0, 0, 0, 0], value: [36, 0, 0, 0, 0, 0, 0, 0] }]);
    // A short packet takes the early exit.
    expect(runProgram(program, { ctx: { packet: packet.slice(0, 10) } }).meaning).toBe('XDP_DROP');
  });
});
