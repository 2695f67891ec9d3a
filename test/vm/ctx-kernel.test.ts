// Context accesses against the real kernel: for each program type, every load and store width at
// every offset of its context (tracepoints: a sample, their window is 40 KiB) is loaded with
// BPF_PROG_LOAD, and core/contexts.ts's checkCtxAccess and a VM run of the same program must agree
// with the kernel's verdict. Then PROG_TEST_RUN compares the values narrow loads and stores give.
import { describe, expect, it } from 'vitest';
import { checkCtxAccess, contextLayout } from '../../server/src/core/contexts';
import type { Program, ProgType } from '../../server/src/core/types';
import { decodeProgram, encodeProgram } from '../../server/src/isa/codec';
import { closeFd, kernelAvailable, progLoad, progTestRun, withProgram } from '../../server/src/kernel/bpf';
import { withProgramMaps } from '../../server/src/kernel/programMaps';
import { runProgram } from '../../server/src/vm/index';
import { asm } from './support';

const kernel = kernelAvailable();
const skipReason = kernel.ok ? undefined : `skipping the kernel context-access cross-check: ${kernel.reason}`;
if (skipReason) console.warn(skipReason);

type Kind = 'load' | 'ldsx' | 'store' | 'st';

/** BPF_B, BPF_H, BPF_W, BPF_DW in an opcode's size bits. */
const SIZE_BITS: Readonly<Record<number, number>> = { 1: 0x10, 2: 0x08, 4: 0x00, 8: 0x18 };
/** Opcode classes and modes: LDX|MEM, LDX|MEMSX, STX|MEM, ST|MEM. */
const OPCODE: Readonly<Record<Kind, number>> = { load: 0x61, ldsx: 0x81, store: 0x63, st: 0x62 };

function slot(opcode: number, dst: number, src: number, off: number, imm: number): number[] {
  const b = Buffer.alloc(8);
  b[0] = opcode;
  b[1] = (src << 4) | dst;
  b.writeInt16LE(off, 2);
  b.writeInt32LE(imm, 4);
  return [...b];
}

/** One access through r1, then r0 = 0; exit. Stores write r2 = 0 (or the immediate 0). */
function accessBytes(kind: Kind, off: number, size: number): Uint8Array {
  const op = OPCODE[kind] | SIZE_BITS[size];
  const body =
    kind === 'load' || kind === 'ldsx' ? [slot(op, 2, 1, off, 0)]
    : kind === 'st' ? [slot(op, 1, 0, off, 0)]
    : [slot(0xb7, 2, 0, 0, 0), slot(op, 1, 2, off, 0)];
  return Uint8Array.from([...body.flat(), ...slot(0xb7, 0, 0, 0, 0), ...slot(0x95, 0, 0, 0, 0)]);
}

function program(type: ProgType, bytes: Uint8Array): Program {
  return { name: type, section: type, type, insns: decodeProgram(bytes), maps: [], relocs: [], symbols: [] };
}

const range = (from: number, to: number): number[] => Array.from({ length: to - from }, (_, i) => from + i);
const SIZES = [1, 2, 4, 8];

interface Plan {
  type: ProgType;
  loads: number[];
  stores: number[];
  /** Also ldsx and BPF_ST at the load/store offsets. */
  extraKinds?: boolean;
}

const SKB_OFFSETS = range(-4, 196);
const PLANS: Plan[] = [
  { type: 'socket_filter', loads: SKB_OFFSETS, stores: SKB_OFFSETS, extraKinds: true },
  { type: 'sched_cls', loads: SKB_OFFSETS, stores: SKB_OFFSETS, extraKinds: true },
  { type: 'cgroup_skb', loads: SKB_OFFSETS, stores: SKB_OFFSETS, extraKinds: true },
  { type: 'xdp', loads: range(-4, 28), stores: range(-4, 28), extraKinds: true },
  { type: 'kprobe', loads: range(-4, 172), stores: [0, 8, 112, 160] },
  { type: 'raw_tracepoint', loads: range(-4, 100), stores: [0, 8, 88] },
  { type: 'perf_event', loads: range(-4, 188), stores: [0, 168, 176] },
  {
    type: 'tracepoint',
    loads: [-32768, -32767, -32760, -4096, -16, -12, -8, -7, -6, -4, -2, -1, ...range(0, 40), ...range(8176, 8200)],
    stores: [8, 16],
  },
];

