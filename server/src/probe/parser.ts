// The bpftrace parser: recursive descent with bpftrace's operator precedence, a tiny preprocessor
// for #if/#ifdef/#define/#include lines, and error recovery that reports one finding per mistake
// and resynchronises at `;`, `}` and probe boundaries.
import type { Finding, Range } from '../core/types';
import type * as A from './ast';
import { Lexer, type Token } from './lexer';
import { builtinInfo } from './catalog';
import { isProvider } from './probes';
import { SourceText } from './source';

export interface ParseOptions {
  /** Macros predefined for #if/#ifdef (bpftrace defines BPFTRACE_HAVE_BTF when the kernel has BTF). Default: BPFTRACE_HAVE_BTF. */
  defines?: Record<string, string>;
  /** Whether a bare name is a type (a typedef or record from BTF), so `(name)x` is a cast. The script's own typedefs are known without it. */
  isTypeName?: (name: string) => boolean;
}

export interface ParseResult {
  ast: A.Program;
  findings: Finding[];
  source: SourceText;
}

/** Integer type names bpftrace knows for casts and `let` declarations. */
export const INT_TYPE_NAMES = new Set([
  'int8', 'int16', 'int32', 'int64', 'uint8', 'uint16', 'uint32', 'uint64', 'bool',
  'int8_t', 'int16_t', 'int32_t', 'int64_t', 'uint8_t', 'uint16_t', 'uint32_t', 'uint64_t',
  'u8', 'u16', 'u32', 'u64', 's8', 's16', 's32', 's64', '__u8', '__u16', '__u32', '__u64', '__s8', '__s16', '__s32', '__s64',
  'size_t', 'ssize_t', 'pid_t', 'uid_t', 'gid_t', 'loff_t', 'off_t',
]);
/** C words that start a type. */
const C_TYPE_WORDS = new Set(['char', 'short', 'int', 'long', 'unsigned', 'signed', 'void', 'const', 'volatile', 'float', 'double', '_Bool']);
const TAG_WORDS = new Set(['struct', 'union', 'enum']);

const ASSIGN_OPS = new Set(['=', '+=', '-=', '*=', '/=', '%=', '&=', '|=', '^=', '<<=', '>>=']);

// Binary operators by precedence level, loosest first (after the ternary).
const BINARY_LEVELS: string[][] = [
  ['||'],
  ['&&'],
  ['|'],
  ['^'],
  ['&'],
  ['==', '!='],
  ['<', '<=', '>', '>='],
  ['<<', '>>'],
  ['+', '-'],
  ['*', '/', '%'],
];

const MAX_DEPTH = 200;

class Bail extends Error {}

interface CondFrame {
  /** This branch is being read. */
  active: boolean;
  /** Some branch of this #if was already taken. */
  taken: boolean;
  /** The enclosing region was active. */
  parentActive: boolean;
}

export class Parser {
  private readonly lx: Lexer;
  private readonly src: SourceText;
  private readonly findings: Finding[] = [];
  private cur!: Token;
  private prevEnd = 0;
  private depth = 0;
  /** Set after a report, cleared on resync: errors in between are cascades and are dropped. */
  private panicking = false;
  private readonly directives: A.Directive[] = [];
  private readonly defines = new Map<string, string>();
  private readonly conds: CondFrame[] = [];
  private inPredicate = false;
  /** Lexer errors seen when the current statement started: a parse error after a new one is a cascade. */
  private lexMark = 0;
  /** Typedef names the script defined so far (a cast to one needs no `*`). */
  private readonly typedefNames = new Set<string>();
  private readonly isTypeName: (name: string) => boolean;

  constructor(text: string, opts: ParseOptions = {}) {
    this.isTypeName = opts.isTypeName ?? ((): boolean => false);
    this.src = new SourceText(text);
    this.lx = new Lexer(text);
    for (const [k, v] of Object.entries(opts.defines ?? { BPFTRACE_HAVE_BTF: '1' })) this.defines.set(k, v);
    this.cur = this.fetch();
  }

  // ------------------------------------------------------------------ tokens

  private range(start: number, end: number): Range {
    return this.src.range(start, end);
  }

  private fetch(): Token {
    for (let guard = 0; guard < 1_000_000; guard++) {
      const tok = this.lx.next();
      if (tok.kind !== 'directive') return tok;
      this.directive(tok);
    }
    return { kind: 'eof', text: '', start: this.src.text.length, end: this.src.text.length };
  }

  private advance(): Token {
    const t = this.cur;
    this.prevEnd = t.end;
    this.cur = this.fetch();
    return t;
  }

  /** Unnarrowed views of the current token (it changes under TypeScript's feet in advance()). */
  private curKind(): Token['kind'] {
    return this.cur.kind;
  }

  /** Offset just after a token (for adjacency checks). */
  private prevEndOf(t: Token): number {
    return t.end;
  }

  private atEof(): boolean {
    return this.cur.kind === 'eof';
  }

  private is(text: string): boolean {
    return (this.cur.kind === 'punct' || this.cur.kind === 'ident') && this.cur.text === text;
  }

  private isPunct(text: string): boolean {
    return this.cur.kind === 'punct' && this.cur.text === text;
  }

  private eat(text: string): boolean {
    if (this.is(text)) {
      this.advance();
      return true;
    }
    return false;
  }

  private describe(t: Token): string {
    switch (t.kind) {
      case 'eof':
        return 'the end of the file';
      case 'string':
        return 'a string';
      case 'int':
        return `the number ${t.text}`;
      default:
        return `"${t.text}"`;
    }
  }

  private expect(text: string, context: string): Token {
    if (this.is(text)) return this.advance();
    this.errorAt(this.cur, `Expected "${text}" ${context}, found ${this.describe(this.cur)}.`, 'probe.syntax');
    throw new Bail();
  }

  private report(range: Range, message: string, code: string, severity: Finding['severity'] = 'error'): void {
    this.findings.push({ range, severity, message, code });
  }

  /** A syntax error at a token; cascades while panicking and errors on a bad token (already reported) are dropped. */
  private errorAt(t: Token, message: string, code = 'probe.syntax'): void {
    if (this.panicking || t.kind === 'bad' || this.lx.errors.length > this.lexMark) {
      this.panicking = true;
      return;
    }
    this.panicking = true;
    // An error at end of file points at the last real character, where the user will look.
    const r = t.kind === 'eof' ? this.range(Math.max(0, this.prevEnd - 1), this.prevEnd) : this.range(t.start, t.end);
    this.report(r, message, code);
  }

  // ------------------------------------------------------------------ preprocessor

  private get active(): boolean {
    return this.conds.length === 0 || this.conds[this.conds.length - 1]!.active;
  }

