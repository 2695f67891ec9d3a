import { beforeAll, describe, expect, test } from 'vitest';
import type { Insn, Program } from '../../server/src/core/types';
import { readBpfObject, type BpfObject } from '../../server/src/elf';
import { compileC, objdump, PRELUDE, symbolTable, toolMissing, type DumpSection } from './tools';

const missing = toolMissing('clang-19') ?? toolMissing('llvm-objdump-19');
if (missing) console.warn(`skipping clang-based ELF reader tests: ${missing}`);

const KPROBE_C = `${PRELUDE}
struct { __uint(type, 1); __uint(max_entries, 1024); __type(key, u32); __type(value, u64); } counts SEC(".maps");
struct { __uint(type, 2); __uint(max_entries, 4); __uint(key_size, 4); __uint(value_size, 16); __uint(map_flags, 0); } arr SEC(".maps");
struct pair { u64 a; u32 b; };
struct { __uint(type, 9); __uint(max_entries, 64); __type(key, struct pair); __type(value, struct pair[3]); } lru SEC(".maps");
int global_counter = 5;
static volatile int hidden = 9;
u64 zeroed;
SEC("kprobe/vfs_read") int count_reads(void *ctx) {
  u32 pid = bpf_get_current_pid_tgid() >> 32;
  u64 one = 1, *v = (u64 *)bpf_map_lookup_elem(&counts, &pid);
  if (v) *v += global_counter + zeroed + hidden; else bpf_map_update_elem(&counts, &pid, &one, 0);
  u32 k = 0; bpf_map_lookup_elem(&arr, &k);
  struct pair p = { 1, 2 }; bpf_map_lookup_elem(&lru, &p);
  return 0;
}
char LICENSE[] SEC("license") = "GPL";
`;

const XDP_LEGACY_C = `${PRELUDE}
struct bpf_map_def { unsigned int type, key_size, value_size, max_entries, map_flags; };
struct bpf_map_def SEC("maps") hits = { .type = 2, .key_size = 4, .value_size = 8, .max_entries = 256 };
struct bpf_map_def SEC("maps") other = { .type = 1, .key_size = 8, .value_size = 4, .max_entries = 16, .map_flags = 1 };
struct xdp_md { u32 data, data_end; };
SEC("xdp") int xdp_count(struct xdp_md *ctx) {
  u32 k = 3; long *v = (long *)bpf_map_lookup_elem(&hits, &k);
  u64 k2 = 1; bpf_map_lookup_elem(&other, &k2);
  if (v) __sync_fetch_and_add(v, 1);
  return 2;
}
char _license[] SEC("license") = "Dual BSD/GPL";
`;

const SUBPROG_C = `${PRELUDE}
static __attribute__((noinline)) int add3(int a, int b) { return a * 3 + b; }
__attribute__((noinline)) int twice(int x) { return add3(x, x) + 1; }
SEC("socket") int filter(void *skb) { return add3(1, 2) + twice(5); }
SEC("socket") int filter2(void *skb) { return twice(7); }
char LICENSE[] SEC("license") = "GPL";
`;

/** The raw fields of an 8-byte slot, decoded independently of the code under test. */
function fields(bytes: number[]): Omit<Insn, 'imm64' | 'filler'> {
  const b = Buffer.from(bytes);
  return { opcode: b[0], dst: b[1] & 0xf, src: b[1] >> 4, off: b.readInt16LE(2), imm: b.readInt32LE(4) };
}

const strip = ({ opcode, dst, src, off, imm }: Insn) => ({ opcode, dst, src, off, imm });

/**
 * Our slots [base, base + n) must equal objdump's slots [from, from + n) of `section`, except that
 * relocated calls may have a different imm (they are re-targeted after linking), and relocated map
 * loads are written as a loader sees them: src = BPF_PSEUDO_MAP_FD/VALUE, imm = the map's index,
 * a global-data offset in the second half.
 */
