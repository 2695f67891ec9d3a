# Rejected by the kernel: the map lookup may return NULL, and r0 is used without a check.
.section kprobe/vfs_read
.map counts hash key=4 value=8 entries=1024

    r1 = 0
    *(u32 *)(r10 - 4) = r1
    r1 = counts ll
    r2 = r10
    r2 += -4
    call bpf_map_lookup_elem
    r1 = *(u64 *)(r0 + 0)          # r0 may be NULL here
    r0 = 0
    exit
