// Helpers by kernel number: their results, what they write, and their failures.
import { describe, expect, it } from 'vitest';
import { asm, asmAll, r0, run } from './support';
import { runProgram } from '../../server/src/vm/index';
import { HELPERS } from '../../server/src/vm/helpers/index';
import { helperName } from '../../server/src/isa/helpers';

/** Puts a string on the stack at r10 - len (NUL-padded to 8 bytes) and leaves r1 = its address, r2 = its size. */
function stackString(s: string): string {
  const bytes = [...new TextEncoder().encode(s), 0];
  while (bytes.length % 8) bytes.push(0);
  const lines: string[] = [];
  for (let i = 0; i < bytes.length; i += 8) {
    let v = 0n;
    for (let k = 7; k >= 0; k--) v = (v << 8n) | BigInt(bytes[i + k]);
    lines.push(`r1 = 0x${v.toString(16)} ll`, `*(u64 *)(r10 - ${bytes.length - i}) = r1`);
  }
  lines.push('r1 = r10', `r1 += -${bytes.length}`, `r2 = ${bytes.length}`);
  return lines.join('\n') + '\n';
}

describe('helper table', () => {
  it('names every helper by its kernel id', () => {
    for (const [id, h] of HELPERS) expect(h.name).toBe(helperName(id));
  });
});

describe('trace_printk', () => {
  it('formats %d %u %x and captures the line without its newline', () => {
    const r = run('.section socket\n' + stackString('v=%d u=%u x=%x\n') + 'r3 = -5\nr4 = -1\nr5 = 255\ncall bpf_trace_printk\nexit');
    expect(r.output).toEqual([{ kind: 'printk', text: 'v=-5 u=4294967295 x=ff', pc: expect.any(Number) }]);
    expect(r0(r)).toBe('v=-5 u=4294967295 x=ff\n'.length);
  });
  it('formats %llx %lld %s %c %% and widths', () => {
    const first = run('.section socket\n' + stackString('[%5d|%-4u|%05x]') + 'r3 = 42\nr4 = 7\nr5 = 0x1f\ncall bpf_trace_printk\nexit');
    expect(first.output[0].text).toBe('[   42|7   |0001f]');
    // The %s argument points at "abc", placed below the format on the stack.
    const abc = 'r1 = 0x636261\n*(u64 *)(r10 - 64) = r1\nr4 = r10\nr4 += -64\n';
    const second = run('.section socket\n' + stackString('%llx %x') + 'r3 = -1\nr4 = -1\ncall bpf_trace_printk\nexit');
    expect(second.output[0].text).toBe('ffffffffffffffff ffffffff');
    const third = run('.section socket\n' + abc + stackString('%lld %s %c%%') + 'r3 = -1\nr5 = 0x41\ncall bpf_trace_printk\nexit');
    expect(third.output[0].text).toBe('-1 abc A%');
  });
  it('refuses an unknown conversion with -EINVAL', () => {
    const r = run('.section socket\n' + stackString('%f') + 'r3 = 1\ncall bpf_trace_printk\nexit');
    expect(r0(r)).toBe(-22);
    expect(r.output).toEqual([{ kind: 'note', text: "bpf_trace_printk: unsupported conversion '%f' (the kernel accepts d i u x X c s p with l/ll); returns -EINVAL", pc: expect.any(Number) }]);
  });
  it('refuses more conversions than arguments', () => {
    expect(r0(run('.section socket\n' + stackString('%d %d %d %d') + 'call bpf_trace_printk\nexit'))).toBe(-22);
  });
});

describe('bpf_snprintf', () => {
  it('formats u64 arguments from memory and returns the length with the NUL', () => {
    const text = '.section socket\n' + stackString('%s=%llu') + `
      r8 = r1
      r1 = 0x79656b
      *(u64 *)(r10 - 48) = r1
      r1 = r10
      r1 += -48
      *(u64 *)(r10 - 64) = r1
      r1 = 1234567890123 ll
      *(u64 *)(r10 - 56) = r1
      r1 = r10
      r1 += -96
      r2 = 32
      r3 = r8
      r4 = r10
      r4 += -64
      r5 = 16
      call bpf_snprintf
      exit`;
    const r = runProgram(asm(text), { trace: true });
    expect(r0(r)).toBe('key=1234567890123'.length + 1);
  });
});

