// Every kind of fault, with the exact message: the instruction, its line, the address, the size
// and the nearest region.
import { describe, expect, it } from 'vitest';
import { asm, run } from './support';
import { createVm, runProgram } from '../../server/src/vm/index';

const ADDR = '0x[0-9a-f]{16}';
const re = (s: string) => new RegExp('^' + s.replace(/[()[\]|.+?]/g, (c) => '\\' + c).replace(/ADDR/g, ADDR) + '$');

describe('out of bounds, per region', () => {
  it('stack: below the 512 bytes of the frame', () => {
    const r = run('.section socket\nr0 = *(u64 *)(r10 - 520)\nexit');
    expect(r.fault?.kind).toBe('out-of-bounds');
    expect(r.fault?.message).toMatch(re('insn 0 (line 2): 8-byte load at ADDR is out of bounds: it starts 8 byte(s) before the start of stack frame 0 (stack, 512 bytes at ADDR)'));
    expect(r.fault?.size).toBe(8);
    expect(r.fault?.region).toBe('stack frame 0');
  });
  it('stack: above r10', () => {
    const r = run('.section socket\n*(u32 *)(r10 - 2) = 1\nexit');
    expect(r.fault?.message).toMatch(re('insn 0 (line 2): 4-byte store at ADDR is out of bounds: it runs 2 byte(s) past the end of stack frame 0 (stack, 512 bytes at ADDR)'));
  });
  it('context', () => {
    const r = runProgram(asm('.section xdp\nr0 = *(u32 *)(r1 + 24)\nexit'), {});
    expect(r.fault?.message).toMatch(re('insn 0 (line 2): 4-byte load at ADDR is out of bounds: it starts at the end of context (xdp_md) (ctx, 24 bytes at ADDR)'));
  });
  it('map value', () => {
    const r = run('.map a array key=4 value=8 entries=1\n.section socket\n*(u32 *)(r10 - 4) = 0\nr1 = a ll\nr2 = r10\nr2 += -4\ncall bpf_map_lookup_elem\nr0 = *(u32 *)(r0 + 6)\nexit');
    expect(r.fault?.message).toMatch(re("insn 6 (line 8): 4-byte load at ADDR is out of bounds: it runs 2 byte(s) past the end of map 'a'[0] value (map_value, 8 bytes at ADDR)"));
  });
  it('packet', () => {
    const r = runProgram(asm('.section xdp\nr2 = *(u32 *)(r1 + 0)\n*(u64 *)(r2 + 10) = 0\nr0 = 2\nexit'), { ctx: { packet: new Array(14).fill(0) } });
    expect(r.fault?.message).toMatch(re('insn 1 (line 3): 8-byte store at ADDR is out of bounds: it runs 4 byte(s) past the end of packet (packet, 3776 bytes at ADDR, valid 14 bytes at offset 256)'));
  });
  it('ring buffer record (helper-returned memory)', () => {
    const r = run('.map rb ringbuf key=0 value=0 entries=4096\n.section socket\nr1 = rb ll\nr2 = 4\nr3 = 0\ncall bpf_ringbuf_reserve\n*(u64 *)(r0 + 0) = 0\nexit');
    expect(r.fault?.message).toMatch(re("insn 5 (line 7): 8-byte store at ADDR is out of bounds: it runs 4 byte(s) past the end of ring buffer 'rb' record #0 (ringbuf, 4 bytes at ADDR)"));
  });
  it('memory given as r1', () => {
    const r = run('.section socket\nr0 = *(u16 *)(r1 + 3)\nexit', { mem: '01 02 03 04' });
    expect(r.fault?.message).toMatch(re('insn 0 (line 2): 2-byte load at ADDR is out of bounds: it runs 1 byte(s) past the end of memory (r1) (mem, 4 bytes at ADDR)'));
  });
  it('null pointer', () => {
    const r = run('.section socket\nr1 = 0\nr0 = *(u64 *)(r1 + 16)\nexit');
    expect(r.fault?.kind).toBe('null-pointer');
    expect(r.fault?.message).toMatch(/^insn 1 \(line 3\): 8-byte load at 0x0000000000000010: null pointer dereference \(nearest region: /);
    expect(r.fault?.address).toBe('0x0000000000000010');
  });
  it('a map handle reads as its kernel struct: never written, and it ends where the struct does', () => {
    const store = run('.map a array key=4 value=8 entries=1\n.section socket\nr1 = a ll\n*(u32 *)(r1 + 76) = 9\nr0 = 0\nexit');
    expect(store.fault?.kind).toBe('read-only');
    expect(store.fault?.message).toMatch(re("insn 2 (line 4): 4-byte store at ADDR: map 'a' is a map: programs may read its kernel struct but never write it"));
    const past = run('.map a array key=4 value=8 entries=1\n.section socket\nr1 = a ll\nr0 = *(u64 *)(r1 + 312)\nexit');
    expect(past.fault?.message).toMatch(re("insn 2 (line 4): 8-byte load at ADDR is out of bounds: it starts at the end of map 'a' (map, 312 bytes at ADDR)"));
  });
  it('a function pointer is not memory', () => {
    const r = run('.section socket\nr1 = f ll\nr0 = *(u64 *)(r1 + 0)\nexit\nf:\nr0 = 0\nexit');
    expect(r.fault?.message).toMatch(re('insn 2 (line 3): 8-byte load at ADDR: code of socket is a function pointer, not memory'));
  });
  it('read-only map values (BPF_F_RDONLY_PROG)', () => {
    const r = run('.map ro array key=4 value=8 entries=1 flags=128\n.section socket\n*(u32 *)(r10 - 4) = 0\nr1 = ro ll\nr2 = r10\nr2 += -4\ncall bpf_map_lookup_elem\n*(u64 *)(r0 + 0) = 1\nexit');
    expect(r.fault?.kind).toBe('read-only');
    expect(r.fault?.message).toMatch(re("insn 6 (line 8): 8-byte store at ADDR: map 'ro'[0] value (map_value, 8 bytes at ADDR) is read-only"));
  });
});

describe('control faults', () => {
  it('instruction budget', () => {
    const r = run('.section socket\nloop:\nr0 += 1\ngoto loop\nexit', { budget: 1000 });
    expect(r.fault).toMatchObject({ kind: 'budget', pc: 0, message: 'insn 0 (line 3): instruction budget of 1,000 exhausted: the program may loop forever (raise it with --budget)' });
    expect(r.insnCount).toBe(1000);
    expect(r.registers[0]).toBe('0x00000000000001f4');
  });
  it('call depth: the ninth frame', () => {
    const r = run('.section socket\ncall f\nexit\nf:\ncall f\nexit');
    expect(r.fault).toMatchObject({ kind: 'call-depth', pc: 2, message: "insn 2 (line 5): call depth exceeds 8 frames (the kernel's limit): too deep recursion of bpf-to-bpf calls" });
  });
  it('running past the last instruction', () => {
    expect(run('.section socket\nr0 = 0').fault?.message).toBe('insn 1: execution ran past the last instruction (slot 1); every path must end with exit');
  });
  it('a jump outside the program', () => {
    const r = runProgram({ name: 'j', section: 'socket', type: 'socket_filter', insns: [{ opcode: 0x05, dst: 0, src: 0, off: 50, imm: 0 }, { opcode: 0x95, dst: 0, src: 0, off: 0, imm: 0 }], maps: [], relocs: [], symbols: [] });
    expect(r.fault?.message).toBe('insn 0: jump to slot 51, outside the program (0..1)');
  });
  it('an error inside the VM becomes an internal fault, never an exception', () => {
    const vm = createVm(asm('.section socket\nr0 = 0\ncall bpf_ktime_get_ns\nexit'), {});
    vm.machine.callHelper = () => {
      throw new TypeError('boom');
    };
    expect(() => vm.run()).not.toThrow();
    expect(vm.state().fault).toMatchObject({ kind: 'internal', pc: 1, message: 'insn 1 (line 3): internal VM error (please report it): boom' });
  });
  it('an invalid encoding, when reached', () => {
    const r = runProgram({ name: 'bad', section: 'socket', type: 'socket_filter', insns: [{ opcode: 0xff, dst: 0, src: 0, off: 0, imm: 0 }], maps: [], relocs: [], symbols: [] });
    expect(r.fault).toMatchObject({ kind: 'bad-insn', message: 'insn 0: invalid instruction: unknown opcode 0xff' });
  });
});

describe('may_goto and callx', () => {
  it('may_goto falls through 2^23 times per frame, then jumps', () => {
    const r = run('.section socket\nr0 = 0\nloop:\nr0 += 1\nmay_goto out\ngoto loop\nout:\nexit', { budget: 30_000_000 });
    expect(r.fault).toBeUndefined();
    expect(r.r0).toBe('0x' + (8388608 + 1).toString(16).padStart(16, '0'));
    expect(r.insnCount).toBe(1 + 8388608 * 3 + 2 + 1);
  });
  it('callx calls a helper by the number in its register, or a function pointer', () => {
    expect(run('.section socket\nr2 = 8\ncallx r2\nexit', { cpus: 4, cpu: 2 }).r0).toBe('0x0000000000000002');
    expect(run('.section socket\nr2 = f ll\ncallx r2\nr0 += 1\nexit\nf:\nr0 = 41\nexit').r0).toBe('0x000000000000002a');
  });
});
