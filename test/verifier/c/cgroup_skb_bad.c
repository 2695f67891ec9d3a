// Returns the packet length from a cgroup skb filter: rejected (return value out of range).
#include "common.h"

SEC("cgroup_skb/ingress")
int allow(struct __sk_buff *skb) {
  return skb->len;
}
