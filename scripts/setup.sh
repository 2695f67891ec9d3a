#!/usr/bin/env bash
# Installs what eBPF Studio and its tests need on a fresh Debian machine: the oracle tools and the npm packages.
set -euo pipefail
cd "$(dirname "$0")/.."
export DEBIAN_FRONTEND=noninteractive
if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
  apt-get update -qq
  # llvm-mc/clang/llvm-objdump: assembler, ELF and verifier oracles; bpftrace: its tool scripts and `bpftrace -d`.
  apt-get install -y -qq --no-install-recommends llvm-19 clang-19 bpftrace >/dev/null
else
  echo "setup: not root or no apt-get; oracle tests will skip where their tools are missing"
fi
# Tracepoint formats come from tracefs when it is mounted (the checker falls back to its bundled catalog).
if [ "$(id -u)" = 0 ] && [ -d /sys/kernel/tracing ] && ! mountpoint -q /sys/kernel/tracing; then
  mount -t tracefs nodev /sys/kernel/tracing 2>/dev/null || true
fi
npm ci --no-audit --no-fund
