// A cgroup skb filter returning 0 or 1: accepted.
#include "common.h"

SEC("cgroup_skb/ingress")
int allow(struct __sk_buff *skb) {
  return skb->len < 1500 ? 1 : 0;
}
