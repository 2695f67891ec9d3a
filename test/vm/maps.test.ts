// Each map type through its helpers, with the kernel's flag semantics and errno values.
import { describe, expect, it } from 'vitest';
import { asm, mapEntries, r0, run } from './support';
import { runProgram } from '../../server/src/vm/index';

/** A program that calls map_update_elem(map, &key, &value, flags) with key/value on the stack. */
const update = (map: string, key: number, value: number, flags: number) => `
  *(u32 *)(r10 - 4) = ${key}
  *(u64 *)(r10 - 16) = ${value}
  r1 = ${map} ll
  r2 = r10
  r2 += -4
  r3 = r10
  r3 += -16
  r4 = ${flags}
  call bpf_map_update_elem
`;

const lookup = (map: string, key: number) => `
  *(u32 *)(r10 - 4) = ${key}
  r1 = ${map} ll
  r2 = r10
  r2 += -4
  call bpf_map_lookup_elem
`;

describe('hash maps', () => {
  const decl = '.map h hash key=4 value=8 entries=2\n.section socket\n';
  it('creates with BPF_ANY and BPF_NOEXIST, refuses NOEXIST on an existing key with -EEXIST', () => {
    expect(r0(run(decl + update('h', 1, 10, 0) + 'exit'))).toBe(0);
    expect(r0(run(decl + update('h', 1, 10, 0) + update('h', 1, 11, 1) + 'exit'))).toBe(-17);
  });
  it('refuses BPF_EXIST on a missing key with -ENOENT, bad flags with -EINVAL', () => {
    expect(r0(run(decl + update('h', 1, 10, 2) + 'exit'))).toBe(-2);
    expect(r0(run(decl + update('h', 1, 10, 3) + 'exit'))).toBe(-22);
  });
  it('refuses a new key when full with -E2BIG but updates an existing one', () => {
    const full = decl + update('h', 1, 10, 0) + update('h', 2, 20, 0);
    expect(r0(run(full + update('h', 3, 30, 0) + 'exit'))).toBe(-7);
    const r = run(full + update('h', 2, 21, 2) + 'exit');
    expect(r0(r)).toBe(0);
    expect(mapEntries(r, 'h')).toEqual([
      { key: [1, 0, 0, 0], value: [10, 0, 0, 0, 0, 0, 0, 0] },
      { key: [2, 0, 0, 0], value: [21, 0, 0, 0, 0, 0, 0, 0] },
    ]);
  });
  it('looks up a value pointer that writes through, and NULL for a missing key', () => {
    const r = run(decl + update('h', 7, 5, 0) + lookup('h', 7) + 'r1 = 100\n*(u64 *)(r0 + 0) = r1\n' + lookup('h', 8) + 'exit');
    expect(r0(r)).toBe(0);
    expect(mapEntries(r, 'h')).toEqual([{ key: [7, 0, 0, 0], value: [100, 0, 0, 0, 0, 0, 0, 0] }]);
  });
  it('deletes (0) and reports a missing key (-ENOENT)', () => {
    const del = (k: number) => `*(u32 *)(r10 - 4) = ${k}\nr1 = h ll\nr2 = r10\nr2 += -4\ncall bpf_map_delete_elem\n`;
    expect(r0(run(decl + update('h', 1, 1, 0) + del(1) + 'exit'))).toBe(0);
    expect(r0(run(decl + del(1) + 'exit'))).toBe(-2);
  });
  it('takes initial contents from the options', () => {
    const r = run(decl + lookup('h', 3) + 'r0 = *(u64 *)(r0 + 0)\nexit', { maps: { h: [{ key: 3, value: '0x1122' }] } });
    expect(r0(r)).toBe(0x1122);
  });
});

describe('array maps', () => {
  const decl = '.map a array key=4 value=8 entries=4\n.section socket\n';
  it('has every index; lookup past the end is NULL', () => {
    expect(r0(run(decl + lookup('a', 3) + 'r0 = *(u64 *)(r0 + 0)\nexit'))).toBe(0);
    expect(r0(run(decl + lookup('a', 4) + 'exit'))).toBe(0);
  });
  it('update: NOEXIST is -EEXIST, index past the end -E2BIG; delete is -EINVAL', () => {
    expect(r0(run(decl + update('a', 1, 9, 1) + 'exit'))).toBe(-17);
    expect(r0(run(decl + update('a', 4, 9, 0) + 'exit'))).toBe(-7);
    expect(r0(run(decl + '*(u32 *)(r10 - 4) = 0\nr1 = a ll\nr2 = r10\nr2 += -4\ncall bpf_map_delete_elem\nexit'))).toBe(-22);
    const r = run(decl + update('a', 2, 0x0102, 2) + 'exit');
    expect(mapEntries(r, 'a')).toEqual([{ key: [2, 0, 0, 0], value: [2, 1, 0, 0, 0, 0, 0, 0] }]);
  });
});