describe.skipIf(skipReason !== undefined)('context access rules agree with the kernel (BPF_PROG_LOAD)', () => {
  for (const plan of PLANS) {
    it(`${plan.type}: every width at every offset, loads and stores`, () => {
      const layout = contextLayout(plan.type);
      const kinds: [Kind, number[]][] = [['load', plan.loads], ['store', plan.stores]];
      if (plan.extraKinds) kinds.push(['ldsx', plan.loads], ['st', plan.stores]);
      const disagree: string[] = [];
      let accepted = 0;
      let cases = 0;
      for (const [kind, offsets] of kinds) {
        for (const off of offsets) {
          for (const size of SIZES) {
            if (kind === 'ldsx' && size === 8) continue; // no 8-byte sign-extending load exists
            const bytes = accessBytes(kind, off, size);
            const r = progLoad({ insns: bytes, progType: plan.type, logLevel: 0 });
            closeFd(r.fd);
            const theirs = r.fd !== undefined;
            const ours = checkCtxAccess(layout, off, size, kind === 'load' || kind === 'ldsx' ? 'load' : 'store', kind === 'ldsx').ok;
            const vm = runProgram(program(plan.type, bytes), { ctx: { packet: new Array(64).fill(1) } });
            const vmRan = vm.fault === undefined && vm.error === undefined;
            cases++;
            if (theirs) accepted++;
            if (theirs !== ours || theirs !== vmRan) {
              disagree.push(`${kind} ${size} byte(s) at ${off}: kernel ${theirs ? 'accepts' : 'refuses'}, contexts.ts ${ours ? 'accepts' : 'refuses'}, VM ${vmRan ? 'runs it' : `faults (${vm.fault?.message ?? vm.error})`}`);
            }
          }
        }
      }
      expect(disagree).toEqual([]);
      // The comparison means something only when both verdicts occur.
      expect(accepted).toBeGreaterThan(0);
      expect(accepted).toBeLessThan(cases);
    }, 60_000);
  }
});

/** 64 bytes of packet: an Ethernet header for IPv4, then counting bytes. */
const PACKET = Uint8Array.from({ length: 64 }, (_, i) => (i === 12 ? 0x08 : i === 13 ? 0 : i));

/** A __sk_buff for ctx_in: cb[] and the fields BPF_PROG_TEST_RUN lets a caller set. */
function skbIn(values: { cb: number[]; mark: number; priority: number; tstamp: bigint; gso_segs: number; gso_size: number }): Uint8Array {
  const b = Buffer.alloc(192);
  b.writeUInt32LE(values.mark, 8);
  b.writeUInt32LE(values.priority, 32);
  values.cb.forEach((w, i) => b.writeUInt32LE(w, 48 + 4 * i));
  b.writeBigUInt64LE(values.tstamp, 152);
  b.writeUInt32LE(values.gso_segs, 164);
  b.writeUInt32LE(values.gso_size, 176);
  return new Uint8Array(b);
}

const CTX = { cb: [0x8899aabb, 0xccddeeff, 0x01f2e3d4, 0x55667788, 0x8badf00d], mark: 0xfeedc0de, priority: 0x81828384, tstamp: 0x1122334455667788n, gso_segs: 0x1234, gso_size: 0x5678 };
const FIELDS = { cb: CTX.cb, mark: CTX.mark, priority: CTX.priority, tstamp: CTX.tstamp, gso_segs: CTX.gso_segs, gso_size: CTX.gso_size };

/** r0 of the kernel's test run and of the VM for the same program and context. */
function bothWays(type: 'socket_filter' | 'sched_cls' | 'cgroup_skb', text: string, extra: Record<string, number> = {}): { kernel: number; vm: number } {
  const section = type === 'socket_filter' ? 'socket' : type === 'sched_cls' ? 'tc' : 'cgroup_skb/ingress';
  const p = asm(`.section ${section}\n${text}\nexit`);
  const kernelR0 = withProgram(encodeProgram(p.insns), type, (fd) => progTestRun({ fd, data: PACKET, ctxIn: skbIn(CTX) }).retval);
  // A socket filter's test run starts the skb after the Ethernet header.
  const packet = Array.from(type === 'socket_filter' ? PACKET.subarray(14) : PACKET);
  const { cb, ...rest } = FIELDS;
  const fields: Record<string, number | bigint> = { ...rest, ...extra };
  cb.forEach((w, i) => (fields[`cb[${i}]`] = w));
  const vm = runProgram(p, { ctx: { packet, fields } });
  if (vm.r0 === undefined) throw new Error(`VM: ${vm.fault?.message ?? vm.error}`);
  return { kernel: kernelR0 >>> 0, vm: Number(BigInt(vm.r0) & 0xffffffffn) };
}

/** Every narrow load of cb[] the kernel allows: each width at each aligned offset (8-byte: both halves). */
function cbLoads(): string[] {
  const out: string[] = [];
  for (const size of SIZES) {
    for (let off = 48; off + size <= 68; off += size) {
      out.push(`r0 = *(u${size * 8} *)(r1 + ${off})`);
      if (size === 8) out.push(`r0 = *(u64 *)(r1 + ${off})\nr0 >>= 32`);
      if (size < 8) out.push(`r0 = *(s${size * 8} *)(r1 + ${off})`);
    }
  }
  return out;
}

