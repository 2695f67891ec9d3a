// Helper prototypes: for each helper id, the argument and return types as the kernel declares
// them (struct bpf_func_proto), the program types allowed to call it on a Linux 6.x kernel with
// CAP_BPF + CAP_PERFMON (measured on 6.18), and a signature and one-line doc for hovers.
// Data, not code: the verifier checks calls against it and the VM reads it too.
import type { ProgType } from '../core/types';
import { HELPER_NAMES } from './helpers';

/** The kernel's enum bpf_arg_type bases. */
export type ArgBase =
  | 'ARG_ANYTHING'
  | 'ARG_CONST_MAP_PTR'
  | 'ARG_PTR_TO_MAP_KEY'
  | 'ARG_PTR_TO_MAP_VALUE'
  | 'ARG_PTR_TO_MEM'
  | 'ARG_CONST_SIZE'
  | 'ARG_CONST_SIZE_OR_ZERO'
  | 'ARG_CONST_ALLOC_SIZE_OR_ZERO'
  | 'ARG_PTR_TO_CTX'
  | 'ARG_PTR_TO_STACK'
  | 'ARG_PTR_TO_FUNC'
  | 'ARG_PTR_TO_RINGBUF_MEM'
  | 'ARG_PTR_TO_SOCK_COMMON'
  | 'ARG_PTR_TO_BTF_ID_SOCK_COMMON'
  | 'ARG_PTR_TO_SOCKET'
  | 'ARG_PTR_TO_BTF_ID'
  | 'ARG_PTR_TO_PERCPU_BTF_ID'
  | 'ARG_PTR_TO_SPIN_LOCK'
  | 'ARG_PTR_TO_TIMER'
  | 'ARG_PTR_TO_CONST_STR'
  | 'ARG_PTR_TO_DYNPTR'
  | 'ARG_KPTR_XCHG_DEST';

/** Type flags the kernel ORs into an argument type. */
export type ArgFlag = 'PTR_MAYBE_NULL' | 'MEM_RDONLY' | 'MEM_UNINIT' | 'MEM_WRITE' | 'MEM_FIXED_SIZE' | 'MEM_ALIGNED' | 'OBJ_RELEASE';

export interface HelperArg {
  base: ArgBase;
  flags: readonly ArgFlag[];
  /** For MEM_FIXED_SIZE memory: the size in bytes. */
  size?: number;
  /** The declaration as the kernel writes it, e.g. `ARG_PTR_TO_MEM | MEM_RDONLY`. */
  text: string;
}

export type RetType =
  | 'RET_INTEGER'
  | 'RET_VOID'
  | 'RET_PTR_TO_MAP_VALUE'
  | 'RET_PTR_TO_MAP_VALUE_OR_NULL'
  | 'RET_PTR_TO_SOCKET_OR_NULL'
  | 'RET_PTR_TO_TCP_SOCK_OR_NULL'
  | 'RET_PTR_TO_SOCK_COMMON_OR_NULL'
  | 'RET_PTR_TO_RINGBUF_MEM_OR_NULL'
  | 'RET_PTR_TO_DYNPTR_MEM_OR_NULL'
  | 'RET_PTR_TO_BTF_ID'
  | 'RET_PTR_TO_BTF_ID_OR_NULL'
  | 'RET_PTR_TO_BTF_ID_TRUSTED'
  | 'RET_PTR_TO_MEM_OR_BTF_ID';

export interface HelperProto {
  id: number;
  /** Without the bpf_ prefix, as in enum bpf_func_id. */
  name: string;
  /** r1.. in order; helpers whose trailing arguments the kernel does not check list fewer. */
  args: readonly HelperArg[];
  ret: RetType;
  progTypes: readonly ProgType[];
  /** C signature for hovers. */
  signature: string;
  doc: string;
  /** Only GPL-compatible programs may call it. */
  gplOnly?: boolean;
  /** Returns a reference the program must release (ringbuf record, socket). */
  acquires?: boolean;
  /** May sleep: not allowed in the (non-sleepable) program types modelled here. */
  mightSleep?: boolean;
  /** Program types that get a different prototype of the same helper id (e.g. no context argument). */
  argsByType?: Partial<Record<ProgType, readonly HelperArg[]>>;
}

const ALL: readonly ProgType[] = ['socket_filter', 'sched_cls', 'xdp', 'kprobe', 'tracepoint', 'raw_tracepoint', 'perf_event', 'cgroup_skb'];
const TRACING: readonly ProgType[] = ['kprobe', 'tracepoint', 'raw_tracepoint', 'perf_event'];
const TC: readonly ProgType[] = ['sched_cls'];
const XDP: readonly ProgType[] = ['xdp'];
const TC_XDP: readonly ProgType[] = ['sched_cls', 'xdp'];
const SKB: readonly ProgType[] = ['socket_filter', 'sched_cls', 'cgroup_skb'];
const TC_CG: readonly ProgType[] = ['sched_cls', 'cgroup_skb'];
const TC_XDP_CG: readonly ProgType[] = ['sched_cls', 'xdp', 'cgroup_skb'];
const NET: readonly ProgType[] = ['socket_filter', 'sched_cls', 'xdp', 'cgroup_skb'];

/** Parses `ARG_PTR_TO_MEM | MEM_RDONLY` (and `size=N` for fixed-size memory). */
function arg(text: string): HelperArg {
  const parts = text.split('|').map((p) => p.trim());
  const sizePart = parts.find((p) => p.startsWith('size='));
  const flags = parts.slice(1).filter((p) => !p.startsWith('size=')) as ArgFlag[];
  return {
    base: parts[0] as ArgBase,
    flags,
    size: sizePart ? Number(sizePart.slice(5)) : undefined,
    text: parts.filter((p) => !p.startsWith('size=')).join(' | '),
  };
}

