// Completion for eBPF assembly, by what the cursor follows: instruction templates at the start of
// a statement, helpers after `call`, labels after jumps, maps where a 64-bit value goes, registers
// in operands, SEC names after `.section`, map types and parameters in `.map`.
import type { Pos, Range } from '../core/types';
import { sectionInfo } from '../core/sections';
import { HELPER_NAMES, helperName } from '../isa/helpers';
import { FORMS, PSEUDO, type InsnForm } from '../isa/table';
import { templateOf } from '../asm/llvm-syntax';
import { syntaxOf } from './asm-hover';
import { mnemonicLayout } from '../asm/mnemonic';
import { lexLine } from '../asm/lexer';
import type { Dialect } from '../asm/assembler';
import { rng, type AsmDoc } from './asm-doc';
import { helperDoc } from './helper-docs';
import { withPrefix, type KernelNames } from './kernel-names';
import type { CompletionEntry } from './types';

export interface CompletionList {
  items: CompletionEntry[];
  /** More matches exist than were returned: ask again as the user types. */
  incomplete: boolean;
}

const MAP_TYPES = ['hash', 'array', 'percpu_hash', 'percpu_array', 'lru_hash', 'lru_percpu_hash', 'ringbuf', 'perf_event_array', 'prog_array', 'stack_trace', 'queue', 'stack'];
const MAP_PARAMS = ['key=', 'value=', 'entries=', 'flags='];

/** SEC names offered after `.section`; a trailing `/` means a target follows. */
const SECTION_NAMES = [
  'xdp', 'socket', 'tc', 'classifier', 'action', 'perf_event', 'cgroup_skb/ingress', 'cgroup_skb/egress',
  'kprobe/', 'kretprobe/', 'uprobe/', 'uretprobe/', 'tracepoint/', 'raw_tracepoint/', '.text', 'license',
];

const DIRECTIVES: { name: string; snippet: string; doc: string }[] = [
  { name: '.section', snippet: '.section ${1:xdp}', doc: 'Start a program section (its SEC name gives the program type).' },
  { name: '.map', snippet: '.map ${1:name} ${2:hash} key=${3:4} value=${4:8} entries=${5:1024}', doc: 'Declare a map.' },
  { name: '.globl', snippet: '.globl ${1:name}', doc: 'Mark a label as a global function.' },
  { name: '.license', snippet: '.license "${1:GPL}"', doc: 'Set the program license.' },
  { name: '.func_info', snippet: '.func_info', doc: 'The loader gives BTF func_info, so subprograms may be callbacks (bpf_loop, bpf_for_each_map_elem).' },
  { name: '.text', snippet: '.text', doc: 'Switch to the .text section (shared subprograms).' },
  { name: '.quad', snippet: '.quad ${1:0x0}', doc: 'One raw 8-byte instruction slot.' },
];

const JUMP_WORDS = new Set(['goto', 'gotol', 'may_goto', 'ja', 'ja32']);

function escapeSnippet(s: string): string {
  return s.replace(/[\\$}]/g, (c) => '\\' + c);
}

const LLVM_DEFAULTS: Record<string, (f: InsnForm) => string> = {
  D: (f) => (f.width === 32 ? 'w1' : 'r1'),
  S: (f) => (f.width === 32 ? 'w2' : 'r2'),
  Dr: () => 'r1',
  Dx: () => 'r1',
  Dw: () => 'w1',
  Sr: () => 'r2',
  Sx: () => 'r2',
  Sw: () => 'w2',
  I: () => '0',
  IO: () => '+ 0',
  O: () => '+ 0',
  T: () => 'label',
  TI: () => 'label',
  L: () => '0',
  H: () => 'bpf_map_lookup_elem',
  AH: () => '1',
  AL: () => '0',
};

/** An instruction form as a snippet in the LLVM dialect; repeated placeholders share a tab stop. */
export function llvmSnippet(form: InsnForm): string {
  const stops = new Map<string, number>();
  return templateOf(form).text.split(/(\{\w+\})/).map((part) => {
    const m = /^\{(\w+)\}$/.exec(part);
    if (!m) return escapeSnippet(part);
    const ph = m[1];
    // {D} and {Dr} name the same register when both occur (`r1 = le16 r1`).
    const key = ph[0] === 'D' || ph[0] === 'S' ? ph[0] : ph;
    let n = stops.get(key);
    if (n === undefined) {
      n = stops.size + 1;
      stops.set(key, n);
      return `\${${n}:${escapeSnippet((LLVM_DEFAULTS[ph] ?? (() => ph))(form))}}`;
    }
    return `\${${n}}`;
  }).join('');
}

