// Hover for eBPF assembly: what an instruction does and how it is encoded, a helper's signature,
// a map's definition, a label's place, a section's program type, and the verifier's view of the
// registers the line uses.
import type { Insn, MapSpec, Pos, Program } from '../core/types';
import { sectionInfo } from '../core/sections';
import { encodeProgram, matchForm } from '../isa/codec';
import { helperId, helperName } from '../isa/helpers';
import type { InsnForm } from '../isa/table';
import { templateOf } from '../asm/llvm-syntax';
import { mnemonicLayout } from '../asm/mnemonic';
import { rng, tokenAt, type AsmDoc, type InsnAt } from './asm-doc';
import { helperDoc } from './helper-docs';
import type { RegisterStates } from './verify-view';
import type { HoverInfo } from './types';

const REGISTER_ROLES: readonly string[] = [
  'return value of helpers, subprograms and the program',
  'first argument (the context pointer at program start); clobbered by calls',
  'second argument; clobbered by calls',
  'third argument; clobbered by calls',
  'fourth argument; clobbered by calls',
  'fifth argument; clobbered by calls',
  'callee-saved: kept across calls',
  'callee-saved: kept across calls',
  'callee-saved: kept across calls',
  'callee-saved: kept across calls',
  'read-only frame pointer: the stack is r10-512 … r10-1',
];

const DIRECTIVE_DOCS: Record<string, string> = {
  '.section': 'Starts a section. Code sections are programs; the name (libbpf\'s SEC name, e.g. `xdp`, `kprobe/do_sys_open`) gives the program type.',
  '.map': 'Declares a map: `.map NAME TYPE key=K value=V entries=N [flags=F]`. Load its address with `r1 = NAME ll` (or `lddw %r1, NAME`).',
  '.globl': 'Marks a label as a global function (a subprogram entry).',
  '.global': 'Marks a label as a global function (a subprogram entry).',
  '.func_info': 'Says the loader gives BTF func_info with the program (as libbpf does for objects built with -g, and bpftrace always), so subprograms may be passed as callbacks to bpf_loop, bpf_for_each_map_elem and friends. Without it the kernel refuses callbacks: `missing btf func_info`.',
  '.license': 'Sets the program license, e.g. `.license "GPL"` (GPL-only helpers need a GPL-compatible license).',
  '.text': 'Switches to the .text section (subprograms shared by the programs).',
  '.byte': 'Raw bytes; in code they must fill whole 8-byte instructions.',
  '.quad': 'Raw 8-byte values; in code each is one instruction slot.',
};

export function hex(bytes: Uint8Array): string {
  return [...bytes].map((b) => b.toString(16).padStart(2, '0')).join(' ');
}

function mapMarkdown(m: MapSpec): string {
  const flags = m.flags ? ` flags=${m.flags}` : '';
  return [
    '```ebpf-asm',
    `.map ${m.name} ${m.type} key=${m.keySize} value=${m.valueSize} entries=${m.maxEntries}${flags}`,
    '```',
    `Map **${m.name}**: ${m.type}, ${m.keySize}-byte keys, ${m.valueSize}-byte values, at most ${m.maxEntries} entries.`,
  ].join('\n');
}

export function helperMarkdown(id: number): string {
  const name = helperName(id) ?? `helper #${id}`;
  const doc = helperDoc(name);
  const head = doc ? '```c\n' + doc.signature + '\n```' : `**${name}**`;
  return [head, doc ? doc.doc : '', `Helper id ${id}.`].filter(Boolean).join('\n\n');
}

/** The instruction's syntax in the document's dialect, with operand names. */
export function syntaxOf(form: InsnForm, dialect: AsmDoc['dialect']): string {
  if (dialect === 'mnemonic') {
    const names: Record<string, string> = { D: '%dst', S: '%src', I: 'imm', T: 'target', TI: 'target', L: 'imm64', H: 'helper', AH: 'dst_as', AL: 'src_as', MS: '[%src+off]', MD: '[%dst+off]' };
    const ops = mnemonicLayout(form).map((s) => names[s] ?? s);
    return ops.length ? `${form.mnemonic} ${ops.join(', ')}` : form.mnemonic;
  }
  const names: Record<string, string> = { D: 'dst', Dr: 'dst', Dx: 'dst', Dw: 'dst', S: 'src', Sr: 'src', Sx: 'src', Sw: 'src', I: 'imm', IO: '+ imm', O: '+ off', T: 'target', TI: 'target', L: 'imm64', H: 'helper', AH: 'dst_as', AL: 'src_as' };
  return templateOf(form).text.replace(/\{(\w+)\}/g, (_m, p: string) => names[p] ?? p);
}

