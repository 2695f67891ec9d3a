import { describe, expect, test } from 'vitest';
import { existsSync, readdirSync } from 'node:fs';
import {
  closeFd,
  KernelError,
  kernelAvailable,
  mapCreate,
  mapDelete,
  mapLookup,
  mapUpdate,
  progLoad,
  progTestRun,
  withMap,
  withProgram,
} from '../../server/src/kernel/bpf';

const avail = kernelAvailable();
if (!avail.ok) console.warn(`skipping kernel bridge tests: ${avail.reason}`);

/** Little helper to write instruction slots by hand: opcode, dst, src, off, imm. */
function slots(...insns: [number, number, number, number, number][]): Uint8Array {
  const b = Buffer.alloc(insns.length * 8);
  insns.forEach(([op, dst, src, off, imm], i) => {
    b[i * 8] = op;
    b[i * 8 + 1] = dst | (src << 4);
    b.writeInt16LE(off, i * 8 + 2);
    b.writeInt32LE(imm, i * 8 + 4);
  });
  return b;
}

const MOV64_IMM = 0xb7;
const EXIT = 0x95;
const LDX_W = 0x61;
const LDX_B = 0x71;
const STX_B = 0x73;
const JGT_REG = 0x2d;
const MOV64_REG = 0xbf;
const ADD64_IMM = 0x07;

function u32(n: number): Uint8Array {
  const b = Buffer.alloc(4);
  b.writeUInt32LE(n);
  return b;
}

function u64(n: bigint): Uint8Array {
  const b = Buffer.alloc(8);
  b.writeBigUInt64LE(n);
  return b;
}

describe('kernelAvailable', () => {
  test('answers with ok or a reason, and caches it', () => {
    const a = kernelAvailable();
    expect(a).toBe(kernelAvailable());
    if (!a.ok) expect(a.reason.length).toBeGreaterThan(0);
  });
});

