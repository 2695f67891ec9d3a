import { readFileSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import path from 'node:path';
import fc from 'fast-check';
import { beforeAll, describe, expect, test } from 'vitest';
import { readBpfObject } from '../../server/src/elf';
import { sectionKind } from '../../server/src/core/sections';
import { code, rel, SHF_ALLOC_EXEC, SHT_PROGBITS, SHT_REL, SHT_STRTAB, SHT_SYMTAB, sym, tinyElf, type TinySection } from './tinyElf';
import { compileC, PRELUDE, toolMissing, workDir } from './tools';

const MOV_R0_2: [number, number, number, number, number] = [0xb7, 0, 0, 0, 2];
const EXIT: [number, number, number, number, number] = [0x95, 0, 0, 0, 0];
const STT_FUNC_GLOBAL = 0x12;
const STT_SECTION_LOCAL = 0x03;

/** [2] program section, [3] license, [4] .symtab, [5] .strtab (+ extra sections after). */
function objectWith(progSection: string, insns: Uint8Array, symbols: Buffer[], strtab: string, extra: TinySection[] = []) {
  return tinyElf([
    { name: progSection, type: SHT_PROGBITS, flags: SHF_ALLOC_EXEC, data: insns },
    { name: 'license', type: SHT_PROGBITS, flags: 0x3, data: Buffer.from('GPL\0') },
    { name: '.symtab', type: SHT_SYMTAB, data: Buffer.concat([sym(0, 0, 0, 0, 0), ...symbols]), link: 5, entsize: 24 },
    { name: '.strtab', type: SHT_STRTAB, data: Buffer.from(strtab, 'latin1') },
    ...extra,
  ]);
}

const onlyErrors = (bytes: Uint8Array) => {
  const obj = readBpfObject(bytes, 'x.o');
  expect(obj.programs).toEqual([]);
  expect(obj.findings).toHaveLength(1);
  expect(obj.findings[0].severity).toBe('error');
  return obj.findings[0];
};

describe('hand-built objects', () => {
  test('a minimal valid object reads back', () => {
    const { bytes } = objectWith('xdp', code(MOV_R0_2, EXIT), [sym(1, STT_FUNC_GLOBAL, 2, 0, 16)], '\0xdp_main\0');
    const obj = readBpfObject(bytes, 'min.o');
    expect(obj.findings).toEqual([]);
    expect(obj.license).toBe('GPL');
    expect(obj.programs).toHaveLength(1);
    expect(obj.programs[0]).toMatchObject({ name: 'xdp', type: 'xdp', file: 'min.o', license: 'GPL' });
    expect(obj.programs[0].insns).toEqual([
      { opcode: 0xb7, dst: 0, src: 0, off: 0, imm: 2 },
      { opcode: 0x95, dst: 0, src: 0, off: 0, imm: 0 },
    ]);
    expect(obj.programs[0].symbols).toEqual([{ name: 'xdp_main', insn: 0, kind: 'function' }]);
  });

  test('functions without st_size (hand-written assembly) end where the next begins', () => {
    const insns = code(MOV_R0_2, EXIT, [0xb7, 0, 0, 0, 1], [0xb7, 1, 0, 0, 1], EXIT);
    const { bytes } = objectWith('socket', insns, [sym(1, STT_FUNC_GLOBAL, 2, 0, 0), sym(3, STT_FUNC_GLOBAL, 2, 16, 0)], '\0a\0b\0');
    const obj = readBpfObject(bytes);
    expect(obj.programs.map((p) => [p.name, p.insns.length])).toEqual([
      ['a', 2],
      ['b', 3],
    ]);
  });

  test('a recursive subprogram is placed once and the walk ends', () => {
    // socket: call .text+0 (reloc against the .text section symbol, imm -1); .text: call itself; exit.
    const text: TinySection = { name: '.text', type: SHT_PROGBITS, flags: SHF_ALLOC_EXEC, data: code([0x85, 0, 1, 0, -1], EXIT) };
    const relocs: TinySection = { name: '.relsocket', type: SHT_REL, data: rel(0, 1, 10), link: 4, info: 2, entsize: 16 };
    const { bytes } = objectWith(
      'socket',
      code([0x85, 0, 1, 0, -1], EXIT),
      [sym(0, STT_SECTION_LOCAL, 6, 0, 0), sym(1, STT_FUNC_GLOBAL, 2, 0, 16), sym(6, STT_FUNC_GLOBAL, 6, 0, 16)],
      '\0main\0rec\0',
      [text, relocs],
    );
    const obj = readBpfObject(bytes);
    expect(obj.findings).toEqual([]);
    const [p] = obj.programs;
    expect(p.insns.map((i) => [i.opcode, i.imm])).toEqual([
      [0x85, 1],
      [0x95, 0],
      [0x85, -1],
      [0x95, 0],
    ]);
    expect(p.relocs).toEqual([
      { insn: 0, kind: 'call', symbol: 'rec' },
      { insn: 2, kind: 'call', symbol: 'rec' },
    ]);
  });

  test('wrong machine, class, encoding and magic each get their own message', () => {
    const insns = code(MOV_R0_2, EXIT);
    const mk = (opts: Parameters<typeof tinyElf>[1]) => tinyElf([{ name: 'xdp', type: SHT_PROGBITS, flags: SHF_ALLOC_EXEC, data: insns }], opts).bytes;
    expect(onlyErrors(mk({ machine: 62 })).message).toContain('e_machine 62 (x86-64) is not BPF (247)');
    expect(onlyErrors(mk({ machine: 183 })).message).toContain('e_machine 183 (AArch64) is not BPF (247)');
    expect(onlyErrors(mk({ elfClass: 1 }))).toMatchObject({ code: 'elf.not-64bit', message: expect.stringContaining('ELF class 1 is not ELF64') });
    expect(onlyErrors(mk({ dataEncoding: 2 })).code).toBe('elf.big-endian');
    expect(onlyErrors(Buffer.from('int main(void) { return 0; }\n')).message).toMatch(/not an ELF file: expected magic 7f 45 4c 46.*found 69 6e 74 20/);
    expect(onlyErrors(new Uint8Array(0)).message).toBe('truncated object file: the file is empty');
    expect(onlyErrors(new Uint8Array([0x7f, 0x45, 0x4c, 0x00])).code).toBe('elf.bad-magic');
  });

  test('a section pointing past the end of the file is reported with its numbers', () => {
    const { bytes, shdrOffset } = objectWith('xdp', code(MOV_R0_2, EXIT), [sym(1, STT_FUNC_GLOBAL, 2, 0, 16)], '\0f\0');
    const broken = Buffer.from(bytes);
    broken.writeBigUInt64LE(1n << 40n, shdrOffset(2) + 24);
    const f = onlyErrors(broken);
    expect(f.code).toBe('elf.bad-section');
    expect(f.message).toBe(`section 2 lies outside the file: offset ${2 ** 40} + size 16 > file size ${broken.length}`);
    // A size past 2^53 cannot be represented and is refused as out of range rather than misread.
    const huge = Buffer.from(bytes);
    huge.writeBigUInt64LE(1n << 60n, shdrOffset(2) + 32);
    expect(onlyErrors(huge).message).toMatch(/section header 2 is out of range/);
  });

  test('a bad string-table index and a missing section table are errors', () => {
    const { bytes } = objectWith('xdp', code(MOV_R0_2, EXIT), [], '\0');
    const badIndex = Buffer.from(bytes);
    badIndex.writeUInt16LE(200, 62);
    expect(onlyErrors(badIndex).message).toBe('e_shstrndx 200 names no section (there are 6)');
    const noTable = Buffer.from(bytes);
    noTable.writeBigUInt64LE(0n, 40);
    expect(onlyErrors(noTable).code).toBe('elf.no-sections');
  });

  test('odd-sized code, dangling relocations and extern calls are warnings, not failures', () => {
    const insns = new Uint8Array([...code([0x85, 0, 1, 0, -1], EXIT), 1, 2, 3, 4]);
    const relocs: TinySection = {
      name: '.relsocket',
      type: SHT_REL,
      data: Buffer.concat([rel(0, 2, 10), rel(8, 99, 1)]),
      link: 4,
      info: 2,
      entsize: 16,
    };
    const { bytes } = objectWith('socket', insns, [sym(1, STT_FUNC_GLOBAL, 2, 0, 16), sym(6, 0x10, 0, 0, 0)], '\0main\0ext_fn\0', [relocs]);
    const obj = readBpfObject(bytes);
    expect(obj.programs).toHaveLength(1);
    const messages = obj.findings.map((f) => `${f.severity}:${f.code}:${f.message}`);
    expect(messages).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^warning:elf.partial-insn:section socket is 20 bytes/),
        expect.stringMatching(/^warning:elf.bad-relocation:.*names symbol 99/),
        expect.stringMatching(/^warning:elf.link:instruction 0 of main refers to extern 'ext_fn'/),
      ]),
    );
  });
});