const MNEMONIC_DEFAULTS: Record<string, string> = {
  D: '%r1', S: '%r2', I: '0', T: 'label', TI: 'label', L: '0', H: 'bpf_map_lookup_elem', AH: '1', AL: '0', MS: '[%r2+0]', MD: '[%r1+0]',
};

export function mnemonicSnippet(form: InsnForm): string {
  const name = form.kind === 'call_local' ? 'call local' : form.mnemonic;
  const ops = mnemonicLayout(form).map((s, i) => `\${${i + 1}:${escapeSnippet(MNEMONIC_DEFAULTS[s] ?? s)}}`);
  return ops.length ? `${name} ${ops.join(', ')}` : name;
}

/** Forms worth offering: pseudo loads other than the map one are written by compilers, not people. */
function offeredForms(): InsnForm[] {
  return FORMS.filter((f) => f.kind !== 'lddw' || f.fixed.src === 0 || f.fixed.src === PSEUDO.MAP_FD);
}

function formEntries(dialect: Dialect, replace: Range): CompletionEntry[] {
  return offeredForms().map((f, i) => {
    const isMapLoad = f.kind === 'lddw' && f.fixed.src === PSEUDO.MAP_FD;
    const syntax = isMapLoad ? (dialect === 'llvm' ? 'dst = map ll' : 'lddw %dst, map') : syntaxOf(f, dialect);
    let insertText = dialect === 'llvm' ? llvmSnippet(f) : mnemonicSnippet(f);
    if (isMapLoad) insertText = dialect === 'llvm' ? '${1:r1} = ${2:map} ll' : 'lddw ${1:%r1}, ${2:map}';
    const label = isMapLoad ? 'lddw map' : f.mnemonic;
    const source = f.source === 'imm' && (f.kind === 'alu' || f.kind === 'jcond') ? ' (imm)' : f.source === 'reg' && (f.kind === 'alu' || f.kind === 'jcond') ? ' (reg)' : '';
    return {
      label: label + source,
      kind: 'snippet' as const,
      detail: syntax,
      documentation: f.doc,
      insertText,
      snippet: true,
      filterText: label,
      sortText: `1${String(i).padStart(4, '0')}`,
      replace,
    };
  });
}

function registerEntries(dialect: Dialect, replace: Range): CompletionEntry[] {
  const out: CompletionEntry[] = [];
  const prefixes = dialect === 'mnemonic' ? ['%r'] : ['r', 'w'];
  for (const p of prefixes) {
    for (let r = 0; r <= 10; r++) {
      if (p === 'w' && r === 10) continue;
      out.push({ label: `${p}${r}`, kind: 'variable', detail: p === 'w' ? `low 32 bits of r${r}` : `register r${r}`, sortText: `2${p}${String(r).padStart(2, '0')}`, replace });
    }
  }
  return out;
}

function helperEntries(replace: Range): CompletionEntry[] {
  const out: CompletionEntry[] = [];
  for (let id = 1; id < HELPER_NAMES.length; id++) {
    const name = helperName(id)!;
    const d = helperDoc(name);
    // Documented helpers first: they are the common ones.
    out.push({ label: name, kind: 'function', detail: d?.signature ?? `helper #${id}`, documentation: d?.doc, sortText: `${d ? '1' : '2'}${name}`, replace });
  }
  return out;
}

function labelEntries(doc: AsmDoc, replace: Range, functionsOnly: boolean): CompletionEntry[] {
  return [...doc.labels.values()]
    .filter((l) => !functionsOnly || l.kind === 'function')
    .map((l) => ({ label: l.name, kind: (l.kind === 'function' ? 'function' : 'reference') as CompletionEntry['kind'], detail: `${l.kind} on line ${l.range.start.line + 1}`, sortText: `0${l.name}`, replace }));
}

function mapEntries(doc: AsmDoc, replace: Range): CompletionEntry[] {
  return [...doc.maps.values()].map((m) => ({ label: m.name, kind: 'struct' as const, detail: `${m.type} map, key ${m.keySize} B, value ${m.valueSize} B`, sortText: `0${m.name}`, replace }));
}