const A = 'ARG_ANYTHING';
const MAP = 'ARG_CONST_MAP_PTR';
const CTX = 'ARG_PTR_TO_CTX';
const KEY = 'ARG_PTR_TO_MAP_KEY';
const RO_MEM = 'ARG_PTR_TO_MEM | MEM_RDONLY';
const RO_MEM_OR_NULL = 'ARG_PTR_TO_MEM | PTR_MAYBE_NULL | MEM_RDONLY';
const UNINIT_MEM = 'ARG_PTR_TO_MEM | MEM_UNINIT | MEM_WRITE';
const SIZE = 'ARG_CONST_SIZE';
const SIZE0 = 'ARG_CONST_SIZE_OR_ZERO';
const BTF_SK = 'ARG_PTR_TO_BTF_ID_SOCK_COMMON';
const BTF = 'ARG_PTR_TO_BTF_ID';
const FUNC = 'ARG_PTR_TO_FUNC';
const STACK_OR_NULL = 'ARG_PTR_TO_STACK | PTR_MAYBE_NULL';
const TIMER = 'ARG_PTR_TO_TIMER';
const DYNPTR_RO = 'ARG_PTR_TO_DYNPTR | MEM_RDONLY';

type Row = [id: number, args: string[], ret: RetType, progs: readonly ProgType[], signature: string, doc: string, extra?: Partial<HelperProto>];

