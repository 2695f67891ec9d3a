// A bounded loop over a map value array: accepted.
#include "common.h"

struct hist { __u64 slots[32]; };
struct {
  __uint(type, BPF_MAP_TYPE_ARRAY);
  __uint(max_entries, 1);
  __type(key, __u32);
  __type(value, struct hist);
} h SEC(".maps");

SEC("raw_tracepoint/sched_switch")
int total(void *ctx) {
  __u32 k = 0;
  struct hist *v = bpf_map_lookup_elem(&h, &k);
  if (!v) return 0;
  __u64 s = 0;
  for (int i = 0; i < 32; i++) s += v->slots[i];
  v->slots[0] = s;
  return 0;
}
