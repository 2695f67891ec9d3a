// Helpers that change the flow (tail_call, loop) and the probe_read family.
import { fault } from '../faults';
import type { Machine } from '../machine';
import { ERRNO } from '../maps/types';
import { neg, u32, type Helper } from './types';

/** BPF_MAX_LOOPS: the most iterations bpf_loop runs. */
const MAX_LOOPS = 1 << 23;

/** Copies size bytes from a possibly bad address: -EFAULT and a zeroed destination when it is bad. */
function probeRead(m: Machine, helper: string): bigint {
  const size = u32(m.arg(2));
  const out = m.mem.writableBytes(m.arg(1), size, `${helper} write`);
  try {
    out.set(m.mem.probeReadBytes(m.arg(3), size, `${helper} read`));
    return 0n;
  } catch {
    out.fill(0);
    return neg(ERRNO.EFAULT);
  }
}

/**
 * Copies a NUL-terminated string of at most size-1 bytes and a NUL; returns its length with the
 * NUL. A string that runs off the end of its memory is -EFAULT, as the kernel's copy faults there.
 */
function probeReadStr(m: Machine, helper: string): bigint {
  const size = u32(m.arg(2));
  if (size === 0) return 0n;
  const out = m.mem.writableBytes(m.arg(1), size, `${helper} write`);
  const bytes = m.mem.probeReadString(m.arg(3), size - 1, `${helper} read`);
  const terminated = bytes !== undefined && (bytes.length === size - 1 || bytes[bytes.length - 1] === 0);
  if (!terminated) {
    out.fill(0);
    return neg(ERRNO.EFAULT);
  }
  out.set(bytes);
  const n = bytes[bytes.length - 1] === 0 ? bytes.length : bytes.length + 1;
  out[n - 1] = 0;
  return BigInt(n);
}

export const CONTROL_HELPERS: Helper[] = [
  {
    id: 12,
    name: 'bpf_tail_call',
    run(m) {
      m.tailCall(m.arg(2), m.arg(3));
      return m.R[0]; // a failed tail call falls through and leaves r0 alone
    },
  },
  {
    id: 181,
    name: 'bpf_loop',
    run(m) {
      const n = u32(m.arg(1));
      const fn = m.arg(2);
      const ctx = m.arg(3);
      if (m.arg(4) !== 0n) return neg(ERRNO.EINVAL);
      if (n > MAX_LOOPS) return neg(ERRNO.E2BIG);
      const slot = m.codeTarget(fn);
      if (slot === undefined) fault('helper', `bpf_loop: r2 (0x${fn.toString(16)}) is not a function pointer (load one with lddw src=4 / "r2 = fn ll")`);
      for (let i = 0; i < n; i++) {
        if (m.invokeCallback(slot, [BigInt(i), ctx, 0n, 0n, 0n]) !== 0n) return BigInt(i + 1);
      }
      return BigInt(n);
    },
  },
  {
    id: 164,
    name: 'bpf_for_each_map_elem',
    run(m) {
      const map = m.mapArg(m.arg(1), 'bpf_for_each_map_elem map');
      const fn = m.arg(2);
      const ctx = m.arg(3);
      if (m.arg(4) !== 0n) return neg(ERRNO.EINVAL);
      const slot = m.codeTarget(fn);
      if (slot === undefined) fault('helper', `bpf_for_each_map_elem: r2 (0x${fn.toString(16)}) is not a function pointer (load one with lddw src=4 / "r2 = fn ll")`);
      if (!map.elements) return neg(ERRNO.EINVAL);
      // The key is handed over read-only, as the kernel passes the element's own key.
      const key = m.mem.alloc('helper', `map '${map.spec.name}' key (bpf_for_each_map_elem)`, map.spec.keySize, false);
      let n = 0;
      try {
        for (const e of map.elements()) {
          if (!e.live()) continue; // deleted by an earlier callback
          key.u8.set(e.key.subarray(0, map.spec.keySize));
          n++;
          if (m.invokeCallback(slot, [map.handle.base, key.base, e.value.base, ctx, 0n]) !== 0n) break;
        }
      } finally {
        m.mem.retire(key);
      }
      return BigInt(n);
    },
  },
  ...([
    [4, 'bpf_probe_read'],
    [112, 'bpf_probe_read_user'],
    [113, 'bpf_probe_read_kernel'],
  ] as const).map(([id, name]): Helper => ({ id, name, run: (m) => probeRead(m, name) })),
  ...([
    [45, 'bpf_probe_read_str'],
    [114, 'bpf_probe_read_user_str'],
    [115, 'bpf_probe_read_kernel_str'],
  ] as const).map(([id, name]): Helper => ({ id, name, run: (m) => probeReadStr(m, name) })),
];
