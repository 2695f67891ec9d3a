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

describe('narrow and wide context accesses give the bytes the kernel gives', () => {
  const cb = { 'cb[0]': 0x11223344, 'cb[1]': 0x55667788, 'cb[2]': 0x99aabbcc, 'cb[3]': 0xddeeff00, 'cb[4]': 0x80000001 };
  const both = ['jit', 'interp'] as const;
  const value = (section: string, text: string, fields: Record<string, number | bigint | string> = cb, engine: 'jit' | 'interp' = 'interp') =>
    runProgram(asm(`.section ${section}\n${text}\nexit`), { ctx: { packet, fields }, engine });
  const u64 = (r: ReturnType<typeof runProgram>) => (r.r0 === undefined ? r.fault?.message ?? r.error : BigInt(r.r0));

  it('cb[]: 8-byte loads span two words, narrow loads read their bytes (little-endian)', () => {
    for (const engine of both) {
      expect(u64(value('socket', 'r0 = *(u64 *)(r1 + 48)', cb, engine))).toBe(0x5566778811223344n);
      expect(u64(value('tc', 'r0 = *(u64 *)(r1 + 56)', cb, engine))).toBe(0xddeeff0099aabbccn);
      expect(u64(value('cgroup_skb/ingress', 'r0 = *(u64 *)(r1 + 48)\nr0 >>= 63', cb, engine))).toBe(0n);
      expect(u64(value('socket', 'r0 = *(u8 *)(r1 + 49)', cb, engine))).toBe(0x33n);
      expect(u64(value('socket', 'r0 = *(u16 *)(r1 + 66)', cb, engine))).toBe(0x8000n);
    }
  });
  it('cb[]: narrow and 8-byte stores (register and immediate) change only their bytes', () => {
    expect(u64(value('socket', 'r2 = 0xaa\n*(u8 *)(r1 + 49) = r2\nr0 = *(u32 *)(r1 + 48)'))).toBe(0x1122aa44n);
    expect(u64(value('tc', '*(u16 *)(r1 + 54) = 0x0102\nr0 = *(u32 *)(r1 + 52)'))).toBe(0x01027788n);
    expect(u64(value('tc', 'r2 = 0x0102030405060708 ll\n*(u64 *)(r1 + 56) = r2\nr0 = *(u32 *)(r1 + 60)'))).toBe(0x01020304n);
    expect(u64(value('socket', '*(u64 *)(r1 + 48) = -1\nr0 = *(u64 *)(r1 + 48)'))).toBe(0xffffffffffffffffn);
  });
  it('sign-extending loads of the context extend the loaded bytes; of a pointer field they fault', () => {
    expect(u64(value('socket', 'r0 = *(s32 *)(r1 + 64)'))).toBe(0xffffffff80000001n);
    expect(u64(value('socket', 'r0 = *(s8 *)(r1 + 51)'))).toBe(0x11n);
    const ptr = value('tc', 'r0 = *(s32 *)(r1 + 76)');
    expect(ptr.fault).toMatchObject({ kind: 'ctx-access', message: 'insn 0 (line 2): invalid context load: __sk_buff.data is a pointer: it cannot be loaded sign-extended' });
  });
  it('u32 fields: narrow loads read their bytes; a load as wide as a u16 kernel field reads the whole field at any offset', () => {
    const big = new Array(0x1234).fill(0);
    expect(r0(runProgram(asm('.section socket\nr0 = *(u8 *)(r1 + 1)\nexit'), { ctx: { packet: big } }))).toBe(0x12);
    expect(r0(runProgram(asm('.section socket\nr0 = *(u16 *)(r1 + 2)\nexit'), { ctx: { packet: big } }))).toBe(0);
    expect(u64(value('tc', 'r0 = *(u16 *)(r1 + 10)', { mark: 0xfeedc0de }))).toBe(0xfeedn);
    // protocol is skb->protocol (u16, 0x0008 for IPv4 as stored); gso_segs a u16 in skb_shared_info.
    expect(u64(value('tc', 'r0 = *(u16 *)(r1 + 18)'))).toBe(0x0008n);
    expect(u64(value('tc', 'r0 = *(u8 *)(r1 + 16)'))).toBe(0x08n);
    expect(u64(value('tc', 'r0 = *(u8 *)(r1 + 17)'))).toBe(0n);
    expect(u64(value('tc', 'r0 = *(u16 *)(r1 + 166)', { gso_segs: 0x4321 }))).toBe(0x4321n);
    expect(u64(value('tc', 'r0 = *(u8 *)(r1 + 165)', { gso_segs: 0x4321 }))).toBe(0x43n);
    // pkt_type is 3 bits of a byte: every load of it, at any of its offsets, gives the value.
    expect(u64(value('tc', 'r0 = *(u8 *)(r1 + 7)', { pkt_type: 3 }))).toBe(3n);
  });
  it('tc reads tstamp_type as one byte; cgroup_skb reads the socket fields', () => {
    expect(u64(value('tc', 'r0 = *(u8 *)(r1 + 180)', { tstamp_type: 1 }))).toBe(1n);
    expect(value('socket', 'r0 = *(u8 *)(r1 + 180)').fault?.message).toBe('insn 0 (line 2): invalid context load: __sk_buff.tstamp_type is not accessible to this program type');
    const cg = { family: 10, remote_ip4: 0x0100007f, 'remote_ip6[3]': 0x01000000, remote_port: 0x50000000 };
    expect(u64(value('cgroup_skb/ingress', 'r0 = *(u16 *)(r1 + 88)', cg))).toBe(10n);
    expect(u64(value('cgroup_skb/ingress', 'r0 = *(u32 *)(r1 + 92)', cg))).toBe(0x0100007fn);
    expect(u64(value('cgroup_skb/ingress', 'r0 = *(u32 *)(r1 + 112)', cg))).toBe(0x01000000n);
    expect(u64(value('cgroup_skb/ingress', 'r0 = *(u16 *)(r1 + 134)', cg))).toBe(0x50000000n);
    expect(u64(value('cgroup_skb/ingress', 'r0 = *(u8 *)(r1 + 134)', cg))).toBe(0n);
    expect(value('cgroup_skb/ingress', 'r0 = *(u32 *)(r1 + 140)').fault?.message).toBe('insn 0 (line 2): invalid context load: __sk_buff.data_meta is not accessible to this program type');
  });
});