describe('time, randomness, CPU and task', () => {
  it('ktime_get_ns follows the simulated clock: start + instructions × ns', () => {
    const r = runProgram(asm('.section socket\nr6 = 0\ncall bpf_ktime_get_ns\nexit'), { clock: { startNs: 5000, nsPerInsn: 10 } });
    expect(r0(r)).toBe(5000 + 2 * 10);
    const b = runProgram(asm('.section socket\ncall bpf_ktime_get_boot_ns\nexit'), { clock: { startNs: 0, nsPerInsn: 1, bootOffsetNs: 100 } });
    expect(r0(b)).toBe(101);
  });
  it('get_prandom_u32 repeats for a seed and changes with it', () => {
    const p = asm('.section socket\ncall bpf_get_prandom_u32\nr6 = r0\ncall bpf_get_prandom_u32\nr0 ^= r6\nexit');
    const a = runProgram(p, { seed: 1 }).r0;
    expect(runProgram(p, { seed: 1 }).r0).toBe(a);
    expect(runProgram(p, { seed: 2 }).r0).not.toBe(a);
    expect(BigInt(a!) >> 32n).toBe(0n);
  });
  it('get_smp_processor_id, pid_tgid, uid_gid from the simulated task', () => {
    expect(r0(runProgram(asm('.section socket\ncall bpf_get_smp_processor_id\nexit'), { cpus: 4, cpu: 3 }))).toBe(3);
    expect(runProgram(asm('.section socket\ncall bpf_get_current_pid_tgid\nexit'), { task: { pid: 7, tgid: 5 } }).r0).toBe('0x0000000500000007');
    expect(runProgram(asm('.section socket\ncall bpf_get_current_uid_gid\nexit'), { task: { uid: 1000, gid: 100 } }).r0).toBe('0x00000064000003e8');
  });
  it('get_current_comm copies at most size-1 bytes and zero-pads', () => {
    const r = runProgram(asm('.section socket\nr1 = r10\nr1 += -8\nr2 = 8\ncall bpf_get_current_comm\nr0 = *(u64 *)(r10 - 8)\nexit'), { task: { comm: 'bashful-shell' } });
    expect(Buffer.from(BigInt(r.r0!).toString(16).padStart(16, '0'), 'hex').reverse().toString('latin1')).toBe('bashful\0');
  });
});

