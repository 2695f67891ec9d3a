// A tc classifier that rewrites the destination MAC in place: accepted.
#include "common.h"
#include <linux/if_ether.h>
#include <linux/pkt_cls.h>

SEC("tc")
int rewrite(struct __sk_buff *skb) {
  void *data = (void *)(long)skb->data;
  void *data_end = (void *)(long)skb->data_end;
  struct ethhdr *eth = data;
  if ((void *)(eth + 1) > data_end) return TC_ACT_OK;
  for (int i = 0; i < 6; i++) eth->h_dest[i] = 0xff;
  skb->mark = 42;
  return TC_ACT_OK;
}
