// The assembler: text in either dialect → programs (one per code section), maps and findings.
// Every problem becomes a Finding with a range; assembly goes on past errors to report them all.
import type { Finding, Insn, MapSpec, MapType, Program, Range, Reloc, Symbol } from '../core/types';
import { sectionInfo } from '../core/sections';
import { FORMS_BY_MNEMONIC, PSEUDO, type InsnForm } from '../isa/table';
import { decodeProgram, lddwSlots } from '../isa/codec';
import { helperId } from '../isa/helpers';
import { commentStart, lexLine } from './lexer';
import { matchLine, shapeTokens, type ShapeTok } from './llvm-match';
import { matchLayout, splitMnemonic } from './mnemonic';
import { buildInsn, type OperandError, type ParsedInsn } from './operands';

export type Dialect = 'llvm' | 'mnemonic';

export interface AsmOptions {
  file?: string;
  dialect?: Dialect | 'auto';
}

export interface AsmResult {
  programs: Program[];
  maps: MapSpec[];
  findings: Finding[];
  dialect: Dialect;
}

interface Pending {
  slot: number;
  parsed: ParsedInsn;
  range: Range;
}

interface Section {
  name: string;
  insns: Insn[];
  sourceMap: Range[];
  pending: Pending[];
  raw: { bytes: number[]; range: Range } | undefined;
  isCode: boolean;
  range: Range;
}

interface LabelDef {
  section: Section;
  slot: number;
  range: Range;
  global: boolean;
}

const MAP_TYPES: readonly MapType[] = [
  'hash', 'array', 'percpu_hash', 'percpu_array', 'lru_hash', 'lru_percpu_hash', 'ringbuf', 'perf_event_array',
  'prog_array', 'stack_trace', 'queue', 'stack',
];

/** Directives with no effect on the code (emitted by compilers for debug info and layout). */
const HARMLESS_DIRECTIVES = new Set([
  '.file', '.loc', '.p2align', '.align', '.type', '.size', '.addrsig', '.addrsig_sym', '.ident', '.local', '.weak',
  '.hidden', '.protected', '.text_end', '.previous',
]);

const MNEMONIC_ONLY = new Set(
  [...FORMS_BY_MNEMONIC.keys()].map((m) => m.split(' ')[0]).filter((m) => !['exit', 'call', 'callx', 'may_goto'].includes(m)),
);

/** A file is in the mnemonic dialect when it writes registers as %rN or starts lines with mnemonics. */
export function detectDialect(text: string): Dialect {
  const lines = text.split('\n', 2000);
  for (const raw of lines) {
    const line = raw.slice(0, commentStart(raw)).trim();
    if (/%r\d/.test(line)) return 'mnemonic';
    const word = /^([a-z][a-z0-9]*)\b/.exec(line)?.[1];
    if (word && MNEMONIC_ONLY.has(word) && !line.includes('=')) return 'mnemonic';
  }
  return 'llvm';
}

const tokRange = (line: number, t: { col: number; end: number }): Range => ({
  start: { line, col: t.col },
  end: { line, col: t.end },
});

export function assemble(text: string, options: AsmOptions = {}): AsmResult {
  return new Assembler(text, options).run();
}

class Assembler {
  private readonly findings: Finding[] = [];
  private readonly sections = new Map<string, Section>();
  private readonly labels = new Map<string, LabelDef>();
  private readonly maps: MapSpec[] = [];
  private readonly globals = new Set<string>();
  private license: string | undefined;
  /** `.func_info`: the loader gives BTF func_info, so subprograms may be callbacks (Program.funcInfo). */
  private funcInfo = false;
  private current: Section;
  private readonly dialect: Dialect;

  constructor(private readonly text: string, private readonly options: AsmOptions) {
    this.dialect = options.dialect && options.dialect !== 'auto' ? options.dialect : detectDialect(text);
    this.current = this.section('.text', { start: { line: 0, col: 0 }, end: { line: 0, col: 0 } });
  }

  private error(range: Range, message: string, code = 'asm.error'): void {
    this.findings.push({ range, severity: 'error', message, code });
  }

  private warn(range: Range, message: string, code = 'asm.warning'): void {
    this.findings.push({ range, severity: 'warning', message, code });
  }