describe('probe_read family', () => {
  const ctx = { memory: [{ name: 'name', text: 'hello' }], args: ['&name'] };
  it('probe_read_kernel copies from named memory; a bad address gives -EFAULT and zeroes', () => {
    const text = '.section kprobe/f\nr3 = *(u64 *)(r1 + 112)\nr1 = r10\nr1 += -8\nr2 = 4\ncall bpf_probe_read_kernel\nr6 = r0\nr0 = *(u32 *)(r10 - 8)\nexit';
    expect(r0(runProgram(asm(text), { ctx }))).toBe(0x6c6c6568);
    const bad = '.section kprobe/f\n*(u64 *)(r10 - 8) = -1\nr1 = r10\nr1 += -8\nr2 = 8\nr3 = 16\ncall bpf_probe_read_kernel\nr6 = *(u64 *)(r10 - 8)\nr0 += r6\nexit';
    expect(r0(runProgram(asm(bad), { ctx }))).toBe(-14);
  });
  it('probe_read_str stops at the NUL and returns the length with it', () => {
    const text = '.section kprobe/f\nr3 = *(u64 *)(r1 + 112)\nr1 = r10\nr1 += -16\nr2 = 16\ncall bpf_probe_read_kernel_str\nexit';
    expect(r0(runProgram(asm(text), { ctx }))).toBe(6);
    const short = text.replace('r2 = 16', 'r2 = 3');
    expect(r0(runProgram(asm(short), { ctx }))).toBe(3);
  });
  it('reads the raw bytes of a context laid out as kernel memory (pt_regs, a tracepoint record)', () => {
    // pt_regs.di (offset 112) holds 0x64636261: the bytes "abcd" then four NULs.
    const regs = '.section kprobe/f\nr3 = r1\nr3 += 112\nr1 = r10\nr1 += -16\nr2 = 16\ncall bpf_probe_read_kernel_str\nr6 = r0\nr0 = *(u32 *)(r10 - 16)\nr0 <<= 8\nr0 |= r6\nexit';
    expect(r0(runProgram(asm(regs), { ctx: { args: [0x64636261] } }))).toBe(0x6463626105);
    // A tracepoint record with a string at offset 16 (where a __data_loc field would point).
    const tracepointFields = [{ name: 'loc', offset: 8, size: 4, signed: false }, { name: 'area', offset: 16, size: 8, signed: false }];
    const raw = [0, 0, 0, 0, 0, 0, 0, 0, 16, 0, 7, 0, 0, 0, 0, 0, ...new TextEncoder().encode('/bin/x'), 0, 0];
    const tp = '.section tracepoint/a/b\nr3 = *(u32 *)(r1 + 8)\nr3 &= 0xffff\nr3 += r1\nr1 = r10\nr1 += -8\nr2 = 8\ncall bpf_probe_read_kernel_str\nr6 = r0\nr0 = *(u32 *)(r10 - 8)\nr0 <<= 8\nr0 |= r6\nexit';
    expect(r0(runProgram(asm(tp), { ctx: { tracepointFields, raw } }))).toBe(0x6e69622f07);
    const bytes = '.section tracepoint/a/b\nr3 = r1\nr3 += 8\nr1 = r10\nr1 += -8\nr2 = 4\ncall bpf_probe_read_kernel\nr0 = *(u32 *)(r10 - 8)\nexit';
    expect(r0(runProgram(asm(bytes), { ctx: { tracepointFields, raw } }))).toBe(0x00070010);
  });
  it('a string that runs off the end of its memory, or a packet program\'s context, is -EFAULT', () => {
    // pt_regs is 168 bytes: the top half of ss (offset 164) is four 0xff bytes and then the end, no NUL.
    const regs = '.section kprobe/f\nr3 = r1\nr3 += 164\nr1 = r10\nr1 += -16\nr2 = 16\ncall bpf_probe_read_kernel_str\nexit';
    expect(r0(runProgram(asm(regs), { ctx: { fields: { ss: -1 } } }))).toBe(-14);
    const xdp = '.section xdp\nr3 = r1\nr1 = r10\nr1 += -8\nr2 = 4\ncall bpf_probe_read_kernel\nexit';
    expect(r0(runProgram(asm(xdp), { ctx: { packet: [1, 2, 3, 4] } }))).toBe(-14);
  });
});

