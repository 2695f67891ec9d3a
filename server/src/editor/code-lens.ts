// "Run | Verify" above each program of an assembly file, "Run | Show Compiled eBPF" above a
// probe script's first probe. Lenses name client commands; the document's URI is their argument.
import type { Range } from '../core/types';
import type { DocumentAnalysis } from './analysis';

export interface LensInfo {
  range: Range;
  title: string;
  /** A command the client registers (package.json contributes.commands). */
  command: 'ebpfStudio.run' | 'ebpfStudio.showVerifierLog' | 'ebpfStudio.showCompiled';
}

const lineStart = (line: number): Range => ({ start: { line, col: 0 }, end: { line, col: 0 } });

export function codeLenses(a: DocumentAnalysis): LensInfo[] {
  if (a.asm) {
    const out: LensInfo[] = [];
    a.asm.result.programs.forEach((p, i) => {
      const first = p.sourceMap?.find((r) => r !== undefined);
      if (!first) return;
      // Above the `.section` line when there is one, else above the first instruction.
      const section = a.asm!.lines.findIndex((l) => new RegExp(`^\\s*\\.section\\s+"?${escape(p.section)}"?\\s*(,|$|[#;])`).test(l));
      const range = lineStart(section >= 0 && section <= first.start.line ? section : first.start.line);
      const check = a.checks[i];
      const verdict = check ? (check.accepted ? ' (accepted)' : ' (rejected)') : '';
      out.push({ range, title: '▶ Run', command: 'ebpfStudio.run' }, { range, title: `Verify${verdict}`, command: 'ebpfStudio.showVerifierLog' });
    });
    return out;
  }
  const firstProbe = a.probe?.ast.probes[0];
  if (!firstProbe) return [];
  const range = lineStart(firstProbe.range.start.line);
  return [
    { range, title: '▶ Run', command: 'ebpfStudio.run' },
    { range, title: 'Show Compiled eBPF', command: 'ebpfStudio.showCompiled' },
  ];
}

function escape(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