const ROWS: Row[] = [
  [1, [MAP, KEY], 'RET_PTR_TO_MAP_VALUE_OR_NULL', ALL, 'void *bpf_map_lookup_elem(struct bpf_map *map, const void *key)', 'Look up key in map; returns a pointer to the value, or NULL when the key is absent.'],
  [2, [MAP, KEY, 'ARG_PTR_TO_MAP_VALUE', A], 'RET_INTEGER', ALL, 'long bpf_map_update_elem(struct bpf_map *map, const void *key, const void *value, u64 flags)', 'Add or update the value for key (flags: BPF_ANY, BPF_NOEXIST, BPF_EXIST); 0 or a negative error.'],
  [3, [MAP, KEY], 'RET_INTEGER', ALL, 'long bpf_map_delete_elem(struct bpf_map *map, const void *key)', 'Delete key from map; 0 or a negative error.'],
  [4, [UNINIT_MEM, SIZE0, A], 'RET_INTEGER', TRACING, 'long bpf_probe_read(void *dst, u32 size, const void *unsafe_ptr)', 'Safely read size bytes from an arbitrary address into dst (legacy; prefer probe_read_kernel/user).', { gplOnly: true }],
  [5, [], 'RET_INTEGER', ALL, 'u64 bpf_ktime_get_ns(void)', 'Nanoseconds since boot, not counting suspend (CLOCK_MONOTONIC).'],
  [6, [RO_MEM, SIZE], 'RET_INTEGER', ALL, 'long bpf_trace_printk(const char *fmt, u32 fmt_size, ...)', 'printk-like output to the trace pipe; up to three extra arguments in r3-r5.', { gplOnly: true }],
  [7, [], 'RET_INTEGER', ALL, 'u32 bpf_get_prandom_u32(void)', 'A pseudo-random 32-bit number.'],
  [8, [], 'RET_INTEGER', ALL, 'u32 bpf_get_smp_processor_id(void)', 'The id of the CPU running the program.'],
  [9, [CTX, A, RO_MEM, SIZE, A], 'RET_INTEGER', TC, 'long bpf_skb_store_bytes(struct sk_buff *skb, u32 offset, const void *from, u32 len, u64 flags)', 'Store len bytes from `from` into the packet at offset.'],
  [10, [CTX, A, A, A, A], 'RET_INTEGER', TC, 'long bpf_l3_csum_replace(struct sk_buff *skb, u32 offset, u64 from, u64 to, u64 size)', 'Incrementally update an L3 (IP) checksum.'],
  [11, [CTX, A, A, A, A], 'RET_INTEGER', TC, 'long bpf_l4_csum_replace(struct sk_buff *skb, u32 offset, u64 from, u64 to, u64 flags)', 'Incrementally update an L4 (TCP/UDP) checksum.'],
  [12, [CTX, MAP, A], 'RET_VOID', ALL, 'long bpf_tail_call(void *ctx, struct bpf_map *prog_array_map, u32 index)', 'Jump into the program at index of a prog_array map; returns only when that fails.'],
  [13, [CTX, A, A], 'RET_INTEGER', TC, 'long bpf_clone_redirect(struct sk_buff *skb, u32 ifindex, u64 flags)', 'Clone the packet and redirect the clone to another interface.'],
  [14, [], 'RET_INTEGER', ALL, 'u64 bpf_get_current_pid_tgid(void)', 'tgid << 32 | pid of the current task.'],
  [15, [], 'RET_INTEGER', ALL, 'u64 bpf_get_current_uid_gid(void)', 'gid << 32 | uid of the current task.'],
  [16, [UNINIT_MEM, SIZE], 'RET_INTEGER', ALL, 'long bpf_get_current_comm(void *buf, u32 size_of_buf)', 'Copy the current task\'s name (comm) into buf.'],
  [17, [CTX], 'RET_INTEGER', ALL, 'u32 bpf_get_cgroup_classid(struct sk_buff *skb)', 'The net_cls cgroup classid of the packet\'s socket (tc); of the current task elsewhere, with no argument.',
    { argsByType: { socket_filter: [], xdp: [], kprobe: [], tracepoint: [], raw_tracepoint: [], perf_event: [], cgroup_skb: [] } }],
  [18, [CTX, A, A], 'RET_INTEGER', TC, 'long bpf_skb_vlan_push(struct sk_buff *skb, __be16 vlan_proto, u16 vlan_tci)', 'Push a VLAN tag.'],
  [19, [CTX], 'RET_INTEGER', TC, 'long bpf_skb_vlan_pop(struct sk_buff *skb)', 'Pop a VLAN tag.'],
  [20, [CTX, UNINIT_MEM, SIZE, A], 'RET_INTEGER', TC, 'long bpf_skb_get_tunnel_key(struct sk_buff *skb, struct bpf_tunnel_key *key, u32 size, u64 flags)', 'Read the tunnel metadata.'],
  [21, [CTX, RO_MEM, SIZE, A], 'RET_INTEGER', TC, 'long bpf_skb_set_tunnel_key(struct sk_buff *skb, struct bpf_tunnel_key *key, u32 size, u64 flags)', 'Set the tunnel metadata.'],
  [22, [MAP, A], 'RET_INTEGER', ALL, 'u64 bpf_perf_event_read(struct bpf_map *map, u64 flags)', 'Read a perf event counter from a perf_event_array.'],
  [23, [A, A], 'RET_INTEGER', TC_XDP, 'long bpf_redirect(u32 ifindex, u64 flags)', 'Redirect the packet to another interface.'],
  [24, [CTX], 'RET_INTEGER', TC, 'u32 bpf_get_route_realm(struct sk_buff *skb)', 'The realm of the packet\'s route.'],
  [25, [CTX, MAP, A, RO_MEM, SIZE0], 'RET_INTEGER', ALL, 'long bpf_perf_event_output(void *ctx, struct bpf_map *map, u64 flags, void *data, u64 size)', 'Write data to a perf_event_array ring for user space.'],
  [26, [CTX, A, UNINIT_MEM, SIZE], 'RET_INTEGER', SKB, 'long bpf_skb_load_bytes(const void *skb, u32 offset, void *to, u32 len)', 'Copy len bytes of the packet at offset into `to`.'],
  [27, [CTX, MAP, A], 'RET_INTEGER', TRACING, 'long bpf_get_stackid(void *ctx, struct bpf_map *map, u64 flags)', 'Walk the stack and store it in a stack_trace map; returns its id.', { gplOnly: true }],
  [28, [RO_MEM_OR_NULL, SIZE0, RO_MEM_OR_NULL, SIZE0, A], 'RET_INTEGER', TC_XDP, 's64 bpf_csum_diff(__be32 *from, u32 from_size, __be32 *to, u32 to_size, __wsum seed)', 'Checksum difference between two buffers.'],
  [29, [CTX, UNINIT_MEM, SIZE], 'RET_INTEGER', TC, 'long bpf_skb_get_tunnel_opt(struct sk_buff *skb, void *opt, u32 size)', 'Read tunnel options.'],
  [30, [CTX, RO_MEM, SIZE], 'RET_INTEGER', TC, 'long bpf_skb_set_tunnel_opt(struct sk_buff *skb, void *opt, u32 size)', 'Set tunnel options.'],
  [31, [CTX, A, A], 'RET_INTEGER', TC, 'long bpf_skb_change_proto(struct sk_buff *skb, __be16 proto, u64 flags)', 'Change the packet\'s protocol (IPv4 <-> IPv6).'],
  [32, [CTX, A], 'RET_INTEGER', TC, 'long bpf_skb_change_type(struct sk_buff *skb, u32 type)', 'Change the packet type.'],
  [33, [CTX, MAP, A], 'RET_INTEGER', TC, 'long bpf_skb_under_cgroup(struct sk_buff *skb, struct bpf_map *map, u32 index)', 'Whether the packet\'s socket is under the cgroup at index of a cgroup_array.'],
  [34, [CTX], 'RET_INTEGER', TC, 'u32 bpf_get_hash_recalc(struct sk_buff *skb)', 'The packet hash, recomputed if needed.'],
  [35, [], 'RET_INTEGER', ALL, 'u64 bpf_get_current_task(void)', 'Address of the current task_struct.', { gplOnly: true }],
  [37, [MAP, A], 'RET_INTEGER', ALL, 'long bpf_current_task_under_cgroup(struct bpf_map *map, u32 index)', 'Whether the current task is under the cgroup at index.'],
  [38, [CTX, A, A], 'RET_INTEGER', TC, 'long bpf_skb_change_tail(struct sk_buff *skb, u32 len, u64 flags)', 'Resize the packet to len.'],
  [39, [CTX, A], 'RET_INTEGER', TC, 'long bpf_skb_pull_data(struct sk_buff *skb, u32 len)', 'Make len bytes directly accessible; invalidates packet pointers.'],
  [40, [CTX, A], 'RET_INTEGER', TC, 's64 bpf_csum_update(struct sk_buff *skb, __wsum csum)', 'Add csum to the packet checksum.'],
  [41, [CTX], 'RET_VOID', TC, 'void bpf_set_hash_invalid(struct sk_buff *skb)', 'Invalidate the packet hash.'],
  [42, [], 'RET_INTEGER', ALL, 'long bpf_get_numa_node_id(void)', 'The NUMA node of the current CPU.'],
  [43, [CTX, A, A], 'RET_INTEGER', TC, 'long bpf_skb_change_head(struct sk_buff *skb, u32 len, u64 flags)', 'Grow headroom by len; invalidates packet pointers.'],
  [44, [CTX, A], 'RET_INTEGER', XDP, 'long bpf_xdp_adjust_head(struct xdp_buff *xdp_md, int delta)', 'Move the packet start by delta; invalidates packet pointers.'],
  [45, [UNINIT_MEM, SIZE0, A], 'RET_INTEGER', TRACING, 'long bpf_probe_read_str(void *dst, u32 size, const void *unsafe_ptr)', 'Copy a NUL-terminated string from an arbitrary address (legacy).', { gplOnly: true }],
  [46, [CTX], 'RET_INTEGER', SKB, 'u64 bpf_get_socket_cookie(void *ctx)', 'The socket cookie of the packet\'s socket.'],
  [47, [CTX], 'RET_INTEGER', SKB, 'u32 bpf_get_socket_uid(struct sk_buff *skb)', 'The owner uid of the packet\'s socket.'],
  [48, [CTX, A], 'RET_INTEGER', TC, 'long bpf_set_hash(struct sk_buff *skb, u32 hash)', 'Set the packet hash.'],
  [50, [CTX, A, A, A], 'RET_INTEGER', TC, 'long bpf_skb_adjust_room(struct sk_buff *skb, s32 len_diff, u32 mode, u64 flags)', 'Grow or shrink room in the packet.'],
  [51, [MAP, A, A], 'RET_INTEGER', XDP, 'long bpf_redirect_map(struct bpf_map *map, u64 key, u64 flags)', 'Redirect via a devmap, cpumap or xskmap entry.'],
  [54, [CTX, A], 'RET_INTEGER', XDP, 'long bpf_xdp_adjust_meta(struct xdp_buff *xdp_md, int delta)', 'Move the metadata start by delta.'],
  [55, [MAP, A, UNINIT_MEM, SIZE], 'RET_INTEGER', ALL, 'long bpf_perf_event_read_value(struct bpf_map *map, u64 flags, struct bpf_perf_event_value *buf, u32 buf_size)', 'Read a perf counter with enabled/running times.'],
  [56, [CTX, UNINIT_MEM, SIZE], 'RET_INTEGER', ['perf_event'], 'long bpf_perf_prog_read_value(struct bpf_perf_event_data *ctx, struct bpf_perf_event_value *buf, u32 buf_size)', 'Read the counter of the perf event the program is attached to.'],
  [65, [CTX, A], 'RET_INTEGER', XDP, 'long bpf_xdp_adjust_tail(struct xdp_buff *xdp_md, int delta)', 'Move the packet end by delta; invalidates packet pointers.'],
  [66, [CTX, A, UNINIT_MEM, SIZE, A], 'RET_INTEGER', TC, 'long bpf_skb_get_xfrm_state(struct sk_buff *skb, u32 index, struct bpf_xfrm_state *xfrm_state, u32 size, u64 flags)', 'Read the XFRM state at index.'],
  [67, [CTX, UNINIT_MEM, SIZE0, A], 'RET_INTEGER', TRACING, 'long bpf_get_stack(void *ctx, void *buf, u32 size, u64 flags)', 'Copy the current stack into buf; returns bytes copied.', { gplOnly: true }],
  [68, [CTX, A, UNINIT_MEM, SIZE, A], 'RET_INTEGER', SKB, 'long bpf_skb_load_bytes_relative(const void *skb, u32 offset, void *to, u32 len, u32 start_header)', 'Like skb_load_bytes, relative to a header.'],
  [69, [CTX, 'ARG_PTR_TO_MEM', SIZE, A], 'RET_INTEGER', TC_XDP, 'long bpf_fib_lookup(void *ctx, struct bpf_fib_lookup *params, int plen, u32 flags)', 'Look up the FIB (routing table).'],
  [79, [CTX], 'RET_INTEGER', TC_CG, 'u64 bpf_skb_cgroup_id(struct sk_buff *skb)', 'The cgroup v2 id of the packet\'s socket.'],
  [80, [], 'RET_INTEGER', ALL, 'u64 bpf_get_current_cgroup_id(void)', 'The cgroup v2 id of the current task.'],
  [81, [MAP, A], 'RET_PTR_TO_MAP_VALUE', ['cgroup_skb'], 'void *bpf_get_local_storage(void *map, u64 flags)', 'The cgroup local storage of the program.'],
  [83, [CTX, A], 'RET_INTEGER', TC_CG, 'u64 bpf_skb_ancestor_cgroup_id(struct sk_buff *skb, int ancestor_level)', 'The id of an ancestor cgroup of the packet\'s socket.'],
  [84, [CTX, RO_MEM, SIZE, A, A], 'RET_PTR_TO_SOCKET_OR_NULL', TC_XDP_CG, 'struct bpf_sock *bpf_sk_lookup_tcp(void *ctx, struct bpf_sock_tuple *tuple, u32 tuple_size, u64 netns, u64 flags)', 'Find a TCP socket; the result (if not NULL) must be released with bpf_sk_release.', { acquires: true }],
  [85, [CTX, RO_MEM, SIZE, A, A], 'RET_PTR_TO_SOCKET_OR_NULL', TC_XDP_CG, 'struct bpf_sock *bpf_sk_lookup_udp(void *ctx, struct bpf_sock_tuple *tuple, u32 tuple_size, u64 netns, u64 flags)', 'Find a UDP socket; the result (if not NULL) must be released with bpf_sk_release.', { acquires: true }],
  [86, [`${BTF_SK} | OBJ_RELEASE`], 'RET_INTEGER', TC_XDP_CG, 'long bpf_sk_release(void *sock)', 'Release a socket reference acquired by a lookup.'],
  [87, [MAP, 'ARG_PTR_TO_MAP_VALUE', A], 'RET_INTEGER', ALL, 'long bpf_map_push_elem(struct bpf_map *map, const void *value, u64 flags)', 'Push value onto a queue or stack map.'],
  [88, [MAP, 'ARG_PTR_TO_MAP_VALUE | MEM_UNINIT | MEM_WRITE'], 'RET_INTEGER', ALL, 'long bpf_map_pop_elem(struct bpf_map *map, void *value)', 'Pop a value from a queue or stack map.'],
  [89, [MAP, 'ARG_PTR_TO_MAP_VALUE | MEM_UNINIT | MEM_WRITE'], 'RET_INTEGER', ALL, 'long bpf_map_peek_elem(struct bpf_map *map, void *value)', 'Read the next value of a queue or stack map without removing it.'],
  [93, ['ARG_PTR_TO_SPIN_LOCK'], 'RET_VOID', ALL, 'long bpf_spin_lock(struct bpf_spin_lock *lock)', 'Take the spin lock inside a map value.'],
  [94, ['ARG_PTR_TO_SPIN_LOCK'], 'RET_VOID', ALL, 'long bpf_spin_unlock(struct bpf_spin_lock *lock)', 'Release the spin lock inside a map value.'],
  [95, ['ARG_PTR_TO_SOCK_COMMON'], 'RET_PTR_TO_SOCKET_OR_NULL', TC_CG, 'struct bpf_sock *bpf_sk_fullsock(struct bpf_sock *sk)', 'The full socket of sk, or NULL.'],
  [96, ['ARG_PTR_TO_SOCK_COMMON'], 'RET_PTR_TO_TCP_SOCK_OR_NULL', TC_CG, 'struct bpf_tcp_sock *bpf_tcp_sock(struct bpf_sock *sk)', 'The TCP socket of sk, or NULL.'],
  [97, [CTX], 'RET_INTEGER', TC_CG, 'long bpf_skb_ecn_set_ce(struct sk_buff *skb)', 'Set ECN Congestion Experienced.'],
  [98, ['ARG_PTR_TO_SOCK_COMMON'], 'RET_PTR_TO_SOCKET_OR_NULL', TC_CG, 'struct bpf_sock *bpf_get_listener_sock(struct bpf_sock *sk)', 'The listening socket of sk, or NULL.'],
  [99, [CTX, RO_MEM, SIZE, A, A], 'RET_PTR_TO_SOCK_COMMON_OR_NULL', TC_XDP_CG, 'struct bpf_sock *bpf_skc_lookup_tcp(void *ctx, struct bpf_sock_tuple *tuple, u32 tuple_size, u64 netns, u64 flags)', 'Find a TCP socket or request/timewait socket; must be released.', { acquires: true }],
  [100, [BTF_SK, RO_MEM, SIZE, RO_MEM, SIZE], 'RET_INTEGER', TC_XDP, 'long bpf_tcp_check_syncookie(void *sk, void *iph, u32 iph_len, struct tcphdr *th, u32 th_len)', 'Check a SYN cookie.'],
  [105, [RO_MEM, SIZE, A, 'ARG_PTR_TO_MEM | MEM_UNINIT | MEM_WRITE | MEM_FIXED_SIZE | MEM_ALIGNED | size=8'], 'RET_INTEGER', ALL, 'long bpf_strtol(const char *buf, size_t buf_len, u64 flags, long *res)', 'Parse a signed integer from buf into *res.'],
  [106, [RO_MEM, SIZE, A, 'ARG_PTR_TO_MEM | MEM_UNINIT | MEM_WRITE | MEM_FIXED_SIZE | MEM_ALIGNED | size=8'], 'RET_INTEGER', ALL, 'long bpf_strtoul(const char *buf, size_t buf_len, u64 flags, unsigned long *res)', 'Parse an unsigned integer from buf into *res.'],
  [107, [MAP, BTF_SK, 'ARG_PTR_TO_MAP_VALUE | PTR_MAYBE_NULL', A], 'RET_PTR_TO_MAP_VALUE_OR_NULL', TC_CG, 'void *bpf_sk_storage_get(struct bpf_map *map, void *sk, void *value, u64 flags)', 'Socket-local storage of sk.'],
  [108, [MAP, BTF_SK], 'RET_INTEGER', TC_CG, 'long bpf_sk_storage_delete(struct bpf_map *map, void *sk)', 'Delete socket-local storage.'],
  [109, [A], 'RET_INTEGER', ALL, 'long bpf_send_signal(u32 sig)', 'Send a signal to the current process.'],
  [110, [BTF_SK, RO_MEM, SIZE, RO_MEM, SIZE], 'RET_INTEGER', TC_XDP, 's64 bpf_tcp_gen_syncookie(void *sk, void *iph, u32 iph_len, struct tcphdr *th, u32 th_len)', 'Generate a SYN cookie.'],
  [112, [UNINIT_MEM, SIZE0, A], 'RET_INTEGER', ALL, 'long bpf_probe_read_user(void *dst, u32 size, const void *unsafe_ptr)', 'Safely read size bytes from a user-space address into dst.', { gplOnly: true }],
  [113, [UNINIT_MEM, SIZE0, A], 'RET_INTEGER', ALL, 'long bpf_probe_read_kernel(void *dst, u32 size, const void *unsafe_ptr)', 'Safely read size bytes from a kernel address into dst.', { gplOnly: true }],
  [114, [UNINIT_MEM, SIZE0, A], 'RET_INTEGER', ALL, 'long bpf_probe_read_user_str(void *dst, u32 size, const void *unsafe_ptr)', 'Copy a NUL-terminated user-space string into dst; returns its length including the NUL.', { gplOnly: true }],
  [115, [UNINIT_MEM, SIZE0, A], 'RET_INTEGER', ALL, 'long bpf_probe_read_kernel_str(void *dst, u32 size, const void *unsafe_ptr)', 'Copy a NUL-terminated kernel string into dst; returns its length including the NUL.', { gplOnly: true }],
  [117, [A], 'RET_INTEGER', ALL, 'long bpf_send_signal_thread(u32 sig)', 'Send a signal to the current thread.'],
  [118, [], 'RET_INTEGER', ALL, 'u64 bpf_jiffies64(void)', 'The 64-bit jiffies counter.'],
  [119, [CTX, 'ARG_PTR_TO_MEM | PTR_MAYBE_NULL', SIZE0, A], 'RET_INTEGER', ['perf_event'], 'long bpf_read_branch_records(struct bpf_perf_event_data *ctx, void *buf, u32 size, u64 flags)', 'Read LBR branch records.', { gplOnly: true }],
  [120, [A, A, UNINIT_MEM, SIZE], 'RET_INTEGER', ALL, 'long bpf_get_ns_current_pid_tgid(u64 dev, u64 ino, struct bpf_pidns_info *nsdata, u32 size)', 'pid/tgid as seen from a pid namespace.'],
  [122, ['ARG_PTR_TO_CTX | PTR_MAYBE_NULL'], 'RET_INTEGER', SKB, 'u64 bpf_get_netns_cookie(void *ctx)', 'The network namespace cookie.'],
  [123, [A], 'RET_INTEGER', ALL, 'u64 bpf_get_current_ancestor_cgroup_id(int ancestor_level)', 'The id of an ancestor cgroup of the current task.'],
  [124, [CTX, BTF_SK, A], 'RET_INTEGER', TC, 'long bpf_sk_assign(struct sk_buff *skb, void *sk, u64 flags)', 'Assign the packet to a socket.'],
  [125, [], 'RET_INTEGER', ALL, 'u64 bpf_ktime_get_boot_ns(void)', 'Nanoseconds since boot, including suspend.'],
  [128, [BTF_SK], 'RET_INTEGER', ['cgroup_skb'], 'u64 bpf_sk_cgroup_id(void *sk)', 'The cgroup v2 id of a socket.'],
  [129, [BTF_SK, A], 'RET_INTEGER', ['cgroup_skb'], 'u64 bpf_sk_ancestor_cgroup_id(void *sk, int ancestor_level)', 'The id of an ancestor cgroup of a socket.'],
  [130, [MAP, RO_MEM, SIZE0, A], 'RET_INTEGER', ALL, 'long bpf_ringbuf_output(void *ringbuf, void *data, u64 size, u64 flags)', 'Copy data into a ring buffer record.'],
  [131, [MAP, 'ARG_CONST_ALLOC_SIZE_OR_ZERO', A], 'RET_PTR_TO_RINGBUF_MEM_OR_NULL', ALL, 'void *bpf_ringbuf_reserve(void *ringbuf, u64 size, u64 flags)', 'Reserve size bytes in a ring buffer; NULL when full. Must be submitted or discarded.', { acquires: true }],
  [132, ['ARG_PTR_TO_RINGBUF_MEM | OBJ_RELEASE', A], 'RET_VOID', ALL, 'void bpf_ringbuf_submit(void *data, u64 flags)', 'Submit a reserved ring buffer record.'],
  [133, ['ARG_PTR_TO_RINGBUF_MEM | OBJ_RELEASE', A], 'RET_VOID', ALL, 'void bpf_ringbuf_discard(void *data, u64 flags)', 'Discard a reserved ring buffer record.'],
  [134, [MAP, A], 'RET_INTEGER', ALL, 'u64 bpf_ringbuf_query(void *ringbuf, u64 flags)', 'Query ring buffer properties.'],
  [135, [CTX, A], 'RET_INTEGER', TC, 'long bpf_csum_level(struct sk_buff *skb, u64 level)', 'Adjust the checksum level.'],
  [136, [BTF_SK], 'RET_PTR_TO_BTF_ID_OR_NULL', NET, 'struct tcp6_sock *bpf_skc_to_tcp6_sock(void *sk)', 'Cast to tcp6_sock, or NULL.'],
  [137, [BTF_SK], 'RET_PTR_TO_BTF_ID_OR_NULL', NET, 'struct tcp_sock *bpf_skc_to_tcp_sock(void *sk)', 'Cast to tcp_sock, or NULL.'],
  [138, [BTF_SK], 'RET_PTR_TO_BTF_ID_OR_NULL', NET, 'struct tcp_timewait_sock *bpf_skc_to_tcp_timewait_sock(void *sk)', 'Cast to tcp_timewait_sock, or NULL.'],
  [139, [BTF_SK], 'RET_PTR_TO_BTF_ID_OR_NULL', NET, 'struct tcp_request_sock *bpf_skc_to_tcp_request_sock(void *sk)', 'Cast to tcp_request_sock, or NULL.'],
  [140, [BTF_SK], 'RET_PTR_TO_BTF_ID_OR_NULL', NET, 'struct udp6_sock *bpf_skc_to_udp6_sock(void *sk)', 'Cast to udp6_sock, or NULL.'],
  [141, [BTF, UNINIT_MEM, SIZE0, A], 'RET_INTEGER', ALL, 'long bpf_get_task_stack(struct task_struct *task, void *buf, u32 size, u64 flags)', 'Copy a task\'s stack into buf.', { gplOnly: true }],
  [148, [UNINIT_MEM, SIZE0, A], 'RET_INTEGER', ALL, 'long bpf_copy_from_user(void *dst, u32 size, const void *user_ptr)', 'Copy from user space (sleepable programs only).', { mightSleep: true }],
  [149, ['ARG_PTR_TO_MEM | MEM_WRITE', SIZE, RO_MEM, SIZE, A], 'RET_INTEGER', ALL, 'long bpf_snprintf_btf(char *str, u32 str_size, struct btf_ptr *ptr, u32 btf_ptr_size, u64 flags)', 'Print a typed kernel value using BTF.', { gplOnly: true }],
  [151, [CTX], 'RET_INTEGER', TC, 'u64 bpf_skb_cgroup_classid(struct sk_buff *skb)', 'The net_cls classid of the packet\'s socket (cgroup v2 aware).'],
  [152, [A, RO_MEM_OR_NULL, SIZE0, A], 'RET_INTEGER', TC, 'long bpf_redirect_neigh(u32 ifindex, struct bpf_redir_neigh *params, int plen, u64 flags)', 'Redirect with neighbour resolution.'],
  [153, ['ARG_PTR_TO_PERCPU_BTF_ID', A], 'RET_PTR_TO_MEM_OR_BTF_ID', ALL, 'void *bpf_per_cpu_ptr(const void *percpu_ptr, u32 cpu)', 'Address of a per-CPU kernel variable on a CPU.'],
  [154, ['ARG_PTR_TO_PERCPU_BTF_ID'], 'RET_PTR_TO_MEM_OR_BTF_ID', ALL, 'void *bpf_this_cpu_ptr(const void *percpu_ptr)', 'Address of a per-CPU kernel variable on this CPU.'],
  [155, [A, A], 'RET_INTEGER', TC, 'long bpf_redirect_peer(u32 ifindex, u64 flags)', 'Redirect to the peer of a veth/netkit device.'],
  [156, [MAP, BTF, 'ARG_PTR_TO_MAP_VALUE | PTR_MAYBE_NULL', A], 'RET_PTR_TO_MAP_VALUE_OR_NULL', ALL, 'void *bpf_task_storage_get(struct bpf_map *map, struct task_struct *task, void *value, u64 flags)', 'Task-local storage.'],
  [157, [MAP, BTF], 'RET_INTEGER', ALL, 'long bpf_task_storage_delete(struct bpf_map *map, struct task_struct *task)', 'Delete task-local storage.'],
  [158, [], 'RET_PTR_TO_BTF_ID_TRUSTED', ALL, 'struct task_struct *bpf_get_current_task_btf(void)', 'The current task as a typed pointer.', { gplOnly: true }],
  [160, [], 'RET_INTEGER', NET, 'u64 bpf_ktime_get_coarse_ns(void)', 'Coarse monotonic time in nanoseconds.'],
  [163, [CTX, A, 'ARG_PTR_TO_MEM | MEM_UNINIT | MEM_WRITE | MEM_FIXED_SIZE | MEM_ALIGNED | size=4', A, A], 'RET_INTEGER', TC_XDP, 'long bpf_check_mtu(void *ctx, u32 ifindex, u32 *mtu_len, s32 len_diff, u64 flags)', 'Check the packet length against an interface MTU.'],
  [164, [MAP, FUNC, STACK_OR_NULL, A], 'RET_INTEGER', ALL, 'long bpf_for_each_map_elem(struct bpf_map *map, void *callback_fn, void *callback_ctx, u64 flags)', 'Call callback_fn for each element of map.'],
  [165, ['ARG_PTR_TO_MEM | PTR_MAYBE_NULL | MEM_WRITE', SIZE0, 'ARG_PTR_TO_CONST_STR', RO_MEM_OR_NULL, SIZE0], 'RET_INTEGER', ALL, 'long bpf_snprintf(char *str, u32 str_size, const char *fmt, u64 *data, u32 data_len)', 'snprintf into str with a constant format string in a read-only map.'],
  [169, [TIMER, MAP, A], 'RET_INTEGER', ALL, 'long bpf_timer_init(struct bpf_timer *timer, struct bpf_map *map, u64 flags)', 'Initialise a timer inside a map value.'],
  [170, [TIMER, FUNC], 'RET_INTEGER', ALL, 'long bpf_timer_set_callback(struct bpf_timer *timer, void *callback_fn)', 'Set the timer callback.'],
  [171, [TIMER, A, A], 'RET_INTEGER', ALL, 'long bpf_timer_start(struct bpf_timer *timer, u64 nsecs, u64 flags)', 'Start the timer.'],
  [172, [TIMER], 'RET_INTEGER', ALL, 'long bpf_timer_cancel(struct bpf_timer *timer)', 'Cancel the timer.'],
  [173, [CTX], 'RET_INTEGER', TRACING, 'u64 bpf_get_func_ip(void *ctx)', 'Address of the traced function (kprobe only).'],
  [174, [CTX], 'RET_INTEGER', TRACING, 'u64 bpf_get_attach_cookie(void *ctx)', 'The cookie given when the program was attached.'],
  [175, [BTF], 'RET_PTR_TO_BTF_ID', ALL, 'long bpf_task_pt_regs(struct task_struct *task)', 'The pt_regs of a task.', { gplOnly: true }],
  [176, [UNINIT_MEM, SIZE0, A], 'RET_INTEGER', ALL, 'long bpf_get_branch_snapshot(void *entries, u32 size, u64 flags)', 'Snapshot the LBR branch records.', { gplOnly: true }],
  [177, [RO_MEM, SIZE, RO_MEM_OR_NULL, SIZE0], 'RET_INTEGER', ALL, 'long bpf_trace_vprintk(const char *fmt, u32 fmt_size, const void *data, u32 data_len)', 'trace_printk with an array of arguments.', { gplOnly: true }],
  [178, [BTF_SK], 'RET_PTR_TO_BTF_ID_OR_NULL', NET, 'struct unix_sock *bpf_skc_to_unix_sock(void *sk)', 'Cast to unix_sock, or NULL.'],
  [180, [BTF, A, FUNC, STACK_OR_NULL, A], 'RET_INTEGER', ALL, 'long bpf_find_vma(struct task_struct *task, u64 addr, void *callback_fn, void *callback_ctx, u64 flags)', 'Find the VMA of a task containing addr and call callback_fn.'],
  [181, [A, FUNC, STACK_OR_NULL, A], 'RET_INTEGER', ALL, 'long bpf_loop(u32 nr_loops, void *callback_fn, void *callback_ctx, u64 flags)', 'Call callback_fn up to nr_loops times.'],
  [182, [RO_MEM, SIZE, 'ARG_PTR_TO_CONST_STR'], 'RET_INTEGER', ALL, 'long bpf_strncmp(const char *s1, u32 s1_sz, const char *s2)', 'Compare s1 with a constant string s2.'],
  [188, [CTX], 'RET_INTEGER', XDP, 'u64 bpf_xdp_get_buff_len(struct xdp_buff *xdp_md)', 'Total length of the (possibly multi-buffer) packet.'],
  [189, [CTX, A, UNINIT_MEM, SIZE], 'RET_INTEGER', XDP, 'long bpf_xdp_load_bytes(struct xdp_buff *xdp_md, u32 offset, void *buf, u32 len)', 'Copy len bytes of the packet at offset into buf.'],
  [190, [CTX, A, RO_MEM, SIZE], 'RET_INTEGER', XDP, 'long bpf_xdp_store_bytes(struct xdp_buff *xdp_md, u32 offset, void *buf, u32 len)', 'Store len bytes from buf into the packet at offset.'],
  [191, [UNINIT_MEM, SIZE0, A, BTF, A], 'RET_INTEGER', ALL, 'long bpf_copy_from_user_task(void *dst, u32 size, const void *user_ptr, struct task_struct *tsk, u64 flags)', 'Copy from another task\'s user memory (sleepable programs only).', { mightSleep: true }],
  [192, [CTX, A, A], 'RET_INTEGER', TC, 'long bpf_skb_set_tstamp(struct sk_buff *skb, u64 tstamp, u32 tstamp_type)', 'Set the packet timestamp.'],
  [194, ['ARG_KPTR_XCHG_DEST', 'ARG_PTR_TO_BTF_ID | PTR_MAYBE_NULL | OBJ_RELEASE'], 'RET_PTR_TO_BTF_ID_OR_NULL', ALL, 'void *bpf_kptr_xchg(void *dst, void *ptr)', 'Exchange a referenced kernel pointer stored in a map value.'],
  [195, [MAP, KEY, A], 'RET_PTR_TO_MAP_VALUE_OR_NULL', ALL, 'void *bpf_map_lookup_percpu_elem(struct bpf_map *map, const void *key, u32 cpu)', 'Look up key in a per-CPU map on the given CPU.'],
  [196, ['ARG_PTR_TO_SOCK_COMMON'], 'RET_PTR_TO_BTF_ID_OR_NULL', NET, 'struct mptcp_sock *bpf_skc_to_mptcp_sock(void *sk)', 'Cast to mptcp_sock, or NULL.'],
  [197, [UNINIT_MEM, SIZE0, A, 'ARG_PTR_TO_DYNPTR | MEM_UNINIT'], 'RET_INTEGER', ALL, 'long bpf_dynptr_from_mem(void *data, u32 size, u64 flags, struct bpf_dynptr *ptr)', 'Make a dynptr over local memory.'],
  [198, [MAP, A, A, 'ARG_PTR_TO_DYNPTR | MEM_UNINIT'], 'RET_INTEGER', ALL, 'long bpf_ringbuf_reserve_dynptr(void *ringbuf, u32 size, u64 flags, struct bpf_dynptr *ptr)', 'Reserve a ring buffer record as a dynptr.'],
  [199, ['ARG_PTR_TO_DYNPTR | OBJ_RELEASE', A], 'RET_VOID', ALL, 'void bpf_ringbuf_submit_dynptr(struct bpf_dynptr *ptr, u64 flags)', 'Submit a dynptr ring buffer record.'],
  [200, ['ARG_PTR_TO_DYNPTR | OBJ_RELEASE', A], 'RET_VOID', ALL, 'void bpf_ringbuf_discard_dynptr(struct bpf_dynptr *ptr, u64 flags)', 'Discard a dynptr ring buffer record.'],
  [201, [UNINIT_MEM, SIZE0, DYNPTR_RO, A, A], 'RET_INTEGER', ALL, 'long bpf_dynptr_read(void *dst, u32 len, const struct bpf_dynptr *src, u32 offset, u64 flags)', 'Read from a dynptr.'],
  [202, [DYNPTR_RO, A, RO_MEM, SIZE0, A], 'RET_INTEGER', ALL, 'long bpf_dynptr_write(const struct bpf_dynptr *dst, u32 offset, void *src, u32 len, u64 flags)', 'Write into a dynptr.'],
  [203, [DYNPTR_RO, A, 'ARG_CONST_ALLOC_SIZE_OR_ZERO'], 'RET_PTR_TO_DYNPTR_MEM_OR_NULL', ALL, 'void *bpf_dynptr_data(const struct bpf_dynptr *ptr, u32 offset, u32 len)', 'A direct pointer into a dynptr, or NULL.'],
  [204, ['ARG_PTR_TO_MEM | MEM_RDONLY | MEM_FIXED_SIZE | size=20', RO_MEM, SIZE], 'RET_INTEGER', TC_XDP, 's64 bpf_tcp_raw_gen_syncookie_ipv4(struct iphdr *iph, struct tcphdr *th, u32 th_len)', 'Generate an IPv4 SYN cookie from raw headers.'],
  [205, ['ARG_PTR_TO_MEM | MEM_RDONLY | MEM_FIXED_SIZE | size=40', RO_MEM, SIZE], 'RET_INTEGER', TC_XDP, 's64 bpf_tcp_raw_gen_syncookie_ipv6(struct ipv6hdr *iph, struct tcphdr *th, u32 th_len)', 'Generate an IPv6 SYN cookie from raw headers.'],
  [206, ['ARG_PTR_TO_MEM | MEM_RDONLY | MEM_FIXED_SIZE | size=20', 'ARG_PTR_TO_MEM | MEM_RDONLY | MEM_FIXED_SIZE | size=20'], 'RET_INTEGER', TC_XDP, 'long bpf_tcp_raw_check_syncookie_ipv4(struct iphdr *iph, struct tcphdr *th)', 'Check an IPv4 SYN cookie.'],
  [207, ['ARG_PTR_TO_MEM | MEM_RDONLY | MEM_FIXED_SIZE | size=40', 'ARG_PTR_TO_MEM | MEM_RDONLY | MEM_FIXED_SIZE | size=20'], 'RET_INTEGER', TC_XDP, 'long bpf_tcp_raw_check_syncookie_ipv6(struct ipv6hdr *iph, struct tcphdr *th)', 'Check an IPv6 SYN cookie.'],
  [208, [], 'RET_INTEGER', ALL, 'u64 bpf_ktime_get_tai_ns(void)', 'TAI time in nanoseconds.'],
  [209, [MAP, FUNC, STACK_OR_NULL, A], 'RET_INTEGER', ALL, 'long bpf_user_ringbuf_drain(struct bpf_map *map, void *callback_fn, void *ctx, u64 flags)', 'Drain samples from a user ring buffer.'],
  [210, [MAP, BTF, 'ARG_PTR_TO_MAP_VALUE | PTR_MAYBE_NULL', A], 'RET_PTR_TO_MAP_VALUE_OR_NULL', ALL, 'void *bpf_cgrp_storage_get(struct bpf_map *map, struct cgroup *cgroup, void *value, u64 flags)', 'Cgroup-local storage.'],
  [211, [MAP, BTF], 'RET_INTEGER', ALL, 'long bpf_cgrp_storage_delete(struct bpf_map *map, struct cgroup *cgroup)', 'Delete cgroup-local storage.'],
];

/** Prototypes by helper id; ids the modelled program types cannot call are absent. */
export const HELPER_PROTOS: ReadonlyMap<number, HelperProto> = new Map(
  ROWS.map(([id, args, ret, progTypes, signature, doc, extra]) => [
    id,
    { id, name: HELPER_NAMES[id], args: args.map(arg), ret, progTypes, signature, doc, ...extra },
  ]),
);

export function helperProto(id: number): HelperProto | undefined {
  return HELPER_PROTOS.get(id);
}

/** The argument list a program type sees for a helper. */
export function helperArgs(proto: HelperProto, progType: ProgType): readonly HelperArg[] {
  return proto.argsByType?.[progType] ?? proto.args;
}

/** Whether `progType` may call helper `id` (false for unknown ids). */
export function helperAllowed(id: number, progType: ProgType): boolean {
  return HELPER_PROTOS.get(id)?.progTypes.includes(progType) ?? false;
}

/** Helpers whose calls may move or resize the packet (tail calls too): packet pointers die after them. */
export const CHANGES_PKT_DATA: ReadonlySet<number> = new Set([9, 10, 11, 12, 13, 18, 19, 31, 38, 39, 43, 44, 50, 54, 65]);