describe('section names → program types', () => {
  test.each([
    ['socket', 'socket_filter', undefined],
    ['xdp', 'xdp', undefined],
    ['xdp.frags', 'xdp', undefined],
    ['tc', 'sched_cls', undefined],
    ['classifier/ingress', 'sched_cls', undefined],
    ['kprobe/do_sys_open', 'kprobe', 'do_sys_open'],
    ['kretprobe/vfs_read', 'kprobe', 'vfs_read'],
    ['uprobe//bin/bash:readline', 'kprobe', '/bin/bash:readline'],
    ['tracepoint/syscalls/sys_enter_openat', 'tracepoint', 'syscalls/sys_enter_openat'],
    ['tp/sched/sched_switch', 'tracepoint', 'sched/sched_switch'],
    ['raw_tracepoint/sys_enter', 'raw_tracepoint', 'sys_enter'],
    ['raw_tp/sys_exit', 'raw_tracepoint', 'sys_exit'],
    ['perf_event', 'perf_event', undefined],
    ['cgroup_skb/egress', 'cgroup_skb', 'egress'],
    ['s_kprobe:vfs_read_1', 'kprobe', 'vfs_read'],
    ['s_tracepoint:syscalls:sys_enter_openat_1', 'tracepoint', 'syscalls/sys_enter_openat'],
    ['s_BEGIN_1', 'kprobe', undefined],
    ['s_interval:s:1_2', 'perf_event', 's/1'],
  ])('%s → %s', (name, type, attachTo) => {
    expect(sectionKind(name)).toEqual({ type, attachTo, known: true });
  });

  test('unknown names are flagged', () => {
    expect(sectionKind('lsm/file_open').known).toBe(false);
    expect(sectionKind('kprobes/x').known).toBe(false);
    expect(sectionKind('lsm/file_open').type).toBe('socket_filter');
  });
});

