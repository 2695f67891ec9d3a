// Reads the IP header without checking it fits in the packet: rejected.
#include "common.h"
#include <linux/if_ether.h>
#include <linux/ip.h>

SEC("xdp")
int xdp_bad(struct xdp_md *ctx) {
  void *data = (void *)(long)ctx->data;
  void *data_end = (void *)(long)ctx->data_end;
  struct ethhdr *eth = data;
  if ((void *)(eth + 1) > data_end) return XDP_PASS;
  struct iphdr *ip = (void *)(eth + 1);
  return ip->protocol == 17 ? XDP_DROP : XDP_PASS;
}