describe('packet helpers', () => {
  const packet = Array.from({ length: 64 }, (_, i) => i);
  it('skb_load_bytes copies from the packet; past the end is -EFAULT', () => {
    const text = (off: number) => `.section tc\nr2 = ${off}\nr3 = r10\nr3 += -8\nr4 = 4\ncall bpf_skb_load_bytes\nr6 = r0\nr0 = *(u32 *)(r10 - 8)\nif r6 == 0 goto ok\nr0 = r6\nok:\nexit`;
    expect(r0(runProgram(asm(text(10)), { ctx: { packet } }))).toBe(0x0d0c0b0a);
    expect(r0(runProgram(asm(text(61)), { ctx: { packet } }))).toBe(-14);
  });
  it('xdp_adjust_head moves data; the kernel limits are -EINVAL', () => {
    const text = (d: number) => `.section xdp\nr6 = r1\nr2 = ${d}\ncall bpf_xdp_adjust_head\nif r0 != 0 goto out\nr2 = *(u32 *)(r6 + 0)\nr3 = *(u32 *)(r6 + 4)\nr0 = r3\nr0 -= r2\nout:\nexit`;
    expect(r0(runProgram(asm(text(4)), { ctx: { packet } }))).toBe(60);
    expect(r0(runProgram(asm(text(-20)), { ctx: { packet } }))).toBe(84);
    expect(r0(runProgram(asm(text(51)), { ctx: { packet } }))).toBe(-22); // less than ETH_HLEN would remain
    expect(r0(runProgram(asm(text(-217)), { ctx: { packet } }))).toBe(-22); // into the xdp_frame
  });
  it('xdp_adjust_tail grows with zeroes and shrinks the packet', () => {
    const grow = runProgram(asm('.section xdp\nr2 = 4\ncall bpf_xdp_adjust_tail\nexit'), { ctx: { packet } });
    expect(grow.packet).toEqual([...packet, 0, 0, 0, 0]);
    const shrink = runProgram(asm('.section xdp\nr2 = -60\ncall bpf_xdp_adjust_tail\nexit'), { ctx: { packet } });
    expect(r0(shrink)).toBe(-22);
    expect(runProgram(asm('.section xdp\nr2 = -50\ncall bpf_xdp_adjust_tail\nexit'), { ctx: { packet } }).packet).toEqual(packet.slice(0, 14));
  });
  it('redirect returns XDP_REDIRECT and records the target; bad flags are XDP_ABORTED', () => {
    const r = runProgram(asm('.section xdp\nr1 = 3\nr2 = 0\ncall bpf_redirect\nexit'), { ctx: { packet } });
    expect(r.meaning).toBe('XDP_REDIRECT');
    expect(r.redirect).toEqual({ ifindex: 3, flags: 0 });
    expect(runProgram(asm('.section xdp\nr1 = 3\nr2 = 1\ncall bpf_redirect\nexit'), { ctx: { packet } }).meaning).toBe('XDP_ABORTED');
    expect(runProgram(asm('.section tc\nr1 = 3\nr2 = 0\ncall bpf_redirect\nexit'), { ctx: { packet } }).meaning).toBe('TC_ACT_REDIRECT');
  });
  it('redirect_map redirects to a present key and falls back to the flags action otherwise', () => {
    const text = (key: number) => `.map tx array key=4 value=4 entries=2\n.section xdp\nr1 = tx ll\nr2 = ${key}\nr3 = 2\ncall bpf_redirect_map\nexit`;
    expect(runProgram(asm(text(1)), { ctx: { packet } }).meaning).toBe('XDP_REDIRECT');
    expect(runProgram(asm(text(5)), { ctx: { packet } }).meaning).toBe('XDP_PASS');
  });
  it('csum_diff folds the difference to 16 bits (Linux 6.13+)', () => {
    // Words are summed as loaded (little-endian): to = 0x01000000, ~from = 0x0000ffff,
    // sum 0x0100ffff, folded to 16 bits: 0x0100.
    const text = '.section tc\n*(u32 *)(r10 - 4) = 0xffff0000\n*(u32 *)(r10 - 8) = 0x01000000\nr1 = r10\nr1 += -4\nr2 = 4\nr3 = r10\nr3 += -8\nr4 = 4\nr5 = 0\ncall bpf_csum_diff\nexit';
    expect(r0(runProgram(asm(text), { ctx: { packet } }))).toBe(0x0100);
  });
});

describe('bpf_loop', () => {
  const text = (n: number, stopAt: number) => `.section socket
  *(u64 *)(r10 - 8) = 0
  r1 = ${n}
  r2 = body ll
  r3 = r10
  r3 += -8
  r4 = 0
  call bpf_loop
  r6 = *(u64 *)(r10 - 8)
  r0 <<= 16
  r0 |= r6
  exit
body:
  r3 = *(u64 *)(r2 + 0)
  r3 += r1
  *(u64 *)(r2 + 0) = r3
  r0 = 0
  if r1 != ${stopAt} goto cont
  r0 = 1
cont:
  exit`;
  it('calls back n times with the index and the context', () => {
    expect(r0(run(text(5, 99)))).toBe((5 << 16) | (0 + 1 + 2 + 3 + 4));
  });
  it('stops when the callback returns 1 and returns the iterations run', () => {
    expect(r0(run(text(10, 3)))).toBe((4 << 16) | (0 + 1 + 2 + 3));
  });
  it('refuses flags and more than 2^23 iterations', () => {
    expect(r0(run(text(5, 99).replace('r4 = 0', 'r4 = 1')))).toBe((-22 * 65536) | 0);
    expect(r0(run(text(5, 99).replace('r1 = 5', 'r1 = 8388609')))).toBe(-7 * 65536);
  });
});

