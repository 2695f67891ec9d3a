// An index from the packet bounds-checked against the array: accepted.
#include "common.h"

struct entry { __u64 hits; __u64 bytes[8]; };
struct {
  __uint(type, BPF_MAP_TYPE_ARRAY);
  __uint(max_entries, 4);
  __type(key, __u32);
  __type(value, struct entry);
} stats SEC(".maps");

SEC("socket")
int idx_ok(struct __sk_buff *skb) {
  __u32 key = 0;
  struct entry *e = bpf_map_lookup_elem(&stats, &key);
  if (!e) return 0;
  __u32 i = skb->len;
  if (i >= 8) return 0;
  e->bytes[i] += skb->len;
  e->hits++;
  return 0;
}