  private directive(tok: Token): void {
    const text = tok.text;
    const range = this.range(tok.start, tok.end);
    if (tok.start === 0 && text.startsWith('#!')) {
      this.directives.push({ kind: 'Directive', name: 'shebang', text, range, active: true });
      return;
    }
    const m = /^#\s*([A-Za-z_]*)\s*([\s\S]*)$/.exec(text)!;
    const name = m[1]!;
    const rest = m[2]!.replace(/\/\/.*$/, '').replace(/\/\*.*?\*\//g, '').trim();
    const d: A.Directive = { kind: 'Directive', name, text, range, active: this.active };
    switch (name) {
      case 'include': {
        const inc = /^([<"])([^>"]*)[>"]/.exec(rest);
        if (!inc) {
          if (d.active) this.report(range, 'An #include needs a header: #include <linux/sched.h> or #include "file.h".', 'probe.bad-directive');
        } else {
          d.arg = inc[2]!;
          d.system = inc[1] === '<';
        }
        break;
      }
      case 'define': {
        const dm = /^([A-Za-z_]\w*)(\(([^)]*)\))?\s*([\s\S]*)$/.exec(rest);
        if (!dm) {
          if (d.active) this.report(range, 'A #define needs a name: #define NAME value.', 'probe.bad-directive');
        } else {
          d.arg = dm[1]!;
          d.value = dm[4]!.replace(/\\\n/g, ' ').trim();
          if (dm[2]) d.params = dm[3]!.split(',').map((s) => s.trim()).filter(Boolean);
          if (d.active) this.defines.set(d.arg, d.value);
        }
        break;
      }
      case 'undef':
        d.arg = rest.split(/\s+/)[0];
        if (d.active && d.arg) this.defines.delete(d.arg);
        break;
      case 'ifdef':
      case 'ifndef':
      case 'if': {
        const parentActive = this.active;
        let cond = false;
        if (name === 'if') cond = this.evalCondition(rest);
        else {
          d.arg = rest.split(/\s+/)[0];
          cond = this.defines.has(d.arg ?? '') === (name === 'ifdef');
        }
        this.conds.push({ active: parentActive && cond, taken: cond, parentActive });
        break;
      }
      case 'elif': {
        const top = this.conds[this.conds.length - 1];
        if (!top) {
          this.report(range, '#elif without a matching #if.', 'probe.bad-directive');
          break;
        }
        const cond = !top.taken && this.evalCondition(rest);
        top.active = top.parentActive && cond;
        top.taken ||= cond;
        d.active = top.parentActive;
        break;
      }
      case 'else': {
        const top = this.conds[this.conds.length - 1];
        if (!top) {
          this.report(range, '#else without a matching #if.', 'probe.bad-directive');
          break;
        }
        top.active = top.parentActive && !top.taken;
        top.taken = true;
        d.active = top.parentActive;
        break;
      }
      case 'endif':
        if (!this.conds.pop()) this.report(range, '#endif without a matching #if.', 'probe.bad-directive');
        d.active = this.active;
        break;
      case 'pragma':
      case 'error':
      case 'warning':
      case 'line':
        break;
      default:
        if (d.active) this.report(range, `Unknown preprocessor directive "#${name}".`, 'probe.bad-directive');
    }
    this.directives.push(d);
    if (!this.active) this.skipInactive();
  }

  /** Skips the lines of an inactive #if branch, up to the #else/#elif/#endif that ends it. */
  private skipInactive(): void {
    const t = this.src.text;
    let pos = this.lx.pos;
    let nest = 0;
    while (pos < t.length) {
      const nl = t.indexOf('\n', pos);
      const lineEnd = nl < 0 ? t.length : nl;
      const line = t.slice(pos, lineEnd);
      const m = /^\s*#\s*(\w+)/.exec(line);
      if (m) {
        const w = m[1]!;
        if (w === 'if' || w === 'ifdef' || w === 'ifndef') nest++;
        else if (w === 'endif') {
          if (nest === 0) break;
          nest--;
        } else if ((w === 'else' || w === 'elif') && nest === 0) break;
      }
      pos = nl < 0 ? t.length : nl + 1;
    }
    this.lx.pos = pos;
  }

  /** `#if` conditions: integers, defined(X), !, &&, || — unknown names count as 0, like cpp. */
  private evalCondition(expr: string): boolean {
    const replaced = expr
      .replace(/defined\s*\(\s*(\w+)\s*\)|defined\s+(\w+)/g, (_, a?: string, b?: string) => (this.defines.has((a ?? b)!) ? '1' : '0'))
      .replace(/[A-Za-z_]\w*/g, (w) => {
        const v = this.defines.get(w);
        return v !== undefined && /^\d+$/.test(v) ? v : '0';
      });
    if (!/^[\d\s()!&|=<>+-]*$/.test(replaced)) return false;
    try {
      return Boolean(Function(`"use strict"; return (${replaced || '0'});`)());
    } catch {
      return false;
    }
  }

  // ------------------------------------------------------------------ recovery

  /** A probe header at the start of a line (`kprobe:x`, `BEGIN`), used to stop runaway recovery. */
  private atProbeStart(): boolean {
    const t = this.cur;
    if (t.kind !== 'ident') return false;
    const p = this.src.pos(t.start);
    if (p.col !== 0) return false;
    if (t.text === 'BEGIN' || t.text === 'END' || t.text === 'begin' || t.text === 'end') return true;
    return isProvider(t.text) && this.src.text[t.end] === ':';
  }

  /** Skips to just after the next `;` or to the next `}` / probe start at this nesting level. */
  private syncStatement(): void {
    let nest = 0;
    for (let guard = 0; guard < 1_000_000 && this.cur.kind !== 'eof'; guard++) {
      if (this.atProbeStart()) break;
      if (this.isPunct('{')) nest++;
      else if (this.isPunct('}')) {
        if (nest === 0) break;
        nest--;
        if (nest === 0) {
          this.advance();
          break;
        }
      } else if (this.isPunct(';') && nest === 0) {
        this.advance();
        break;
      }
      this.advance();
    }
    this.panicking = false;
  }

  /** Skips a broken top-level item: past its balanced `{...}` or to the next probe start. */
  private syncTopLevel(itemStart: number): void {
    let nest = 0;
    for (let guard = 0; guard < 1_000_000 && this.cur.kind !== 'eof'; guard++) {
      // A probe header at the start of a line ends any broken item, however unbalanced its braces.
      if (this.cur.start !== itemStart && this.atProbeStart()) break;
      if (this.isPunct('{')) nest++;
      else if (this.isPunct('}')) {
        nest--;
        if (nest <= 0) {
          this.advance();
          break;
        }
      }
      this.advance();
    }
    this.panicking = false;
  }

  // ------------------------------------------------------------------ program

  parseProgram(): ParseResult {
    const items: A.TopLevel[] = [];
    const prog: A.Program = {
      kind: 'Program',
      range: this.range(0, this.src.text.length),
      directives: this.directives,
      cdefs: [],
      macros: [],
      mapDecls: [],
      fns: [],
      probes: [],
      items,
    };
    for (let guard = 0; guard < 1_000_000 && this.cur.kind !== 'eof'; guard++) {
      const before = this.cur.start;
      this.lexMark = this.lx.errors.length;
      try {
        const item = this.topLevel();
        if (item) {
          items.push(item);
          switch (item.kind) {
            case 'CDefinition':
              prog.cdefs.push(item);
              break;
            case 'Config':
              if (prog.config) this.report(item.range, 'Only one config block is allowed; merge the settings into the first one.', 'probe.duplicate-config');
              else prog.config = item;
              break;
            case 'Macro':
              prog.macros.push(item);
              break;
            case 'MapDecl':
              prog.mapDecls.push(item);
              break;
            case 'Fn':
              prog.fns.push(item);
              break;
            case 'Probe':
              prog.probes.push(item);
              break;
          }
        }
      } catch (e) {
        if (!(e instanceof Bail)) throw e;
        this.syncTopLevel(before);
      }
      if (this.cur.start === before && !this.atEof()) this.advance(); // always progress
    }
    if (this.conds.length) {
      const open = [...this.directives].reverse().find((d) => ['if', 'ifdef', 'ifndef'].includes(d.name));
      this.report(open?.range ?? this.range(0, 0), 'This #if has no matching #endif.', 'probe.bad-directive');
    }
    const sb = this.directives.find((d) => d.name === 'shebang');
    if (sb) prog.shebang = sb.text;
    items.unshift(...this.directives);
    items.sort((a, b) => a.range.start.line - b.range.start.line || a.range.start.col - b.range.start.col);
    for (const e of this.lx.errors) this.report(this.range(e.start, e.end), e.message, e.code);
    this.findings.sort((a, b) => a.range.start.line - b.range.start.line || a.range.start.col - b.range.start.col);
    return { ast: prog, findings: dedupe(this.findings), source: this.src };
  }

  private topLevel(): A.TopLevel | undefined {
    const t = this.cur;
    if (t.kind === 'punct' && t.text === ';') {
      this.advance();
      return undefined;
    }
    if (t.kind === 'ident') {
      switch (t.text) {
        case 'struct':
        case 'union':
        case 'enum':
          return this.cDefinition();
        case 'typedef':
          return this.typedef();
        case 'config':
          if (this.src.text.slice(t.end).trimStart().startsWith('=')) return this.config();
          break;
        case 'macro':
          return this.macro();
        case 'fn':
          return this.fnDef();
        case 'let':
          return this.mapDecl();
        case 'import': {
          this.advance();
          if (this.cur.kind === 'string') this.advance();
          this.eat(';');
          this.report(this.range(t.start, this.prevEnd), 'Imports are not supported by eBPF Studio; the imported file is not checked.', 'probe.import', 'warning');
          return undefined;
        }
      }
      return this.probe();
    }
    if (t.kind === 'map' || t.kind === 'var' || t.kind === 'int' || t.kind === 'string' || (t.kind === 'punct' && t.text !== '}')) {
      this.errorAt(t, `Expected a probe (like "kprobe:vfs_read {" or "BEGIN {"), found ${this.describe(t)}. Statements must be inside a probe's { }.`);
      throw new Bail();
    }
    if (t.kind === 'punct' && t.text === '}') {
      this.errorAt(t, 'This "}" closes nothing: remove it, or check the braces above.');
      this.advance();
      this.panicking = false;
      return undefined;
    }
    this.advance(); // bad tokens were reported by the lexer
    return undefined;
  }

  // ------------------------------------------------------------------ probes

  private probe(): A.Probe {
    const start = this.cur.start;
    const attachPoints: A.AttachPoint[] = [];
    for (let guard = 0; guard < 10_000; guard++) {
      attachPoints.push(this.attachPoint());
      if (this.isPunct(',')) {
        this.advance();
        continue;
      }
      break;
    }
    let predicate: A.Expr | undefined;
    if (this.isPunct('/')) {
      const slash = this.advance();
      this.inPredicate = true;
      try {
        if (this.isPunct('/')) {
          this.errorAt(this.cur, 'This predicate is empty: write a condition between the slashes, like /pid == 42/, or remove them.');
          throw new Bail();
        }
        predicate = this.expr();
      } finally {
        this.inPredicate = false;
      }
      if (!this.isPunct('/')) {
        this.errorAt(this.cur, `Expected "/" to end the predicate that starts at line ${this.src.pos(slash.start).line + 1}, found ${this.describe(this.cur)}.`);
        throw new Bail();
      }
      this.advance();
    }
    if (!this.isPunct('{')) {
      const ap = attachPoints[attachPoints.length - 1]!;
      this.errorAt(this.cur, `Expected "{" to start the body of probe "${ap.raw}", found ${this.describe(this.cur)}.`);
      throw new Bail();
    }
    const body = this.block();
    return { kind: 'Probe', range: this.range(start, this.prevEnd), attachPoints, ...(predicate ? { predicate } : {}), body };
  }

  /** Re-scans the raw attach point from the current token's start and splits it at colons. */
  private attachPoint(): A.AttachPoint {
    const t = this.cur;
    if (t.kind === 'eof' || (t.kind === 'punct' && t.text !== '*')) {
      this.errorAt(t, `Expected an attach point (like kprobe:vfs_read), found ${this.describe(t)}.`);
      throw new Bail();
    }
    const raw = this.lx.scanAttachPoint(t.start);
    this.prevEnd = raw.end;
    this.cur = this.fetch();
    const parts: string[] = [];
    const partRanges: Range[] = [];
    let partStart = raw.start;
    let buf = '';
    let inQuote = false;
    for (let i = raw.start; i <= raw.end; i++) {
      const c = i < raw.end ? this.src.text[i]! : ':';
      if (c === '"') {
        inQuote = !inQuote;
        continue;
      }
      if (c === ':' && !inQuote && !(i + 1 < raw.end && this.src.text[i + 1] === ':' && parts.length > 0)) {
        parts.push(buf);
        partRanges.push(this.range(partStart, i));
        buf = '';
        partStart = i + 1;
        continue;
      }
      // `::` inside a C++ name (after the binary) stays in the part.
      if (c === ':' && !inQuote) {
        buf += '::';
        i++;
        continue;
      }
      buf += c;
    }
    const provider = parts.shift() ?? '';
    partRanges.shift();
    return { kind: 'AttachPoint', range: this.range(raw.start, raw.end), raw: raw.text, provider, parts, partRanges };
  }

  // ------------------------------------------------------------------ other top-level items

  private config(): A.ConfigBlock {
    const start = this.advance().start; // config
    this.expect('=', 'after "config"');
    this.expect('{', 'to start the config block');
    const items: A.ConfigItem[] = [];
    for (let guard = 0; guard < 100_000 && !this.isPunct('}') && this.cur.kind !== 'eof'; guard++) {
      try {
        const key = this.cur;
        if (key.kind !== 'ident') {
          this.errorAt(key, `Expected a config name (like max_map_keys), found ${this.describe(key)}.`);
          throw new Bail();
        }
        this.advance();
        this.expect('=', `after config name "${key.text}"`);
        const value = this.expr();
        items.push({ kind: 'ConfigItem', range: this.range(key.start, this.prevEnd), key: key.text, value });
        if (!this.eat(';') && !this.isPunct('}')) {
          this.errorAt(this.cur, `Expected ";" after the value of "${key.text}".`);
          throw new Bail();
        }
      } catch (e) {
        if (!(e instanceof Bail)) throw e;
        this.syncStatement();
      }
    }
    this.expect('}', 'to close the config block');
    this.eat(';');
    return { kind: 'Config', range: this.range(start, this.prevEnd), items };
  }

  private macro(): A.MacroDef {
    const start = this.advance().start; // macro
    const name = this.cur;
    if (name.kind !== 'ident') {
      this.errorAt(name, `Expected the macro's name after "macro", found ${this.describe(name)}.`);
      throw new Bail();
    }
    this.advance();
    this.expect('(', `after macro name "${name.text}"`);
    const params: A.MacroParam[] = [];
    while (!this.isPunct(')')) {
      const p = this.cur;
      if (p.kind === 'var') params.push({ name: p.text, sigil: '$', range: this.range(p.start, p.end) });
      else if (p.kind === 'map') params.push({ name: p.text, sigil: '@', range: this.range(p.start, p.end) });
      else if (p.kind === 'ident') params.push({ name: p.text, sigil: '', range: this.range(p.start, p.end) });
      else {
        this.errorAt(p, `Expected a macro parameter ($var, @map or name), found ${this.describe(p)}.`);
        throw new Bail();
      }
      this.advance();
      if (!this.eat(',')) break;
    }
    this.expect(')', 'to close the macro parameters');
    const { block, tail } = this.blockWithTail();
    const def: A.MacroDef = { kind: 'Macro', range: this.range(start, this.prevEnd), name: name.text, nameRange: this.range(name.start, name.end), params, body: block };
    if (tail) def.value = tail;
    return def;
  }

  private fnDef(): A.FnDef {
    const start = this.advance().start; // fn
    const name = this.cur;
    if (name.kind !== 'ident') {
      this.errorAt(name, `Expected the function's name after "fn", found ${this.describe(name)}.`);
      throw new Bail();
    }
    this.advance();
    this.expect('(', `after function name "${name.text}"`);
    const params: A.FnDef['params'] = [];
    while (!this.isPunct(')')) {
      const p = this.cur;
      if (p.kind !== 'var') {
        this.errorAt(p, `Expected a parameter like "$x: int64", found ${this.describe(p)}.`);
        throw new Bail();
      }
      this.advance();
      this.expect(':', `after parameter ${p.text} (parameters need a type: ${p.text}: int64)`);
      const type = this.typeName(true)!;
      params.push({ name: p.text, type, range: this.range(p.start, this.prevEnd) });
      if (!this.eat(',')) break;
    }
    this.expect(')', 'to close the parameters');
    let returnType: A.TypeName | undefined;
    if (this.eat(':')) returnType = this.typeName(true);
    const body = this.block();
    return { kind: 'Fn', range: this.range(start, this.prevEnd), name: name.text, nameRange: this.range(name.start, name.end), params, ...(returnType ? { returnType } : {}), body };
  }

  private mapDecl(): A.MapDecl {
    const start = this.advance().start; // let
    const m = this.cur;
    if (m.kind !== 'map') {
      this.errorAt(m, `At the top level "let" declares a map: let @name = hash(1024); found ${this.describe(m)}.`);
      throw new Bail();
    }
    this.advance();
    const map: A.MapRef = { kind: 'Map', name: m.text, nameRange: this.range(m.start, m.end), range: this.range(m.start, m.end) };
    this.expect('=', `after ${m.text} in a map declaration`);
    const ty = this.cur;
    if (ty.kind !== 'ident') {
      this.errorAt(ty, `Expected a map type (hash, lruhash, percpuhash, percpulruhash), found ${this.describe(ty)}.`);
      throw new Bail();
    }
    this.advance();
    this.expect('(', `after map type "${ty.text}"`);
    const args = this.args(')');
    this.expect(')', 'to close the map declaration');
    this.expect(';', 'after the map declaration');
    return { kind: 'MapDecl', range: this.range(start, this.prevEnd), map, mapType: ty.text, args };
  }

  // ------------------------------------------------------------------ C definitions

  private cDefinition(): A.CDefinition {
    const start = this.cur.start;
    const tag = this.advance().text as 'struct' | 'union' | 'enum';
    let name = '';
    if (this.cur.kind === 'ident') name = this.advance().text;
    if (!this.isPunct('{')) {
      this.errorAt(this.cur, `Expected "{" to define ${tag} ${name}, found ${this.describe(this.cur)}.`);
      throw new Bail();
    }
    const def = this.cBody(tag, name, start);
    this.eat(';');
    def.range = this.range(start, this.prevEnd);
    return def;
  }

  /** `{ members }` of a struct/union/enum whose keyword and name were read. */
  private cBody(tag: 'struct' | 'union' | 'enum', name: string, start: number): A.CDefinition {
    this.expect('{', `to start ${tag} ${name}`);
    const def: A.CDefinition = { kind: 'CDefinition', tag, name, fields: [], enumerators: [], range: this.range(start, start) };
    if (tag === 'enum') {
      while (!this.isPunct('}') && this.cur.kind !== 'eof') {
        const e = this.cur;
        if (e.kind !== 'ident') {
          this.errorAt(e, `Expected an enumerator name, found ${this.describe(e)}.`);
          throw new Bail();
        }
        this.advance();
        const en: A.CDefinition['enumerators'][number] = { name: e.text, range: this.range(e.start, e.end) };
        if (this.eat('=')) en.value = this.ternary();
        def.enumerators.push(en);
        if (!this.eat(',')) break;
      }
    } else {
      for (let guard = 0; guard < 100_000 && !this.isPunct('}') && this.cur.kind !== 'eof'; guard++) {
        try {
          def.fields.push(...this.cMember());
        } catch (e) {
          if (!(e instanceof Bail)) throw e;
          this.syncStatement();
        }
      }
    }
    this.expect('}', `to close ${tag} ${name}`);
    def.range = this.range(start, this.prevEnd);
    return def;
  }

  /** One member declaration: `int a, *b, c[4];`, `struct x { ... } y;`, `unsigned f : 3;`, `void (*fn)(int);`. */
  private cMember(): A.CField[] {
    const start = this.cur.start;
    let nested: A.CDefinition | undefined;
    let base: string;
    while (this.is('const') || this.is('volatile')) this.advance();
    if (this.cur.kind === 'ident' && TAG_WORDS.has(this.cur.text)) {
      const tagTok = this.advance();
      let nm = '';
      if (this.cur.kind === 'ident') nm = this.advance().text;
      if (this.isPunct('{')) nested = this.cBody(tagTok.text as 'struct' | 'union' | 'enum', nm, tagTok.start);
      base = `${tagTok.text} ${nm}`.trim();
    } else {
      base = this.cBaseWords('a member type');
    }
    const fields: A.CField[] = [];
    if (this.eat(';')) {
      // An anonymous struct/union member: its fields are reachable directly.
      fields.push({ kind: 'CField', name: '', type: { kind: 'TypeName', base, pointerDepth: 0, range: this.range(start, this.prevEnd) }, range: this.range(start, this.prevEnd), ...(nested ? { nested } : {}) });
      return fields;
    }
    for (let guard = 0; guard < 1000; guard++) {
      const declStart = this.cur.start;
      let ptrs = 0;
      while (this.eat('*')) ptrs++;
      let fname: string;
      if (this.isPunct('(')) {
        // Function pointer: `ret (*name)(params)` — kept as a pointer.
        this.advance();
        while (this.eat('*')) ptrs++;
        if (this.cur.kind !== 'ident') {
          this.errorAt(this.cur, 'Expected a member name in this function pointer.');
          throw new Bail();
        }
        fname = this.advance().text;
        this.expect(')', 'after the function pointer name');
        this.skipBalanced('(', ')');
        ptrs = Math.max(ptrs, 1);
        base = 'void';
      } else {
        if (this.cur.kind !== 'ident') {
          this.errorAt(this.cur, `Expected a member name after "${base}", found ${this.describe(this.cur)}.`);
          throw new Bail();
        }
        fname = this.advance().text;
      }
      const type: A.TypeName = { kind: 'TypeName', base, pointerDepth: ptrs, range: this.range(start, this.prevEnd) };
      while (this.isPunct('[')) {
        this.advance();
        if (this.curKind() === 'int') type.arrayLength = (type.arrayLength && type.arrayLength > 0 ? type.arrayLength : 1) * Number(this.advance().value);
        else if (this.isPunct(']')) type.arrayLength = 0;
        else {
          // A symbolic length (e.g. TASK_COMM_LEN): kept by name; the checker resolves it.
          const e = this.ternary();
          type.arrayLength = 0;
          type.arrayLengthExpr = e;
        }
        this.expect(']', 'to close the array length');
      }
      const field: A.CField = { kind: 'CField', name: fname, type, range: this.range(declStart, this.prevEnd) };
      if (this.eat(':')) {
        const b = this.cur;
        if (b.kind !== 'int') {
          this.errorAt(b, 'Expected a bit width after ":".');
          throw new Bail();
        }
        field.bits = Number(this.advance().value);
      }
      if (nested) field.nested = nested;
      fields.push(field);
      if (!this.eat(',')) break;
    }
    this.expect(';', 'after the member declaration');
    return fields;
  }

  private skipBalanced(open: string, close: string): void {
    if (!this.isPunct(open)) return;
    let nest = 0;
    for (let guard = 0; guard < 100_000 && this.cur.kind !== 'eof'; guard++) {
      if (this.isPunct(open)) nest++;
      else if (this.isPunct(close)) {
        nest--;
        if (nest === 0) {
          this.advance();
          return;
        }
      }
      this.advance();
    }
  }

  /** C type words: `unsigned long`, `u64`, `struct x` (tag handled by callers), `const char`. */
  private cBaseWords(what: string): string {
    const words: string[] = [];
    for (let guard = 0; guard < 16; guard++) {
      const t = this.cur;
      if (t.kind !== 'ident') break;
      if (t.text === 'const' || t.text === 'volatile') {
        this.advance();
        continue;
      }
      if (TAG_WORDS.has(t.text)) {
        this.advance();
        if (this.cur.kind !== 'ident') {
          this.errorAt(this.cur, `Expected a name after "${t.text}".`);
          throw new Bail();
        }
        return `${t.text} ${this.advance().text}`;
      }
      if (C_TYPE_WORDS.has(t.text)) {
        words.push(this.advance().text);
        continue;
      }
      // A typedef name: only as the first word, and only when a declarator follows.
      if (words.length === 0) {
        words.push(this.advance().text);
        break;
      }
      break;
    }
    if (!words.length) {
      this.errorAt(this.cur, `Expected ${what}, found ${this.describe(this.cur)}.`);
      throw new Bail();
    }
    return words.join(' ');
  }

  private typedef(): A.CDefinition {
    const start = this.advance().start; // typedef
    let base: string;
    let nested: A.CDefinition | undefined;
    if (this.cur.kind === 'ident' && TAG_WORDS.has(this.cur.text)) {
      const tagTok = this.advance();
      let nm = '';
      if (this.cur.kind === 'ident') nm = this.advance().text;
      if (this.isPunct('{')) nested = this.cBody(tagTok.text as 'struct' | 'union' | 'enum', nm, tagTok.start);
      base = `${tagTok.text} ${nm}`.trim();
    } else {
      base = this.cBaseWords('a type after "typedef"');
    }
    let ptrs = 0;
    while (this.eat('*')) ptrs++;
    if (this.cur.kind !== 'ident') {
      this.errorAt(this.cur, `Expected the new type name in this typedef, found ${this.describe(this.cur)}.`);
      throw new Bail();
    }
    const name = this.advance().text;
    this.typedefNames.add(name);
    const aliased: A.TypeName = { kind: 'TypeName', base, pointerDepth: ptrs, range: this.range(start, this.prevEnd) };
    this.expect(';', 'after the typedef');
    const def: A.CDefinition = { kind: 'CDefinition', tag: 'typedef', name, fields: [], enumerators: [], aliased, range: this.range(start, this.prevEnd) };
    if (nested) {
      // `typedef struct { ... } name;` defines the record too.
      def.fields = nested.fields;
      def.enumerators = nested.enumerators;
      if (!nested.name) nested.name = name;
      aliased.base = `${nested.tag} ${nested.name}`;
      def.nestedDef = nested;
    }
    return def;
  }

  // ------------------------------------------------------------------ types in expressions

  /** True if the tokens at the cursor start a type name (for casts, sizeof, let). */
  private looksLikeType(): boolean {
    const t = this.cur;
    if (t.kind !== 'ident') return false;
    return TAG_WORDS.has(t.text) || C_TYPE_WORDS.has(t.text) || INT_TYPE_NAMES.has(t.text) || t.text === 'string' || t.text === 'inet' || t.text === 'buffer';
  }

  /** Parses a type name: base words, `*`s and an optional `[N]`/`[]`. With `required`, reports if missing. */
  private typeName(required: boolean): A.TypeName | undefined {
    const start = this.cur.start;
    if (this.cur.kind !== 'ident') {
      if (required) {
        this.errorAt(this.cur, `Expected a type (like uint32 or struct task_struct *), found ${this.describe(this.cur)}.`);
        throw new Bail();
      }
      return undefined;
    }
    let base: string;
    if (INT_TYPE_NAMES.has(this.cur.text) || this.cur.text === 'string' || this.cur.text === 'inet' || this.cur.text === 'buffer') base = this.advance().text;
    else base = this.cBaseWords('a type');
    let pointerDepth = 0;
    while (this.eat('*')) pointerDepth++;
    const tn: A.TypeName = { kind: 'TypeName', base, pointerDepth, range: this.range(start, this.prevEnd) };
    if (this.isPunct('[')) {
      this.advance();
      if (this.curKind() === 'int') tn.arrayLength = Number(this.advance().value);
      else tn.arrayLength = -1;
      this.expect(']', 'to close the array type');
      tn.range = this.range(start, this.prevEnd);
    }
    return tn;
  }

  // ------------------------------------------------------------------ statements

  private block(): A.Block {
    return this.blockWithTail().block;
  }

  /**
   * `{ stmt; stmt; [expr] }`. The tail is a final expression statement with no `;` — the value of
   * a block expression or macro. Statements need `;` between them, except after `}`.
   */
  private blockWithTail(): { block: A.Block; tail?: A.Expr } {
    const open = this.expect('{', 'to start a block');
    const stmts: A.Stmt[] = [];
    let tail: A.Expr | undefined;
    for (let guard = 0; guard < 1_000_000; guard++) {
      if (this.isPunct('}')) break;
      if (this.cur.kind === 'eof') {
        this.errorAt(this.cur, `This block, opened at line ${this.src.pos(open.start).line + 1}, is never closed: add "}".`, 'probe.unclosed-block');
        return { block: { kind: 'Block', range: this.range(open.start, this.prevEnd), stmts } };
      }
      if (this.atProbeStart()) {
        this.errorAt(this.cur, `Missing "}" to close the block opened at line ${this.src.pos(open.start).line + 1} before this probe starts.`, 'probe.unclosed-block');
        this.panicking = false;
        return { block: { kind: 'Block', range: this.range(open.start, this.prevEnd), stmts } };
      }
      if (this.eat(';')) continue;
      const before = this.cur.start;
      this.lexMark = this.lx.errors.length;
      try {
        tail = undefined;
        const s = this.statement();
        stmts.push(s);
        if (s.kind === 'If' || s.kind === 'While' || s.kind === 'For' || s.kind === 'Unroll' || s.kind === 'Block') continue;
        if (this.eat(';')) continue;
        if (this.isPunct('}')) {
          if (s.kind === 'ExprStmt') tail = s.expr;
          continue;
        }
        this.errorAt(this.cur, `Expected ";" after this statement, found ${this.describe(this.cur)}.`, 'probe.missing-semicolon');
        // Report at the end of the statement, where the ";" belongs.
        const last = this.findings[this.findings.length - 1];
        if (last && last.code === 'probe.missing-semicolon' && this.panicking) {
          const p = this.src.pos(this.prevEnd);
          last.range = { start: p, end: p };
        }
        throw new Bail();
      } catch (e) {
        if (!(e instanceof Bail)) throw e;
        this.syncStatement();
        if (this.cur.start === before && !this.isPunct('}') && !this.atEof() && !this.atProbeStart()) this.advance();
      }
    }
    this.expect('}', 'to close the block');
    const block: A.Block = { kind: 'Block', range: this.range(open.start, this.prevEnd), stmts };
    return tail ? { block, tail } : { block };
  }

  /** Runs one level of recursive descent, giving up on input nested beyond MAX_DEPTH. */
  private nested<T>(message: string, inner: () => T): T {
    if (++this.depth > MAX_DEPTH) {
      this.depth = 0;
      this.errorAt(this.cur, message, 'probe.too-deep');
      throw new Bail();
    }
    try {
      return inner();
    } finally {
      this.depth = Math.max(0, this.depth - 1);
    }
  }

  private statement(): A.Stmt {
    return this.nested('This is nested too deeply to check.', () => this.statementInner());
  }

  private statementInner(): A.Stmt {
    const t = this.cur;
    const start = t.start;
    if (t.kind === 'punct' && t.text === '{') return this.block();
    if (t.kind === 'ident') {
      switch (t.text) {
        case 'if':
          return this.ifStmt();
        case 'while': {
          this.advance();
          const cond = this.parenCondition('while');
          const body = this.block();
          return { kind: 'While', range: this.range(start, this.prevEnd), cond, body };
        }
        case 'unroll': {
          this.advance();
          const count = this.parenCondition('unroll');
          const body = this.block();
          return { kind: 'Unroll', range: this.range(start, this.prevEnd), count, body };
        }
        case 'for':
          return this.forStmt();
        case 'break':
        case 'continue':
          this.advance();
          return { kind: 'Jump', range: this.range(start, this.prevEnd), which: t.text };
        case 'return': {
          this.advance();
          if (this.isPunct(';') || this.isPunct('}')) return { kind: 'Jump', range: this.range(start, this.prevEnd), which: 'return' };
          const value = this.expr();
          return { kind: 'Jump', range: this.range(start, this.prevEnd), which: 'return', value };
        }
        case 'let':
          return this.letStmt();
        case 'else':
          this.errorAt(t, '"else" without an "if" before it.');
          throw new Bail();
        case '_':
          if (this.src.text.slice(t.end).trimStart().startsWith('=') && !this.src.text.slice(t.end).trimStart().startsWith('==')) {
            this.advance();
            this.advance(); // =
            const value = this.expr();
            return { kind: 'Discard', range: this.range(start, this.prevEnd), value };
          }
      }
    }
    const e = this.expr();
    if ((this.cur.kind === 'punct') && ASSIGN_OPS.has(this.cur.text)) {
      const opTok = this.advance();
      if (e.kind !== 'Var' && e.kind !== 'Map') {
        this.errorAt(opTok, `Only a $variable or an @map can be assigned to; the left side of "${opTok.text}" is ${describeExpr(e)}.`, 'probe.bad-assign-target');
        throw new Bail();
      }
      const value = this.expr();
      return { kind: 'Assign', range: this.range(start, this.prevEnd), op: opTok.text as A.AssignOp, target: e, value };
    }
    return { kind: 'ExprStmt', range: e.range, expr: e };
  }

  private parenCondition(what: string): A.Expr {
    if (!this.isPunct('(')) {
      this.errorAt(this.cur, `Expected "(" after "${what}": ${what} (condition) { ... }.`);
      throw new Bail();
    }
    this.advance();
    const e = this.expr();
    this.expect(')', `to close the ${what} condition`);
    return e;
  }

  private ifStmt(): A.IfStmt {
    const start = this.advance().start; // if
    const cond = this.parenCondition('if');
    const then = this.block();
    const s: A.IfStmt = { kind: 'If', range: this.range(start, this.prevEnd), cond, then };
    if (this.is('else')) {
      this.advance();
      if (this.is('if')) s.else = this.ifStmt();
      else s.else = this.block();
      s.range = this.range(start, this.prevEnd);
    }
    return s;
  }

  private forStmt(): A.ForStmt {
    const start = this.advance().start; // for
    this.expect('(', 'after "for": for ($kv : @map) or for ($i : 0..10)');
    const v = this.cur;
    if (v.kind !== 'var') {
      this.errorAt(v, `Expected a $variable after "for (", found ${this.describe(v)}.`);
      throw new Bail();
    }
    this.advance();
    const variable: A.Var = { kind: 'Var', name: v.text, range: this.range(v.start, v.end) };
    this.expect(':', `after ${v.text} in the for loop`);
    let iterable: A.MapRef | A.RangeExpr;
    const first = this.unary();
    if (this.isPunct('..')) {
      this.advance();
      const end = this.unary();
      iterable = { kind: 'Range', range: spanOf(first.range, end.range), start: first, end };
    } else if (first.kind === 'Map' && !first.keys) {
      iterable = first;
    } else {
      this.errorAt(this.cur, 'A for loop goes over a map (for ($kv : @map)) or a range (for ($i : 0..10)).', 'probe.bad-for');
      throw new Bail();
    }
    this.expect(')', 'to close the for header');
    const body = this.block();
    return { kind: 'For', range: this.range(start, this.prevEnd), variable, iterable, body };
  }

  private letStmt(): A.LetStmt {
    const start = this.advance().start; // let
    const v = this.cur;
    if (v.kind !== 'var') {
      this.errorAt(v, `Expected a $variable after "let", found ${this.describe(v)}.`);
      throw new Bail();
    }
    this.advance();
    const s: A.LetStmt = { kind: 'Let', range: this.range(start, this.prevEnd), target: { kind: 'Var', name: v.text, range: this.range(v.start, v.end) } };
    if (this.eat(':')) s.declType = this.typeName(true);
    if (this.isPunct('=')) {
      this.advance();
      s.value = this.expr();
    } else if (this.cur.kind === 'punct' && ASSIGN_OPS.has(this.cur.text)) {
      this.errorAt(this.cur, `"let" declares a variable: use "=", not "${this.cur.text}".`);
      throw new Bail();
    }
    s.range = this.range(start, this.prevEnd);
    return s;
  }

  // ------------------------------------------------------------------ expressions

  expr(): A.Expr {
    return this.nested('This expression is nested too deeply to check.', () => this.ternary());
  }

  private ternary(): A.Expr {
    const cond = this.binary(0);
    if (!this.isPunct('?')) return cond;
    this.advance();
    const then = this.expr();
    this.expect(':', 'between the two branches of "? :"');
    const els = this.expr();
    return { kind: 'Ternary', range: spanOf(cond.range, els.range), cond, then, else: els };
  }

  /** True when a `/` at the cursor closes a predicate (it is followed by the probe's `{`). */
  private slashEndsPredicate(): boolean {
    if (!this.inPredicate) return false;
    const t = this.src.text;
    let i = this.cur.end;
    for (let guard = 0; guard < t.length + 1 && i < t.length; guard++) {
      const c = t[i]!;
      if (c === ' ' || c === '\t' || c === '\n' || c === '\r') i++;
      else if (t.startsWith('//', i)) {
        const nl = t.indexOf('\n', i);
        i = nl < 0 ? t.length : nl;
      } else if (t.startsWith('/*', i)) {
        const close = t.indexOf('*/', i + 2);
        i = close < 0 ? t.length : close + 2;
      } else break;
    }
    return i >= t.length || t[i] === '{';
  }

  private binary(level: number): A.Expr {
    if (level >= BINARY_LEVELS.length) return this.unary();
    const ops = BINARY_LEVELS[level]!;
    let left = this.binary(level + 1);
    for (let guard = 0; guard < 100_000; guard++) {
      const t = this.cur;
      if (t.kind !== 'punct' || !ops.includes(t.text)) break;
      if (t.text === '/' && this.slashEndsPredicate()) break;
      this.advance();
      const right = this.binary(level + 1);
      left = { kind: 'Binary', range: spanOf(left.range, right.range), op: t.text as A.BinaryOp, left, right, opRange: this.range(t.start, t.end) };
    }
    return left;
  }

  private unary(): A.Expr {
    return this.nested('This expression is nested too deeply to check.', () => this.unaryInner());
  }

  private unaryInner(): A.Expr {
    const t = this.cur;
    if (t.kind === 'punct') {
      if (t.text === '!' || t.text === '~' || t.text === '-' || t.text === '*' || t.text === '&') {
        this.advance();
        const operand = this.unary();
        if (t.text === '-' && operand.kind === 'Int' && !operand.unit && this.src.offset(operand.range.start) === this.prevEndOf(t)) {
          // `-1` is a negative literal, as bpftrace reads it.
          return { ...operand, value: -operand.value, text: `-${operand.text}`, range: this.range(t.start, this.prevEnd) };
        }
        return { kind: 'Unary', range: this.range(t.start, this.prevEnd), op: t.text, operand };
      }
      if (t.text === '++' || t.text === '--') {
        this.advance();
        const operand = this.unary();
        return { kind: 'IncDec', range: this.range(t.start, this.prevEnd), op: t.text, prefix: true, operand };
      }
      if (t.text === '(' && this.castAhead()) {
        this.advance();
        const target = this.typeName(true)!;
        this.expect(')', 'to close the cast');
        const operand = this.unary();
        return { kind: 'Cast', range: this.range(t.start, this.prevEnd), target, operand };
      }
    }
    return this.postfix(this.primary());
  }

  /** At `(`: does a type and `)` follow (a cast), rather than a parenthesised expression? */
  private castAhead(): boolean {
    const save = this.lx.pos;
    const saveErrs = this.lx.errors.length;
    const toks: Token[] = [];
    for (let i = 0; i < 8; i++) {
      const tk = this.lx.next();
      toks.push(tk);
      if (tk.kind === 'eof' || (tk.kind === 'punct' && tk.text === ')')) break;
    }
    this.lx.pos = save;
    this.lx.errors.length = saveErrs;
    const first = toks[0];
    if (!first || first.kind !== 'ident') return false;
    const close = toks.findIndex((x) => x.kind === 'punct' && x.text === ')');
    if (close < 0) return false;
    const inner = toks.slice(0, close);
    const isTypeWord = TAG_WORDS.has(first.text) || C_TYPE_WORDS.has(first.text) || INT_TYPE_NAMES.has(first.text) || first.text === 'string' || first.text === 'inet' || first.text === 'buffer';
    // After the base words come only `*`s and an optional `[N]`/`[]`: `(arg0 * 5)` is a product.
    const tailOk = (from: number): boolean => {
      let i = from;
      while (i < inner.length && isPunctTok(inner[i]!, '*')) i++;
      if (i === inner.length) return true;
      if (!isPunctTok(inner[i]!, '[')) return false;
      i++;
      if (i < inner.length && inner[i]!.kind === 'int') i++;
      return i === inner.length - 1 && isPunctTok(inner[i]!, ']');
    };
    if (isTypeWord) {
      let i = 1;
      if (TAG_WORDS.has(first.text)) i = 2;
      else while (i < inner.length && inner[i]!.kind === 'ident' && C_TYPE_WORDS.has(inner[i]!.text)) i++;
      return tailOk(i);
    }
    // Builtins (arg0, pid, comm, ...) are values, never types.
    if (builtinInfo(first.text) !== undefined && !this.typedefNames.has(first.text)) return false;
    // A typedef or record name: `(my_t *)x` — with a pointer, as bpftrace reads any name there.
    if (inner.length >= 2 && isPunctTok(inner[1]!, '*') && tailOk(1)) return true;
    // `(pid_t)x`: a name the script or BTF defines as a type (or a `_t` name), when an operand follows.
    const known = this.typedefNames.has(first.text) || this.isTypeName(first.text) || /_t$/.test(first.text);
    if (known && tailOk(1)) return this.lookAfterParen(close + 1);
    return false;
  }

  /** Whether the token after a `(name_t)` can start an operand (so it is a cast). */
  private lookAfterParen(skip: number): boolean {
    const save = this.lx.pos;
    const saveErrs = this.lx.errors.length;
    let tk: Token = this.cur;
    for (let i = 0; i <= skip; i++) tk = this.lx.next();
    this.lx.pos = save;
    this.lx.errors.length = saveErrs;
    if (tk.kind === 'ident' || tk.kind === 'int' || tk.kind === 'var' || tk.kind === 'map' || tk.kind === 'param' || tk.kind === 'string') return true;
    return tk.kind === 'punct' && (tk.text === '(' || tk.text === '*' || tk.text === '&' || tk.text === '!' || tk.text === '~');
  }

  private postfix(e: A.Expr): A.Expr {
    for (let guard = 0; guard < 100_000; guard++) {
      const t = this.cur;
      if (t.kind !== 'punct') break;
      if (t.text === '.' || t.text === '->') {
        this.advance();
        const f = this.cur;
        if (f.kind === 'int' && t.text === '.') {
          this.advance();
          e = { kind: 'TupleIndex', range: this.range(rangeStartOffset(this.src, e.range), f.end), object: e, index: Number(f.value) };
          continue;
        }
        if (f.kind !== 'ident') {
          this.errorAt(f, `Expected a field name after "${t.text}", found ${this.describe(f)}.`);
          throw new Bail();
        }
        this.advance();
        e = { kind: 'Field', range: this.range(rangeStartOffset(this.src, e.range), f.end), object: e, field: f.text, arrow: t.text === '->', fieldRange: this.range(f.start, f.end) };
        continue;
      }
      if (t.text === '[') {
        this.advance();
        const index = this.expr();
        this.expect(']', 'to close the index');
        e = { kind: 'Index', range: this.range(rangeStartOffset(this.src, e.range), this.prevEnd), object: e, index };
        continue;
      }
      if (t.text === '++' || t.text === '--') {
        this.advance();
        e = { kind: 'IncDec', range: this.range(rangeStartOffset(this.src, e.range), this.prevEnd), op: t.text, prefix: false, operand: e };
        continue;
      }
      break;
    }
    return e;
  }

  private args(close: string): A.Expr[] {
    const args: A.Expr[] = [];
    if (this.isPunct(close)) return args;
    for (let guard = 0; guard < 10_000; guard++) {
      args.push(this.expr());
      if (!this.eat(',')) break;
    }
    return args;
  }

  private primary(): A.Expr {
    const t = this.cur;
    // A probe header where a value should be: a "}" is missing above; the block reports that.
    if (this.atProbeStart()) throw new Bail();
    const r = this.range(t.start, t.end);
    switch (t.kind) {
      case 'int': {
        this.advance();
        const e: A.IntLit = { kind: 'Int', range: r, value: t.value ?? 0n, text: t.text };
        if (t.unit) e.unit = t.unit;
        return e;
      }
      case 'string': {
        this.advance();
        // Adjacent string literals join, as in C ("a" "b").
        let value = t.str ?? '';
        let end = t.end;
        while (this.cur.kind === 'string') {
          value += this.cur.str ?? '';
          end = this.advance().end;
        }
        return { kind: 'Str', range: this.range(t.start, end), value };
      }
      case 'var':
        this.advance();
        return { kind: 'Var', range: r, name: t.text };
      case 'param':
        this.advance();
        return { kind: 'Param', range: r, index: t.text === '$#' ? 0 : Number(t.text.slice(1)) };
      case 'map': {
        this.advance();
        const m: A.MapRef = { kind: 'Map', range: r, name: t.text, nameRange: r };
        if (this.isPunct('[')) {
          this.advance();
          if (this.isPunct(']')) {
            this.errorAt(this.cur, `Empty key: write ${t.text}[key] or use ${t.text} without brackets.`);
            throw new Bail();
          }
          m.keys = this.args(']');
          this.expect(']', `to close the key of ${t.text}`);
          m.range = this.range(t.start, this.prevEnd);
        }
        return m;
      }
      case 'ident':
        return this.identExpr(t);
      case 'punct':
        if (t.text === '(') return this.parenExpr();
        if (t.text === '{') {
          const { block, tail } = this.blockWithTail();
          if (!tail) {
            this.report(block.range, 'A block used as a value must end with an expression and no ";" (like { let $x = 1; $x + 1 }).', 'probe.block-value');
          }
          return { kind: 'BlockExpr', range: block.range, stmts: tail ? block.stmts.slice(0, -1) : block.stmts, value: tail ?? { kind: 'ErrorExpr', range: block.range } };
        }
        break;
    }
    this.errorAt(t, this.expectedExprMessage(t));
    throw new Bail();
  }

  private expectedExprMessage(t: Token): string {
    if (t.kind === 'punct' && (t.text === ';' || t.text === ')' || t.text === '}' || t.text === ']' || t.text === ',')) {
      return `Expected a value before ${this.describe(t)}.`;
    }
    if (t.kind === 'eof') return 'Expected a value, but the file ends here.';
    return `Expected a value, found ${this.describe(t)}.`;
  }

  private identExpr(t: Token): A.Expr {
    const r = this.range(t.start, t.end);
    if (t.text === 'true' || t.text === 'false') {
      this.advance();
      return { kind: 'Bool', range: r, value: t.text === 'true' };
    }
    if (t.text === 'sizeof' || t.text === 'offsetof') return this.sizeofLike(t);
    if (['if', 'else', 'while', 'for', 'return', 'break', 'continue', 'unroll', 'let'].includes(t.text)) {
      this.errorAt(t, `"${t.text}" is a statement and cannot be used as a value here.`);
      throw new Bail();
    }
    this.advance();
    if (this.isPunct('(') && this.prevEnd === this.cur.start) {
      this.advance();
      const args = this.args(')');
      this.expect(')', `to close the call to ${t.text}()`);
      return { kind: 'Call', range: this.range(t.start, this.prevEnd), callee: t.text, calleeRange: r, args };
    }
    if (this.isPunct('(')) {
      // `f (x)` with a space is still a call in bpftrace.
      this.advance();
      const args = this.args(')');
      this.expect(')', `to close the call to ${t.text}()`);
      return { kind: 'Call', range: this.range(t.start, this.prevEnd), callee: t.text, calleeRange: r, args };
    }
    return { kind: 'Ident', range: r, name: t.text };
  }

  private sizeofLike(t: Token): A.Expr {
    this.advance();
    this.expect('(', `after ${t.text}`);
    let target: A.TypeName | A.Expr;
    if (this.looksLikeType()) target = this.typeName(true)!;
    else target = this.expr();
    if (t.text === 'sizeof') {
      this.expect(')', 'to close sizeof');
      return { kind: 'Sizeof', range: this.range(t.start, this.prevEnd), target };
    }
    this.expect(',', 'between the type and the field in offsetof(type, field)');
    const fields: string[] = [];
    for (let guard = 0; guard < 100; guard++) {
      const f = this.cur;
      if (f.kind !== 'ident') {
        this.errorAt(f, `Expected a field name in offsetof, found ${this.describe(f)}.`);
        throw new Bail();
      }
      fields.push(this.advance().text);
      if (!this.eat('.')) break;
    }
    this.expect(')', 'to close offsetof');
    return { kind: 'Offsetof', range: this.range(t.start, this.prevEnd), target, fields };
  }

  /** `(e)`, a tuple `(a, b)`, `(a,)`, or the empty tuple `()`. */
  private parenExpr(): A.Expr {
    const open = this.advance();
    if (this.isPunct(')')) {
      this.advance();
      return { kind: 'Tuple', range: this.range(open.start, this.prevEnd), elems: [] };
    }
    const saved = this.inPredicate;
    this.inPredicate = false;
    try {
      const first = this.expr();
      if (this.isPunct(',')) {
        const elems = [first];
        while (this.eat(',')) {
          if (this.isPunct(')')) break;
          elems.push(this.expr());
        }
        this.expect(')', 'to close the tuple');
        return { kind: 'Tuple', range: this.range(open.start, this.prevEnd), elems };
      }
      this.expect(')', 'to close the parenthesis');
      // Keep the parenthesised range: messages about `(a + b)` underline the parentheses too.
      return { ...first, range: this.range(open.start, this.prevEnd) } as A.Expr;
    } finally {
      this.inPredicate = saved;
    }
  }
}

function describeExpr(e: A.Expr): string {
  switch (e.kind) {
    case 'Int':
    case 'Str':
    case 'Bool':
      return 'a constant';
    case 'Call':
      return `a call to ${e.callee}()`;
    case 'Ident':
      return `"${e.name}"`;
    case 'Field':
      return 'a field';
    case 'Param':
      return 'a positional parameter';
    default:
      return 'an expression';
  }
}

function spanOf(a: Range, b: Range): Range {
  return { start: a.start, end: b.end };
}

function rangeStartOffset(src: SourceText, r: Range): number {
  return src.offset(r.start);
}

function dedupe(fs: Finding[]): Finding[] {
  const seen = new Set<string>();
  return fs.filter((f) => {
    const k = `${f.range.start.line}:${f.range.start.col}:${f.message}`;
    if (seen.has(k)) return false;
    seen.add(k);
    return true;
  });
}

/** Parses a bpftrace script. Never throws: problems come back as findings. */
export function parseScript(text: string, _file?: string, opts: ParseOptions = {}): ParseResult {
  return new Parser(text, opts).parseProgram();
}

function isPunctTok(t: Token, text: string): boolean {
  return t.kind === 'punct' && t.text === text;
}