function expectSameSlots(p: Program, base: number, dump: DumpSection, from: number, n: number): void {
  const calls = new Set(p.relocs.filter((r) => r.kind === 'call').map((r) => r.insn));
  const mapLoads = new Map(p.relocs.filter((r) => r.kind === 'map' || r.kind === 'map_value').map((r) => [r.insn, r] as const));
  for (let i = 0; i < n; i++) {
    const theirs = fields(dump.slots[from + i].bytes);
    const ours = strip(p.insns[base + i]);
    const load = mapLoads.get(base + i);
    const second = mapLoads.get(base + i - 1);
    if (calls.has(base + i)) expect({ ...ours, imm: 0 }, `slot ${base + i}`).toEqual({ ...theirs, imm: 0 });
    else if (load) {
      expect({ ...ours, src: 0, imm: 0 }, `slot ${base + i}`).toEqual({ ...theirs, imm: 0 });
      expect(ours.src).toBe(load.kind === 'map' ? 1 : 2);
      expect(ours.imm).toBe(p.maps.findIndex((m) => m.name === load.symbol));
    } else if (second) {
      // The offset moves from the first half (where clang leaves it) to the second.
      expect({ ...ours, imm: 0 }, `slot ${base + i}`).toEqual({ ...theirs, imm: 0 });
      expect(ours.imm).toBe(second.kind === 'map' ? 0 : fields(dump.slots[from + i - 1].bytes).imm);
    } else expect(ours, `slot ${base + i}`).toEqual(theirs);
  }
}

/** Every relocation objdump shows for `section` appears in the program with the target it names. */
function expectRelocsMatch(p: Program, section: string, file: string, firstSlot = 0, count = p.insns.length): void {
  const dump = objdump(file);
  const sec = dump.get(section)!;
  const syms = symbolTable(file);
  const relocsInProgram = sec.relocs.filter((r) => r.offset / 8 >= firstSlot && r.offset / 8 < firstSlot + count);
  expect(relocsInProgram.length).toBeGreaterThan(0);
  for (const r of relocsInProgram) {
    const slot = r.offset / 8 - firstSlot;
    const ours = p.relocs.find((x) => x.insn === slot);
    expect(ours, `relocation at slot ${slot} (${r.symbol})`).toBeDefined();
    const sym = syms.get(r.symbol)!;
    if (r.type === 'R_BPF_64_32') {
      const imm = fields(sec.slots.find((s) => s.index === r.offset / 8)!.bytes).imm;
      const targetSlot = sym.value / 8 + imm + 1;
      const text = dump.get(sym.section)!;
      const target = [...text.labels].find(([, at]) => at === targetSlot)![0];
      expect(ours).toEqual({ insn: slot, kind: 'call', symbol: target });
      // The rewritten immediate lands on the subprogram's copy.
      const copy = p.symbols.find((s) => s.kind === 'function' && s.name === target)!;
      expect(slot + 1 + p.insns[slot].imm).toBe(copy.insn);
    } else if (sym.section === '.maps' || sym.section === 'maps') {
      expect(ours).toEqual({ insn: slot, kind: 'map', symbol: r.symbol });
      expect(p.maps.some((m) => m.name === r.symbol)).toBe(true);
    } else {
      expect(ours).toEqual({ insn: slot, kind: 'map_value', symbol: sym.section });
    }
  }
}