describe.skipIf(skipReason !== undefined)('context values agree with the kernel (BPF_PROG_TEST_RUN)', () => {
  it('tc: narrow and sign-extending loads of cb[] read the bytes at their offset', () => {
    const cases = cbLoads();
    expect(cases.length).toBe(20 + 10 + 5 + 2 + 2 + 20 + 10 + 5);
    const got = cases.map((t) => ({ t, ...bothWays('sched_cls', t) }));
    expect(got.filter((g) => g.kernel !== g.vm)).toEqual([]);
    // The values are not all the same: the loads really read different bytes.
    expect(new Set(got.map((g) => g.kernel)).size).toBeGreaterThan(30);
    expect(got.find((g) => g.t === 'r0 = *(u8 *)(r1 + 49)')?.vm).toBe(0xaa);
    expect(got.find((g) => g.t === 'r0 = *(s8 *)(r1 + 48)')?.vm).toBe(0xffffffbb);
  });

  it('socket_filter and cgroup_skb: 8-byte and narrow cb[] loads', () => {
    const cbBytes = Buffer.alloc(20);
    CTX.cb.forEach((w, i) => cbBytes.writeUInt32LE(w, 4 * i));
    const loads: [string, bigint][] = [
      ['r0 = *(u64 *)(r1 + 48)', cbBytes.readBigUInt64LE(0)],
      ['r0 = *(u64 *)(r1 + 56)', cbBytes.readBigUInt64LE(8)],
      ['r0 = *(u16 *)(r1 + 66)', BigInt(cbBytes.readUInt16LE(18))],
      ['r0 = *(u8 *)(r1 + 59)', BigInt(cbBytes[11])],
      ['r0 = *(s16 *)(r1 + 50)', BigInt.asUintN(64, BigInt(cbBytes.readInt16LE(2)))],
    ];
    for (const [t, want] of loads) {
      // A whole 64-bit r0 cannot come back from a test run (cgroup_skb may only return 0 or 1):
      // each side compares the loaded value with the one the bytes in ctx_in give.
      const fold = `${t}\nr2 = ${want} ll\nr3 = r0\nr0 = 0\nif r3 != r2 goto +1\nr0 = 1`;
      for (const type of ['socket_filter', 'cgroup_skb'] as const) expect(bothWays(type, fold), `${type}: ${t}`).toEqual({ kernel: 1, vm: 1 });
    }
  });

  it('narrow stores (BPF_STX and BPF_ST) into cb[] change only their bytes', () => {
    const texts = [
      'r2 = 0x11\n*(u8 *)(r1 + 49) = r2\nr0 = *(u32 *)(r1 + 48)',
      'r2 = 0x2233\n*(u16 *)(r1 + 54) = r2\nr0 = *(u32 *)(r1 + 52)',
      'r2 = 0x0102030405060708 ll\n*(u64 *)(r1 + 56) = r2\nr0 = *(u32 *)(r1 + 60)',
      '*(u16 *)(r1 + 66) = 0x4455\nr0 = *(u32 *)(r1 + 64)',
      '*(u8 *)(r1 + 48) = 0x7f\nr0 = *(u16 *)(r1 + 48)',
      '*(u64 *)(r1 + 48) = -2\nr0 = *(u32 *)(r1 + 52)',
    ];
    for (const type of ['sched_cls', 'socket_filter'] as const) {
      for (const t of texts) {
        const g = bothWays(type, t);
        expect(g.vm, `${type}: ${t}`).toBe(g.kernel);
      }
    }
    expect(bothWays('sched_cls', texts[0]).vm).toBe(0x8899_11bb);
  });

  it('narrow loads of u32 fields read their low bytes first (len, mark, priority, gso_segs, gso_size)', () => {
    const offsets = [0, 8, 32, 164, 176];
    const texts = offsets.flatMap((o) => [0, 1, 2, 3].map((b) => `r0 = *(u8 *)(r1 + ${o + b})`).concat([`r0 = *(u16 *)(r1 + ${o + 2})`, `r0 = *(u32 *)(r1 + ${o})`]));
    const got = texts.map((t) => ({ t, ...bothWays('sched_cls', t) }));
    expect(got.filter((g) => g.kernel !== g.vm)).toEqual([]);
    expect(got.find((g) => g.t === 'r0 = *(u8 *)(r1 + 9)')?.kernel).toBe(0xc0);
    expect(got.find((g) => g.t === 'r0 = *(u16 *)(r1 + 2)')?.kernel).toBe(0);
    expect(got.find((g) => g.t === 'r0 = *(u8 *)(r1 + 0)')?.kernel).toBe(PACKET.length);
  });

  it('a load at least as wide as the kernel field behind it reads the whole field, at any offset', () => {
    // gso_segs and gso_size are u16 in skb_shared_info, protocol a u16 and pkt_type 3 bits of a
    // byte in the sk_buff: the kernel's rewrite does not shift such loads, so a u16 load at +2
    // gives the value again rather than its upper half.
    const pktType = bothWays('sched_cls', 'r0 = *(u32 *)(r1 + 4)').kernel;
    const texts = [
      'r0 = *(u16 *)(r1 + 166)', 'r0 = *(u16 *)(r1 + 164)', 'r0 = *(u8 *)(r1 + 165)', 'r0 = *(u8 *)(r1 + 166)',
      'r0 = *(u16 *)(r1 + 178)', 'r0 = *(u8 *)(r1 + 177)',
      'r0 = *(u16 *)(r1 + 18)', 'r0 = *(u8 *)(r1 + 17)', 'r0 = *(u8 *)(r1 + 19)',
      'r0 = *(u8 *)(r1 + 5)', 'r0 = *(u16 *)(r1 + 6)', 'r0 = *(s8 *)(r1 + 7)',
      'r0 = *(u16 *)(r1 + 10)', 'r0 = *(u8 *)(r1 + 11)',
    ];
    const got = texts.map((t) => ({ t, ...bothWays('sched_cls', t, { pkt_type: pktType }) }));
    expect(got.filter((g) => g.kernel !== g.vm)).toEqual([]);
    // The test packet is addressed to another host: PACKET_OTHERHOST, not 0, so the byte loads of
    // pkt_type at +1 and +3 show the whole value.
    expect(pktType).toBe(3);
    expect([got[9].vm, got[10].vm, got[11].vm]).toEqual([3, 3, 3]);
    expect(got[0]).toMatchObject({ kernel: CTX.gso_segs, vm: CTX.gso_segs });
    expect(got[4].vm).toBe(CTX.gso_size);
    expect(got[6].vm).toBe(0x0008);
    expect(got[12].vm).toBe(CTX.mark >>> 16);
  });

  it('tstamp reads as a u64 and tstamp_type as a byte (tc)', () => {
    for (const t of ['r0 = *(u64 *)(r1 + 152)', 'r0 = *(u64 *)(r1 + 152)\nr0 >>= 32', 'r0 = *(u8 *)(r1 + 180)']) {
      const g = bothWays('sched_cls', t);
      expect(g.vm, t).toBe(g.kernel);
    }
  });
});

