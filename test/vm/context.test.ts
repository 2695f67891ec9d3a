// What r1 points at, per program type, as the VM builds it.
import { describe, expect, it } from 'vitest';
import { asm, r0, run } from './support';
import { runProgram } from '../../server/src/vm/index';

const packet = Array.from({ length: 60 }, (_, i) => (i === 12 ? 0x08 : i === 13 ? 0x00 : i));

describe('socket_filter (__sk_buff)', () => {
  it('reads len and protocol (network byte order, as the kernel stores skb->protocol)', () => {
    expect(r0(runProgram(asm('.section socket\nr0 = *(u32 *)(r1 + 0)\nexit'), { ctx: { packet } }))).toBe(60);
    expect(r0(runProgram(asm('.section socket\nr0 = *(u32 *)(r1 + 16)\nexit'), { ctx: { packet } }))).toBe(0x0008);
  });
  it('narrow loads of a u32 field read its low bytes', () => {
    expect(r0(runProgram(asm('.section socket\nr0 = *(u16 *)(r1 + 0)\nexit'), { ctx: { packet: new Array(0x1234).fill(0) } }))).toBe(0x1234);
  });
  it('writes and reads back cb[]', () => {
    expect(r0(runProgram(asm('.section socket\nr2 = 77\n*(u32 *)(r1 + 56) = r2\nr0 = *(u32 *)(r1 + 56)\nexit'), { ctx: { packet } }))).toBe(77);
  });
  it('takes field values from the options', () => {
    expect(r0(runProgram(asm('.section socket\nr0 = *(u32 *)(r1 + 8)\nexit'), { ctx: { packet, fields: { mark: 0xbeef } } }))).toBe(0xbeef);
  });
  it('refuses data (not for socket filters) and stores to read-only fields', () => {
    const a = runProgram(asm('.section socket\nr0 = *(u32 *)(r1 + 76)\nexit'), { ctx: { packet } });
    expect(a.fault).toMatchObject({ kind: 'ctx-access', message: 'insn 0 (line 2): invalid context load: __sk_buff.data is not accessible to this program type' });
    const b = runProgram(asm('.section socket\n*(u32 *)(r1 + 0) = 1\nr0 = 0\nexit'), { ctx: { packet } });
    expect(b.fault?.message).toBe('insn 0 (line 2): invalid context store: __sk_buff.len is read-only');
  });
  it('LD_ABS reads the packet big-endian; past the end the program returns 0', () => {
    const text = (off: number) => `.section socket\nr6 = r1\nr0 = *(u16 *)skb[${off}]\nexit`;
    expect(r0(runProgram(asm(text(12)), { ctx: { packet } }))).toBe(0x0800);
    const past = runProgram(asm(text(59)), { ctx: { packet } });
    expect(r0(past)).toBe(0);
    expect(past.output.map((l) => l.text)).toEqual(["program stopped: ldabsh at packet offset 59 (2 byte(s)) is past the packet's 60 bytes; the kernel ends the program with r0 = 0"]);
  });
});

describe('sched_cls (__sk_buff with packet pointers)', () => {
  it('data and data_end bound the packet', () => {
    const text = '.section tc\nr2 = *(u32 *)(r1 + 76)\nr3 = *(u32 *)(r1 + 80)\nr0 = r3\nr0 -= r2\nr4 = *(u8 *)(r2 + 5)\nr0 <<= 8\nr0 |= r4\nexit';
    expect(r0(runProgram(asm(text), { ctx: { packet } }))).toBe((60 << 8) | 5);
  });
  it('a load at data_end faults, naming the packet', () => {
    const r = runProgram(asm('.section tc\nr3 = *(u32 *)(r1 + 80)\nr0 = *(u8 *)(r3 + 0)\nexit'), { ctx: { packet } });
    expect(r.fault?.kind).toBe('out-of-bounds');
    expect(r.fault?.message).toMatch(/^insn 1 \(line 3\): 1-byte load at 0x[0-9a-f]{16} is out of bounds: it starts at the end of packet \(packet, 3776 bytes at 0x[0-9a-f]{16}, valid 60 bytes at offset 256\)$/);
  });
  it('packet writes show up in the result', () => {
    const r = runProgram(asm('.section tc\nr2 = *(u32 *)(r1 + 76)\n*(u8 *)(r2 + 0) = 0xaa\nr0 = 0\nexit'), { ctx: { packet } });
    expect(r.packet?.[0]).toBe(0xaa);
    expect(r.meaning).toBe('TC_ACT_OK');
  });
});

describe('xdp (xdp_md)', () => {
  it('data, data_end, data_meta and ingress_ifindex; r0 is named', () => {
    const text = '.section xdp\nr2 = *(u32 *)(r1 + 0)\nr3 = *(u32 *)(r1 + 4)\nr4 = *(u32 *)(r1 + 8)\nr0 = r3\nr0 -= r2\nr2 -= r4\nr0 += r2\nr5 = *(u32 *)(r1 + 12)\nr0 += r5\nexit';
    const r = runProgram(asm(text), { ctx: { packet } });
    expect(r0(r)).toBe(61);
    expect(runProgram(asm('.section xdp\nr0 = 1\nexit'), { ctx: { packet } }).meaning).toBe('XDP_DROP');
  });
  it('only full-width loads of xdp_md fields', () => {
    const r = runProgram(asm('.section xdp\nr0 = *(u16 *)(r1 + 0)\nexit'), { ctx: { packet } });
    expect(r.fault?.message).toBe('insn 0 (line 2): invalid context load: load of 2 byte(s) from xdp_md.data is not allowed (allowed: 4)');
  });
  it('refuses a packet larger than the XDP frame', () => {
    expect(runProgram(asm('.section xdp\nr0 = 2\nexit'), { ctx: { packet: new Array(4000).fill(0) } }).error).toBe('an XDP packet may be at most 3520 bytes, got 4000');
  });
});