describe('tracepoint records: the kernel lets programs read any aligned bytes below 8 KiB', () => {
  const tracepointFields = [{ name: 'nr', offset: 8, size: 4 }, { name: 'fd', offset: 16, size: 8 }];
  const raw = '00 00 00 00 00 00 00 00 2a 00 00 00 ee ff 00 00 07 00 00 00 00 00 00 00';
  const tp = (text: string, engine: 'jit' | 'interp' = 'interp') =>
    runProgram(asm(`.section tracepoint\n${text}\nexit`), { ctx: { tracepointFields, raw }, engine });
  it('8 bytes over a 4-byte field and its padding read the record bytes', () => {
    expect(BigInt(tp('r0 = *(u64 *)(r1 + 8)').r0 ?? -1)).toBe(0x0000ffee0000002an);
    expect(r0(tp('r0 = *(u16 *)(r1 + 12)'))).toBe(0xffee);
  });
  it('past the record and below it (down to 32 KiB) read as zeros, in both engines', () => {
    for (const engine of ['jit', 'interp'] as const) {
      expect(r0(tp('r0 = *(u64 *)(r1 + 8184)', engine))).toBe(0);
      expect(r0(tp('r0 = *(u64 *)(r1 + 24)\nr0 += 5', engine))).toBe(5);
      expect(r0(tp('r0 = *(u64 *)(r1 - 8)\nr0 += 6', engine))).toBe(6);
      expect(r0(tp('r0 = *(u8 *)(r1 - 32768)\nr0 += 7', engine))).toBe(7);
    }
  });
  it('refuses what the kernel refuses: the header, misaligned reads, 8 KiB and past, stores', () => {
    expect(tp('r0 = *(u64 *)(r1 + 8188)').fault?.message).toMatch(/^insn 0 \(line 2\): 8-byte load at 0x[0-9a-f]{16} is out of bounds: it runs 4 byte\(s\) past the end of context \(trace_event_raw\)/);
    expect(tp('r0 = *(u32 *)(r1 + 18)').fault?.message).toBe('insn 0 (line 2): invalid context load: misaligned 4-byte load at trace_event_raw offset 18');
    expect(tp('r0 = *(u8 *)(r1 + 8192)').fault?.message).toMatch(/^insn 0 \(line 2\): 1-byte load at 0x[0-9a-f]{16} is out of bounds: it starts at the end of context \(trace_event_raw\)/);
    expect(tp('r0 = *(u64 *)(r1 - 4)').fault?.kind).toBe('ctx-access');
    expect(tp('*(u64 *)(r1 + 16) = 1\nr0 = 0').fault?.message).toBe('insn 0 (line 2): invalid context store: trace_event_raw.fd is read-only');
    expect(tp('*(u64 *)(r1 - 8) = 1\nr0 = 0').fault?.kind).toBe('read-only');
  });
  it('bpf_probe_read of the context copies its bytes, zeros below the record', () => {
    const text = (off: number) => `r3 = r1\nr3 += ${off}\nr1 = r10\nr1 += -16\nr2 = 16\ncall bpf_probe_read_kernel\nr0 = *(u64 *)(r10 - 8)\nexit`;
    expect(BigInt(runProgram(asm(`.section tracepoint\n${text(8)}`), { ctx: { tracepointFields, raw } }).r0 ?? -1)).toBe(7n);
    // 16 bytes from 4 below the record: 4 zeros, then the record's first 12 bytes.
    expect(BigInt(runProgram(asm(`.section tracepoint\n${text(-4)}`), { ctx: { tracepointFields, raw } }).r0 ?? -1)).toBe(0x0000002a00000000n);
  });
});

