// The stepping API the debugger and the inspector use.
import { describe, expect, it } from 'vitest';
import { asm } from './support';
import { createVm, runProgram } from '../../server/src/vm/index';

const program = asm(`.map counts array key=4 value=8 entries=2
.section socket
  r6 = 5
  *(u64 *)(r10 - 8) = r6
  call f
  r0 += r6
  exit
f:
  r0 = 10
  r1 = 7
  *(u32 *)(r10 - 4) = r1
  exit`);

describe('createVm', () => {
  it('steps one instruction at a time and reports registers as hex', () => {
    const vm = createVm(program, {});
    expect(vm.state().status).toBe('ready');
    expect(vm.step()).toEqual({ pc: 1, status: 'ready' });
    const s = vm.state();
    expect(s.registers[6]).toBe('0x0000000000000005');
    expect(s.insnCount).toBe(1);
    expect(vm.registers()[6]).toBe(5n);
  });
  it('shows every frame with its stack bytes', () => {
    const vm = createVm(program, {});
    vm.run({ until: [7] }); // stop before `r1 = 7`... slot numbers: f starts at 5
    const s = vm.state();
    expect(s.pc).toBe(7);
    expect(s.frames.length).toBe(2);
    expect(s.frames[1]).toMatchObject({ depth: 1, entry: 5, returnPc: 3, callback: false });
    expect(s.frames[0].stack.slice(504)).toEqual([5, 0, 0, 0, 0, 0, 0, 0]);
    expect(s.frames[1].stack.every((b) => b === 0)).toBe(true);
  });
  it('runs to the end and keeps the maps', () => {
    const vm = createVm(program, {});
    expect(vm.run()).toEqual({ pc: 4, status: 'exited' });
    const s = vm.state();
    expect(s.r0).toBe('0x000000000000000f');
    expect(s.maps.map((m) => m.name)).toEqual(['counts']);
    expect(vm.step()).toEqual({ pc: 4, status: 'exited' }); // nothing more to do
  });
  it('reset starts over with the same result', () => {
    const vm = createVm(program, {});
    vm.run();
    const first = JSON.stringify(vm.state());
    vm.reset();
    expect(vm.state().status).toBe('ready');
    expect(vm.state().pc).toBe(0);
    vm.run();
    expect(JSON.stringify(vm.state())).toBe(first);
  });
  it('records a trace: pc, registers changed, memory written', () => {
    const vm = createVm(program, { trace: true });
    vm.run();
    const t = vm.trace();
    expect(t.length).toBe(vm.state().insnCount);
    expect(t[0]).toEqual({ pc: 0, regs: { r6: '0x0000000000000005' }, writes: [] });
    expect(t[1].writes).toEqual([{ address: expect.stringMatching(/^0x[0-9a-f]{16}$/), bytes: [5, 0, 0, 0, 0, 0, 0, 0] }]);
    expect(t[2]).toMatchObject({ pc: 2, regs: { r10: expect.any(String) } });
  });
  it('the trace includes what helpers write', () => {
    const vm = createVm(asm('.section socket\nr1 = r10\nr1 += -8\nr2 = 4\ncall bpf_get_current_comm\nexit'), { trace: true, task: { comm: 'ab' } });
    vm.run();
    expect(vm.trace()[3].writes).toEqual([{ address: expect.any(String), bytes: [0x61, 0x62, 0, 0] }]);
  });
  it('is deterministic: the same inputs give the same run', () => {
    const p = asm('.section socket\ncall bpf_get_prandom_u32\nr6 = r0\ncall bpf_ktime_get_ns\nr0 ^= r6\nexit');
    expect(JSON.stringify(runProgram(p, { seed: 9 }))).toBe(JSON.stringify(runProgram(p, { seed: 9 })));
  });
  it('runProgram reports bad options as an error instead of throwing', () => {
    const r = runProgram(program, { maps: { nope: [] } });
    expect(r).toMatchObject({ ok: false, error: "map init: the program has no map named 'nope'" });
  });
});
