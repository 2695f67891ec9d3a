// One case per helper the VM implements (the more detailed tests are in helpers.test.ts and
// maps.test.ts); the last test checks that no helper is left without a case here.
import { describe, expect, it } from 'vitest';
import { asm, r0 } from './support';
import { runProgram, type VmOptions } from '../../server/src/vm/index';
import { HELPERS } from '../../server/src/vm/helpers/index';

interface Case {
  section: string;
  maps?: string;
  code: string;
  options?: VmOptions;
  /** Expected r0 (signed). */
  r0: number | bigint;
}

const packet = Array.from({ length: 40 }, (_, i) => i);
const STK = 'r2 = r10\nr2 += -8\n';

const CASES: Record<string, Case> = {
  bpf_map_lookup_elem: { section: 'socket', maps: '.map h hash key=4 value=4 entries=1', code: `*(u32 *)(r10 - 8) = 1\nr1 = h ll\n${STK}call bpf_map_lookup_elem\nr0 = *(u32 *)(r0 + 0)\nexit`, options: { maps: { h: [{ key: 1, value: 9 }] } }, r0: 9 },
  bpf_map_update_elem: { section: 'socket', maps: '.map h hash key=4 value=4 entries=1', code: `*(u64 *)(r10 - 8) = 1\nr1 = h ll\n${STK}r3 = r2\nr4 = 2\ncall bpf_map_update_elem\nexit`, r0: -2 },
  bpf_map_delete_elem: { section: 'socket', maps: '.map h hash key=4 value=4 entries=1', code: `*(u64 *)(r10 - 8) = 1\nr1 = h ll\n${STK}call bpf_map_delete_elem\nexit`, options: { maps: { h: [{ key: 1, value: 9 }] } }, r0: 0 },
  bpf_map_push_elem: { section: 'socket', maps: '.map q queue key=0 value=4 entries=1', code: `*(u64 *)(r10 - 8) = 1\nr1 = q ll\n${STK}r3 = 0\ncall bpf_map_push_elem\nexit`, options: { maps: { q: [{ key: 0, value: 5 }] } }, r0: -7 },
  bpf_map_pop_elem: { section: 'socket', maps: '.map q queue key=0 value=4 entries=2', code: `r1 = q ll\n${STK}call bpf_map_pop_elem\nr0 = *(u32 *)(r10 - 8)\nexit`, options: { maps: { q: [{ key: 0, value: 5 }] } }, r0: 5 },
  bpf_map_peek_elem: { section: 'socket', maps: '.map s stack key=0 value=4 entries=2', code: `r1 = s ll\n${STK}call bpf_map_peek_elem\nexit`, r0: -2 },
  bpf_map_lookup_percpu_elem: { section: 'socket', maps: '.map a percpu_array key=4 value=4 entries=1', code: `*(u32 *)(r10 - 8) = 0\nr1 = a ll\n${STK}r3 = 1\ncall bpf_map_lookup_percpu_elem\nr0 = *(u32 *)(r0 + 0)\nexit`, options: { cpus: 2, maps: { a: [{ key: 0, values: [4, 8] }] } }, r0: 8 },
  bpf_ktime_get_ns: { section: 'socket', code: 'call bpf_ktime_get_ns\nexit', options: { clock: { startNs: 100, nsPerInsn: 2 } }, r0: 102 },
  bpf_ktime_get_boot_ns: { section: 'socket', code: 'call bpf_ktime_get_boot_ns\nexit', options: { clock: { startNs: 100, nsPerInsn: 2, bootOffsetNs: 1000 } }, r0: 1102 },
  bpf_ktime_get_coarse_ns: { section: 'socket', code: 'call bpf_ktime_get_coarse_ns\nexit', options: { clock: { startNs: 9_000_001 } }, r0: 8_000_000 },
  bpf_ktime_get_tai_ns: { section: 'socket', code: 'call bpf_ktime_get_tai_ns\nexit', options: { clock: { startNs: 0, nsPerInsn: 0 } }, r0: 37_000_000_000 },
  bpf_jiffies64: { section: 'socket', code: 'call bpf_jiffies64\nexit', options: { clock: { startNs: 8_000_000, nsPerInsn: 0 } }, r0: 0xfffedb08 + 2 },
  bpf_get_prandom_u32: { section: 'socket', code: 'call bpf_get_prandom_u32\nr0 >>= 32\nexit', r0: 0 },
  bpf_get_smp_processor_id: { section: 'socket', code: 'call bpf_get_smp_processor_id\nexit', options: { cpus: 8, cpu: 6 }, r0: 6 },
  bpf_get_numa_node_id: { section: 'socket', code: 'call bpf_get_numa_node_id\nexit', r0: 0 },
  bpf_get_current_pid_tgid: { section: 'kprobe/f', code: 'call bpf_get_current_pid_tgid\nexit', options: { task: { pid: 3, tgid: 2 } }, r0: 0x200000003n },
  bpf_get_current_uid_gid: { section: 'kprobe/f', code: 'call bpf_get_current_uid_gid\nexit', options: { task: { uid: 3, gid: 2 } }, r0: 0x200000003n },
  bpf_get_current_comm: { section: 'kprobe/f', code: 'r1 = r10\nr1 += -8\nr2 = 3\ncall bpf_get_current_comm\nr0 = *(u32 *)(r10 - 8)\nexit', options: { task: { comm: 'xyz' } }, r0: 0x7978 },
  bpf_get_current_task: { section: 'kprobe/f', code: 'call bpf_get_current_task\nr0 >>= 40\nexit', r0: 0xffff88 },
  bpf_get_current_task_btf: { section: 'kprobe/f', code: 'call bpf_get_current_task_btf\nr0 >>= 40\nexit', r0: 0xffff88 },
  bpf_get_current_cgroup_id: { section: 'kprobe/f', code: 'call bpf_get_current_cgroup_id\nexit', r0: 1 },
  bpf_trace_printk: { section: 'socket', code: '*(u32 *)(r10 - 4) = 0x7825\nr1 = r10\nr1 += -4\nr2 = 4\nr3 = 255\ncall bpf_trace_printk\nexit', r0: 2 },
  bpf_trace_vprintk: { section: 'socket', code: '*(u32 *)(r10 - 4) = 0x6425\n*(u64 *)(r10 - 16) = -3\nr1 = r10\nr1 += -4\nr2 = 4\nr3 = r10\nr3 += -16\nr4 = 8\ncall bpf_trace_vprintk\nexit', r0: 2 },
  bpf_snprintf: { section: 'socket', code: '*(u32 *)(r10 - 4) = 0x6425\n*(u64 *)(r10 - 16) = 12345\nr1 = r10\nr1 += -32\nr2 = 8\nr3 = r10\nr3 += -4\nr4 = r10\nr4 += -16\nr5 = 8\ncall bpf_snprintf\nexit', r0: 6 },
  bpf_probe_read: { section: 'kprobe/f', code: 'r1 = r10\nr1 += -8\nr2 = 8\nr3 = 0\ncall bpf_probe_read\nexit', r0: -14 },
  bpf_probe_read_user: { section: 'kprobe/f', code: 'r3 = *(u64 *)(r1 + 112)\nr1 = r10\nr1 += -8\nr2 = 2\ncall bpf_probe_read_user\nr0 = *(u16 *)(r10 - 8)\nexit', options: { ctx: { memory: [{ name: 'u', bytes: '34 12' }], args: ['&u'] } }, r0: 0x1234 },
  bpf_probe_read_kernel: { section: 'kprobe/f', code: 'r1 = r10\nr1 += -8\nr2 = 8\nr3 = 0\ncall bpf_probe_read_kernel\nexit', r0: -14 },
  bpf_probe_read_str: { section: 'kprobe/f', code: 'r3 = *(u64 *)(r1 + 112)\nr1 = r10\nr1 += -8\nr2 = 8\ncall bpf_probe_read_str\nexit', options: { ctx: { memory: [{ name: 's', text: 'ab' }], args: ['&s'] } }, r0: 3 },
  bpf_probe_read_user_str: { section: 'kprobe/f', code: 'r3 = *(u64 *)(r1 + 112)\nr1 = r10\nr1 += -8\nr2 = 8\ncall bpf_probe_read_user_str\nexit', options: { ctx: { memory: [{ name: 's', text: 'abcd' }], args: ['&s'] } }, r0: 5 },
  bpf_probe_read_kernel_str: { section: 'kprobe/f', code: 'r1 = r10\nr1 += -8\nr2 = 8\nr3 = 0\ncall bpf_probe_read_kernel_str\nexit', r0: -14 },
  bpf_skb_load_bytes: { section: 'tc', code: 'r2 = 2\nr3 = r10\nr3 += -8\nr4 = 2\ncall bpf_skb_load_bytes\nr0 = *(u16 *)(r10 - 8)\nexit', options: { ctx: { packet } }, r0: 0x0302 },
  bpf_skb_store_bytes: { section: 'tc', code: 'r6 = r1\n*(u16 *)(r10 - 8) = 0x7777\nr2 = 39\nr3 = r10\nr3 += -8\nr4 = 2\nr5 = 0\ncall bpf_skb_store_bytes\nexit', options: { ctx: { packet } }, r0: -14 },
  bpf_xdp_adjust_head: { section: 'xdp', code: 'r2 = 27\ncall bpf_xdp_adjust_head\nexit', options: { ctx: { packet } }, r0: -22 },
  bpf_xdp_adjust_tail: { section: 'xdp', code: 'r2 = -26\ncall bpf_xdp_adjust_tail\nexit', options: { ctx: { packet } }, r0: 0 },
  bpf_xdp_adjust_meta: { section: 'xdp', code: 'r6 = r1\nr2 = -8\ncall bpf_xdp_adjust_meta\nr2 = *(u32 *)(r6 + 0)\nr3 = *(u32 *)(r6 + 8)\nr2 -= r3\nr0 += r2\nexit', options: { ctx: { packet } }, r0: 8 },
  bpf_xdp_get_buff_len: { section: 'xdp', code: 'call bpf_xdp_get_buff_len\nexit', options: { ctx: { packet } }, r0: 40 },
  bpf_xdp_load_bytes: { section: 'xdp', code: 'r2 = 39\nr3 = r10\nr3 += -8\nr4 = 2\ncall bpf_xdp_load_bytes\nexit', options: { ctx: { packet } }, r0: -22 },
  bpf_xdp_store_bytes: { section: 'xdp', code: 'r2 = 1\nr3 = r10\nr3 += -8\n*(u8 *)(r10 - 8) = 0x99\nr4 = 1\ncall bpf_xdp_store_bytes\nexit', options: { ctx: { packet } }, r0: 0 },
  bpf_redirect: { section: 'xdp', code: 'r1 = 1\nr2 = 0\ncall bpf_redirect\nexit', options: { ctx: { packet } }, r0: 4 },
  bpf_redirect_map: { section: 'xdp', maps: '.map m hash key=4 value=4 entries=1', code: 'r1 = m ll\nr2 = 0\nr3 = 1\ncall bpf_redirect_map\nexit', options: { ctx: { packet } }, r0: 1 },
  bpf_csum_diff: { section: 'tc', code: '*(u32 *)(r10 - 4) = 0x0100\nr1 = 0\nr2 = 0\nr3 = r10\nr3 += -4\nr4 = 4\nr5 = 0\ncall bpf_csum_diff\nexit', options: { ctx: { packet } }, r0: 0x0100 },
  bpf_ringbuf_output: { section: 'socket', maps: '.map rb ringbuf key=0 value=0 entries=4096', code: 'r1 = rb ll\nr2 = r10\nr2 += -8\nr3 = 8\nr4 = 4\ncall bpf_ringbuf_output\nexit', r0: -22 },
  bpf_ringbuf_reserve: { section: 'socket', maps: '.map rb ringbuf key=0 value=0 entries=4096', code: 'r1 = rb ll\nr2 = 8192\nr3 = 0\ncall bpf_ringbuf_reserve\nexit', r0: 0 },
  bpf_ringbuf_submit: { section: 'socket', maps: '.map rb ringbuf key=0 value=0 entries=4096', code: 'r1 = rb ll\nr2 = 8\nr3 = 0\ncall bpf_ringbuf_reserve\nr1 = r0\nr2 = 0\ncall bpf_ringbuf_submit\nr1 = rb ll\nr2 = 0\ncall bpf_ringbuf_query\nexit', r0: 16 },
  bpf_ringbuf_discard: { section: 'socket', maps: '.map rb ringbuf key=0 value=0 entries=4096', code: 'r1 = rb ll\nr2 = 1\nr3 = 0\ncall bpf_ringbuf_reserve\nr1 = r0\nr2 = 0\ncall bpf_ringbuf_discard\nr1 = rb ll\nr2 = 3\ncall bpf_ringbuf_query\nexit', r0: 16 },
  bpf_ringbuf_query: { section: 'socket', maps: '.map rb ringbuf key=0 value=0 entries=8192', code: 'r1 = rb ll\nr2 = 1\ncall bpf_ringbuf_query\nexit', r0: 8192 },
  bpf_perf_event_output: { section: 'kprobe/f', maps: '.map ev perf_event_array key=4 value=4 entries=4', code: 'r2 = ev ll\nr3 = 3\nr4 = r10\nr4 += -8\nr5 = 8\ncall bpf_perf_event_output\nexit', options: { cpus: 2 }, r0: -2 },
  bpf_get_stackid: { section: 'kprobe/f', maps: '.map st stack_trace key=4 value=8 entries=4', code: 'r2 = st ll\nr3 = 256\ncall bpf_get_stackid\nexit', options: { task: { userStack: [] } }, r0: -14 },
  bpf_get_stack: { section: 'kprobe/f', code: 'r2 = r10\nr2 += -16\nr3 = 16\nr4 = 1\ncall bpf_get_stack\nr1 = *(u64 *)(r10 - 16)\nr0 += r1\nexit', options: { task: { kernelStack: [100n, 200n, 300n] } }, r0: 16 + 200 },
  bpf_tail_call: { section: 'socket', maps: '.map jt prog_array key=4 value=4 entries=1', code: 'r0 = 7\nr2 = jt ll\nr3 = 5\ncall bpf_tail_call\nexit', r0: 7 },
  bpf_loop: { section: 'socket', code: 'r1 = 3\nr2 = cb ll\nr3 = 0\nr4 = 0\ncall bpf_loop\nexit\ncb:\nr0 = 0\nexit', r0: 3 },
  bpf_for_each_map_elem: { section: 'kprobe/f', maps: '.map h hash key=4 value=4 entries=4', code: 'r1 = h ll\nr2 = cb ll\nr3 = 0\nr4 = 0\ncall bpf_for_each_map_elem\nexit\ncb:\nr0 = 0\nexit', options: { maps: { h: [{ key: 1, value: 1 }, { key: 2, value: 2 }] } }, r0: 2 },
};

describe('one case per helper', () => {
  for (const [name, c] of Object.entries(CASES)) {
    it(name, () => {
      const text = `${c.maps ?? ''}\n.section ${c.section}\n${c.code}`;
      const r = runProgram(asm(text), c.options ?? {});
      expect(r.error ?? r.fault?.message).toBeUndefined();
      expect(BigInt(r0(r))).toBe(BigInt(c.r0));
    });
  }
  it('covers every helper the VM implements', () => {
    expect(Object.keys(CASES).sort()).toEqual([...HELPERS.values()].map((h) => h.name).sort());
  });
});