  private section(name: string, range: Range): Section {
    let s = this.sections.get(name);
    if (!s) {
      const isCode = name === '.text' || !name.startsWith('.') ? !['license', 'maps', 'version'].includes(name) : false;
      s = { name, insns: [], sourceMap: [], pending: [], raw: undefined, isCode, range };
      this.sections.set(name, s);
    }
    return s;
  }

  run(): AsmResult {
    const lines = this.text.split('\n');
    lines.forEach((line, i) => this.line(line, i));
    for (const s of this.sections.values()) this.flushRaw(s, true);
    this.resolve();
    return { programs: this.programs(), maps: this.maps, findings: this.findings, dialect: this.dialect };
  }

  private line(raw: string, lineNo: number): void {
    const line = raw.replace(/\r$/, '');
    const sectionDirective = /^(\s*)\.section\b\s*/.exec(line);
    if (sectionDirective) return this.sectionDirective(line, lineNo, sectionDirective[1].length, sectionDirective[0].length);
    const { toks: lexed, error } = lexLine(line);
    if (error) {
      this.error(tokRange(lineNo, error), error.message, 'asm.syntax');
      return;
    }
    let toks = shapeTokens(lexed);
    while (toks.length >= 2 && (toks[0].kind === 'ident' || toks[0].kind === 'num') && toks[1].text === ':') {
      this.defineLabel(toks[0], lineNo);
      toks = toks.slice(2);
    }
    if (toks.length === 0) return;
    if (toks[0].kind === 'ident' && toks[0].text.startsWith('.')) {
      this.directive(toks, lineNo, line);
      return;
    }
    this.instruction(toks, lineNo);
  }

  private defineLabel(tok: ShapeTok, lineNo: number): void {
    const range = tokRange(lineNo, tok);
    const prev = this.labels.get(tok.text);
    if (prev) {
      this.error(range, `label '${tok.text}' is already defined at line ${prev.range.start.line + 1}`, 'asm.duplicate-label');
      return;
    }
    if (!this.current.isCode) return; // data labels (license strings, map definitions) are not code
    this.flushRaw(this.current, false);
    this.labels.set(tok.text, { section: this.current, slot: this.current.insns.length, range, global: false });
  }

  private instruction(toks: ShapeTok[], lineNo: number): void {
    const lineRange: Range = { start: { line: lineNo, col: toks[0].col }, end: { line: lineNo, col: toks[toks.length - 1].end } };
    if (!this.current.isCode) {
      this.error(lineRange, `instruction in data section '${this.current.name}'`, 'asm.data-section');
      return;
    }
    const errors: OperandError[] = [];
    const parsed = this.parseInsn(toks, lineRange, errors);
    for (const e of errors) this.error(tokRange(lineNo, e.tok), e.message, 'asm.operand');
    if (!parsed || errors.length > 0) return;
    this.flushRaw(this.current, false);
    this.emit(parsed, lineRange);
  }

  private parseInsn(toks: ShapeTok[], lineRange: Range, errors: OperandError[]): ParsedInsn | undefined {
    const llvm = (): ParsedInsn | undefined => {
      for (const m of matchLine(toks)) {
        const bad = m.literalRegs.find((r) => Number(r.tok.value) !== r.want);
        if (bad) {
          errors.push({ tok: bad.tok, message: `this instruction works on r${bad.want} only` });
          return undefined;
        }
        return buildInsn(m.form, m.values, errors);
      }
      return undefined;
    };
    const mnemonic = (): ParsedInsn | { error: string; tok?: ShapeTok } => {
      const split = splitMnemonic(toks);
      if (!split) return { error: 'expected an instruction' };
      if (split.candidates.length === 0) return { error: `unknown mnemonic '${split.mnemonic}'`, tok: split.head[0] };
      const r = matchLayout(split);
      if ('error' in r) return r;
      return buildInsn(r.ok.form, r.ok.values, errors);
    };
    const first = this.dialect === 'llvm' ? llvm() : undefined;
    if (first) return first;
    const m = mnemonic();
    if (!('error' in m)) return m;
    const second = this.dialect === 'mnemonic' ? llvm() : undefined;
    if (second) return second;
    const looksLlvm = toks.some((t) => t.text === '=' || /=$/.test(t.text) || t.text === 'if' || t.text === 'goto');
    const lineNo = lineRange.start.line;
    if (looksLlvm) {
      const text = toks.map((t) => t.text).join(' ');
      this.error(lineRange, `cannot read '${text}' as an eBPF instruction (kernel/LLVM syntax, e.g. 'r1 = *(u32 *)(r2 + 4)', 'if r1 > 5 goto +2')`, 'asm.syntax');
    } else {
      this.error(m.tok ? tokRange(lineNo, m.tok) : lineRange, m.error, m.error.startsWith('unknown mnemonic') ? 'asm.unknown-mnemonic' : 'asm.syntax');
    }
    return undefined;
  }