describe('kprobe (x86-64 pt_regs)', () => {
  it('PT_REGS_PARM1..6 come from args; other registers from fields', () => {
    const text = '.section kprobe/do_sys_open\nr0 = *(u64 *)(r1 + 112)\nr2 = *(u64 *)(r1 + 64)\nr0 += r2\nr2 = *(u64 *)(r1 + 80)\nr0 += r2\nexit';
    expect(r0(runProgram(asm(text), { ctx: { args: [1, 2, 3, 4, 5, 600], fields: { ax: 7000 } } }))).toBe(7601);
  });
  it('pointer arguments point into named memory', () => {
    const text = '.section kprobe/f\nr1 = *(u64 *)(r1 + 104)\nr0 = *(u8 *)(r1 + 1)\nexit';
    expect(r0(runProgram(asm(text), { ctx: { memory: [{ name: 'buf', bytes: '10 20 30' }], args: [0, '&buf'] } }))).toBe(0x20);
  });
  it('the context is read-only', () => {
    const r = runProgram(asm('.section kprobe/f\n*(u64 *)(r1 + 112) = 1\nr0 = 0\nexit'), {});
    expect(r.fault?.message).toBe('insn 0 (line 2): invalid context store: pt_regs.di is read-only');
  });
  it('names unknown fields in its error', () => {
    expect(runProgram(asm('.section kprobe/f\nr0 = 0\nexit'), { ctx: { fields: { rdi: 1 } } }).error).toMatch(/^pt_regs has no field 'rdi' \(fields: r15, r14/);
  });
});

describe('tracepoint, raw_tracepoint, perf_event', () => {
  it('tracepoint fields sit at their format offsets; the common header is not readable', () => {
    const tracepointFields = [{ name: 'fd', offset: 16, size: 8, signed: true }, { name: 'count', offset: 24, size: 4 }];
    const text = '.section tracepoint/syscalls/sys_enter_read\nr0 = *(u64 *)(r1 + 16)\nr2 = *(u32 *)(r1 + 24)\nr0 += r2\nexit';
    expect(r0(runProgram(asm(text), { ctx: { tracepointFields, fields: { fd: 3, count: 100 } } }))).toBe(103);
    const header = runProgram(asm('.section tracepoint/a/b\nr0 = *(u32 *)(r1 + 4)\nexit'), { ctx: { tracepointFields } });
    expect(header.fault?.message).toBe('insn 0 (line 2): invalid context load: trace_event_raw.common_pid is not accessible to this program type');
  });
  it('without a layout, a tracepoint program gets its event\'s fields from the catalog', () => {
    const text = '.section tracepoint/syscalls/sys_enter_openat\nr0 = *(u64 *)(r1 + 32)\nr1 = *(u64 *)(r1 + 24)\nr1 = *(u8 *)(r1 + 0)\nr0 += r1\nexit';
    const r = runProgram(asm(text), { ctx: { memory: [{ name: 'path', text: '/etc' }], fields: { flags: 0x41, filename: '&path' } } });
    expect(r0(r)).toBe(0x41 + '/'.charCodeAt(0));
  });
  it('raw_tracepoint arguments are u64 args[]', () => {
    expect(r0(runProgram(asm('.section raw_tracepoint/sched_switch\nr0 = *(u64 *)(r1 + 8)\nexit'), { ctx: { args: [1, 99] } }))).toBe(99);
  });
  it('perf_event has regs, then sample_period', () => {
    expect(r0(runProgram(asm('.section perf_event\nr0 = *(u64 *)(r1 + 168)\nexit'), { ctx: { fields: { sample_period: 4000 } } }))).toBe(4000);
  });
});

describe('conformance-style memory', () => {
  it('r1 = memory, r2 = its length', () => {
    expect(r0(run('.section socket\nr0 = *(u8 *)(r1 + 2)\nr0 += r2\nexit', { mem: '0a 0b 0c' }))).toBe(0x0c + 3);
  });
});

describe('named memory', () => {
  it('a pointer array holds the addresses of other regions (an argv), filled after they all exist', () => {
    // arg0 = &argv; argv[1] = &b; the first byte there is 'y'.
    const text = '.section kprobe/f\nr6 = *(u64 *)(r1 + 112)\nr3 = *(u64 *)(r6 + 8)\nr1 = r10\nr1 += -8\nr2 = 1\ncall bpf_probe_read_kernel\nr0 = *(u8 *)(r10 - 8)\nexit';
    const ctx = { memory: [{ name: 'argv', pointers: ['&a', '&b', 0] }, { name: 'a', text: 'x' }, { name: 'b', text: 'y' }], args: ['&argv'] };
    expect(r0(runProgram(asm(text), { ctx }))).toBe('y'.charCodeAt(0));
    const bad = runProgram(asm(text), { ctx: { memory: [{ name: 'argv', pointers: ['&nope'] }], args: ['&argv'] } });
    expect(bad.error).toMatch(/no memory named 'nope'/);
  });
});
