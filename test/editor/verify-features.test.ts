// The editor features with the verifier wired in: findings with related locations and the
// kernel's text, register states in hover and inlay hints, the verifier's fixes as code actions.
import { describe, expect, it } from 'vitest';
import { analyzeDocument } from '../../server/src/editor/analysis';
import * as F from '../../server/src/editor/features';
import { DEFAULT_SETTINGS } from '../../server/src/editor/types';
import { verifyAsmDoc, verifyProbeDoc } from '../../server/src/editor/verify-adapter';
import { assemble } from '../../server/src/asm/assembler';

const NO_NULL_CHECK = `.map counts hash key=4 value=8 entries=16
.section xdp
    r1 = 0
    *(u32 *)(r10 - 4) = r1
    r2 = r10
    r2 += -4
    r1 = counts ll
    call bpf_map_lookup_elem
    r1 = *(u64 *)(r0 + 0)
out:
    r0 = 2
    exit
`;

const hooks = { verifyAsm: verifyAsmDoc };
const analyze = (text: string, settings = DEFAULT_SETTINGS) => analyzeDocument(text, 'asm', settings, hooks);
const at = (line: number, col: number) => ({ line, col });

function applyEdits(text: string, edits: { range: { start: { line: number; col: number } }; newText: string }[]): string {
  const lines = text.split('\n');
  for (const e of [...edits].sort((a, b) => b.range.start.line - a.range.start.line || b.range.start.col - a.range.start.col)) {
    const l = lines[e.range.start.line];
    const joined = l.slice(0, e.range.start.col) + e.newText + l.slice(e.range.start.col);
    lines.splice(e.range.start.line, 1, ...joined.split('\n'));
  }
  return lines.join('\n');
}

describe('verifier in the editor', () => {
  const a = analyze(NO_NULL_CHECK);

  it('reports a rejection with plain words, the kernel\'s text and where the pointer came from', () => {
    expect(a.verdict).toBe('rejected');
    const f = a.findings.find((x) => x.code === 'verifier.null-deref')!;
    expect(f.range.start.line).toBe(8);
    expect(f.kernelText).toBe("R0 invalid mem access 'map_value_or_null'");
    expect(f.related?.[0].range.start.line).toBe(7);
  });

  it('shows the register states before an instruction in hover', () => {
    const h = F.hover(a, at(8, 20))!;
    expect(h.markdown).toContain('Before: map_value_or_null(map=counts, vs=8)');
    const insn = F.hover(a, at(7, 6))!;
    expect(insn.markdown).toContain('Verifier state before this instruction');
    expect(insn.markdown).toContain('`r1`: map_ptr(map=counts)');
    expect(insn.markdown).toContain('`r2`: fp-4');
  });

  it('shows register types after instructions that write them', () => {
    const hints = F.inlayHints(a, DEFAULT_SETTINGS, 0, 20);
    expect(hints.map((h) => [h.position.line, h.label])).toEqual([
      [2, ' r1: scalar 0'],
      [4, ' r2: fp'],
      [5, ' r2: fp-4'],
      [6, ' r1: map_ptr(map=counts)'],
      [7, ' r0: map_value_or_null(map=counts, vs=8)'],
    ]);
  });

  it('offers the verifier\'s fix, and the fixed program is accepted', () => {
    const f = a.findings.find((x) => x.code === 'verifier.null-deref')!;
    const actions = F.codeActions(a, f.range);
    expect(actions).toHaveLength(1);
    expect(actions[0].title).toContain('NULL check');
    const fixed = applyEdits(NO_NULL_CHECK, actions[0].edits);
    expect(fixed).toContain('    call bpf_map_lookup_elem\n    if r0 == 0 goto out\n');
    const b = analyze(fixed);
    expect(b.findings.filter((x) => x.severity === 'error')).toEqual([]);
    expect(b.verdict).toBe('accepted');
    expect(b.summary).toMatch(/^accepted: xdp: \d+ insns processed/);
  });

  it('keeps only what all paths agree on at a join point', () => {
    const src = '.section socket\n    r0 = 1\n    if r1 == 0 goto out\n    r0 = 2\nout:\n    exit\n';
    const b = analyze(src);
    const hints = F.inlayHints(b, DEFAULT_SETTINGS, 0, 10);
    // r0 = 1 falls through to a plain instruction; r0 = 2 falls into `out`, reached with r0 = 1 too.
    expect(hints.map((h) => [h.position.line, h.label])).toEqual([[1, ' r0: scalar 1']]);
  });

  it('verifies as the settings say: program type and privilege', () => {
    const src = '.section socket\n    r0 = r10\n    exit\n';
    expect(analyze(src).findings.filter((f) => f.severity === 'error')).toEqual([]);
    const unpriv = analyze(src, { ...DEFAULT_SETTINGS, unprivileged: true });
    expect(unpriv.findings.some((f) => f.severity === 'error')).toBe(true);
  });

  it('produces the kernel-format log on demand', () => {
    const log = a.checks[0].log!();
    expect(log).toContain("R0 invalid mem access 'map_value_or_null'");
    expect(log).toMatch(/processed \d+ insns/);
  });

  it('verifies programs the assembler built from either dialect', () => {
    expect(assemble(NO_NULL_CHECK).programs).toHaveLength(1);
    const m = analyze('mov %r0, 0\nexit\n');
    expect(m.verdict).toBe('accepted');
  });
});

