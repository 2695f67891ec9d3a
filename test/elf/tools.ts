// Test helpers: compile C to BPF objects with clang-19 and read llvm-objdump-19's view of them,
// the oracle our reader is compared against.
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

export function toolMissing(tool: string): string | undefined {
  const r = spawnSync(tool, ['--version'], { encoding: 'utf8' });
  return r.error || r.status !== 0 ? `${tool} is not installed` : undefined;
}

export const workDir = (() => {
  let dir: string | undefined;
  return () => (dir ??= mkdtempSync(path.join(tmpdir(), 'ebpf-elf-')));
})();

/** Compiles C text with the given clang arguments; returns the object bytes and its path. */
export function compileC(name: string, source: string, args: string[] = ['-target', 'bpf', '-O2', '-g']): { bytes: Uint8Array; file: string } {
  const src = path.join(workDir(), `${name}.c`);
  const obj = path.join(workDir(), `${name}.o`);
  writeFileSync(src, source);
  execFileSync('clang-19', [...args, '-c', src, '-o', obj], { stdio: ['ignore', 'ignore', 'pipe'] });
  return { bytes: new Uint8Array(readFileSync(obj)), file: obj };
}

export interface DumpSlot {
  index: number;
  bytes: number[];
}

export interface DumpReloc {
  /** Byte offset in the section. */
  offset: number;
  type: string;
  symbol: string;
}

export interface DumpSection {
  slots: DumpSlot[];
  relocs: DumpReloc[];
  /** Function/label headers: name → slot index. */
  labels: Map<string, number>;
}

/** Parses `llvm-objdump-19 -dr`: per section, the raw bytes of every slot and the relocation lines. */
export function objdump(file: string): Map<string, DumpSection> {
  const text = execFileSync('llvm-objdump-19', ['-dr', file], { encoding: 'utf8' });
  const out = new Map<string, DumpSection>();
  let cur: DumpSection | undefined;
  for (const line of text.split('\n')) {
    const sec = /^Disassembly of section (.*):$/.exec(line);
    if (sec) {
      cur = { slots: [], relocs: [], labels: new Map() };
      out.set(sec[1], cur);
      continue;
    }
    if (!cur) continue;
    const label = /^([0-9a-f]{16}) <(.+)>:$/.exec(line);
    if (label) {
      cur.labels.set(label[2], parseInt(label[1], 16) / 8);
      continue;
    }
    const insn = /^\s*(\d+):\t((?:[0-9a-f]{2} ?)+)/.exec(line);
    if (insn) {
      const bytes = insn[2].trim().split(' ').map((h) => parseInt(h, 16));
      // An lddw line shows both slots' 16 bytes.
      for (let i = 0; i < bytes.length; i += 8) cur.slots.push({ index: Number(insn[1]) + i / 8, bytes: bytes.slice(i, i + 8) });
      continue;
    }
    const rel = /^\s+([0-9a-f]+):\s+(R_BPF_\w+)\s+(.+)$/.exec(line);
    if (rel) cur.relocs.push({ offset: parseInt(rel[1], 16), type: rel[2], symbol: rel[3].trim() });
  }
  return out;
}

/** `llvm-objdump-19 -t`: symbol name → { section, value }. */
export function symbolTable(file: string): Map<string, { section: string; value: number }> {
  const text = execFileSync('llvm-objdump-19', ['-t', file], { encoding: 'utf8' });
  const out = new Map<string, { section: string; value: number }>();
  for (const line of text.split('\n')) {
    const m = /^([0-9a-f]{16}) .{7} (\S+)\s+[0-9a-f]{16} (.+)$/.exec(line);
    if (m) out.set(m[3].trim(), { section: m[2], value: parseInt(m[1], 16) });
  }
  return out;
}

/** Common C prelude: no libbpf headers needed. */
export const PRELUDE = `
#define SEC(n) __attribute__((section(n), used))
#define __uint(name, val) int (*name)[val]
#define __type(name, val) typeof(val) *name
typedef unsigned int u32;
typedef unsigned long long u64;
static long (*bpf_map_lookup_elem)(void *map, const void *key) = (void *) 1;
static long (*bpf_map_update_elem)(void *map, const void *key, const void *value, u64 flags) = (void *) 2;
static u64 (*bpf_get_current_pid_tgid)(void) = (void *) 14;
`;