describe('per-CPU maps', () => {
  it('percpu_array: the program sees its CPU copy; the dump shows every CPU', () => {
    const text = '.map pa percpu_array key=4 value=4 entries=1\n.section socket\n' + lookup('pa', 0) + 'r1 = 7\n*(u32 *)(r0 + 0) = r1\nr0 = 0\nexit';
    const r = runProgram(asm(text), { cpus: 3, cpu: 1 });
    expect(mapEntries(r, 'pa')).toEqual([{ key: [0, 0, 0, 0], values: [[0, 0, 0, 0], [7, 0, 0, 0], [0, 0, 0, 0]] }]);
  });
  it('percpu_hash: update from a program fills only the current CPU', () => {
    const text = '.map ph percpu_hash key=4 value=8 entries=8\n.section socket\n' + update('ph', 5, 3, 0) + 'exit';
    const r = runProgram(asm(text), { cpus: 2, cpu: 1 });
    expect(mapEntries(r, 'ph')).toEqual([{ key: [5, 0, 0, 0], values: [[0, 0, 0, 0, 0, 0, 0, 0], [3, 0, 0, 0, 0, 0, 0, 0]] }]);
  });
  it('map_lookup_percpu_elem reads another CPU, NULL past the last CPU', () => {
    const text = `.map pa percpu_array key=4 value=4 entries=1
.section socket
  *(u32 *)(r10 - 4) = 0
  r1 = pa ll
  r2 = r10
  r2 += -4
  r3 = 2
  call bpf_map_lookup_percpu_elem
  r0 = *(u32 *)(r0 + 0)
  exit`;
    expect(r0(runProgram(asm(text), { cpus: 3, maps: { pa: [{ key: 0, values: [1, 2, 3] }] } }))).toBe(3);
    expect(r0(runProgram(asm(text.replace('r3 = 2', 'r3 = 3').replace('r0 = *(u32 *)(r0 + 0)\n', '')), { cpus: 3 }))).toBe(0);
  });
});

describe('lru_hash', () => {
  it('evicts the least recently used key when full', () => {
    const decl = '.map l lru_hash key=4 value=8 entries=2\n.section socket\n';
    // Insert 1, 2; touch 1; insert 3 → 2 is evicted.
    const r = run(decl + update('l', 1, 1, 0) + update('l', 2, 2, 0) + lookup('l', 1) + update('l', 3, 3, 0) + 'exit');
    expect(r0(r)).toBe(0);
    expect(mapEntries(r, 'l').map((e) => e.key[0]).sort()).toEqual([1, 3]);
  });
});

describe('queue and stack maps', () => {
  const push = (map: string, v: number, flags = 0) => `*(u64 *)(r10 - 8) = ${v}\nr1 = ${map} ll\nr2 = r10\nr2 += -8\nr3 = ${flags}\ncall bpf_map_push_elem\n`;
  const pop = (map: string, helper = 'bpf_map_pop_elem') => `r1 = ${map} ll\nr2 = r10\nr2 += -16\ncall ${helper}\n`;
  it('queue: FIFO; full push is -E2BIG unless BPF_EXIST drops the oldest; empty pop is -ENOENT', () => {
    const decl = '.map q queue key=0 value=8 entries=2\n.section socket\n';
    expect(r0(run(decl + push('q', 1) + push('q', 2) + push('q', 3) + 'exit'))).toBe(-7);
    const r = run(decl + push('q', 1) + push('q', 2) + push('q', 3, 2) + pop('q') + 'r0 = *(u64 *)(r10 - 16)\nexit');
    expect(r0(r)).toBe(2);
    expect(mapEntries(r, 'q')).toEqual([{ key: [], value: [3, 0, 0, 0, 0, 0, 0, 0] }]);
    expect(r0(run(decl + pop('q') + 'exit'))).toBe(-2);
  });
  it('stack: LIFO, and peek leaves the element', () => {
    const decl = '.map s stack key=0 value=8 entries=4\n.section socket\n';
    const r = run(decl + push('s', 1) + push('s', 2) + pop('s', 'bpf_map_peek_elem') + 'r0 = *(u64 *)(r10 - 16)\nexit');
    expect(r0(r)).toBe(2);
    expect(mapEntries(r, 's').length).toBe(2);
  });
});

