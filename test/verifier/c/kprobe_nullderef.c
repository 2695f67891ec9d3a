// Uses a lookup result without checking it for NULL: rejected.
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
  __u64 *v = bpf_map_lookup_elem(&calls, &pid);
  *v += 1;
  return 0;
}