describe.skipIf(!!missing)('readBpfObject on clang-19 output', () => {
  let kprobe: { obj: BpfObject; file: string };
  let xdp: { obj: BpfObject; file: string };
  let sub: { obj: BpfObject; file: string };

  beforeAll(() => {
    const load = (name: string, src: string) => {
      const c = compileC(name, src);
      return { obj: readBpfObject(c.bytes, c.file), file: c.file };
    };
    kprobe = load('kprobe', KPROBE_C);
    xdp = load('xdp', XDP_LEGACY_C);
    sub = load('subprog', SUBPROG_C);
  });

  test('kprobe with BTF-defined maps: maps, type, attach target, license', () => {
    const { obj } = kprobe;
    expect(obj.findings).toEqual([]);
    expect(obj.license).toBe('GPL');
    const byName = new Map(obj.maps.map((m) => [m.name, m]));
    expect(byName.get('counts')).toMatchObject({ type: 'hash', keySize: 4, valueSize: 8, maxEntries: 1024, flags: 0 });
    expect(byName.get('arr')).toMatchObject({ type: 'array', keySize: 4, valueSize: 16, maxEntries: 4 });
    // struct pair is 16 bytes with padding; the value is an array of three.
    expect(byName.get('lru')).toMatchObject({ type: 'lru_hash', keySize: 16, valueSize: 48, maxEntries: 64 });
    expect(byName.get('.data')).toMatchObject({ type: 'array', keySize: 4, maxEntries: 1 });
    expect(Buffer.from(byName.get('.data')!.initialValue!).readInt32LE(0)).toBe(5);
    expect(byName.get('.bss')).toMatchObject({ valueSize: 8 });
    expect(byName.get('.bss')!.initialValue).toBeUndefined();
    expect(obj.programs).toHaveLength(1);
    const [p] = obj.programs;
    expect(p).toMatchObject({ name: 'kprobe/vfs_read', section: 'kprobe/vfs_read', type: 'kprobe', attachTo: 'vfs_read', license: 'GPL', file: kprobe.file });
    expect(p.symbols[0]).toEqual({ name: 'count_reads', insn: 0, kind: 'function' });
  });

  test('kprobe: instructions and relocations agree with llvm-objdump', () => {
    const p = kprobe.obj.programs[0];
    const dump = objdump(kprobe.file).get('kprobe/vfs_read')!;
    expect(p.insns.length).toBe(dump.slots.length);
    expectSameSlots(p, 0, dump, 0, dump.slots.length);
    expectRelocsMatch(p, 'kprobe/vfs_read', kprobe.file);
    expect(new Set(p.maps.map((m) => m.name))).toEqual(new Set(['counts', 'arr', 'lru', '.data', '.bss']));
  });

  test('map_value loads carry the offset inside the global data section', () => {
    const p = kprobe.obj.programs[0];
    const syms = symbolTable(kprobe.file);
    const data = kprobe.obj.maps.find((m) => m.name === '.data')!;
    const hidden = syms.get('hidden');
    for (const r of p.relocs.filter((x) => x.kind === 'map_value' && x.symbol === '.data')) {
      const off = p.insns[r.insn + 1].imm;
      expect(off).toBeLessThan(data.valueSize);
      expect(p.insns[r.insn]).toMatchObject({ src: 2, imm: p.maps.indexOf(data) });
      expect(p.insns[r.insn + 1]).toMatchObject({ filler: true });
    }
    // 'hidden' (static) and 'global_counter' live at different offsets of .data; both are referenced.
    const offsets = new Set(p.relocs.filter((x) => x.symbol === '.data').map((x) => p.insns[x.insn + 1].imm));
    expect(offsets).toEqual(new Set([syms.get('global_counter')!.value, hidden?.value ?? 4]));
  });

  test('xdp with a legacy maps section', () => {
    const { obj } = xdp;
    expect(obj.findings).toEqual([]);
    expect(obj.license).toBe('Dual BSD/GPL');
    expect(obj.maps).toEqual([
      { name: 'hits', type: 'array', keySize: 4, valueSize: 8, maxEntries: 256, flags: 0 },
      { name: 'other', type: 'hash', keySize: 8, valueSize: 4, maxEntries: 16, flags: 1 },
    ]);
    const [p] = obj.programs;
    expect(p).toMatchObject({ name: 'xdp', type: 'xdp' });
    expect(p.attachTo).toBeUndefined();
    const dump = objdump(xdp.file).get('xdp')!;
    expectSameSlots(p, 0, dump, 0, dump.slots.length);
    expectRelocsMatch(p, 'xdp', xdp.file);
  });

  test('socket filters calling .text subprograms get them appended, calls re-targeted', () => {
    const { obj } = sub;
    expect(obj.findings).toEqual([]);
    expect(obj.programs.map((p) => p.name)).toEqual(['filter', 'filter2']);
    const dump = objdump(sub.file);
    const socket = dump.get('socket')!;
    const text = dump.get('.text')!;
    const textFn = (name: string) => {
      const start = text.labels.get(name)!;
      const later = [...text.labels.values()].filter((v) => v > start);
      return { start, len: (later.length ? Math.min(...later) : text.slots.length) - start };
    };
    for (const p of obj.programs) {
      const entry = socket.labels.get(p.name)!;
      const fnStarts = [...socket.labels.values()].filter((v) => v > entry);
      const mainLen = (fnStarts.length ? Math.min(...fnStarts) : socket.slots.length) - entry;
      expect(p.type).toBe('socket_filter');
      expectSameSlots(p, 0, socket, entry, mainLen);
      expectRelocsMatch(p, 'socket', sub.file, entry, mainLen);
      // Each appended subprogram is a verbatim copy of its .text function (calls aside).
      const subs = p.symbols.filter((s) => s.kind === 'function' && s.insn >= mainLen);
      expect(subs.map((s) => s.name).sort()).toEqual(['add3', 'twice']);
      for (const s of subs) {
        const f = textFn(s.name);
        expectSameSlots(p, s.insn, text, f.start, f.len);
      }
      expect(p.insns.length).toBe(mainLen + textFn('add3').len + textFn('twice').len);
      // Every call lands on the first slot of a function.
      const starts = new Set(p.symbols.filter((s) => s.kind === 'function').map((s) => s.insn));
      for (const r of p.relocs.filter((x) => x.kind === 'call')) expect(starts.has(r.insn + 1 + p.insns[r.insn].imm)).toBe(true);
    }
  });

  test('an unknown section name falls back to socket_filter with a warning', () => {
    const c = compileC('odd', `${PRELUDE} SEC("weird/thing") int f(void *c) { return 1; }`);
    const obj = readBpfObject(c.bytes, c.file);
    expect(obj.programs[0]).toMatchObject({ name: 'weird/thing', type: 'socket_filter' });
    expect(obj.findings).toEqual([expect.objectContaining({ severity: 'warning', code: 'elf.unknown-section' })]);
    expect(obj.findings[0].message).toContain("'weird/thing'");
  });

  test('BTF maps without -g are reported, not guessed', () => {
    const c = compileC('nobtf', KPROBE_C, ['-target', 'bpf', '-O2']);
    const obj = readBpfObject(c.bytes, c.file);
    expect(obj.findings.some((f) => /no \.BTF section/.test(f.message))).toBe(true);
    expect(obj.maps.map((m) => m.name)).not.toContain('counts');
    expect(obj.findings.some((f) => /loads 'counts' from section \.maps, which holds no map/.test(f.message))).toBe(true);
  });
});

describe.skipIf(!!missing)('CO-RE', () => {
  test('field accesses with preserve_access_index are flagged as not relocated', () => {
    const c = compileC(
      'core',
      `${PRELUDE}
      struct task { int pid; int tgid; } __attribute__((preserve_access_index));
      SEC("kprobe/x") int f(struct task *t) { return t->tgid + t->pid; }
      char L[] SEC("license") = "GPL";`,
    );
    const obj = readBpfObject(c.bytes, c.file);
    expect(obj.programs).toHaveLength(1);
    expect(obj.findings.map((f) => f.message)).toEqual([expect.stringMatching(/^2 CO-RE relocation\(s\)/)]);
  });
});
