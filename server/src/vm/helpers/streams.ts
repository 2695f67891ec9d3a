// Output to user space (ring buffer, perf events) and stacks (get_stackid, get_stack).
import { fault } from '../faults';
import type { Machine } from '../machine';
import { ERRNO } from '../maps/types';
import { PerfEventArrayMap, RingbufMap, StackTraceMap, STACK_FLAGS } from '../maps/streams';
import { neg, u32, type Helper } from './types';

function ringbufArg(m: Machine, helper: string): RingbufMap {
  const map = m.mapArg(m.arg(1), `${helper} map`);
  if (!(map instanceof RingbufMap)) fault('helper', `${helper} needs a ringbuf map, got '${map.spec.name}' (${map.spec.type})`);
  return map;
}

function commit(m: Machine, discard: boolean): bigint {
  const helper = discard ? 'bpf_ringbuf_discard' : 'bpf_ringbuf_submit';
  const r = m.mem.regionOf(m.arg(1));
  if (!r || r.kind !== 'ringbuf' || r.base !== m.arg(1) || !(r.owner instanceof RingbufMap) || !r.owner.commit(r, discard)) {
    fault('helper', `${helper}: r1 is not a ring buffer record reserved and still open (got ${'0x' + m.arg(1).toString(16)})`);
  }
  return 0n;
}

function stackOf(m: Machine, flags: bigint): bigint[] {
  return flags & STACK_FLAGS.USER_STACK ? m.task.userStack : m.task.kernelStack;
}

export const STREAM_HELPERS: Helper[] = [
  {
    id: 130,
    name: 'bpf_ringbuf_output',
    run(m) {
      const rb = ringbufArg(m, 'bpf_ringbuf_output');
      const data = m.mem.readBytes(m.arg(2), u32(m.arg(3)), 'bpf_ringbuf_output read');
      return BigInt(rb.output(data, m.arg(4)));
    },
  },
  {
    id: 131,
    name: 'bpf_ringbuf_reserve',
    run(m) {
      const rb = ringbufArg(m, 'bpf_ringbuf_reserve');
      const r = rb.reserve(u32(m.arg(2)), m.arg(3));
      if (r) m.mem.recache(r);
      return r ? r.base : 0n;
    },
  },
  { id: 132, name: 'bpf_ringbuf_submit', run: (m) => commit(m, false) },
  { id: 133, name: 'bpf_ringbuf_discard', run: (m) => commit(m, true) },
  { id: 134, name: 'bpf_ringbuf_query', run: (m) => ringbufArg(m, 'bpf_ringbuf_query').query(m.arg(2)) },
  {
    id: 25,
    name: 'bpf_perf_event_output',
    run(m) {
      const map = m.mapArg(m.arg(2), 'bpf_perf_event_output map');
      if (!(map instanceof PerfEventArrayMap)) fault('helper', `bpf_perf_event_output needs a perf_event_array map, got '${map.spec.name}' (${map.spec.type})`);
      const data = m.mem.readBytes(m.arg(4), u32(m.arg(5)), 'bpf_perf_event_output read');
      return BigInt(map.output(m.arg(3), data));
    },
  },
  {
    id: 27,
    name: 'bpf_get_stackid',
    run(m) {
      const map = m.mapArg(m.arg(2), 'bpf_get_stackid map');
      if (!(map instanceof StackTraceMap)) fault('helper', `bpf_get_stackid needs a stack_trace map, got '${map.spec.name}' (${map.spec.type})`);
      const flags = m.arg(3);
      if (flags & ~(STACK_FLAGS.SKIP_MASK | STACK_FLAGS.USER_STACK | STACK_FLAGS.FAST_STACK_CMP | STACK_FLAGS.REUSE_STACKID)) return neg(ERRNO.EINVAL);
      return BigInt(map.stackId(stackOf(m, flags), flags));
    },
  },
  {
    id: 67,
    name: 'bpf_get_stack',
    run(m) {
      const size = u32(m.arg(3));
      const flags = m.arg(4);
      const out = m.mem.writableBytes(m.arg(2), size, 'bpf_get_stack write');
      if (flags & ~(STACK_FLAGS.SKIP_MASK | STACK_FLAGS.USER_STACK | (1n << 11n)) || size % 8 !== 0) {
        out.fill(0);
        return neg(ERRNO.EINVAL);
      }
      const skip = Number(flags & STACK_FLAGS.SKIP_MASK);
      const ips = stackOf(m, flags).slice(skip, skip + size / 8);
      const dv = new DataView(out.buffer, out.byteOffset, out.byteLength);
      out.fill(0);
      ips.forEach((ip, i) => dv.setBigUint64(i * 8, BigInt.asUintN(64, ip), true));
      return BigInt(ips.length * 8);
    },
  },
];
