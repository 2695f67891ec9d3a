// A perf_event program reading the sample period: accepted.
#include "common.h"
#include <linux/bpf_perf_event.h>

struct {
  __uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
  __uint(max_entries, 1);
  __type(key, __u32);
  __type(value, __u64);
} total SEC(".maps");

SEC("perf_event")
int sample(struct bpf_perf_event_data *ctx) {
  __u32 k = 0;
  __u64 *v = bpf_map_lookup_elem(&total, &k);
  if (v) *v += ctx->sample_period;
  return 0;
}
