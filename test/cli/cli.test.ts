// The CLI as a user runs it: the bundled binary, exit codes, messages with file:line:col.
import { spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { execFileSync } from 'node:child_process';
import { conformanceFiles, missingTool, readConformance, tempDir } from '../support/tools';
import { assemble } from '../../server/src/asm/assembler';
import { encodeProgram } from '../../server/src/isa/codec';

const CLI = path.resolve(__dirname, '../../dist/cli/cli.js');
const EXAMPLES = path.resolve(__dirname, '../../examples');

function cli(...args: string[]) {
  const r = spawnSync(process.execPath, [CLI, ...args], { encoding: 'utf8', timeout: 30_000 });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

describe('ebpf-studio asm/disasm', () => {
  it('assembles an example and lists it with bytes', () => {
    const r = cli('asm', path.join(EXAMPLES, 'xdp-count.bpf.s'));
    expect(r.code).toBe(0);
    expect(r.out).toContain('xdp (xdp), 19 instructions');
    expect(r.out).toMatch(/9: 18 11 00 00 00 00 00 00 00 00 00 00 00 00 00 00 +r1 = proto_count ll/);
  });

  it('writes a .bin that disassembles back to the same program', () => {
    const dir = tempDir();
    const bin = path.join(dir, 'sum.bin');
    expect(cli('asm', path.join(EXAMPLES, 'sum-mnemonic.bpf.s'), '-o', bin).code).toBe(0);
    const d = cli('disasm', bin, '--dialect', 'mnemonic');
    expect(d.code).toBe(0);
    const again = path.join(dir, 'again.s');
    writeFileSync(again, d.out);
    const bin2 = path.join(dir, 'again.bin');
    expect(cli('asm', again, '-o', bin2).code).toBe(0);
    expect(readFileSync(bin2)).toEqual(readFileSync(bin));
  });

  it('reports input errors with file:line:col and exit 1', () => {
    const dir = tempDir();
    const f = path.join(dir, 'bad.bpf.s');
    writeFileSync(f, 'r0 = 0\nr11 = 1\nexit\n');
    const r = cli('asm', f);
    expect(r.code).toBe(1);
    expect(r.err).toContain(`${f}:2:1: error: invalid register 'r11': eBPF has r0-r10`);
    expect(r.err).not.toMatch(/\n\s+at /); // no stack trace
  });

  it('usage errors exit 2 with a message', () => {
    expect(cli().code).toBe(2);
    const unknown = cli('frobnicate');
    expect(unknown.code).toBe(2);
    expect(unknown.err).toContain("unknown command 'frobnicate'");
    const missing = cli('asm', '/nonexistent/file.s');
    expect(missing.code).toBe(2);
    expect(missing.err).toContain('cannot read /nonexistent/file.s: no such file');
    const badFlag = cli('asm', path.join(EXAMPLES, 'xdp-count.bpf.s'), '--dialect', 'intel');
    expect(badFlag.code).toBe(2);
    expect(badFlag.err).toContain('--dialect must be one of llvm, mnemonic');
  });

  it('a truncated .bin is an input error', () => {
    const dir = tempDir();
    const f = path.join(dir, 'cut.bin');
    writeFileSync(f, Buffer.from([0x95, 0, 0, 0, 0, 0, 0, 0, 0xb7]));
    const r = cli('disasm', f);
    expect(r.code).toBe(1);
    expect(r.err).toContain('9 bytes is not a whole number of 8-byte instructions');
  });
});

const noClang = missingTool('clang-19');

describe.skipIf(noClang !== undefined)('ebpf-studio disasm on clang-19 objects', () => {
  it('shows each program with its maps resolved by name, re-assemblable', () => {
    const dir = tempDir();
    const c = path.join(dir, 'k.c');
    writeFileSync(c, `
typedef unsigned int u32; typedef unsigned long long u64;
#define SEC(x) __attribute__((section(x), used))
struct { int (*type)[1]; int (*max_entries)[1024]; u32 *key; u64 *value; } counts SEC(".maps");
static void *(*bpf_map_lookup_elem)(void *map, const void *key) = (void *) 1;
static __attribute__((noinline)) int triple(int x) { return x * 3; }
SEC("kprobe/vfs_read") int probe(void *ctx) {
  u32 k = 1; u64 *v = bpf_map_lookup_elem(&counts, &k);
  if (v) __sync_fetch_and_add(v, 1);
  return triple(k);
}
SEC("xdp") int pass(void *ctx) { return 2; }
char _license[] SEC("license") = "GPL";
`);
    const o = path.join(dir, 'k.o');
    execFileSync('clang-19', ['-target', 'bpf', '-O2', '-g', '-c', c, '-o', o]);
    const r = cli('disasm', o);
    expect(r.code).toBe(0);
    expect(r.out).toContain('.section kprobe/vfs_read');
    expect(r.out).toContain('.map counts hash key=4 value=8 entries=1024');
    expect(r.out).toMatch(/r1 = counts ll/);
    expect(r.out).toMatch(/call triple/);
    expect(r.out).toContain('.section xdp');
    // What we print assembles again, to the same instructions as the object's (map loads as a loader writes them).
    const s = path.join(dir, 'k.s');
    writeFileSync(s, r.out);
    const again = cli('asm', s);
    expect(again.code).toBe(0);
    expect(again.out).toContain('kprobe/vfs_read (kprobe)');
    expect(again.out).toContain('xdp (xdp), 2 instructions');
  });
});

describe('ebpf-studio run', () => {
  it('runs the XDP example on a packet: r0 named, map counted', () => {
    const r = cli('run', path.join(EXAMPLES, 'xdp-count.bpf.s'), '--packet', `@${path.join(EXAMPLES, 'ipv4-tcp.packet.hex')}`);
    expect(r.code).toBe(0);
    expect(r.out).toContain('r0 = 2 (0x0000000000000002) XDP_PASS');
    // protocol 6 (TCP) counted once
    expect(r.out).toMatch(/proto_count \(array[^\n]*\n\s+\[6\] = 1/);
  });

  it('gives r1/r2 = memory/length with --mem', () => {
    const r = cli('run', path.join(EXAMPLES, 'sum-mnemonic.bpf.s'), '--mem', '01 02 03 04 05');
    expect(r.code).toBe(0);
    expect(r.out).toContain('r0 = 15 ');
  });

  it('a memory fault exits 1 and names the line', () => {
    const r = cli('run', path.join(EXAMPLES, 'broken.bpf.s'));
    expect(r.code).toBe(1);
    expect(r.out).toMatch(/broken\.bpf\.s:11: fault at instruction 7: .*null pointer/);
  });

  it('a runaway program stops at the budget', () => {
    const dir = tempDir();
    const f = path.join(dir, 'loop.bpf.s');
    writeFileSync(f, 'r0 = 0\nl:\nr0 += 1\ngoto l\n');
    const r = cli('run', f, '--budget', '1000');
    expect(r.code).toBe(1);
    expect(r.out).toMatch(/budget/i);
  });

  it('json output carries r0 and the maps', () => {
    const r = cli('run', path.join(EXAMPLES, 'xdp-count.bpf.s'), '--packet', `@${path.join(EXAMPLES, 'ipv4-tcp.packet.hex')}`, '--format', 'json');
    const j = JSON.parse(r.out);
    expect(j.r0).toBe('0x0000000000000002');
    expect(j.maps.find((m: { name: string }) => m.name === 'proto_count').entries).toHaveLength(1);
  });
});

function cliIn(input: string, ...args: string[]) {
  const r = spawnSync(process.execPath, [CLI, ...args], { encoding: 'utf8', timeout: 30_000, input });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

describe('ebpf-studio verify, probe, check, conformance-plugin', () => {
  it('verify rejects the broken example with plain words, the kernel text and where r0 came from', () => {
    const r = cli('verify', path.join(EXAMPLES, 'broken.bpf.s'));
    expect(r.code).toBe(1);
    expect(r.out).toContain('kprobe/vfs_read (kprobe): rejected');
    expect(r.err).toMatch(/broken\.bpf\.s:11:5: error: r0 may be NULL here/);
    expect(r.err).toContain("kernel: R0 invalid mem access 'map_value_or_null'");
    expect(r.err).toMatch(/broken\.bpf\.s:10:5: note: r0 was set by bpf_map_lookup_elem/);
  });

  it('verify accepts the XDP example; json lists diagnostics', () => {
    expect(cli('verify', path.join(EXAMPLES, 'xdp-count.bpf.s')).code).toBe(0);
    const j = JSON.parse(cli('verify', path.join(EXAMPLES, 'broken.bpf.s'), '--format', 'json').out);
    expect(j[0].accepted).toBe(false);
    expect(j[0].diagnostics[0]).toMatchObject({ line: 11, severity: 'error', kernelText: "R0 invalid mem access 'map_value_or_null'" });
  });

  it('probe runs a script against its events file and prints as bpftrace does', () => {
    const r = cli('probe', path.join(EXAMPLES, 'vfs-read.bt'), '--events', path.join(EXAMPLES, 'vfs-read.events.jsonl'));
    expect(r.code).toBe(0);
    expect(r.out).toContain('Attaching 2 probes...');
    expect(r.out).toMatch(/@reads\[bash\]: \d+/);
    expect(r.out).toMatch(/\[4K, 8K\)\s+\d+ \|@+/);
  });

  it('check reports a script error with file:line:col and exit 1', () => {
    const dir = tempDir();
    const f = path.join(dir, 'bad.bt');
    writeFileSync(f, 'kprobe:vfs_read { @x = count(1, 2); }\n');
    const r = cli('check', f);
    expect(r.code).toBe(1);
    expect(r.err).toMatch(new RegExp(`${f.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}:1:\\d+: error: `));
  });

  it('conformance-plugin: memory in argv, program hex on stdin, r0 in hex', () => {
    const ok = cliIn('bf 20 00 00 00 00 00 00 95 00 00 00 00 00 00 00', 'conformance-plugin', '00  01  02');
    expect(ok).toMatchObject({ code: 0, out: '0x3\n' });
    const bad = cliIn('ff 00 00 00 00 00 00 00', 'conformance-plugin');
    expect(bad.code).not.toBe(0);
  });
});

describe('ebpf-studio conformance-plugin on the conformance suite', () => {
  const files = conformanceFiles().filter((f) => /\/(rfc9669_add64|ldxh-all|mem-len|lddw|call_unwind_fail|div64-by-zero-reg)\.data$/.test(f));
  it.skipIf(files.length === 0)('runs suite files as the bpf_conformance runner would', () => {
    expect(files.length).toBe(6);
    for (const file of files) {
      const c = readConformance(file);
      const program = assemble(c.asm!).programs[0];
      const hex = Buffer.from(encodeProgram(program.insns)).toString('hex').replace(/(..)/g, '$1 ').trim();
      const mem = c.mem ? [Buffer.from(c.mem).toString('hex').replace(/(..)/g, '$1  ').trim()] : [];
      const r = cliIn(hex, 'conformance-plugin', ...mem);
      expect({ file: c.name, code: r.code, out: r.out.trim() }).toEqual({ file: c.name, code: 0, out: `0x${c.result!.toString(16)}` });
    }
  });
});

describe.skipIf(noClang !== undefined)('ebpf-studio run on a clang object', () => {
  it('runs an XDP program compiled by clang-19, with its map', () => {
    const dir = tempDir();
    const c = path.join(dir, 'x.c');
    writeFileSync(c, `
typedef unsigned int u32; typedef unsigned long long u64;
#define SEC(x) __attribute__((section(x), used))
struct xdp_md { u32 data, data_end, data_meta, ingress_ifindex, rx_queue_index, egress_ifindex; };
struct { int (*type)[2]; int (*max_entries)[4]; u32 *key; u64 *value; } hits SEC(".maps");
static void *(*bpf_map_lookup_elem)(void *map, const void *key) = (void *) 1;
SEC("xdp") int count(struct xdp_md *ctx) {
  u32 k = (ctx->data_end - ctx->data) > 60 ? 1 : 0;
  u64 *v = bpf_map_lookup_elem(&hits, &k);
  if (v) *v += 5;
  return k ? 1 : 2;
}
char _license[] SEC("license") = "GPL";
`);
    const o = path.join(dir, 'x.o');
    execFileSync('clang-19', ['-target', 'bpf', '-O2', '-g', '-c', c, '-o', o]);
    const r = cli('run', o, '--packet', Array(100).fill('ab').join(' '), '--format', 'json');
    expect(r.code).toBe(0);
    const j = JSON.parse(r.out);
    expect(j.meaning).toBe('XDP_DROP');
    expect(j.maps.find((m: { name: string }) => m.name === 'hits').entries).toEqual([{ key: [1, 0, 0, 0], value: [5, 0, 0, 0, 0, 0, 0, 0] }]);
  });
});