function sectionEntries(typed: string, replace: Range, kernel: KernelNames | undefined): CompletionList {
  const slash = typed.indexOf('/');
  if (slash > 0 && kernel) {
    const kind = typed.slice(0, slash);
    const rest = typed.slice(slash + 1);
    if (kind === 'kprobe' || kind === 'kretprobe') {
      const { names, more } = withPrefix(kernel.functions(), rest, 200);
      return { items: names.map((n) => ({ label: `${kind}/${n}`, kind: 'function', detail: 'kernel function', replace })), incomplete: more };
    }
    if (kind === 'tracepoint' || kind === 'tp') {
      const { names, more } = withPrefix(kernel.tracepoints(), rest.replace('/', ':'), 200);
      return { items: names.map((n) => ({ label: `${kind}/${n.replace(':', '/')}`, kind: 'event', detail: 'tracepoint', replace })), incomplete: more };
    }
  }
  const items = SECTION_NAMES.map((name) => {
    const bare = name.replace(/\/.*$/, '');
    const info = sectionInfo(name.endsWith('/') ? bare : name);
    const detail = name === '.text' ? 'shared subprograms' : name === 'license' ? 'license string' : `program type ${info.type}`;
    return { label: name, kind: 'module' as const, detail, replace };
  });
  return { items, incomplete: false };
}

/** Completion at a position. `kernel` supplies kernel function and tracepoint names for `.section kprobe/…`. */
export function asmCompletion(doc: AsmDoc, pos: Pos, kernel?: KernelNames): CompletionList {
  const line = (doc.lines[pos.line] ?? '').replace(/\r$/, '');
  const before = line.slice(0, pos.col);
  const lt = doc.tokens(pos.line);
  if (pos.col > lt.comment && !lt.section) return { items: [], incomplete: false };

  const sec = /^\s*\.section\s+"?([^\s",]*)$/.exec(before);
  if (sec) return sectionEntries(sec[1], rng(pos.line, pos.col - sec[1].length, pos.col), kernel);

  const word = /[A-Za-z0-9_.%$]*$/.exec(before)![0];
  const replace = rng(pos.line, pos.col - word.length, pos.col);
  const head = before.slice(0, before.length - word.length);
  const toks = lexLine(head).toks;
  // Labels at the start of the line (`loop:`) do not change what comes next.
  let start = 0;
  while (start + 1 < toks.length && (toks[start].kind === 'ident' || toks[start].kind === 'num') && toks[start + 1].text === ':') start += 2;
  const t = toks.slice(start);
  const items: CompletionEntry[] = [];
  const done = (list: CompletionEntry[]): CompletionList => ({ items: list, incomplete: false });

  if (t.length === 0) {
    if (word.startsWith('.')) return done(DIRECTIVES.map((d) => ({ label: d.name, kind: 'keyword', insertText: d.snippet, snippet: true, documentation: d.doc, replace })));
    items.push(...formEntries(doc.dialect, replace));
    items.push(...DIRECTIVES.map((d) => ({ label: d.name, kind: 'keyword' as const, insertText: d.snippet, snippet: true, documentation: d.doc, sortText: `3${d.name}`, replace })));
    return done(items);
  }
  const first = t[0].text.toLowerCase();
  const last = t[t.length - 1].text.toLowerCase();
  if (first === '.map') {
    if (t.length === 2) return done(MAP_TYPES.map((m) => ({ label: m, kind: 'enumMember', detail: 'map type', replace })));
    if (t.length >= 3 && !word.includes('=')) return done(MAP_PARAMS.map((p) => ({ label: p, kind: 'field', insertText: `${p}\${1:0}`, snippet: true, replace })));
    return done([]);
  }
  if (first.startsWith('.')) {
    if (['.globl', '.global'].includes(first)) return done(labelEntries(doc, replace, false));
    return done([]);
  }
  if (last === 'call' || (last === 'local' && t.length >= 2 && t[t.length - 2].text === 'call')) {
    const fns = labelEntries(doc, replace, false);
    return done(last === 'local' ? fns : [...fns, ...helperEntries(replace)]);
  }
  if (JUMP_WORDS.has(last)) return done(labelEntries(doc, replace, false));
  // Mnemonic dialect: a conditional jump's third operand is its target.
  if (doc.dialect === 'mnemonic' && /^j/.test(first) && t.filter((x) => x.text === ',').length === 2) return done(labelEntries(doc, replace, false));
  // A 64-bit value: `r1 = counts ll` or `lddw %r1, counts`.
  const wantsValue = (t.length === 2 && t[0].kind === 'reg' && last === '=') || (first === 'lddw' && last === ',');
  if (wantsValue) items.push(...mapEntries(doc, replace));
  items.push(...registerEntries(doc.dialect, replace));
  return done(items);
}
