// Counts calls per process in a hash map, with the NULL check: accepted.
#include "common.h"

struct {
  __uint(type, BPF_MAP_TYPE_HASH);
  __uint(max_entries, 1024);
  __type(key, __u32);
  __type(value, __u64);
} calls SEC(".maps");

SEC("kprobe/do_sys_openat2")
int count_open(void *ctx) {
  __u32 pid = bpf_get_current_pid_tgid() >> 32;
  __u64 one = 1;
  __u64 *v = bpf_map_lookup_elem(&calls, &pid);
  if (v) {
    __sync_fetch_and_add(v, 1);
    return 0;
  }
  bpf_map_update_elem(&calls, &pid, &one, BPF_NOEXIST);
  return 0;
}