describe.skipIf(skipReason !== undefined)('map pointers read the map\'s kernel struct (BPF_PROG_TEST_RUN)', () => {
  const reads: [string, string][] = [
    ['map_type', 'r0 = *(u32 *)(r1 + 64)'],
    ['key_size', 'r0 = *(u32 *)(r1 + 68)'],
    ['value_size', 'r0 = *(u32 *)(r1 + 72)'],
    ['max_entries', 'r0 = *(u32 *)(r1 + 76)'],
    ['max_entries (narrow)', 'r0 = *(u16 *)(r1 + 76)'],
    ['map_flags', 'r0 = *(u32 *)(r1 + 88)'],
    ['numa_node', 'r0 = *(u32 *)(r1 + 104)'],
    ['name[0..3]', 'r0 = *(u32 *)(r1 + 136)'],
    ['name[4..7]', 'r0 = *(u32 *)(r1 + 140)'],
  ];
  const arrayReads: [string, string][] = [
    ['elem_size', 'r0 = *(u32 *)(r1 + 296)'],
    ['index_mask', 'r0 = *(u32 *)(r1 + 300)'],
  ];
  for (const [mapDecl, extra] of [['.map mapx_arr array key=4 value=12 entries=5', arrayReads], ['.map mapx_hash hash key=8 value=20 entries=33 flags=1', []]] as const) {
    it(`${mapDecl.split(' ')[2]}: ${[...reads, ...extra].map(([n]) => n).join(', ')}`, () => {
      const name = mapDecl.split(' ')[1];
      for (const [field, text] of [...reads, ...extra]) {
        const p = asm(`${mapDecl}\n.section socket\nr1 = ${name} ll\n${text}\nexit`);
        const kernelR0 = withProgramMaps(p, (insns) => withProgram(insns, 'socket_filter', (fd) => progTestRun({ fd, data: PACKET }).retval));
        const vm = runProgram(p, { ctx: { packet: Array.from(PACKET.subarray(14)) } });
        expect(vm.fault, field).toBeUndefined();
        expect(Number(BigInt(vm.r0 ?? -1) & 0xffffffffn), field).toBe(kernelR0 >>> 0);
      }
    });
  }
});
