// Global variables (.bss/.data) used as maps through direct value loads: accepted.
#include "common.h"

__u64 counter = 0;
__u32 limit = 100;

SEC("kprobe/do_nanosleep")
int tick(void *ctx) {
  if (counter < limit) counter++;
  return 0;
}