describe('ring buffers', () => {
  const decl = '.map rb ringbuf key=0 value=0 entries=4096\n.section socket\n';
  it('reserve, write, submit: the record reaches user space', () => {
    const r = run(decl + 'r1 = rb ll\nr2 = 4\nr3 = 0\ncall bpf_ringbuf_reserve\nif r0 == 0 goto out\nr1 = 0x11223344\n*(u32 *)(r0 + 0) = r1\nr1 = r0\nr2 = 0\ncall bpf_ringbuf_submit\nout:\nr0 = 0\nexit');
    expect(r.records).toEqual([{ map: 'rb', kind: 'ringbuf', cpu: 0, bytes: [0x44, 0x33, 0x22, 0x11] }]);
  });
  it('discard drops the record; output copies directly; query reports the ring size', () => {
    const r = run(decl + 'r1 = rb ll\nr2 = 8\nr3 = 0\ncall bpf_ringbuf_reserve\nr1 = r0\nr2 = 0\ncall bpf_ringbuf_discard\n*(u16 *)(r10 - 2) = 0x0605\nr1 = rb ll\nr2 = r10\nr2 += -2\nr3 = 2\nr4 = 0\ncall bpf_ringbuf_output\nr1 = rb ll\nr2 = 1\ncall bpf_ringbuf_query\nexit');
    expect(r0(r)).toBe(4096);
    expect(r.records).toEqual([{ map: 'rb', kind: 'ringbuf', cpu: 0, bytes: [5, 6] }]);
  });
  it('reserve fails (NULL) when the ring is full or flags are set', () => {
    expect(r0(run(decl + 'r1 = rb ll\nr2 = 4089\nr3 = 0\ncall bpf_ringbuf_reserve\nexit'))).toBe(0);
    expect(r0(run(decl + 'r1 = rb ll\nr2 = 8\nr3 = 1\ncall bpf_ringbuf_reserve\nexit'))).toBe(0);
  });
  it('a record may not be used after submit', () => {
    const r = run(decl + 'r1 = rb ll\nr2 = 8\nr3 = 0\ncall bpf_ringbuf_reserve\nr6 = r0\nr1 = r0\nr2 = 0\ncall bpf_ringbuf_submit\nr0 = *(u64 *)(r6 + 0)\nexit');
    expect(r.fault?.kind).toBe('out-of-bounds');
    expect(r.fault?.message).toBe(`insn 9 (line 11): 8-byte load at ${r.fault?.address}: ring buffer 'rb' record #0 is no longer valid (the record was submitted)`);
  });
  it('a ring buffer size that is not a power-of-two multiple of the page size is refused', () => {
    const r = run('.map rb ringbuf key=0 value=0 entries=1000\n.section socket\nr0 = 0\nexit');
    expect(r.error).toBe("map 'rb' (ringbuf): max_entries must be a power of 2 and a multiple of the page size (4096), got 1000");
  });
});

describe('perf_event_array', () => {
  it('records output on the current CPU; an index past the map is -E2BIG', () => {
    const text = (flags: string) => `.map ev perf_event_array key=4 value=4 entries=2
.section socket
  r6 = r1
  *(u32 *)(r10 - 4) = 0xabcd
  r1 = r6
  r2 = ev ll
  ${flags}
  r4 = r10
  r4 += -4
  r5 = 4
  call bpf_perf_event_output
  exit`;
    const r = runProgram(asm(text('r3 = 0xffffffff ll')), { cpu: 1, cpus: 2 });
    expect(r0(r)).toBe(0);
    expect(r.records).toEqual([{ map: 'ev', kind: 'perf_event', cpu: 1, bytes: [0xcd, 0xab, 0, 0] }]);
    expect(r0(runProgram(asm(text('r3 = 5')), {}))).toBe(-7);
  });
});

describe('stack_trace', () => {
  it('get_stackid gives the same id for the same stack and the map holds its addresses', () => {
    const text = `.map st stack_trace key=4 value=16 entries=64
.section kprobe/f
  r6 = r1
  r2 = st ll
  r3 = 0
  call bpf_get_stackid
  r7 = r0
  r1 = r6
  r2 = st ll
  r3 = 0
  call bpf_get_stackid
  r0 -= r7
  exit`;
    const r = runProgram(asm(text), { task: { kernelStack: [0xffffffff81000010n, 0xffffffff81000020n, 0xffffffff81000030n] } });
    expect(r0(r)).toBe(0);
    const e = mapEntries(r, 'st');
    expect(e.length).toBe(1);
    expect(e[0].value).toEqual([0x10, 0, 0, 0x81, 0xff, 0xff, 0xff, 0xff, 0x20, 0, 0, 0x81, 0xff, 0xff, 0xff, 0xff]);
  });
});
