import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, test } from 'vitest';
import { readBpfObject } from '../../server/src/elf';
import { objdump, toolMissing, workDir } from './tools';

const missing = toolMissing('bpftrace') ?? toolMissing('llvm-objdump-19');
if (missing) console.warn(`skipping bpftrace --emit-elf tests: ${missing}`);

/** bpftrace --emit-elf only compiles (a dry run); nothing is attached. */
function emitElf(script: string): { bytes: Uint8Array; file: string } | { reason: string } {
  const file = path.join(workDir(), `bt-${Math.random().toString(36).slice(2)}.o`);
  const r = spawnSync('bpftrace', ['--emit-elf', file, '-e', script], { encoding: 'utf8', timeout: 60_000 });
  if (!existsSync(file)) return { reason: `bpftrace --emit-elf produced no object (status ${r.status}): ${r.stderr.trim().split('\n').pop()}` };
  return { bytes: new Uint8Array(readFileSync(file)), file };
}

describe.skipIf(!!missing)('readBpfObject on bpftrace --emit-elf output', () => {
  test('probe sections become typed programs whose slots match llvm-objdump', (ctx) => {
    const out = emitElf(
      'kprobe:vfs_read { @reads[comm] = count(); } tracepoint:syscalls:sys_enter_openat { printf("%s\\n", str(args->filename)); } interval:s:1 { exit(); }',
    );
    if ('reason' in out) {
      console.warn(`skipping: ${out.reason}`);
      ctx.skip();
      return;
    }
    const obj = readBpfObject(out.bytes, out.file);
    expect(obj.findings.filter((f) => f.severity === 'error')).toEqual([]);
    const byType = new Map(obj.programs.map((p) => [p.section.replace(/_\d+$/, ''), p]));
    expect(byType.get('s_kprobe:vfs_read')).toMatchObject({ type: 'kprobe', attachTo: 'vfs_read' });
    expect(byType.get('s_tracepoint:syscalls:sys_enter_openat')).toMatchObject({ type: 'tracepoint', attachTo: 'syscalls/sys_enter_openat' });
    expect(byType.get('s_interval:s:1')).toMatchObject({ type: 'perf_event' });
    const dump = objdump(out.file);
    for (const p of obj.programs) {
      const slots = dump.get(p.section)!.slots;
      expect(p.insns.length).toBe(slots.length);
      p.insns.forEach((insn, i) => {
        const b = Buffer.from(slots[i].bytes);
        expect([insn.opcode, insn.dst, insn.src, insn.off, insn.imm], `${p.section} slot ${i}`).toEqual([
          b[0],
          b[1] & 0xf,
          b[1] >> 4,
          b.readInt16LE(2),
          b.readInt32LE(4),
        ]);
      });
    }
    // bpftrace bakes map fds into its lddw instructions; the reader says so instead of inventing maps.
    expect(obj.findings.some((f) => /s_kprobe:vfs_read_\d+ has \d+ map load\(s\) with a map fd already/.test(f.message))).toBe(true);
  });
});