describe('perf_event and raw_tracepoint narrow reads', () => {
  it('sample_period and addr read their bytes at any aligned width', () => {
    const fields = { sample_period: '0x1122334455667788', addr: '0xdeadbeefcafef00d' };
    const pe = (text: string) => BigInt(runProgram(asm(`.section perf_event\n${text}\nexit`), { ctx: { fields } }).r0 ?? -1);
    expect(pe('r0 = *(u8 *)(r1 + 175)')).toBe(0x11n);
    expect(pe('r0 = *(u16 *)(r1 + 170)')).toBe(0x5566n);
    expect(pe('r0 = *(u32 *)(r1 + 180)')).toBe(0xdeadbeefn);
    expect(pe('r0 = *(u8 *)(r1 + 176)')).toBe(0x0dn);
    expect(pe('r0 = *(u64 *)(r1 + 176)')).toBe(0xdeadbeefcafef00dn);
  });
  it('raw tracepoints read all 12 argument slots; those the event does not pass are 0', () => {
    const raw = (text: string) => BigInt(runProgram(asm(`.section raw_tracepoint/x\n${text}\nexit`), { ctx: { args: [1, '0x123456789'] } }).r0 ?? -1);
    expect(raw('r0 = *(u16 *)(r1 + 10)')).toBe(0x2345n);
    expect(raw('r0 = *(u64 *)(r1 + 88)\nr0 += 3')).toBe(3n);
  });
});

describe('map pointers read the map\'s kernel struct (struct bpf_map, kernel 6.18 x86-64)', () => {
  const read = (decl: string, text: string) => {
    const r = runProgram(asm(`${decl}\n.section socket\nr1 = m ll\n${text}\nexit`), { ctx: { packet } });
    return r.r0 === undefined ? r.fault?.message : BigInt(r.r0);
  };
  it('an array map: type, sizes, entries, name, elem_size and index_mask', () => {
    const decl = '.map m array key=4 value=12 entries=5';
    expect(read(decl, 'r0 = *(u32 *)(r1 + 64)')).toBe(2n);
    expect(read(decl, 'r0 = *(u32 *)(r1 + 68)')).toBe(4n);
    expect(read(decl, 'r0 = *(u32 *)(r1 + 72)')).toBe(12n);
    expect(read(decl, 'r0 = *(u32 *)(r1 + 76)')).toBe(5n);
    expect(read(decl, 'r0 = *(u8 *)(r1 + 136)')).toBe(BigInt('m'.charCodeAt(0)));
    expect(read(decl, 'r0 = *(u32 *)(r1 + 296)')).toBe(16n);
    expect(read(decl, 'r0 = *(u32 *)(r1 + 300)')).toBe(7n);
    expect(read(decl, 'r0 = *(u64 *)(r1 + 0)')).toBe(0n);
  });
  it('a hash map: its type, flags and NUMA_NO_NODE; the struct is bpf_htab (832 bytes)', () => {
    const decl = '.map m hash key=8 value=20 entries=33 flags=1';
    expect(read(decl, 'r0 = *(u32 *)(r1 + 64)')).toBe(1n);
    expect(read(decl, 'r0 = *(u32 *)(r1 + 88)')).toBe(1n);
    expect(read(decl, 'r0 = *(s32 *)(r1 + 104)')).toBe(0xffffffffffffffffn);
    expect(read(decl, 'r0 = *(u64 *)(r1 + 824)')).toBe(0n);
    expect(read(decl, 'r0 = *(u8 *)(r1 + 832)')).toMatch(/is out of bounds: it starts at the end of map 'm' \(map, 832 bytes/);
  });
});
