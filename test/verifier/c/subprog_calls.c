// bpf-to-bpf calls with stack buffers passed down: accepted.
#include "common.h"

static __noinline int sum(const __u8 *buf, int n) {
  int s = 0;
  for (int i = 0; i < 16; i++) {
    if (i >= n) break;
    s += buf[i];
  }
  return s;
}

static __noinline int fill(__u8 *buf) {
  for (int i = 0; i < 16; i++) buf[i] = i;
  return 16;
}

SEC("socket")
int calls(struct __sk_buff *skb) {
  __u8 buf[16];
  int n = fill(buf);
  return sum(buf, n) & 0xff;
}