  private emit(p: ParsedInsn, range: Range): void {
    const s = this.current;
    const slot = s.insns.length;
    if (p.form.kind === 'lddw') {
      const [a, b] = lddwSlots(p.dst, p.form.fixed.src ?? 0, p.imm64 ?? 0n);
      s.insns.push(a, b);
      s.sourceMap.push(range, range);
    } else {
      s.insns.push({ opcode: p.form.opcode, dst: p.dst, src: p.form.fixed.src ?? p.src, off: p.off, imm: p.imm });
      s.sourceMap.push(range);
    }
    if (p.symbol) s.pending.push({ slot, parsed: p, range });
  }

  /** Raw bytes from .byte/.short/.long/.quad become slots once a whole slot has accumulated. */
  private flushRaw(s: Section, atEnd: boolean): void {
    const raw = s.raw;
    if (!raw) return;
    if (raw.bytes.length % 8 !== 0) {
      if (!atEnd && raw.bytes.length < 8) return this.rawMisaligned(s, raw.range);
      this.rawMisaligned(s, raw.range);
    }
    const whole = raw.bytes.length - (raw.bytes.length % 8);
    const slots = decodeProgram(Uint8Array.from(raw.bytes.slice(0, whole)));
    for (const insn of slots) {
      s.insns.push(insn);
      s.sourceMap.push(raw.range);
    }
    s.raw = undefined;
  }

  private rawMisaligned(s: Section, range: Range): void {
    this.error(range, `raw data in code must fill whole 8-byte instructions (${s.raw!.bytes.length % 8} byte(s) left over)`, 'asm.raw-size');
    s.raw!.bytes.length -= s.raw!.bytes.length % 8;
  }

  private directive(toks: ShapeTok[], lineNo: number, line: string): void {
    const name = toks[0].text.toLowerCase();
    const range: Range = { start: { line: lineNo, col: toks[0].col }, end: { line: lineNo, col: line.length } };
    const args = toks.slice(1);
    switch (name) {
      case '.text':
        this.current = this.section('.text', range);
        return;
      case '.map':
        return this.mapDirective(args, lineNo, range);
      case '.byte':
      case '.short':
      case '.hword':
      case '.2byte':
      case '.long':
      case '.word':
      case '.4byte':
      case '.int':
      case '.quad':
      case '.8byte':
        return this.dataDirective(name, args, lineNo, range);
      case '.globl':
      case '.global':
        if (args[0]) this.globals.add(args[0].text);
        return;
      case '.license':
        this.license = args[0]?.kind === 'str' ? args[0].text : args[0]?.text;
        return;
      case '.func_info':
        this.funcInfo = true;
        return;
      case '.asciz':
      case '.ascii':
      case '.string':
        if (this.current.name === 'license' && args[0]?.kind === 'str') this.license = args[0].text;
        else if (this.current.isCode) this.error(range, `${name} is not allowed in a code section`, 'asm.data-section');
        return;
      case '.zero':
      case '.space':
        if (this.current.isCode) this.error(range, `${name} is not allowed in a code section`, 'asm.data-section');
        return;
    }
    if (HARMLESS_DIRECTIVES.has(name) || name.startsWith('.cfi_')) return;
    if (!this.current.isCode) return;
    this.warn(range, `directive ${name} is not supported and was ignored`, 'asm.unsupported-directive');
  }

  /** A SEC() name may contain '/', ':' or '.', so `.section` reads its raw text up to a comma or comment. */
  private sectionDirective(line: string, lineNo: number, start: number, nameCol: number): void {
    const range: Range = { start: { line: lineNo, col: start }, end: { line: lineNo, col: line.length } };
    let name = line.slice(nameCol, commentStart(line)).split(',')[0].trim();
    if (name.startsWith('"') && name.endsWith('"') && name.length >= 2) name = name.slice(1, -1);
    if (!name) return this.error(range, '.section needs a name, e.g. .section xdp', 'asm.syntax');
    this.current = this.section(name, range);
    const nameRange: Range = { start: { line: lineNo, col: nameCol }, end: { line: lineNo, col: nameCol + name.length } };
    if (this.current.isCode && name !== '.text' && !sectionInfo(name).known) {
      this.warn(nameRange, `'${name}' is not a section name libbpf knows; the program is treated as socket_filter`, 'asm.unknown-section');
    }
  }