function insnMarkdown(doc: AsmDoc, at: InsnAt, states: RegisterStates | undefined): string | undefined {
  const insn = at.program.insns[at.slot];
  const m = matchForm(insn);
  const slots = 'form' in m ? m.form.slots : 1;
  const bytes = encodeProgram(at.program.insns.slice(at.slot, at.slot + slots));
  const parts: string[] = [];
  if ('form' in m) {
    const f = m.form;
    parts.push(`**${f.mnemonic}** — ${f.doc}`);
    parts.push('```ebpf-asm\n' + syntaxOf(f, doc.dialect) + '\n```');
    if (f.kind === 'call') parts.push(helperMarkdown(insn.imm));
    if (f.isaVersion > 1) parts.push(`Needs ISA v${f.isaVersion} (\`-mcpu=v${f.isaVersion}\`).`);
  } else {
    parts.push(m.reason === 'unknown-opcode' ? `Raw slot: unknown opcode 0x${insn.opcode.toString(16).padStart(2, '0')}.` : `Raw slot: invalid ${m.field} field.`);
  }
  parts.push(`Slot ${at.slot} of \`${at.program.name}\` · opcode \`0x${insn.opcode.toString(16).padStart(2, '0')}\` · bytes \`${hex(bytes)}\``);
  const regs = states ? registerStateLines(insn, 'form' in m ? m.form : undefined, at.slot, states) : [];
  if (regs.length) parts.push('Verifier state before this instruction:\n\n' + regs.map((r) => `- ${r}`).join('\n'));
  return parts.join('\n\n');
}

/** Registers an instruction reads or writes, in order. */
export function registersUsed(insn: Insn, form: InsnForm | undefined): number[] {
  if (!form) return [];
  const regs: number[] = [];
  if (form.uses.dst || form.kind === 'neg' || form.kind === 'endian' || form.kind === 'bswap') regs.push(insn.dst);
  if (form.uses.src) regs.push(insn.src);
  if (form.kind === 'call') regs.push(1, 2, 3, 4, 5);
  if (form.kind === 'exit' || form.kind === 'ldabs' || form.kind === 'ldind' || form.atomic?.name === 'cmpxchg') regs.push(0);
  return [...new Set(regs)];
}

function registerStateLines(insn: Insn, form: InsnForm | undefined, slot: number, states: RegisterStates): string[] {
  const before = states.before(slot);
  if (!before) return ['unreachable: the verifier never reaches this instruction'];
  const out: string[] = [];
  for (const r of registersUsed(insn, form)) {
    const s = before.get(r);
    if (s !== undefined) out.push(`\`r${r}\`: ${s}`);
  }
  return out;
}

export interface AsmHoverContext {
  /** The verifier's register states for a program (by index in `result.programs`), when verified. */
  states?: (programIndex: number) => RegisterStates | undefined;
}

export function asmHover(doc: AsmDoc, pos: Pos, ctx: AsmHoverContext = {}): HoverInfo | undefined {
  const lt = doc.tokens(pos.line);
  if (pos.col >= lt.comment && !lt.section) return undefined;
  if (lt.section) {
    const s = lt.section;
    if (pos.col < s.col || pos.col > s.end) return directiveHover('.section', pos.line, lt.toks[0].col);
    const info = sectionInfo(s.name);
    const target = info.attachTo ? ` Attaches to \`${info.attachTo}\`.` : '';
    const known = info.known ? '' : ' (libbpf does not know this name; treated as socket_filter)';
    return { markdown: `Section **${s.name}**: program type \`${info.type}\`${known}.${target}`, range: rng(pos.line, s.col, s.end) };
  }
  const tok = tokenAt(lt, pos.col);
  if (!tok) return undefined;
  const range = rng(pos.line, tok.col, tok.end);
  const at = lineInsn(doc, pos.line);
  const states = at ? ctx.states?.(at.programIndex) : undefined;

  if (tok.kind === 'ident') {
    if (tok.text.startsWith('.')) return directiveHover(tok.text.toLowerCase(), pos.line, tok.col);
    const map = doc.maps.get(tok.text);
    if (map) return { markdown: mapMarkdown(map), range };
    const label = doc.labels.get(tok.text);
    if (label) {
      const where = label.program && label.slot !== undefined ? ` at slot ${label.slot} of \`${label.program.name}\`` : '';
      const what = label.kind === 'function' ? 'Subprogram' : 'Label';
      return { markdown: `${what} **${label.name}**${where}, defined on line ${label.range.start.line + 1}.`, range };
    }
    const id = helperId(tok.text);
    if (id !== undefined) return { markdown: helperMarkdown(id), range };
  }
  if (tok.kind === 'reg') {
    const n = Number(tok.value);
    const role = REGISTER_ROLES[n] ?? 'not a register (eBPF has r0-r10)';
    const lines = [`**${tok.text}** — ${role}${tok.prefix?.endsWith('w') ? ' (w: its low 32 bits)' : ''}`];
    if (at && states) {
      const before = states.before(at.slot);
      const after = states.after(at.slot);
      if (!before) lines.push('The verifier never reaches this instruction.');
      else {
        if (before.get(n) !== undefined) lines.push(`Before: ${before.get(n)}`);
        if (after?.get(n) !== undefined && after.get(n) !== before.get(n)) lines.push(`After: ${after.get(n)}`);
      }
    }
    return { markdown: lines.join('\n\n'), range };
  }
  if (!at) return undefined;
  const md = insnMarkdown(doc, at, states);
  if (!md) return undefined;
  const first = lt.toks[0];
  const last = lt.toks[lt.toks.length - 1];
  return { markdown: md, range: rng(pos.line, first.col, last.end) };
}

function directiveHover(name: string, line: number, col: number): HoverInfo | undefined {
  const doc = DIRECTIVE_DOCS[name];
  return doc ? { markdown: `**${name}** — ${doc}`, range: rng(line, col, col + name.length) } : undefined;
}

function lineInsn(doc: AsmDoc, line: number): InsnAt | undefined {
  return doc.insnAt(line);
}

/** Program by index, for callers holding only an index. */
export function programAt(doc: AsmDoc, index: number): Program | undefined {
  return doc.result.programs[index];
}