describe('tail calls', () => {
  const text = `.map jt prog_array key=4 value=4 entries=4
.section socket
entry:
  r6 = *(u32 *)(r1 + 48)
  r6 += 1
  *(u32 *)(r1 + 48) = r6
  r2 = jt ll
  r3 = 0
  call bpf_tail_call
  r0 = 1000
  exit
.section socket/next
next:
  r0 = *(u32 *)(r1 + 48)
  r0 += 500
  exit`;
  it('jumps into the program at the index, keeping the context', () => {
    const [main, next] = asmAll(text);
    const r = runProgram(main, { programs: [next], maps: { jt: [{ key: 0, value: next.name }] } });
    expect(r0(r)).toBe(501);
  });
  it('falls through when the slot is empty', () => {
    const [main, next] = asmAll(text);
    expect(r0(runProgram(main, { programs: [next] }))).toBe(1000);
  });
  it('stops following after 33 tail calls, as the kernel does', () => {
    const [main] = asmAll(text);
    const r = runProgram(main, { maps: { jt: [{ key: 0, value: main.name }] } });
    // 1 entry + 33 tail calls ran the counting code 34 times; the 34th tail call fell through.
    expect(r0(r)).toBe(1000);
    expect(r.output.filter((l) => l.kind === 'note').map((l) => l.text)).toEqual(['tail call limit (33) reached: bpf_tail_call falls through']);
  });
});

describe('unknown helpers', () => {
  it('a kernel helper the VM lacks is named', () => {
    const r = run('.section socket\ncall 51\nexit'.replace('51', '100'));
    expect(r.fault?.kind).toBe('unknown-helper');
    expect(r.fault?.message).toBe('insn 0 (line 2): helper bpf_tcp_check_syncookie (#100) is not implemented by the VM');
  });
  it('an id the kernel does not define is reported as unknown', () => {
    const r = run('.section socket\ncall 9999\nexit');
    expect(r.fault?.message).toBe('insn 0 (line 2): call to unknown helper #9999');
  });
});

describe('bpf_for_each_map_elem', () => {
  // Sums the values into the caller's stack slot (callback_ctx) and stops (returns 1) at a value of 99.
  const program = (map: string) => `
.map h hash key=4 value=8 entries=8
.map a array key=4 value=8 entries=3
.section kprobe/f
  *(u64 *)(r10 - 8) = 0
  r1 = ${map} ll
  r2 = cb ll
  r3 = r10
  r3 += -8
  r4 = 0
  call bpf_for_each_map_elem
  r1 = *(u64 *)(r10 - 8)
  r1 <<= 8
  r0 |= r1
  exit
cb:
  r0 = *(u64 *)(r3 + 0)
  r1 = *(u64 *)(r4 + 0)
  r1 += r0
  *(u64 *)(r4 + 0) = r1
  r1 = r0
  r0 = 0
  if r1 != 99 goto out
  r0 = 1
out:
  exit`;
  const maps = (values: number[]) => ({ h: values.map((v, i) => ({ key: i + 1, value: v })), a: values.slice(0, 3).map((v, i) => ({ key: i, value: v })) });
  it('calls the callback per element with the key, the value and the context; returns how many it visited', () => {
    // (sum << 8) | visited: 5 + 6 + 7 = 18 over 3 elements.
    expect(r0(runProgram(asm(program('h')), { maps: maps([5, 6, 7]) }))).toBe((18 << 8) | 3);
    expect(r0(runProgram(asm(program('a')), { maps: maps([1, 2, 3]) }))).toBe((6 << 8) | 3);
  });
  it('stops when the callback returns 1 (the element that stops it counts)', () => {
    expect(r0(runProgram(asm(program('h')), { maps: maps([5, 99, 7]) }))).toBe((104 << 8) | 2);
  });
  it('an empty hash map visits nothing; a non-zero flags argument is -EINVAL', () => {
    expect(r0(runProgram(asm(program('h')), {}))).toBe(0);
    const bad = program('h').replace('r4 = 0\n  call', 'r4 = 1\n  call');
    expect(r0(runProgram(asm(bad), { maps: maps([1]) })) & 0xff).toBe(256 - 22);
  });
});