  private dataDirective(name: string, args: ShapeTok[], lineNo: number, range: Range): void {
    const width = { '.byte': 1, '.short': 2, '.hword': 2, '.2byte': 2, '.long': 4, '.word': 4, '.4byte': 4, '.int': 4, '.quad': 8, '.8byte': 8 }[name]!;
    if (!this.current.isCode) return;
    const values = args.filter((a) => a.text !== ',');
    if (values.length === 0) return this.error(range, `${name} needs at least one value`);
    const bytes: number[] = [];
    for (const v of values) {
      if (v.kind !== 'num') return this.error(tokRange(lineNo, v), `${name} takes numbers, found '${v.text}'`);
      const bits = BigInt(width * 8);
      if (v.value! < -(1n << (bits - 1n)) || v.value! >= 1n << bits) {
        return this.error(tokRange(lineNo, v), `${v.text} does not fit in ${width} byte(s)`);
      }
      let x = BigInt.asUintN(width * 8, v.value!);
      for (let i = 0; i < width; i++) {
        bytes.push(Number(x & 0xffn));
        x >>= 8n;
      }
    }
    const s = this.current;
    if (!s.raw) s.raw = { bytes: [], range };
    else s.raw.range = { start: s.raw.range.start, end: range.end };
    s.raw.bytes.push(...bytes);
    if (s.raw.bytes.length % 8 === 0) this.flushRaw(s, false);
  }

  private mapDirective(args: ShapeTok[], lineNo: number, range: Range): void {
    const usage = '.map NAME TYPE key=K value=V entries=N [flags=F]';
    const [nameTok, typeTok] = args;
    if (!nameTok || nameTok.kind !== 'ident') return this.error(range, `expected ${usage}`, 'asm.map');
    if (!typeTok || !MAP_TYPES.includes(typeTok.text as MapType)) {
      return this.error(typeTok ? tokRange(lineNo, typeTok) : range, `unknown map type '${typeTok?.text ?? ''}'; one of ${MAP_TYPES.join(', ')}`, 'asm.map');
    }
    const params: Record<string, number> = {};
    const rest = args.slice(2);
    for (let i = 0; i < rest.length; i++) {
      const k = rest[i];
      if (k.text === ',') continue;
      if (k.kind !== 'ident' || rest[i + 1]?.text !== '=' || rest[i + 2]?.kind !== 'num') {
        return this.error(tokRange(lineNo, k), `expected key=value in ${usage}`, 'asm.map');
      }
      if (!['key', 'value', 'entries', 'flags'].includes(k.text)) return this.error(tokRange(lineNo, k), `unknown map parameter '${k.text}'`, 'asm.map');
      const v = rest[i + 2].value!;
      if (v < 0n || v > 0xffffffffn) return this.error(tokRange(lineNo, rest[i + 2]), `${k.text} must be between 0 and 4294967295`, 'asm.map');
      params[k.text] = Number(v);
      i += 2;
    }
    const type = typeTok.text as MapType;
    const keyless = type === 'ringbuf' || type === 'queue' || type === 'stack';
    const perf = type === 'perf_event_array' || type === 'prog_array';
    const keySize = params.key ?? (keyless ? 0 : perf ? 4 : undefined);
    const valueSize = params.value ?? (type === 'ringbuf' ? 0 : perf ? 4 : undefined);
    if (keySize === undefined || valueSize === undefined || params.entries === undefined) {
      return this.error(range, `map '${nameTok.text}' needs key=, value= and entries= (${usage})`, 'asm.map');
    }
    if (this.maps.some((m) => m.name === nameTok.text)) {
      return this.error(tokRange(lineNo, nameTok), `map '${nameTok.text}' is already declared`, 'asm.map');
    }
    this.maps.push({ name: nameTok.text, type, keySize, valueSize, maxEntries: params.entries, flags: params.flags ?? 0, range });
  }

  private resolve(): void {
    for (const s of this.sections.values()) {
      for (const p of s.pending) this.resolveOne(s, p);
    }
  }

