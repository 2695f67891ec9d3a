#!/usr/bin/env bash
# The main job on the bundled examples: assemble, disassemble, verify and run a program;
# check and run a probe script against an events file.
set -u
cd "$(dirname "$0")/.."
cli() { echo; echo "\$ ebpf-studio $*"; node dist/cli/cli.js "$@"; echo "(exit $?)"; }

cli asm examples/xdp-count.bpf.s
cli disasm examples/sum-mnemonic.bpf.s --dialect llvm
cli verify examples/xdp-count.bpf.s
cli verify examples/broken.bpf.s
cli run examples/xdp-count.bpf.s --packet @examples/ipv4-tcp.packet.hex
cli run examples/sum-mnemonic.bpf.s --mem "01 02 03 04"
cli check examples/vfs-read.bt
cli probe examples/vfs-read.bt --events examples/vfs-read.events.jsonl
exit 0
