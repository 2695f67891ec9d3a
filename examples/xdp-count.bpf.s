# Counts IPv4 packets by IP protocol number and lets every packet pass.
# Kernel/LLVM syntax, as llvm-objdump and verifier logs print it.
.section xdp
.map proto_count array key=4 value=8 entries=256

    r2 = *(u32 *)(r1 + 0)          # r2 = xdp_md->data
    r3 = *(u32 *)(r1 + 4)          # r3 = xdp_md->data_end
    r4 = r2
    r4 += 34                       # Ethernet (14) + IPv4 header (20)
    if r4 > r3 goto pass           # packet too short to read the header
    r5 = *(u16 *)(r2 + 12)         # EtherType, network byte order
    if r5 != 0x8 goto pass         # 0x0800 read little-endian: not IPv4
    r5 = *(u8 *)(r2 + 23)          # IPv4 protocol field
    *(u32 *)(r10 - 4) = r5
    r1 = proto_count ll
    r2 = r10
    r2 += -4
    call bpf_map_lookup_elem
    if r0 == 0 goto pass
    r1 = 1
    lock *(u64 *)(r0 + 0) += r1
pass:
    r0 = 2                         # XDP_PASS
    exit