  private resolveOne(s: Section, p: Pending): void {
    const sym = p.parsed.symbol!;
    const range = tokRange(p.range.start.line, sym.tok);
    const insn = s.insns[p.slot];
    // The conformance suite's dialect lets jumps name `exit` without defining it: the program's last instruction.
    const implicitExit = sym.name === 'exit' && this.dialect === 'mnemonic' && sym.use === 'jump' && !this.labels.has('exit');
    const label = implicitExit ? { section: s, slot: s.insns.length - 1, range: p.range, global: false } : this.labels.get(sym.name);
    const rel = label ? label.slot - p.slot - 1 : 0;
    if (label && label.section !== s) {
      return this.error(range, `'${sym.name}' is in section '${label.section.name}'; jumps and calls must stay in their section '${s.name}'`, 'asm.cross-section');
    }
    switch (sym.use) {
      case 'jump':
        if (!label) return this.error(range, `undefined label '${sym.name}'`, 'asm.undefined-label');
        if (rel < -32768 || rel > 32767) return this.error(range, `jump to '${sym.name}' is ${rel} instructions away, beyond the 16-bit offset; use gotol`, 'asm.jump-range');
        insn.off = rel;
        return;
      case 'jump32':
        if (!label) return this.error(range, `undefined label '${sym.name}'`, 'asm.undefined-label');
        insn.imm = rel;
        return;
      case 'call': {
        if (label) {
          const local = FORMS_BY_MNEMONIC.get('call local')![0];
          Object.assign(insn, { opcode: local.opcode, src: PSEUDO.CALL, imm: rel });
          return;
        }
        const id = p.parsed.form.kind === 'call' ? helperId(sym.name) : undefined;
        if (id === undefined) {
          return this.error(range, p.parsed.form.kind === 'call' ? `unknown helper or function '${sym.name}'` : `undefined label '${sym.name}'`, 'asm.undefined-label');
        }
        insn.imm = id;
        return;
      }
      case 'value': {
        const mapIndex = this.maps.findIndex((m) => m.name === sym.name);
        if (mapIndex >= 0) {
          insn.src = PSEUDO.MAP_FD;
          insn.imm = mapIndex;
          insn.imm64 = BigInt(mapIndex);
          s.insns[p.slot + 1].imm = 0;
          return;
        }
        if (label) {
          insn.src = PSEUDO.FUNC;
          insn.imm = rel;
          insn.imm64 = BigInt.asUintN(64, BigInt(rel));
          return;
        }
        return this.error(range, `'${sym.name}' is neither a declared map (.map) nor a label`, 'asm.undefined-symbol');
      }
    }
  }

  private programs(): Program[] {
    const out: Program[] = [];
    for (const s of this.sections.values()) {
      if (!s.isCode || s.insns.length === 0) continue;
      const info = sectionInfo(s.name);
      const relocs: Reloc[] = [];
      for (const p of s.pending) {
        const insn = s.insns[p.slot];
        const name = p.parsed.symbol!.name;
        if (insn.opcode === 0x18 && insn.src === PSEUDO.MAP_FD) relocs.push({ insn: p.slot, kind: 'map', symbol: name });
        else if (insn.opcode === 0x18 && insn.src === PSEUDO.FUNC) relocs.push({ insn: p.slot, kind: 'func', symbol: name });
        else if (insn.src === PSEUDO.CALL && insn.opcode === 0x85) relocs.push({ insn: p.slot, kind: 'call', symbol: name });
      }
      const callTargets = new Set(relocs.filter((r) => r.kind !== 'map').map((r) => r.symbol));
      const symbols: Symbol[] = [];
      for (const [name, def] of this.labels) {
        if (def.section !== s) continue;
        const fn = callTargets.has(name) || this.globals.has(name);
        symbols.push({ name, insn: def.slot, kind: fn ? 'function' : 'label', range: def.range });
      }
      out.push({
        name: s.name,
        section: s.name,
        type: info.type,
        attachTo: info.attachTo,
        insns: s.insns,
        maps: this.maps,
        relocs,
        symbols,
        license: this.license,
        sourceMap: s.sourceMap,
        file: this.options.file,
        ...(this.funcInfo ? { funcInfo: true } : {}),
      });
    }
    return out;
  }
}

/** The form of the first instruction in a program with that mnemonic, for tools that build code. */
export function formByMnemonic(mnemonic: string): InsnForm | undefined {
  return FORMS_BY_MNEMONIC.get(mnemonic)?.[0];
}
