// Socket filter copying header bytes out with bpf_skb_load_bytes: accepted.
#include "common.h"

SEC("socket")
int filter(struct __sk_buff *skb) {
  __u8 hdr[14];
  if (bpf_skb_load_bytes(skb, 0, hdr, sizeof(hdr)) < 0) return 0;
  if (hdr[12] == 0x08 && hdr[13] == 0x00) return -1;
  return 0;
}