describe.skipIf(!avail.ok)('bpf() bridge (real kernel)', () => {
  test('a valid socket filter loads and yields an fd', () => {
    const r = progLoad({ insns: slots([MOV64_IMM, 0, 0, 0, 0], [EXIT, 0, 0, 0, 0]), progType: 'socket_filter' });
    expect(r.errno).toBeUndefined();
    expect(r.fd).toBeGreaterThan(2);
    expect(r.log).toMatch(/processed 2 insns/);
    closeFd(r.fd);
  });

  test('exit without setting r0 is rejected with the verifier log', () => {
    const r = progLoad({ insns: slots([EXIT, 0, 0, 0, 0]), progType: 'socket_filter', logLevel: 0 });
    expect(r.fd).toBeUndefined();
    expect(r.errno).toBe(13); // EACCES
    expect(r.log).toContain('R0 !read_ok');
  });

  test('a tiny log buffer is grown until the whole log fits', () => {
    // 40 movs then exit: the level-2 log is far longer than 128 bytes.
    const body: [number, number, number, number, number][] = [];
    for (let i = 0; i < 40; i++) body.push([MOV64_IMM, 1, 0, 0, i]);
    const r = progLoad({ insns: slots(...body, [EXIT, 0, 0, 0, 0]), progType: 'socket_filter', logLevel: 2, logSize: 128 });
    expect(r.fd).toBeUndefined();
    expect(r.log.length).toBeGreaterThan(128);
    expect(r.log).toContain('R0 !read_ok');
    expect(r.log).toContain('39: (b7) r1 = 39');
  });

  test('bad instruction bytes are reported, not thrown', () => {
    const r = progLoad({ insns: new Uint8Array(5), progType: 'xdp' });
    expect(r.fd).toBeUndefined();
    expect(r.errno).toBe(22);
  });

  test('map create / update / lookup / delete round trip', () => {
    withMap({ type: 'hash', keySize: 4, valueSize: 8, maxEntries: 16, name: 'counts' }, (fd) => {
      expect(mapLookup(fd, u32(7), 8)).toBeUndefined();
      mapUpdate(fd, u32(7), u64(0x1122334455667788n));
      expect(Buffer.from(mapLookup(fd, u32(7), 8)!).readBigUInt64LE()).toBe(0x1122334455667788n);
      // BPF_NOEXIST on an existing key is refused with EEXIST.
      expect(() => mapUpdate(fd, u32(7), u64(1n), 1)).toThrowError(/EEXIST/);
      mapUpdate(fd, u32(7), u64(42n), 2);
      expect(Buffer.from(mapLookup(fd, u32(7), 8)!).readBigUInt64LE()).toBe(42n);
      expect(mapDelete(fd, u32(7))).toBe(true);
      expect(mapDelete(fd, u32(7))).toBe(false);
      expect(mapLookup(fd, u32(7), 8)).toBeUndefined();
    });
  });

  test('an impossible map is a KernelError naming errno', () => {
    expect(() => mapCreate({ type: 'array', keySize: 8, valueSize: 4, maxEntries: 1 })).toThrowError(KernelError);
    try {
      mapCreate({ type: 'array', keySize: 8, valueSize: 4, maxEntries: 1 });
    } catch (e) {
      expect((e as KernelError).errno).toBe(22);
      expect((e as Error).message).toContain('EINVAL');
    }
  });

  test('PROG_TEST_RUN of an xdp program returning XDP_PASS', () => {
    const packet = Buffer.alloc(64, 0xab);
    const result = withProgram(slots([MOV64_IMM, 0, 0, 0, 2], [EXIT, 0, 0, 0, 0]), 'xdp', (fd) =>
      progTestRun({ fd, data: packet, repeat: 3 }),
    );
    expect(result.retval).toBe(2);
    expect(Buffer.from(result.dataOut).equals(packet)).toBe(true);
    expect(result.duration).toBeGreaterThanOrEqual(0);
  });

  test('PROG_TEST_RUN of an xdp program that writes a packet byte', () => {
    // r2 = ctx->data; r3 = ctx->data_end; if r2 + 1 > r3 return XDP_DROP;
    // packet[0] += 0x10; return XDP_TX (3).
    const insns = slots(
      [LDX_W, 2, 1, 0, 0],
      [LDX_W, 3, 1, 4, 0],
      [MOV64_REG, 4, 2, 0, 0],
      [ADD64_IMM, 4, 0, 0, 1],
      [JGT_REG, 4, 3, 5, 0],
      [LDX_B, 5, 2, 0, 0],
      [ADD64_IMM, 5, 0, 0, 0x10],
      [STX_B, 2, 5, 0, 0],
      [MOV64_IMM, 0, 0, 0, 3],
      [EXIT, 0, 0, 0, 0],
      [MOV64_IMM, 0, 0, 0, 1],
      [EXIT, 0, 0, 0, 0],
    );
    const packet = Buffer.alloc(60, 0);
    packet[0] = 0x4a;
    const result = withProgram(insns, 'xdp', (fd) => progTestRun({ fd, data: packet }));
    expect(result.retval).toBe(3);
    expect(result.dataOut.length).toBe(60);
    expect(result.dataOut[0]).toBe(0x5a);
    expect(Buffer.from(result.dataOut.subarray(1)).equals(packet.subarray(1))).toBe(true);
  });

  test('withProgram throws the verifier log when the load is refused', () => {
    let caught: unknown;
    try {
      withProgram(slots([EXIT, 0, 0, 0, 0]), 'xdp', () => 1);
    } catch (e) {
      caught = e;
    }
    expect(caught).toBeInstanceOf(KernelError);
    expect((caught as KernelError).log).toContain('R0 !read_ok');
  });
});

describe.skipIf(!avail.ok || !existsSync('/proc/self/fd'))('fd hygiene', () => {
  test('loads, refusals, maps and test runs leave no fd behind', () => {
    const before = readdirSync('/proc/self/fd').length;
    for (let i = 0; i < 20; i++) {
      withProgram(slots([MOV64_IMM, 0, 0, 0, 2], [EXIT, 0, 0, 0, 0]), 'xdp', (fd) => progTestRun({ fd, data: new Uint8Array(20) }));
      expect(() => withProgram(slots([EXIT, 0, 0, 0, 0]), 'xdp', () => 0)).toThrow();
      withMap({ type: 'array', keySize: 4, valueSize: 4, maxEntries: 1 }, (fd) => mapLookup(fd, u32(0), 4));
      expect(() => withMap({ type: 'array', keySize: 4, valueSize: 4, maxEntries: 1 }, () => {
        throw new Error('inside');
      })).toThrow('inside');
    }
    expect(readdirSync('/proc/self/fd').length).toBe(before);
  });
});
