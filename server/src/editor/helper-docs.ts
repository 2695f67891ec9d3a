// What the commonly used helpers do, in a line each, with their C signatures, for hover and
// completion. Helpers not listed here still hover with their name and id; the argument types
// the verifier checks live with the verifier, not here.
import { helperId } from '../isa/helpers';

export interface HelperDoc {
  signature: string;
  doc: string;
}

const DOCS: Record<string, HelperDoc> = {
  map_lookup_elem: { signature: 'void *bpf_map_lookup_elem(struct bpf_map *map, const void *key)', doc: 'Looks up `key` in `map`. Returns a pointer to the value, or NULL when the key is absent — check for NULL before using it.' },
  map_update_elem: { signature: 'long bpf_map_update_elem(struct bpf_map *map, const void *key, const void *value, u64 flags)', doc: 'Adds or replaces the entry for `key`. `flags`: BPF_ANY (0), BPF_NOEXIST (1, only add) or BPF_EXIST (2, only replace). Returns 0 or a negative error.' },
  map_delete_elem: { signature: 'long bpf_map_delete_elem(struct bpf_map *map, const void *key)', doc: 'Removes the entry for `key`. Returns 0 or a negative error (-ENOENT when absent).' },
  probe_read: { signature: 'long bpf_probe_read(void *dst, u32 size, const void *unsafe_ptr)', doc: 'Copies `size` bytes from an arbitrary address into `dst` (tracing programs). Prefer probe_read_kernel/probe_read_user.' },
  ktime_get_ns: { signature: 'u64 bpf_ktime_get_ns(void)', doc: 'Nanoseconds since boot, not counting suspend (CLOCK_MONOTONIC).' },
  trace_printk: { signature: 'long bpf_trace_printk(const char *fmt, u32 fmt_size, ...)', doc: 'Writes a formatted line to the kernel trace pipe; at most three further arguments. For debugging.' },
  get_prandom_u32: { signature: 'u32 bpf_get_prandom_u32(void)', doc: 'A pseudo-random 32-bit number (not for cryptography).' },
  get_smp_processor_id: { signature: 'u32 bpf_get_smp_processor_id(void)', doc: 'ID of the CPU the program runs on.' },
  skb_store_bytes: { signature: 'long bpf_skb_store_bytes(struct sk_buff *skb, u32 offset, const void *from, u32 len, u64 flags)', doc: 'Writes `len` bytes into the packet at `offset`; may update the checksum (flags).' },
  tail_call: { signature: 'long bpf_tail_call(void *ctx, struct bpf_map *prog_array_map, u32 index)', doc: 'Jumps to the program at `index` of a prog_array map, never returning on success; falls through when the slot is empty.' },
  get_current_pid_tgid: { signature: 'u64 bpf_get_current_pid_tgid(void)', doc: 'The current task: thread group id (the user-visible PID) in the upper 32 bits, thread id in the lower 32.' },
  get_current_uid_gid: { signature: 'u64 bpf_get_current_uid_gid(void)', doc: 'The current task: group id in the upper 32 bits, user id in the lower 32.' },
  get_current_comm: { signature: 'long bpf_get_current_comm(void *buf, u32 size_of_buf)', doc: 'Copies the current task\'s name (at most 16 bytes with the NUL) into `buf`.' },
  redirect: { signature: 'long bpf_redirect(u32 ifindex, u64 flags)', doc: 'Redirects the packet to another interface; returns XDP_REDIRECT/TC_ACT_REDIRECT on success.' },
  perf_event_output: { signature: 'long bpf_perf_event_output(void *ctx, struct bpf_map *map, u64 flags, void *data, u64 size)', doc: 'Sends `size` bytes of `data` to user space through a perf_event_array map (flags: BPF_F_CURRENT_CPU).' },
  skb_load_bytes: { signature: 'long bpf_skb_load_bytes(const void *skb, u32 offset, void *to, u32 len)', doc: 'Copies `len` bytes of the packet from `offset` into `to`.' },
  get_stackid: { signature: 'long bpf_get_stackid(void *ctx, struct bpf_map *map, u64 flags)', doc: 'Walks the stack, stores it in a stack_trace map and returns its id.' },
  csum_diff: { signature: 's64 bpf_csum_diff(__be32 *from, u32 from_size, __be32 *to, u32 to_size, __wsum seed)', doc: 'Computes a checksum difference between two buffers (for incremental checksum updates).' },
  get_current_task: { signature: 'u64 bpf_get_current_task(void)', doc: 'Address of the current task_struct.' },
  probe_write_user: { signature: 'long bpf_probe_write_user(void *dst, const void *src, u32 len)', doc: 'Writes into user memory of the current process (debugging only; the kernel warns when used).' },
  xdp_adjust_head: { signature: 'long bpf_xdp_adjust_head(struct xdp_buff *xdp_md, int delta)', doc: 'Moves the packet start by `delta` bytes (negative grows headroom). Re-check packet bounds afterwards.' },
  probe_read_str: { signature: 'long bpf_probe_read_str(void *dst, u32 size, const void *unsafe_ptr)', doc: 'Copies a NUL-terminated string of at most `size` bytes; returns its length including the NUL.' },
  redirect_map: { signature: 'long bpf_redirect_map(struct bpf_map *map, u64 key, u64 flags)', doc: 'Redirects the packet to the endpoint stored at `key` of a devmap, cpumap or xskmap.' },
  xdp_adjust_tail: { signature: 'long bpf_xdp_adjust_tail(struct xdp_buff *xdp_md, int delta)', doc: 'Moves the packet end by `delta` bytes.' },
  get_stack: { signature: 'long bpf_get_stack(void *ctx, void *buf, u32 size, u64 flags)', doc: 'Copies the kernel or user stack (flags: BPF_F_USER_STACK) into `buf`; returns bytes written.' },
  get_current_cgroup_id: { signature: 'u64 bpf_get_current_cgroup_id(void)', doc: 'ID of the current task\'s cgroup (v2).' },
  map_push_elem: { signature: 'long bpf_map_push_elem(struct bpf_map *map, const void *value, u64 flags)', doc: 'Pushes `value` onto a queue or stack map.' },
  map_pop_elem: { signature: 'long bpf_map_pop_elem(struct bpf_map *map, void *value)', doc: 'Pops the next element of a queue or stack map into `value`.' },
  map_peek_elem: { signature: 'long bpf_map_peek_elem(struct bpf_map *map, void *value)', doc: 'Copies the next element of a queue or stack map into `value` without removing it.' },
  spin_lock: { signature: 'long bpf_spin_lock(struct bpf_spin_lock *lock)', doc: 'Takes a spin lock embedded in a map value; no helper calls until bpf_spin_unlock.' },
  spin_unlock: { signature: 'long bpf_spin_unlock(struct bpf_spin_lock *lock)', doc: 'Releases a lock taken with bpf_spin_lock.' },
  strtol: { signature: 'long bpf_strtol(const char *buf, size_t buf_len, u64 flags, long *res)', doc: 'Parses a signed integer from `buf` into `*res`.' },
  strtoul: { signature: 'long bpf_strtoul(const char *buf, size_t buf_len, u64 flags, unsigned long *res)', doc: 'Parses an unsigned integer from `buf` into `*res`.' },
  send_signal: { signature: 'long bpf_send_signal(u32 sig)', doc: 'Sends signal `sig` to the current process.' },
  probe_read_user: { signature: 'long bpf_probe_read_user(void *dst, u32 size, const void *unsafe_ptr)', doc: 'Copies `size` bytes from a user-space address into `dst`; zero-fills `dst` on failure.' },
  probe_read_kernel: { signature: 'long bpf_probe_read_kernel(void *dst, u32 size, const void *unsafe_ptr)', doc: 'Copies `size` bytes from a kernel address into `dst`; zero-fills `dst` on failure.' },
  probe_read_user_str: { signature: 'long bpf_probe_read_user_str(void *dst, u32 size, const void *unsafe_ptr)', doc: 'Copies a NUL-terminated user-space string; returns its length including the NUL.' },
  probe_read_kernel_str: { signature: 'long bpf_probe_read_kernel_str(void *dst, u32 size, const void *unsafe_ptr)', doc: 'Copies a NUL-terminated kernel string; returns its length including the NUL.' },
  jiffies64: { signature: 'u64 bpf_jiffies64(void)', doc: 'The kernel\'s 64-bit jiffies counter.' },
  ktime_get_boot_ns: { signature: 'u64 bpf_ktime_get_boot_ns(void)', doc: 'Nanoseconds since boot, including suspend (CLOCK_BOOTTIME).' },
  ringbuf_output: { signature: 'long bpf_ringbuf_output(void *ringbuf, void *data, u64 size, u64 flags)', doc: 'Copies `size` bytes of `data` into a ring buffer map.' },
  ringbuf_reserve: { signature: 'void *bpf_ringbuf_reserve(void *ringbuf, u64 size, u64 flags)', doc: 'Reserves `size` bytes in a ring buffer; returns a pointer or NULL. Every reservation must be submitted or discarded.' },
  ringbuf_submit: { signature: 'void bpf_ringbuf_submit(void *data, u64 flags)', doc: 'Publishes a reserved ring buffer record to user space.' },
  ringbuf_discard: { signature: 'void bpf_ringbuf_discard(void *data, u64 flags)', doc: 'Drops a reserved ring buffer record.' },
  ringbuf_query: { signature: 'u64 bpf_ringbuf_query(void *ringbuf, u64 flags)', doc: 'Reads a property of a ring buffer (available data, size, positions).' },
  snprintf: { signature: 'long bpf_snprintf(char *str, u32 str_size, const char *fmt, u64 *data, u32 data_len)', doc: 'Formats into `str` like snprintf, with the arguments in an array.' },
  loop: { signature: 'long bpf_loop(u32 nr_loops, void *callback_fn, void *callback_ctx, u64 flags)', doc: 'Calls `callback_fn` up to `nr_loops` times; stops early when it returns 1.' },
  strncmp: { signature: 'long bpf_strncmp(const char *s1, u32 s1_sz, const char *s2)', doc: 'Compares at most `s1_sz` bytes of two strings (s2 read-only); <0, 0 or >0.' },
  get_func_ip: { signature: 'u64 bpf_get_func_ip(void *ctx)', doc: 'Address of the traced function.' },
  ktime_get_coarse_ns: { signature: 'u64 bpf_ktime_get_coarse_ns(void)', doc: 'A cheaper, coarser monotonic timestamp in nanoseconds.' },
  for_each_map_elem: { signature: 'long bpf_for_each_map_elem(struct bpf_map *map, void *callback_fn, void *callback_ctx, u64 flags)', doc: 'Calls `callback_fn` for each element of `map`; stops early when it returns 1.' },
  map_lookup_percpu_elem: { signature: 'void *bpf_map_lookup_percpu_elem(struct bpf_map *map, const void *key, u32 cpu)', doc: 'Looks up `key` in a per-CPU map for a given CPU; NULL when absent.' },
};

export function helperDoc(name: string): HelperDoc | undefined {
  const id = helperId(name);
  if (id === undefined) return undefined;
  return DOCS[name.startsWith('bpf_') ? name.slice(4) : name];
}
