// Walks TCP options from a tc classifier with bpf_skb_load_bytes and a bounded loop. Rejected:
// `i += len` leaves the index with a range (0..0x1ff) the stack read opts[i] cannot allow.
#include "common.h"
#include <linux/if_ether.h>
#include <linux/ip.h>
#include <linux/tcp.h>
#include <linux/pkt_cls.h>

struct {
  __uint(type, BPF_MAP_TYPE_ARRAY);
  __uint(max_entries, 256);
  __type(key, __u32);
  __type(value, __u64);
} option_kinds SEC(".maps");

SEC("tc")
int options(struct __sk_buff *skb) {
  struct iphdr ip;
  if (bpf_skb_load_bytes(skb, ETH_HLEN, &ip, sizeof(ip)) < 0) return TC_ACT_OK;
  if (ip.protocol != IPPROTO_TCP || ip.ihl < 5) return TC_ACT_OK;
  __u32 tcp_off = ETH_HLEN + ip.ihl * 4;
  struct tcphdr tcp;
  if (bpf_skb_load_bytes(skb, tcp_off, &tcp, sizeof(tcp)) < 0) return TC_ACT_OK;
  __u32 opt_len = tcp.doff * 4;
  if (opt_len <= sizeof(tcp)) return TC_ACT_OK;
  opt_len -= sizeof(tcp);
  __u8 opts[40];
  if (opt_len > sizeof(opts)) opt_len = sizeof(opts);
  if (bpf_skb_load_bytes(skb, tcp_off + sizeof(tcp), opts, sizeof(opts)) < 0) return TC_ACT_OK;
  __u32 i = 0;
  for (int n = 0; n < 40; n++) {
    if (i >= opt_len || i >= sizeof(opts)) break;
    __u32 kind = opts[i];
    if (kind == 0) break;
    __u64 *c = bpf_map_lookup_elem(&option_kinds, &kind);
    if (c) __sync_fetch_and_add(c, 1);
    if (kind == 1) { i++; continue; }
    if (i + 1 >= sizeof(opts)) break;
    __u8 len = opts[i + 1];
    if (len < 2) break;
    i += len;
  }
  return TC_ACT_OK;
}
