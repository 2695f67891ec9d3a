// A firewall-style XDP program: VLAN tags, IPv4 and IPv6, TCP/UDP ports, per-source counters in an
// LRU hash and a rule array: many branches that the verifier must prune well. Accepted.
#include "common.h"
#include <linux/if_ether.h>
#include <linux/ip.h>
#include <linux/ipv6.h>
#include <linux/tcp.h>
#include <linux/udp.h>

struct vlan_hdr { __be16 tci; __be16 proto; };
struct rule { __u32 action; __u32 hits; };

struct {
  __uint(type, BPF_MAP_TYPE_LRU_HASH);
  __uint(max_entries, 4096);
  __type(key, __u32);
  __type(value, __u64);
} sources SEC(".maps");

struct {
  __uint(type, BPF_MAP_TYPE_ARRAY);
  __uint(max_entries, 64);
  __type(key, __u32);
  __type(value, struct rule);
} rules SEC(".maps");

static __always_inline int port_action(__u16 port) {
  __u32 key = port & 63;
  struct rule *r = bpf_map_lookup_elem(&rules, &key);
  if (!r) return XDP_PASS;
  __sync_fetch_and_add(&r->hits, 1);
  return r->action == 1 ? XDP_DROP : XDP_PASS;
}

SEC("xdp")
int firewall(struct xdp_md *ctx) {
  void *data = (void *)(long)ctx->data;
  void *end = (void *)(long)ctx->data_end;
  struct ethhdr *eth = data;
  if ((void *)(eth + 1) > end) return XDP_DROP;
  __u16 proto = eth->h_proto;
  void *cur = eth + 1;
#pragma unroll
  for (int i = 0; i < 2; i++) {
    if (proto != __builtin_bswap16(ETH_P_8021Q) && proto != __builtin_bswap16(ETH_P_8021AD)) break;
    struct vlan_hdr *v = cur;
    if ((void *)(v + 1) > end) return XDP_DROP;
    proto = v->proto;
    cur = v + 1;
  }
  __u8 l4;
  void *l4hdr;
  if (proto == __builtin_bswap16(ETH_P_IP)) {
    struct iphdr *ip = cur;
    if ((void *)(ip + 1) > end) return XDP_DROP;
    if (ip->ihl < 5) return XDP_DROP;
    __u32 src = ip->saddr;
    __u64 *n = bpf_map_lookup_elem(&sources, &src);
    if (n) __sync_fetch_and_add(n, 1);
    else {
      __u64 one = 1;
      bpf_map_update_elem(&sources, &src, &one, BPF_ANY);
    }
    l4 = ip->protocol;
    l4hdr = (void *)ip + ip->ihl * 4;
  } else if (proto == __builtin_bswap16(ETH_P_IPV6)) {
    struct ipv6hdr *ip6 = cur;
    if ((void *)(ip6 + 1) > end) return XDP_DROP;
    l4 = ip6->nexthdr;
    l4hdr = ip6 + 1;
  } else {
    return XDP_PASS;
  }
  if (l4 == IPPROTO_TCP) {
    struct tcphdr *tcp = l4hdr;
    if ((void *)(tcp + 1) > end) return XDP_DROP;
    if (tcp->syn && !tcp->ack) return port_action(__builtin_bswap16(tcp->dest));
  } else if (l4 == IPPROTO_UDP) {
    struct udphdr *udp = l4hdr;
    if ((void *)(udp + 1) > end) return XDP_DROP;
    return port_action(__builtin_bswap16(udp->dest));
  }
  return XDP_PASS;
}
