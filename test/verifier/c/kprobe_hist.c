// A latency histogram: log2 bucket computed with a loop, per-CPU array, a hash of start times
// keyed by thread id. Accepted.
#include "common.h"

struct {
  __uint(type, BPF_MAP_TYPE_HASH);
  __uint(max_entries, 10240);
  __type(key, __u32);
  __type(value, __u64);
} start SEC(".maps");

struct {
  __uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
  __uint(max_entries, 64);
  __type(key, __u32);
  __type(value, __u64);
} hist SEC(".maps");

static __always_inline __u32 log2l(__u64 v) {
  __u32 r = 0;
  for (int i = 0; i < 63; i++) {
    if (v <= 1) break;
    v >>= 1;
    r++;
  }
  return r;
}

SEC("kprobe/do_nanosleep")
int enter(void *ctx) {
  __u32 tid = bpf_get_current_pid_tgid();
  __u64 ts = bpf_ktime_get_ns();
  bpf_map_update_elem(&start, &tid, &ts, BPF_ANY);
  return 0;
}

SEC("kretprobe/do_nanosleep")
int leave(void *ctx) {
  __u32 tid = bpf_get_current_pid_tgid();
  __u64 *tsp = bpf_map_lookup_elem(&start, &tid);
  if (!tsp) return 0;
  __u64 delta = bpf_ktime_get_ns() - *tsp;
  bpf_map_delete_elem(&start, &tid);
  __u32 slot = log2l(delta / 1000);
  if (slot >= 64) slot = 63;
  __u64 *c = bpf_map_lookup_elem(&hist, &slot);
  if (c) (*c)++;
  return 0;
}