const clangMissing = toolMissing('clang-19');
const ccMissing = toolMissing('cc');
if (clangMissing) console.warn(`skipping clang-based ELF error tests: ${clangMissing}`);

describe.skipIf(!!clangMissing)('damaged and foreign real objects', () => {
  let real: Uint8Array;
  beforeAll(() => {
    real = compileC(
      'damaged',
      `${PRELUDE}
      struct { __uint(type, 1); __uint(max_entries, 8); __type(key, u32); __type(value, u64); } m SEC(".maps");
      static __attribute__((noinline)) int sub(int x) { return x + 1; }
      SEC("xdp") int f(void *c) { u32 k = 0; bpf_map_lookup_elem(&m, &k); return sub(1); }
      char L[] SEC("license") = "GPL";`,
    ).bytes;
  });

  test('the undamaged object reads cleanly', () => {
    const obj = readBpfObject(real);
    expect(obj.findings).toEqual([]);
    expect(obj.programs).toHaveLength(1);
  });

  test('every truncation gives a clear error and never throws', () => {
    for (let len = 0; len < real.length; len++) {
      const f = onlyErrors(real.subarray(0, len));
      expect(f.code, `length ${len}`).toMatch(/^elf\.(truncated|bad-section)$/);
      if (f.code === 'elf.truncated') expect(f.message).toMatch(/^truncated object file: /);
    }
  });

  test('random byte damage never throws or hangs', () => {
    fc.assert(
      fc.property(fc.array(fc.tuple(fc.nat(real.length - 1), fc.integer({ min: 0, max: 255 })), { minLength: 1, maxLength: 12 }), (edits) => {
        const bytes = Uint8Array.from(real);
        for (const [at, v] of edits) bytes[at] = v;
        const obj = readBpfObject(bytes);
        for (const p of obj.programs) expect(p.insns.length).toBeLessThanOrEqual(real.length / 8);
        expect(Array.isArray(obj.findings)).toBe(true);
      }),
      { numRuns: 400, seed: 1234 },
    );
  });

  test('a big-endian BPF object is refused by name', () => {
    const be = compileC('be', `${PRELUDE} SEC("xdp") int f(void *c) { return 2; }`, ['-target', 'bpfeb', '-O2']).bytes;
    expect(onlyErrors(be)).toMatchObject({ code: 'elf.big-endian', message: expect.stringContaining('big-endian BPF object (clang -target bpfeb)') });
  });

  test.skipIf(!!ccMissing)('a host (x86-64) object names its machine', () => {
    const dir = workDir();
    const src = path.join(dir, 'host.c');
    const obj = path.join(dir, 'host.o');
    execFileSync('sh', ['-c', `printf 'int f(void){return 1;}\\n' > ${src}`]);
    execFileSync('cc', ['-c', src, '-o', obj]);
    const f = onlyErrors(new Uint8Array(readFileSync(obj)));
    expect(f.code).toBe('elf.wrong-machine');
    if (process.arch === 'x64') expect(f.message).toBe('e_machine 62 (x86-64) is not BPF (247): this object was compiled for another CPU');
  });
});
