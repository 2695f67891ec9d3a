#!/usr/bin/env bash
# The main job on the bundled examples: assemble, disassemble, verify and run a program;
# check and run a probe script against an events file. Commands not yet built say so and are skipped.
set -u
cd "$(dirname "$0")/.."
cli() { echo; echo "\$ ebpf-studio $*"; node dist/cli/cli.js "$@"; echo "(exit $?)"; }
has() { node dist/cli/cli.js --help | grep -q "^  $1 "; }

cli asm examples/xdp-count.bpf.s
cli disasm examples/sum-mnemonic.bpf.s --dialect llvm
if has verify; then
  cli verify examples/xdp-count.bpf.s
  cli verify examples/broken.bpf.s
fi
if has run; then
  cli run examples/xdp-count.bpf.s --packet @examples/ipv4-tcp.packet.hex
  cli run examples/sum-mnemonic.bpf.s --mem "01 02 03 04"
fi
if has check; then
  cli check examples/vfs-read.bt
fi
if has probe; then
  cli probe examples/vfs-read.bt --events examples/vfs-read.events.jsonl
fi
exit 0
