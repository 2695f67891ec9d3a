import { describe, expect, test } from 'vitest';
import type { Insn, Program } from '../../server/src/core/types';
import { closeFd, kernelAvailable, mapLookup, progLoad, progTestRun } from '../../server/src/kernel/bpf';
import { loadProgram, patchMapFds, withProgramMaps } from '../../server/src/kernel/programMaps';

const avail = kernelAvailable();
if (!avail.ok) console.warn(`skipping kernel map-relocation tests: ${avail.reason}`);

const I = (opcode: number, dst = 0, src = 0, off = 0, imm = 0): Insn => ({ opcode, dst, src, off, imm });
const lddw = (dst: number, imm64: bigint): Insn[] => [
  { ...I(0x18, dst), imm: Number(BigInt.asIntN(32, imm64)), imm64 },
  { ...I(0), imm: Number(BigInt.asIntN(32, imm64 >> 32n)), filler: true },
];

/** map[1] = 42 via bpf_map_update_elem, then return 7. */
function counterProgram(): Program {
  const insns: Insn[] = [
    I(0x62, 10, 0, -4, 1), // *(u32 *)(r10 - 4) = 1
    I(0x7a, 10, 0, -16, 42), // *(u64 *)(r10 - 16) = 42
    ...lddw(1, 0n), // r1 = map counts
    I(0xbf, 2, 10), // r2 = r10
    I(0x07, 2, 0, 0, -4), // r2 += -4
    I(0xbf, 3, 10),
    I(0x07, 3, 0, 0, -16),
    I(0xb7, 4, 0, 0, 0), // r4 = BPF_ANY
    I(0x85, 0, 0, 0, 2), // call bpf_map_update_elem
    I(0xb7, 0, 0, 0, 7),
    I(0x95),
  ];
  return {
    name: 'counter',
    section: 'socket',
    type: 'socket_filter',
    insns,
    maps: [{ name: 'counts', type: 'hash', keySize: 4, valueSize: 8, maxEntries: 8, flags: 0 }],
    relocs: [{ insn: 2, kind: 'map', symbol: 'counts' }],
    symbols: [],
    license: 'GPL',
  };
}

describe('patchMapFds (pure)', () => {
  test('rewrites lddw src and immediates, leaving the input untouched', () => {
    const p = counterProgram();
    const { insns, errors } = patchMapFds(p.insns, p.relocs, new Map([['counts', 9]]));
    expect(errors).toEqual([]);
    expect(insns[2]).toMatchObject({ opcode: 0x18, src: 1, imm: 9, imm64: 9n });
    expect(insns[3]).toMatchObject({ imm: 0, filler: true });
    expect(p.insns[2].src).toBe(0);
  });

  test('map_value relocations keep the offset in the second slot', () => {
    const insns = [...lddw(1, 12n << 32n), I(0x95)];
    const out = patchMapFds(insns, [{ insn: 0, kind: 'map_value', symbol: '.data' }], new Map([['.data', 5]]));
    expect(out.insns[0]).toMatchObject({ src: 2, imm: 5 });
    expect(out.insns[1].imm).toBe(12);
  });

  test('unknown maps and non-lddw targets are reported', () => {
    const p = counterProgram();
    expect(patchMapFds(p.insns, p.relocs, new Map()).errors[0]).toMatch(/insn 2 refers to map 'counts'/);
    expect(patchMapFds(p.insns, [{ insn: 0, kind: 'map', symbol: 'counts' }], new Map([['counts', 3]])).errors[0]).toMatch(
      /not on a 64-bit immediate load/,
    );
  });
});

describe.skipIf(!avail.ok)('programs with maps (real kernel)', () => {
  test('a map-updating socket filter loads, runs and leaves its value in the map', () => {
    const p = counterProgram();
    const seen = withProgramMaps(p, (bytes, fds) => {
      const r = progLoad({ insns: bytes, progType: p.type });
      expect(r.log).not.toMatch(/invalid/);
      expect(r.fd).toBeDefined();
      try {
        const run = progTestRun({ fd: r.fd!, data: new Uint8Array(64) });
        expect(run.retval).toBe(7);
        const key = Buffer.alloc(4);
        key.writeUInt32LE(1);
        return Buffer.from(mapLookup(fds.get('counts')!, key, 8)!).readBigUInt64LE();
      } finally {
        closeFd(r.fd);
      }
    });
    expect(seen).toBe(42n);
  });

  test('without the relocation the kernel rejects the map pointer', () => {
    const p = { ...counterProgram(), relocs: [] };
    const r = loadProgram(p);
    expect(r.fd).toBeUndefined();
    expect(r.log).toMatch(/R1 type=scalar expected=map_ptr/);
  });

  test('global data: a map_value load reads the initial value', () => {
    const initial = Buffer.alloc(16);
    initial.writeUInt32LE(0xdead, 4);
    const p: Program = {
      name: 'global',
      section: 'xdp',
      type: 'xdp',
      insns: [...lddw(1, 4n << 32n), I(0x61, 0, 1, 0, 0), I(0x95)],
      maps: [{ name: '.data', type: 'array', keySize: 4, valueSize: 16, maxEntries: 1, flags: 0, initialValue: initial }],
      relocs: [{ insn: 0, kind: 'map_value', symbol: '.data' }],
      symbols: [],
    };
    const retval = withProgramMaps(p, (bytes) => {
      const r = progLoad({ insns: bytes, progType: 'xdp' });
      expect(r.fd, r.log).toBeDefined();
      try {
        return progTestRun({ fd: r.fd!, data: new Uint8Array(64) }).retval;
      } finally {
        closeFd(r.fd);
      }
    });
    expect(retval).toBe(0xdead);
  });
});
