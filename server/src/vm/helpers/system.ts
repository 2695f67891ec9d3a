// Time, randomness, the current CPU and task, and printing.
import type { Machine } from '../machine';
import { ERRNO } from '../maps/types';
import { bpfFormat } from './format';
import { neg, u32, type Helper } from './types';
import { latin1 } from '../memory';

/** HZ = 250: one jiffy every 4 ms. */
const NS_PER_JIFFY = 4_000_000n;
/** The kernel's INITIAL_JIFFIES: jiffies wrap 5 minutes after boot. */
const INITIAL_JIFFIES = BigInt.asUintN(64, BigInt.asUintN(32, -300n * 250n));

function readFormat(m: Machine, ptr: bigint, size: number, helper: string): string | bigint {
  const bytes = m.mem.readBytes(ptr, size, `${helper} format read`);
  const nul = bytes.indexOf(0);
  if (nul < 0) return neg(ERRNO.EINVAL); // the format must be NUL-terminated within its size
  return latin1(bytes.subarray(0, nul));
}

function readArgs(m: Machine, ptr: bigint, len: number, helper: string): bigint[] | bigint {
  if (len % 8 !== 0 || len > 12 * 8) return neg(ERRNO.EINVAL);
  if (len === 0) return [];
  const b = m.mem.readBytes(ptr, len, `${helper} argument read`);
  const dv = new DataView(b.buffer, b.byteOffset, b.byteLength);
  return Array.from({ length: len / 8 }, (_, i) => dv.getBigUint64(i * 8, true));
}

function printk(m: Machine, fmt: string, args: bigint[], helper: string): bigint {
  const r = bpfFormat(fmt, args, m.mem);
  if (!r.ok) {
    m.note(`${helper}: ${r.reason}; returns -EINVAL`);
    return neg(ERRNO.EINVAL);
  }
  m.print(r.text.endsWith('\n') ? r.text.slice(0, -1) : r.text);
  return BigInt(r.text.length);
}

export const SYSTEM_HELPERS: Helper[] = [
  { id: 5, name: 'bpf_ktime_get_ns', run: (m) => m.now() },
  { id: 125, name: 'bpf_ktime_get_boot_ns', run: (m) => m.now() + m.bootOffset },
  { id: 160, name: 'bpf_ktime_get_coarse_ns', run: (m) => m.now() - (m.now() % NS_PER_JIFFY) },
  { id: 208, name: 'bpf_ktime_get_tai_ns', run: (m) => m.now() + 37_000_000_000n },
  { id: 118, name: 'bpf_jiffies64', run: (m) => INITIAL_JIFFIES + m.now() / NS_PER_JIFFY },
  { id: 7, name: 'bpf_get_prandom_u32', run: (m) => m.random() & 0xffffffffn },
  { id: 8, name: 'bpf_get_smp_processor_id', run: (m) => BigInt(m.cpuId) },
  { id: 42, name: 'bpf_get_numa_node_id', run: () => 0n },
  { id: 14, name: 'bpf_get_current_pid_tgid', run: (m) => (BigInt(m.task.tgid >>> 0) << 32n) | BigInt(m.task.pid >>> 0) },
  { id: 15, name: 'bpf_get_current_uid_gid', run: (m) => (BigInt(m.task.gid >>> 0) << 32n) | BigInt(m.task.uid >>> 0) },
  {
    id: 16,
    name: 'bpf_get_current_comm',
    run(m) {
      const size = u32(m.arg(2));
      const out = m.mem.writableBytes(m.arg(1), size, 'bpf_get_current_comm write');
      // task->comm is 16 bytes; strscpy_pad copies at most size-1 of them and zero-fills the rest.
      const comm = new TextEncoder().encode(m.task.comm).subarray(0, 15);
      out.fill(0);
      if (size > 0) out.set(comm.subarray(0, size - 1));
      return 0n;
    },
  },
  { id: 35, name: 'bpf_get_current_task', run: (m) => 0xffff888100000000n + BigInt(m.task.pid) * 0x4000n },
  { id: 158, name: 'bpf_get_current_task_btf', run: (m) => 0xffff888100000000n + BigInt(m.task.pid) * 0x4000n },
  { id: 80, name: 'bpf_get_current_cgroup_id', run: () => 1n },
  {
    id: 6,
    name: 'bpf_trace_printk',
    run(m) {
      const fmt = readFormat(m, m.arg(1), u32(m.arg(2)), 'bpf_trace_printk');
      if (typeof fmt !== 'string') return fmt;
      return printk(m, fmt, [m.arg(3), m.arg(4), m.arg(5)], 'bpf_trace_printk');
    },
  },
  {
    id: 177,
    name: 'bpf_trace_vprintk',
    run(m) {
      const fmt = readFormat(m, m.arg(1), u32(m.arg(2)), 'bpf_trace_vprintk');
      if (typeof fmt !== 'string') return fmt;
      const args = readArgs(m, m.arg(3), u32(m.arg(4)), 'bpf_trace_vprintk');
      if (typeof args === 'bigint') return args;
      return printk(m, fmt, args, 'bpf_trace_vprintk');
    },
  },
  {
    id: 165,
    name: 'bpf_snprintf',
    run(m) {
      const size = u32(m.arg(2));
      const fmt = m.mem.readCString(m.arg(3), 4096);
      if (fmt === undefined) return neg(ERRNO.EINVAL);
      const args = readArgs(m, m.arg(4), u32(m.arg(5)), 'bpf_snprintf');
      if (typeof args === 'bigint') return args;
      const r = bpfFormat(fmt, args, m.mem);
      if (!r.ok) return neg(ERRNO.EINVAL);
      const bytes = new TextEncoder().encode(r.text);
      if (size > 0) {
        const out = m.mem.writableBytes(m.arg(1), size, 'bpf_snprintf write');
        const n = Math.min(bytes.length, size - 1);
        out.set(bytes.subarray(0, n));
        out[n] = 0;
      }
      return BigInt(bytes.length + 1);
    },
  },
];