describe('verifier for probe scripts', () => {
  const bt = (text: string) =>
    analyzeDocument(text, 'bpftrace', DEFAULT_SETTINGS, {
      probeOptions: { btf: null, useTracefs: false, checkBinaries: false, readHeaders: false },
      verifyProbe: (d, s) => verifyProbeDoc(d, s, { btf: null, useTracefs: false, checkBinaries: false, readHeaders: false }),
    });

  it('compiles a clean script and verifies each probe\'s program', () => {
    const a = bt('kprobe:vfs_read { @reads[comm] = count(); }\nEND { print(@reads); }\n');
    expect(a.checks.map((c) => [c.name, c.accepted])).toEqual([['kprobe:vfs_read', true], ['END', true]]);
    expect(a.verdict).toBe('accepted');
    expect(a.summary).toMatch(/^accepted: kprobe:vfs_read: \d+ insns processed/);
    expect(a.checks[0].log!()).toContain('call bpf_map_lookup_elem');
  });

  it('reports what only the simulation cannot do as a warning, not an error', () => {
    const a = bt('tracepoint:syscalls:sys_enter_execve { cat("/proc/loadavg"); }\n');
    const f = a.findings.find((x) => x.message.includes('cat()'));
    expect(f?.severity).toBe('warning');
    expect(a.findings.filter((x) => x.severity === 'error')).toEqual([]);
  });

  it('does not compile a script with errors', () => {
    const a = bt('BEGIN { printf( }\n');
    expect(a.checks).toEqual([]);
    expect(a.verdict).toBe('error');
  });
});

describe('code lenses', () => {
  it('one Run and one Verify per program, above its section, with the verdict', () => {
    const a = analyze('.section xdp\n    r0 = 2\n    exit\n.section socket\n    exit\n');
    expect(F.codeLenses(a).map((l) => [l.range.start.line, l.title, l.command])).toEqual([
      [0, '▶ Run', 'ebpfStudio.run'],
      [0, 'Verify (accepted)', 'ebpfStudio.showVerifierLog'],
      [3, '▶ Run', 'ebpfStudio.run'],
      [3, 'Verify (rejected)', 'ebpfStudio.showVerifierLog'],
    ]);
  });
  it('none for a file with no instructions', () => {
    expect(F.codeLenses(analyze('# nothing here\n'))).toEqual([]);
  });
});
