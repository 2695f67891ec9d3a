// Assembler and disassembler throughput on a generated 100,000-line file.
import { assemble } from '../server/src/asm/assembler';
import { disassembleInsns } from '../server/src/asm/disasm';

const LINES = [
  'r1 = *(u32 *)(r2 + 4)',
  'if r1 s> -3 goto l%',
  'r0 = atomic_fetch_add((u64 *)(r10 - 8), r0)',
  'w0 = (s8)w1',
  'lock *(u64 *)(r10 - 8) += r1',
  'r1 = 0x123456789abcdef0 ll',
  'r3 += 77',
  'call bpf_map_lookup_elem',
  '*(u64 *)(r10 - 16) = r3',
  'r4 = be16 r4',
];

export function generatedSource(lines: number): string {
  const out: string[] = [];
  const blocks = Math.ceil(lines / 50);
  for (let b = 0; b < blocks; b++) {
    out.push(`l${b}:`);
    for (let i = 0; i < 49; i++) out.push('    ' + LINES[i % LINES.length].replace('l%', `l${b + 1}`));
  }
  out.push(`l${blocks}:`, '    exit');
  return out.join('\n');
}

function best<T>(runs: number, f: () => T): { seconds: number; value: T } {
  let seconds = Infinity;
  let value!: T;
  for (let i = 0; i < runs; i++) {
    const t = process.hrtime.bigint();
    value = f();
    seconds = Math.min(seconds, Number(process.hrtime.bigint() - t) / 1e9);
  }
  return { seconds, value };
}

export function runAsmBench(): { name: string; figure: string }[] {
  const source = generatedSource(100_000);
  const lineCount = source.split('\n').length;
  const a = best(3, () => assemble(source));
  const errors = a.value.findings.filter((f) => f.severity === 'error');
  if (errors.length) throw new Error(`bench source does not assemble: ${errors[0].message}`);
  const insns = a.value.programs[0].insns;
  const d = best(3, () => disassembleInsns(insns, { labels: true }));
  return [
    { name: 'assembler', figure: `${(lineCount / a.seconds / 1e3).toFixed(0)}k lines/s (${lineCount} lines in ${(a.seconds * 1e3).toFixed(0)} ms)` },
    { name: 'disassembler', figure: `${(insns.length / d.seconds / 1e3).toFixed(0)}k insns/s (${insns.length} slots in ${(d.seconds * 1e3).toFixed(0)} ms)` },
  ];
}
