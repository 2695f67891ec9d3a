// The bpftrace checker: resolves probes and their attach points, gives every expression a type,
// tracks map key/value types across probes, and reports mistakes with a fix in the message.
// Two passes over the probes: the first learns map types (a map may be written in a later probe
// than it is read), the second reports.
import type { Finding, Range, Severity } from '../core/types';
import type * as A from './ast';
import { exprChildren } from './ast';
import { binarySymbols, ElfError, resolveBinary } from './binsyms';
import { loadBtf, type Btf } from './btf';
import { ARG_BUILTIN, availableIn, builtinInfo, functionInfo, kindsProviding, type ArgShape, type Availability, type FunctionInfo } from './catalog';
import { parseFormat } from './format';
import { defineValue, scanHeaders } from './headers';
import { parseScript, type ParseOptions } from './parser';
import { probeKind, PROBE_KINDS, resolveAttach, type AttachTarget, type ProbeKind } from './probes';
import type { SourceText } from './source';
import { globMatch, globRegExp, knownTracepoints, tracepointFormat, tracepointListIsComplete, type TracepointFormat } from './tracepoints';
import { TypeEnv, type RecordLayout } from './typeenv';
import {
  BOOL, INT64, UINT64, UNKNOWN, VOID, intType, isIntegral, sizeOf, typeName, valueKind, type AggKind, type Type,
} from './types';

export interface CheckOptions {
  file?: string;
  /** Kernel BTF: a loaded Btf, a path, or null for none. Default: /sys/kernel/btf/vmlinux when readable. */
  btf?: Btf | string | null;
  /** Read tracepoint formats from tracefs when readable (default true). */
  useTracefs?: boolean;
  /** Look at uprobe/usdt binaries on disk (default true). */
  checkBinaries?: boolean;
  /** Read #included headers under /usr/include for #define constants (default true). */
  readHeaders?: boolean;
  /** Positional parameters ($1, $2, ...) as they would be passed. */
  params?: string[];
  /** The script will run with --unsafe (system(), signal(), override()). */
  unsafe?: boolean;
  /** Extra predefined macros for #if (BPFTRACE_HAVE_BTF is defined when BTF is available). */
  defines?: Record<string, string>;
}

export interface MapInfo {
  name: string;
  /** Key types; empty for a scalar map (`@x`). Undefined until known. */
  keys?: Type[];
  value?: Type;
  /** Where the value type was first set. */
  firstAssign?: Range;
  writes: Range[];
  reads: Range[];
  decl?: A.MapDecl;
}

export interface AttachInfo {
  node: A.AttachPoint;
  kind?: ProbeKind;
  target?: AttachTarget;
  /** Tracepoint formats this attach point matches (several with wildcards). */
  tracepoints?: TracepointFormat[];
}

export interface ProbeInfo {
  probe: A.Probe;
  attach: AttachInfo[];
  /** Scratch variables and their types. */
  variables: Map<string, Type>;
  /** Type of `args` (a pointer to a record), when the probe has typed arguments. */
  argsType?: Type;
  /** Type of `retval`. */
  retvalType?: Type;
}

export interface CheckInfo {
  maps: Map<string, MapInfo>;
  probes: ProbeInfo[];
  /** Struct/union layouts (script, BTF, tracepoint args) for the compiler. */
  types: TypeEnv;
  btfAvailable: boolean;
}

export interface CheckResult {
  ast: A.Program;
  findings: Finding[];
  info: CheckInfo;
  source: SourceText;
}

interface VarInfo {
  type: Type;
  range: Range;
}

interface Ctx {
  info?: ProbeInfo;
  /** Probe kinds of the attach points (empty inside macros and functions: no availability checks). */
  kinds: { kind: ProbeKind; node: A.AttachPoint }[];
  vars: Map<string, VarInfo>;
  loops: number;
  /** Names bound as expression parameters inside a macro body. */
  macroIdents?: Set<string>;
  /** Inside a macro body: maps are the caller's, so they are not tracked. */
  inMacro?: boolean;
}

const CONFIG_KEYS = new Set([
  'cache_user_symbols', 'cpp_demangle', 'lazy_symbolication', 'license', 'log_size', 'max_bpf_progs', 'max_cat_bytes', 'max_map_keys',
  'max_probes', 'max_strlen', 'missing_probes', 'on_stack_limit', 'perf_rb_pages', 'show_debug_info', 'stack_mode', 'str_trunc_trailer',
  'print_maps_on_exit', 'unstable_map_decl', 'unstable_tseries', 'unstable_addr', 'unstable_macro', 'unstable_import', 'strlen',
  'max_type_res_iterations', 'max_ast_nodes', 'no_cpp_demangle', 'use_blazesym', 'symbol_source',
]);
const MAP_DECL_TYPES = new Set(['hash', 'lruhash', 'percpuhash', 'percpulruhash', 'percpuarray', 'array']);
const STACK_MODES = new Set(['bpftrace', 'perf', 'raw']);
const CLOCK_MODES = new Set(['monotonic', 'boot', 'tai', 'sw_tai']);
const DEFAULT_STRLEN = 64;

/** Edit distance where swapping two neighbours counts as one edit (typos like "prinft"); capped at `max + 1`. */
function editDistance(a: string, b: string, max = 3): number {
  if (Math.abs(a.length - b.length) > max) return max + 1;
  let prev2 = new Uint16Array(b.length + 1);
  let prev = Uint16Array.from({ length: b.length + 1 }, (_, j) => j);
  let cur = new Uint16Array(b.length + 1);
  for (let i = 1; i <= a.length; i++) {
    cur[0] = i;
    let rowMin = i;
    for (let j = 1; j <= b.length; j++) {
      const cost = a.charCodeAt(i - 1) === b.charCodeAt(j - 1) ? 0 : 1;
      let v = Math.min(prev[j]! + 1, cur[j - 1]! + 1, prev[j - 1]! + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) v = Math.min(v, prev2[j - 2]! + 1);
      cur[j] = v;
      if (v < rowMin) rowMin = v;
    }
    if (rowMin > max) return max + 1;
    [prev2, prev, cur] = [prev, cur, prev2];
  }
  return prev[b.length]!;
}

/** " Did you mean X?" for the closest candidate, or ''. */
export function suggest(name: string, candidates: Iterable<string>): string {
  let best = '';
  let bestD = Math.max(1, Math.min(3, Math.floor(name.length / 3)));
  for (const c of candidates) {
    const d = editDistance(name, c, bestD);
    if (d <= bestD && c !== name) {
      if (d < bestD || !best) best = c;
      bestD = d;
    }
  }
  return best ? ` Did you mean "${best}"?` : '';
}

function lineOf(r: Range): number {
  return r.start.line + 1;
}

function isAgg(t: Type | undefined, ...kinds: AggKind[]): boolean {
  return !!t && t.kind === 'agg' && (kinds.length === 0 || kinds.includes(t.agg));
}

function widen(a: Type, b: Type): Type {
  if (a.kind === 'int' && b.kind === 'int') {
    return intType(Math.max(a.bits, b.bits) as 8 | 16 | 32 | 64, a.signed && b.signed);
  }
  return a;
}

/**
 * The type of `c ? a : b` for two integer-like branches: the wider integer, signed only when both
 * are. A bool (0 or 1) fits any integer, so it takes the other branch's type; two bools stay bool.
 * An aggregation reads back as int64.
 */
function commonInteger(a: Type, b: Type): Type {
  const asInt = (t: Type): Type | undefined => (t.kind === 'bool' ? undefined : t.kind === 'int' ? t : INT64);
  const ia = asInt(a);
  const ib = asInt(b);
  if (ia && ib) return widen(ia, ib);
  return ia ?? ib ?? BOOL;
}

/** An integer result for arithmetic on two integer-like operands. */
function arith(a: Type, b: Type): Type {
  const ia = a.kind === 'int' ? a : INT64;
  const ib = b.kind === 'int' ? b : INT64;
  const w = widen(ia, ib);
  return w.kind === 'int' && w.bits < 64 ? intType(64, w.signed) : w;
}

const CLONE_SUFFIX = /\.(constprop|isra|part|cold|llvm|lto_priv)\b.*$/;

export class Checker {
  private readonly findings: Finding[] = [];
  private quiet = true;
  private readonly maps = new Map<string, MapInfo>();
  private readonly probes: ProbeInfo[] = [];
  private readonly env: TypeEnv;
  private readonly btf: Btf | undefined;
  private readonly defineText = new Map<string, string>();
  private readonly hasIncludes: boolean;
  private readonly macros = new Map<string, A.MacroDef>();
  private readonly fns = new Map<string, A.FnDef>();
  private readonly warnedRecords = new Set<string>();
  private readonly warnedIdents = new Set<string>();

  constructor(
    private readonly ast: A.Program,
    private readonly opts: CheckOptions,
    btf: Btf | undefined,
  ) {
    this.btf = btf;
    this.env = new TypeEnv(ast.cdefs, btf);
    const includes: string[] = [];
    for (const d of ast.directives) {
      if (!d.active) continue;
      if (d.name === 'define' && d.arg && !d.params) this.defineText.set(d.arg, d.value ?? '');
      if (d.name === 'include' && d.arg) includes.push(d.arg);
    }
    this.hasIncludes = includes.length > 0;
    if (includes.length && opts.readHeaders !== false) {
      const scan = scanHeaders(includes);
      for (const [k, v] of scan.defines) if (!this.defineText.has(k)) this.defineText.set(k, v);
    }
    for (const m of ast.macros) this.macros.set(m.name, m);
    for (const f of ast.fns) this.fns.set(f.name, f);
  }

  // ------------------------------------------------------------------ reporting

  private report(range: Range, severity: Severity, message: string, code: string): void {
    if (this.quiet) return;
    this.findings.push({ range, severity, message, code });
  }

  private err(range: Range, message: string, code: string): void {
    this.report(range, 'error', message, code);
  }

  private warn(range: Range, message: string, code: string): void {
    this.report(range, 'warning', message, code);
  }

  // ------------------------------------------------------------------ driver

  run(): CheckResult['info'] {
    for (const probe of this.ast.probes) this.probes.push(this.resolveProbe(probe));
    for (const d of this.ast.mapDecls) {
      const mi = this.mapInfo(d.map.name);
      mi.decl = d;
    }
    // Pass 1 learns map types quietly; pass 2 reports.
    for (const pass of [1, 2]) {
      this.quiet = pass === 1;
      if (pass === 2) this.checkTopLevel();
      for (const info of this.probes) this.checkProbe(info);
      for (const m of this.ast.macros) this.checkMacro(m);
      for (const f of this.ast.fns) this.checkFn(f);
    }
    this.quiet = false;
    for (const m of this.maps.values()) {
      if (m.reads.length && !m.writes.length && !m.decl) {
        for (const r of m.reads) this.err(r, `Undefined map: ${m.name} is read but never assigned anywhere in the script. Assign it first (${m.name} = ...) or check the name.${suggest(m.name, [...this.maps.values()].filter((x) => x.writes.length).map((x) => x.name))}`, 'probe.undefined-map');
      }
    }
    return { maps: this.maps, probes: this.probes, types: this.env, btfAvailable: !!this.btf };
  }

  result(): Finding[] {
    const seen = new Set<string>();
    return this.findings
      .filter((f) => {
        const k = `${f.range.start.line}:${f.range.start.col}:${f.range.end.line}:${f.range.end.col}:${f.message}`;
        if (seen.has(k)) return false;
        seen.add(k);
        return true;
      })
      .sort((a, b) => a.range.start.line - b.range.start.line || a.range.start.col - b.range.start.col);
  }

  private checkTopLevel(): void {
    const cfg = this.ast.config;
    if (cfg) {
      for (const item of cfg.items) {
        const key = item.key.toLowerCase().replace(/^bpftrace_/, '');
        if (!CONFIG_KEYS.has(key)) this.warn(item.range, `Unknown config setting "${item.key}".${suggest(key, CONFIG_KEYS)}`, 'probe.unknown-config');
      }
      const firstProbe = this.ast.probes[0];
      if (firstProbe && (cfg.range.start.line > firstProbe.range.start.line)) {
        this.err(cfg.range, 'The config block must come before the first probe.', 'probe.config-position');
      }
    }
    for (const d of this.ast.mapDecls) {
      if (!MAP_DECL_TYPES.has(d.mapType)) {
        this.err(d.range, `Unknown map type "${d.mapType}": use hash, lruhash, percpuhash or percpulruhash.${suggest(d.mapType, MAP_DECL_TYPES)}`, 'probe.map-decl-type');
      }
      if (d.args.length !== 1 || d.args[0]!.kind !== 'Int') {
        this.err(d.range, `A map declaration takes one argument, the maximum number of entries: let ${d.map.name} = ${d.mapType}(1024);`, 'probe.map-decl-args');
      }
    }
    const seenMacros = new Map<string, A.MacroDef>();
    for (const m of this.ast.macros) {
      const prev = seenMacros.get(m.name);
      if (prev) this.err(m.nameRange, `Macro ${m.name} is already defined at line ${lineOf(prev.range)}.`, 'probe.duplicate-macro');
      seenMacros.set(m.name, m);
    }
    for (const d of this.ast.cdefs) {
      for (const f of d.fields) {
        if (f.type.arrayLengthExpr) {
          const e = f.type.arrayLengthExpr;
          if (e.kind === 'Ident' && this.constantValue(e.name) === undefined) {
            this.warn(e.range, `The array length ${e.name} is not a known constant here; the layout of ${d.tag} ${d.name} after this field may be wrong.`, 'probe.unknown-array-length');
          }
        }
      }
    }
  }

  // ------------------------------------------------------------------ probes and attach points

  private resolveProbe(probe: A.Probe): ProbeInfo {
    const info: ProbeInfo = { probe, attach: [], variables: new Map() };
    for (const ap of probe.attachPoints) info.attach.push(this.resolveAttachPoint(ap));
    this.probeArgs(info);
    return info;
  }

  private partRange(ap: A.AttachPoint, part: number): Range {
    return part >= 0 && ap.partRanges[part] ? ap.partRanges[part]! : ap.range;
  }

  private resolveAttachPoint(ap: A.AttachPoint): AttachInfo {
    const ai: AttachInfo = { node: ap };
    const kind = probeKind(ap.provider);
    this.quiet = false;
    try {
      if (!kind) {
        const names = PROBE_KINDS.flatMap((k) => [k.name, ...k.aliases]);
        const providerRange: Range = { start: ap.range.start, end: { line: ap.range.start.line, col: ap.range.start.col + ap.provider.length } };
        const hint = ap.provider === '' ? ' An attach point starts with its probe type, like kprobe:vfs_read.' : suggest(ap.provider, names);
        this.err(providerRange, `Unknown probe type "${ap.provider}".${hint} Probe types: ${PROBE_KINDS.filter((k) => !k.special || k.name === 'BEGIN' || k.name === 'END').map((k) => k.name).join(', ')}.`, 'probe.unknown-probe-type');
        return ai;
      }
      ai.kind = kind;
      const { target, problems } = resolveAttach(kind, ap.parts);
      for (const p of problems) this.err(this.partRange(ap, p.part), p.message, p.code);
      if (problems.length) return ai;
      ai.target = target;
      this.checkAttachTarget(ai, target);
    } finally {
      this.quiet = true;
    }
    return ai;
  }

  private checkAttachTarget(ai: AttachInfo, t: AttachTarget): void {
    const ap = ai.node;
    const last = this.partRange(ap, ap.parts.length - 1);
    const k = t.kind.name;
    if ((k === 'kprobe' || k === 'kretprobe' || k === 'fentry' || k === 'fexit') && t.func && !t.module && this.btf) {
      const funcs = this.btf.funcNames();
      if (t.wildcard) {
        const base = t.func.replace(CLONE_SUFFIX, '');
        const re1 = globRegExp(t.func);
        const re2 = globRegExp(base);
        let any = false;
        for (const f of funcs) {
          if (re1.test(f) || re2.test(f)) {
            any = true;
            break;
          }
        }
        if (!any) this.warn(last, `No kernel function in this kernel's BTF matches "${t.func}"; the probe would attach to nothing.`, 'probe.no-kernel-func');
      } else if (!funcs.has(t.func) && !funcs.has(t.func.replace(CLONE_SUFFIX, ''))) {
        const why = k === 'fentry' || k === 'fexit' ? 'fentry/fexit need the function in BTF, so attaching will fail' : 'it may be inlined, renamed or absent on this kernel, and attaching will likely fail';
        this.warn(last, `Kernel function "${t.func}" is not in this kernel's BTF: ${why}.${suggest(t.func, funcs.size < 200_000 ? funcs : [])}`, 'probe.unknown-kernel-func');
      }
    }
    if (k === 'tracepoint' && t.category !== undefined && t.event !== undefined) {
      const lookup = { useTracefs: this.opts.useTracefs !== false };
      if (t.wildcard) {
        const re = globRegExp(`${t.category}:${t.event}`);
        const names = knownTracepoints(lookup).filter((n) => re.test(n));
        ai.tracepoints = names.map((n) => {
          const [c, e] = n.split(':') as [string, string];
          return tracepointFormat(c, e, lookup);
        }).filter((x): x is TracepointFormat => !!x);
        if (!names.length && tracepointListIsComplete(lookup)) {
          this.warn(ap.range, `No tracepoint on this kernel matches "${t.category}:${t.event}".`, 'probe.no-tracepoint');
        }
      } else {
        const f = tracepointFormat(t.category, t.event, lookup);
        if (f) ai.tracepoints = [f];
        else if (tracepointListIsComplete(lookup)) {
          const known = knownTracepoints(lookup).filter((n) => n.startsWith(`${t.category}:`)).map((n) => n.split(':')[1]!);
          const catKnown = known.length > 0;
          this.warn(ap.range, catKnown
            ? `Tracepoint ${t.category}:${t.event} does not exist on this kernel.${suggest(t.event, known)}`
            : `There is no tracepoint category "${t.category}" on this kernel.`, 'probe.unknown-tracepoint');
        }
      }
    }
    if ((k === 'uprobe' || k === 'uretprobe' || k === 'usdt') && t.binary && this.opts.checkBinaries !== false && !/[*?]/.test(t.binary)) {
      const path = resolveBinary(t.binary);
      const binRange = this.partRange(ap, 0);
      if (!path) {
        this.warn(binRange, `Cannot find "${t.binary}" here (as a path, in the library directories or on PATH); ${k} will fail to attach unless it exists where the script runs.`, 'probe.binary-not-found');
        return;
      }
      let syms;
      try {
        syms = binarySymbols(path);
      } catch (e) {
        const msg = e instanceof ElfError ? e.message : `${path} could not be read`;
        this.warn(binRange, `${msg}; its symbols cannot be checked.`, 'probe.binary-unreadable');
        return;
      }
      if (k === 'usdt') {
        const probe = t.usdtProbe ?? '';
        const hits = syms.usdt.filter((u) => globMatch(probe, u.name) && (!t.usdtProvider || globMatch(t.usdtProvider, u.provider)));
        if (!hits.length) {
          const have = syms.usdt.map((u) => `${u.provider}:${u.name}`);
          this.warn(last, syms.usdt.length
            ? `USDT probe "${t.usdtProvider ? t.usdtProvider + ':' : ''}${probe}" is not in ${path}'s .note.stapsdt. It has: ${have.slice(0, 12).join(', ')}${have.length > 12 ? ', ...' : ''}.`
            : `${path} has no USDT probes (no .note.stapsdt section).`, 'probe.unknown-usdt');
        }
        return;
      }
      if (t.func && ap.parts[1] !== 'cpp') {
        const re = globRegExp(t.func);
        const any = t.wildcard ? [...syms.functions].some((f) => re.test(f)) : syms.functions.has(t.func);
        if (!any) {
          const scope = syms.hasSymtab ? 'symbol table' : 'dynamic symbol table (the file is stripped, so only exported functions are listed)';
          this.warn(last, `Function "${t.func}" is not in the ${scope} of ${path}; ${k} will fail to attach.${t.wildcard ? '' : suggest(t.func, syms.functions)}`, 'probe.unknown-user-func');
        }
      }
    }
  }

  /** Works out `args` and `retval` types for a probe from its attach points. */
  private probeArgs(info: ProbeInfo): void {
    const aps = info.attach.filter((a) => a.kind);
    if (!aps.length) return;
    const first = aps[0]!;
    const kind = first.kind!;
    if (kind.args === 'tracepoint') {
      const formats: TracepointFormat[] = [];
      for (const a of aps) {
        if (a.kind!.name !== 'tracepoint') return;
        if (!a.tracepoints || !a.tracepoints.length) return; // unknown format: no field checks
        formats.push(...a.tracepoints);
      }
      const name = formats.length === 1 ? `struct _tracepoint_${formats[0]!.category}_${formats[0]!.event}` : `struct _tracepoint_probe_${this.probes.length}`;
      const common = formats[0]!.fields.filter((f) => formats.every((g) => g.fields.some((x) => x.name === f.name)));
      const fields = common.map((f) => ({ name: f.name, type: this.env.fromCString(f.type, f.size, f.signed), offset: f.offset }));
      const size = Math.max(8, ...formats[0]!.fields.map((f) => f.offset + f.size));
      const layout: RecordLayout = { name, size, align: 8, fields, source: 'tracepoint' };
      this.env.register(layout);
      info.argsType = { kind: 'pointer', to: { kind: 'record', name } };
      this.tracepointSets.set(name, formats);
      return;
    }
    if ((kind.name === 'fentry' || kind.name === 'fexit') && this.btf && first.target?.func && !first.target.wildcard && aps.length === 1) {
      const proto = this.btf.funcProto(first.target.func);
      if (!proto) return;
      const name = `struct _fentry_${first.target.func}`;
      const fields = proto.params.map((p, i) => ({ name: p.name || `arg${i}`, type: this.env.fromBtf(p.type), offset: i * 8 }));
      this.env.register({ name, size: fields.length * 8, align: 8, fields, source: 'fentry' });
      info.argsType = { kind: 'pointer', to: { kind: 'record', name } };
      if (kind.name === 'fexit') info.retvalType = this.env.fromBtf(proto.ret);
      return;
    }
    if (kind.name === 'rawtracepoint' && this.btf && first.target?.event && aps.length === 1) {
      const td = this.btf.typedef(`btf_trace_${first.target.event}`);
      const ptr = td ? this.btf.strip(td.ref) : undefined;
      const proto = ptr && ptr.kind === 'ptr' ? this.btf.strip(ptr.ref) : undefined;
      if (!proto || proto.kind !== 'func_proto') return;
      const params = (proto.params ?? []).slice(1); // the first is the tracepoint's private data
      const name = `struct _rawtracepoint_${first.target.event}`;
      const fields = params.map((p, i) => ({ name: p.name || `arg${i}`, type: this.env.fromBtf(p.type), offset: i * 8 }));
      this.env.register({ name, size: fields.length * 8, align: 8, fields, source: 'fentry' });
      info.argsType = { kind: 'pointer', to: { kind: 'record', name } };
    }
  }

  private readonly tracepointSets = new Map<string, TracepointFormat[]>();

  // ------------------------------------------------------------------ bodies

  private checkProbe(info: ProbeInfo): void {
    const ctx: Ctx = { info, kinds: info.attach.filter((a) => a.kind).map((a) => ({ kind: a.kind!, node: a.node })), vars: new Map(), loops: 0 };
    if (info.probe.predicate) {
      const t = this.expr(info.probe.predicate, ctx);
      this.condition(t, info.probe.predicate, 'A predicate');
    }
    this.block(info.probe.body, ctx);
    for (const [k, v] of ctx.vars) info.variables.set(k, v.type);
  }

  private checkMacro(m: A.MacroDef): void {
    const ctx: Ctx = { kinds: [], vars: new Map(), loops: 0, macroIdents: new Set(), inMacro: true };
    for (const p of m.params) {
      if (p.sigil === '$') ctx.vars.set(p.name, { type: UNKNOWN, range: p.range });
      else if (p.sigil === '') ctx.macroIdents!.add(p.name);
    }
    this.block(m.body, ctx);
  }

  private checkFn(f: A.FnDef): void {
    const ctx: Ctx = { kinds: [], vars: new Map(), loops: 0 };
    for (const p of f.params) {
      const r = this.env.resolveTypeName(p.type);
      if (r.problem) this.err(p.type.range, `Parameter ${p.name}: ${r.problem}.`, 'probe.unknown-type');
      ctx.vars.set(p.name, { type: r.type, range: p.range });
    }
    this.block(f.body, ctx);
  }

  private block(b: A.Block, ctx: Ctx): void {
    for (const s of b.stmts) this.stmt(s, ctx);
  }

  private condition(t: Type, e: A.Expr, what: string): void {
    if (t.kind === 'unknown' || isIntegral(t) || t.kind === 'pointer') return;
    this.err(e.range, `${what} must be an integer or pointer, but this is ${typeName(t)}.${t.kind === 'string' ? ' Compare strings with == or strncmp().' : ''}`, 'probe.bad-condition');
  }

  private stmt(s: A.Stmt, ctx: Ctx): void {
    switch (s.kind) {
      case 'ExprStmt': {
        const t = this.expr(s.expr, ctx, { discarded: true });
        void t;
        return;
      }
      case 'Discard':
        this.expr(s.value, ctx);
        return;
      case 'Assign':
        this.assign(s, ctx);
        return;
      case 'Let': {
        const name = s.target.name;
        let type: Type | undefined;
        if (s.declType) {
          const r = this.env.resolveTypeName(s.declType);
          if (r.problem) this.err(s.declType.range, `Cannot declare ${name}: ${r.problem}.`, 'probe.unknown-type');
          type = r.type;
        }
        if (s.value) {
          const vt = this.expr(s.value, ctx);
          this.checkStorable(vt, s.value, name);
          if (type && vt.kind !== 'unknown' && type.kind !== 'unknown' && valueKind(vt) !== valueKind(type) && !(isIntegral(vt) && isIntegral(type))) {
            this.err(s.value.range, `${name} is declared as ${typeName(type)} but assigned ${typeName(vt)}.`, 'probe.type-mismatch');
          }
          type ??= vt;
        }
        const prev = ctx.vars.get(name);
        if (prev && !this.quiet && ctx.info) {
          // Re-declaring in the same probe is allowed in nested blocks; only warn when it shadows a different type.
          if (type && prev.type.kind !== 'unknown' && type.kind !== 'unknown' && valueKind(prev.type) !== valueKind(type)) {
            this.warn(s.target.range, `${name} was already declared at line ${lineOf(prev.range)} as ${typeName(prev.type)}.`, 'probe.redeclared');
          }
        }
        ctx.vars.set(name, { type: type ?? INT64, range: s.target.range });
        s.target.type = type ?? INT64;
        return;
      }
      case 'If':
        this.condition(this.expr(s.cond, ctx), s.cond, 'An if condition');
        this.block(s.then, ctx);
        if (s.else) {
          if (s.else.kind === 'If') this.stmt(s.else, ctx);
          else this.block(s.else, ctx);
        }
        return;
      case 'While':
        this.condition(this.expr(s.cond, ctx), s.cond, 'A while condition');
        ctx.loops++;
        this.block(s.body, ctx);
        ctx.loops--;
        return;
      case 'Unroll': {
        this.expr(s.count, ctx);
        const n = this.constInt(s.count);
        if (n === undefined) this.err(s.count.range, 'unroll needs a constant count, like unroll(5).', 'probe.unroll-count');
        else if (n < 1n || n > 100n) this.err(s.count.range, `unroll count must be between 1 and 100 (got ${n}).`, 'probe.unroll-count');
        this.block(s.body, ctx);
        return;
      }
      case 'For':
        this.forStmt(s, ctx);
        return;
      case 'Jump':
        if ((s.which === 'break' || s.which === 'continue') && ctx.loops === 0) {
          this.err(s.range, `"${s.which}" is only allowed inside a while or for loop.`, 'probe.jump-outside-loop');
        }
        if (s.value) this.expr(s.value, ctx);
        return;
      case 'Block':
        this.block(s, ctx);
        return;
    }
  }

  private forStmt(s: A.ForStmt, ctx: Ctx): void {
    let vt: Type = UNKNOWN;
    if (s.iterable.kind === 'Range') {
      const a = this.expr(s.iterable.start, ctx);
      const b = this.expr(s.iterable.end, ctx);
      for (const [t, e] of [[a, s.iterable.start], [b, s.iterable.end]] as const) {
        if (t.kind !== 'unknown' && !isIntegral(t)) this.err(e.range, `A range bound must be an integer, but this is ${typeName(t)}.`, 'probe.bad-range');
      }
      vt = INT64;
    } else {
      const m = s.iterable;
      const mi = this.maps.get(m.name);
      this.noteRead(m, ctx);
      if (mi && mi.value) {
        if (mi.keys && mi.keys.length === 0) {
          this.err(m.range, `${m.name} has no keys, so there is nothing to iterate; for loops go over keyed maps (@m[k] = ...).`, 'probe.for-scalar-map');
        } else if (isAgg(mi.value, 'hist', 'lhist', 'stats', 'avg')) {
          this.err(m.range, `Cannot iterate over ${m.name}: it holds ${typeName(mi.value)} values, which have no single value per key.`, 'probe.for-agg-map');
        }
        const key = !mi.keys ? UNKNOWN : mi.keys.length === 1 ? mi.keys[0]! : { kind: 'tuple' as const, elems: mi.keys };
        const val = mi.value.kind === 'agg' ? INT64 : mi.value;
        vt = { kind: 'tuple', elems: [key, val] };
      }
      m.type = mi?.value ?? UNKNOWN;
    }
    const prev = ctx.vars.get(s.variable.name);
    ctx.vars.set(s.variable.name, { type: vt, range: s.variable.range });
    s.variable.type = vt;
    ctx.loops++;
    this.block(s.body, ctx);
    ctx.loops--;
    // The loop variable lives in the loop.
    if (prev) ctx.vars.set(s.variable.name, prev);
    else ctx.vars.delete(s.variable.name);
  }

  private checkStorable(t: Type, e: A.Expr, where: string): void {
    if (t.kind === 'void') {
      const what = e.kind === 'Call' ? `${e.callee}() returns nothing` : 'this has no value';
      this.err(e.range, `${what}, so it cannot be stored in ${where}.`, 'probe.void-value');
    }
  }

  private assign(s: A.AssignStmt, ctx: Ctx): void {
    const target = s.target;
    if (target.kind === 'Var') {
      const vt = this.expr(s.value, ctx);
      const prev = ctx.vars.get(target.name);
      if (s.op !== '=') {
        if (!prev) this.err(target.range, `Undefined variable ${target.name}: give it a value before "${s.op}" (${target.name} = 0).`, 'probe.undefined-variable');
        else this.arithOperand(prev.type, target, s.op.slice(0, -1));
        this.arithOperand(vt, s.value, s.op.slice(0, -1));
        target.type = prev?.type ?? INT64;
        return;
      }
      this.checkStorable(vt, s.value, target.name);
      if (prev && prev.type.kind !== 'unknown' && vt.kind !== 'unknown' && vt.kind !== 'void') {
        if (valueKind(prev.type) !== valueKind(vt) && !(prev.type.kind === 'pointer' && isIntegral(vt)) && !(isIntegral(prev.type) && vt.kind === 'pointer')) {
          this.err(s.value.range, `Type mismatch for ${target.name}: it holds ${typeName(prev.type)} (set at line ${lineOf(prev.range)}), and this assigns ${typeName(vt)}. A variable keeps one type.`, 'probe.type-mismatch');
        } else if (prev.type.kind === 'int' && vt.kind === 'int') {
          prev.type = widen(prev.type, vt);
        } else if (prev.type.kind === 'string' && vt.kind === 'string' && vt.size > prev.type.size) {
          prev.type = vt;
        }
      } else if (!prev || prev.type.kind === 'unknown') {
        ctx.vars.set(target.name, { type: vt.kind === 'void' ? UNKNOWN : vt, range: target.range });
      }
      target.type = ctx.vars.get(target.name)?.type ?? vt;
      return;
    }
    // A map.
    const keyTypes = target.keys ? target.keys.map((k) => this.mapKey(k, ctx)) : [];
    const vt = this.expr(s.value, ctx, { aggOk: s.op === '=' });
    if (s.op !== '=') {
      if (vt.kind !== 'unknown' && !isIntegral(vt)) this.arithOperand(vt, s.value, s.op.slice(0, -1));
      const mi = this.maps.get(target.name);
      if (mi?.value && isAgg(mi.value) && !isAgg(mi.value, 'count', 'sum', 'min', 'max')) {
        this.err(s.range, `${target.name} holds ${typeName(mi.value)} values; "${s.op}" works on integer maps only.`, 'probe.map-type-mismatch');
      }
      this.recordMap(target, keyTypes, vt.kind === 'unknown' ? UNKNOWN : INT64, s.value, ctx);
      return;
    }
    this.checkStorable(vt, s.value, target.name);
    this.recordMap(target, keyTypes, vt, s.value, ctx);
  }

  private mapKey(k: A.Expr, ctx: Ctx): Type {
    const t = this.expr(k, ctx);
    if (t.kind === 'void') this.err(k.range, `${k.kind === 'Call' ? k.callee + '() returns nothing' : 'This has no value'}; it cannot be a map key.`, 'probe.void-value');
    if (isAgg(t)) this.err(k.range, 'An aggregation cannot be a map key; read it as an integer with a cast: (int64)@m.', 'probe.bad-key');
    return t.kind === 'agg' ? INT64 : t;
  }

  private mapInfo(name: string): MapInfo {
    let mi = this.maps.get(name);
    if (!mi) {
      mi = { name, writes: [], reads: [] };
      this.maps.set(name, mi);
    }
    return mi;
  }

  /** Records a write of `value` at `keys` into a map; in pass 2 reports a kind clash with the first write. */
  private recordMap(target: A.MapRef, keys: Type[], value: Type, valueExpr: A.Expr, ctx: Ctx): void {
    if (ctx.inMacro) {
      target.type = value;
      return;
    }
    const mi = this.mapInfo(target.name);
    if (this.quiet) mi.writes.push(target.range);
    this.checkKeys(mi, target, keys);
    if (value.kind !== 'unknown' && value.kind !== 'void') {
      if (!mi.value || mi.value.kind === 'unknown') {
        mi.value = value;
        mi.firstAssign = valueExpr.range;
      } else if (valueKind(mi.value) !== valueKind(value)) {
        if (!(mi.value.kind === 'pointer' && isIntegral(value)) && !(isIntegral(mi.value) && value.kind === 'pointer' && !isAgg(mi.value))) {
          const first = mi.firstAssign ? ` (first at line ${lineOf(mi.firstAssign)})` : '';
          this.err(valueExpr.range, `Type mismatch for ${target.name}: it holds ${describeValue(mi.value)}${first}, and this assigns ${describeValue(value)}. A map keeps one kind of value: use another map name.`, 'probe.map-type-mismatch');
        }
      } else if (mi.value.kind === 'int' && value.kind === 'int') {
        mi.value = widen(mi.value, value);
      } else if (mi.value.kind === 'string' && value.kind === 'string' && value.size > mi.value.size) {
        mi.value = value;
      }
    }
    target.type = mi.value ?? value;
  }

  private checkKeys(mi: MapInfo, target: A.MapRef, keys: Type[]): void {
    if (!mi.keys) {
      if (keys.every((k) => k.kind !== 'unknown')) mi.keys = keys;
      return;
    }
    if (mi.keys.length !== keys.length) {
      const want = mi.keys.length === 0 ? 'no key' : `${mi.keys.length} key${mi.keys.length > 1 ? 's' : ''} [${mi.keys.map(typeName).join(', ')}]`;
      const got = keys.length === 0 ? 'no key' : `${keys.length} key${keys.length > 1 ? 's' : ''} [${keys.map(typeName).join(', ')}]`;
      this.err(target.range, `Key mismatch for ${target.name}: it is used with ${want} elsewhere, but with ${got} here.`, 'probe.map-key-mismatch');
      return;
    }
    keys.forEach((k, i) => {
      const m = mi.keys![i]!;
      if (k.kind === 'unknown' || m.kind === 'unknown') return;
      if (valueKind(k) !== valueKind(m) && !(isIntegral(k) && m.kind === 'pointer') && !(k.kind === 'pointer' && isIntegral(m))) {
        this.err(target.keys![i]!.range, `Key mismatch for ${target.name}: key ${i + 1} is ${typeName(m)} elsewhere, but ${typeName(k)} here.`, 'probe.map-key-mismatch');
      } else if (m.kind === 'int' && k.kind === 'int') {
        mi.keys![i] = widen(m, k);
      } else if (m.kind === 'string' && k.kind === 'string' && k.size > m.size) {
        mi.keys![i] = k;
      }
    });
  }

  private noteRead(m: A.MapRef, ctx: Ctx): void {
    if (ctx.inMacro) return;
    const mi = this.mapInfo(m.name);
    if (!this.quiet) mi.reads.push(m.range);
  }

  // ------------------------------------------------------------------ expressions

  private expr(e: A.Expr, ctx: Ctx, flags: { aggOk?: boolean; discarded?: boolean } = {}): Type {
    const t = this.exprInner(e, ctx, flags);
    e.type = t;
    return t;
  }

  private arithOperand(t: Type, e: A.Expr, op: string): void {
    if (t.kind === 'unknown' || isIntegral(t) || t.kind === 'pointer') return;
    const hint = t.kind === 'string' ? ' Strings support only == and !=.' : isAgg(t) ? '' : '';
    this.err(e.range, `"${op}" needs integer operands, but this is ${typeName(t)}.${hint}`, 'probe.bad-operand');
  }

  private exprInner(e: A.Expr, ctx: Ctx, flags: { aggOk?: boolean; discarded?: boolean }): Type {
    switch (e.kind) {
      case 'Int':
        return e.value >= 1n << 63n ? UINT64 : INT64;
      case 'Str':
        return { kind: 'string', size: Buffer.byteLength(e.value, 'utf8') + 1 };
      case 'Bool':
        return BOOL;
      case 'Param':
        if (e.index === 0) return INT64;
        if (this.opts.params) {
          const v = this.opts.params[e.index - 1];
          if (v === undefined || /^-?(0x[0-9a-f]+|\d+)$/i.test(v)) return INT64;
          return { kind: 'string', size: Buffer.byteLength(v) + 1 };
        }
        return UNKNOWN;
      case 'Var': {
        const v = ctx.vars.get(e.name);
        if (!v) {
          this.err(e.range, `Undefined variable ${e.name}: assign it before using it (${e.name} = ...).${suggest(e.name, ctx.vars.keys())}`, 'probe.undefined-variable');
          return UNKNOWN;
        }
        return v.type;
      }
      case 'Map':
        return this.mapRead(e, ctx);
      case 'Ident':
        return this.ident(e, ctx);
      case 'Call':
        return this.call(e, ctx, flags);
      case 'Binary':
        return this.binary(e, ctx);
      case 'Unary':
        return this.unaryExpr(e, ctx);
      case 'IncDec': {
        const op = e.operand;
        if (op.kind === 'Var') {
          const v = ctx.vars.get(op.name);
          if (!v) {
            this.err(op.range, `Undefined variable ${op.name}: give it a value before ${e.op} (${op.name} = 0).`, 'probe.undefined-variable');
            return UNKNOWN;
          }
          op.type = v.type;
          this.arithOperand(v.type, op, e.op);
          return v.type;
        }
        if (op.kind === 'Map') {
          const keys = op.keys ? op.keys.map((k) => this.mapKey(k, ctx)) : [];
          this.recordMap(op, keys, INT64, op, ctx);
          const mi = this.maps.get(op.name);
          if (mi?.value && isAgg(mi.value) && !isAgg(mi.value, 'count', 'sum')) {
            this.err(e.range, `${op.name} holds ${typeName(mi.value)} values; ${e.op} works on integer maps.`, 'probe.map-type-mismatch');
          }
          return INT64;
        }
        this.expr(op, ctx);
        this.err(e.range, `${e.op} works only on a $variable or an @map.`, 'probe.bad-incdec');
        return UNKNOWN;
      }
      case 'Ternary': {
        this.condition(this.expr(e.cond, ctx), e.cond, 'A ternary condition');
        const a = this.expr(e.then, ctx);
        const b = this.expr(e.else, ctx);
        if (a.kind === 'unknown') return b;
        if (b.kind === 'unknown') return a;
        if (valueKind(a) !== valueKind(b) && !(isIntegral(a) && isIntegral(b))) {
          this.err(e.range, `Both branches of "? :" must have the same type, but they are ${typeName(a)} and ${typeName(b)}.`, 'probe.ternary-mismatch');
          return a;
        }
        if (a.kind === 'string' && b.kind === 'string') return a.size >= b.size ? a : b;
        return isIntegral(a) && isIntegral(b) ? commonInteger(a, b) : a;
      }
      case 'Field':
        return this.field(e, ctx);
      case 'TupleIndex': {
        const t = this.expr(e.object, ctx);
        if (t.kind === 'unknown') return UNKNOWN;
        if (t.kind !== 'tuple') {
          this.err(e.range, `.${e.index} reads a tuple element, but this is ${typeName(t)}.`, 'probe.not-a-tuple');
          return UNKNOWN;
        }
        const el = t.elems[e.index];
        if (!el) {
          this.err(e.range, `Tuple index ${e.index} is out of range: this tuple has ${t.elems.length} element${t.elems.length === 1 ? '' : 's'} (.0 to .${t.elems.length - 1}).`, 'probe.tuple-index');
          return UNKNOWN;
        }
        return el;
      }
      case 'Index':
        return this.index(e, ctx);
      case 'Cast':
        return this.cast(e, ctx);
      case 'Tuple': {
        const elems = e.elems.map((x) => {
          const t = this.expr(x, ctx);
          if (t.kind === 'void') this.err(x.range, 'This has no value, so it cannot be in a tuple.', 'probe.void-value');
          if (isAgg(t)) this.err(x.range, 'An aggregation cannot be put in a tuple; cast it to an integer first: (int64)@m.', 'probe.agg-in-tuple');
          return t;
        });
        return { kind: 'tuple', elems };
      }
      case 'Sizeof': {
        if (e.target.kind === 'TypeName') {
          const r = this.env.resolveTypeName(e.target);
          if (r.problem) this.err(e.target.range, `sizeof: ${r.problem}.`, 'probe.unknown-type');
        } else {
          this.expr(e.target, ctx);
        }
        return UINT64;
      }
      case 'Offsetof': {
        let t: Type;
        if (e.target.kind === 'TypeName') {
          const r = this.env.resolveTypeName(e.target);
          if (r.problem) {
            this.err(e.target.range, `offsetof: ${r.problem}.`, 'probe.unknown-type');
            return UINT64;
          }
          t = r.type;
        } else {
          t = this.expr(e.target, ctx);
          if (t.kind === 'pointer') t = t.to;
        }
        for (const f of e.fields) {
          if (t.kind !== 'record') {
            if (t.kind !== 'unknown') this.err(e.range, `offsetof: ${typeName(t)} is not a struct, so it has no field "${f}".`, 'probe.unknown-field');
            break;
          }
          const rec = this.env.record(t.name);
          const fl = rec?.fields.find((x) => x.name === f);
          if (!rec) break;
          if (!fl) {
            this.err(e.range, `offsetof: ${t.name} has no field "${f}".${suggest(f, rec.fields.map((x) => x.name))}`, 'probe.unknown-field');
            break;
          }
          t = fl.type;
        }
        return UINT64;
      }
      case 'BlockExpr': {
        for (const s of e.stmts) this.stmt(s, ctx);
        return this.expr(e.value, ctx);
      }
      case 'ErrorExpr':
        return UNKNOWN;
    }
  }

  private mapRead(e: A.MapRef, ctx: Ctx): Type {
    const keys = e.keys ? e.keys.map((k) => this.mapKey(k, ctx)) : [];
    if (ctx.inMacro) return UNKNOWN;
    this.noteRead(e, ctx);
    const mi = this.maps.get(e.name);
    if (!mi) return UNKNOWN;
    if (mi.keys && !this.quiet) {
      if (mi.keys.length > 0 && keys.length === 0) {
        // `@m` alone names the whole map: fine as an argument (print, clear), not as a value.
        return { kind: 'unknown' };
      }
      this.checkKeys(mi, e, keys);
    }
    return mi.value ?? UNKNOWN;
  }

  private constantValue(name: string): bigint | undefined {
    const en = this.env.scriptEnumValue(name);
    if (en !== undefined) return en;
    const dv = defineValue(name, (n) => this.defineText.get(n));
    if (dv !== undefined) return dv;
    return this.btf?.enumValue(name);
  }

  private ident(e: A.Ident, ctx: Ctx): Type {
    const name = e.name;
    if (ctx.macroIdents?.has(name)) return UNKNOWN;
    const b = builtinInfo(name);
    if (b) {
      this.checkAvailability(name, b.available, e.range, ctx);
      if (name === 'args') {
        const t = ctx.info?.argsType;
        return t ?? UNKNOWN;
      }
      if (name === 'retval' && ctx.info?.retvalType) return ctx.info.retvalType;
      if (name === 'func' && ctx.kinds.some((k) => k.kind.user)) return { kind: 'usym' };
      return b.type;
    }
    const f = functionInfo(name);
    if (f && f.bare) return f.returns;
    if (f && f.minArgs === 0 && !f.agg) {
      // bpftrace accepts a zero-argument helper without parentheses.
      return f.returns;
    }
    const macro = this.macros.get(name);
    if (macro) {
      if (macro.params.length) this.err(e.range, `Macro ${name} takes ${macro.params.length} argument${macro.params.length > 1 ? 's' : ''}: call it as ${name}(...).`, 'probe.macro-args');
      return UNKNOWN;
    }
    const def = this.defineText.get(name);
    if (def !== undefined) {
      const t = def.trim();
      if (/^".*"$/.test(t)) return { kind: 'string', size: t.length - 1 };
      return INT64;
    }
    if (this.constantValue(name) !== undefined) return INT64;
    if (this.hasIncludes) {
      // Once per name: the same macro is usually used many times.
      if (this.warnedIdents.has(name)) return INT64;
      if (!this.quiet) this.warnedIdents.add(name);
      this.warn(e.range, `"${name}" is not defined by the headers found here, the script's #defines, or the kernel's BTF enums. bpftrace takes it from the included headers, which may need kernel headers installed where the script runs.`, 'probe.unresolved-identifier');
      return INT64;
    }
    const cands = [...BUILTIN_NAMES, ...this.macros.keys()];
    this.err(e.range, `Unknown identifier "${name}": not a builtin, a macro, a #define or an enum value.${suggest(name, cands)}`, 'probe.unknown-identifier');
    return UNKNOWN;
  }

  private checkAvailability(name: string, a: Availability, range: Range, ctx: Ctx): void {
    if (a === 'all') return;
    for (const { kind, node } of ctx.kinds) {
      if (availableIn(kind, a)) continue;
      const where = `${kind.name} probes (${node.raw})`;
      let fix = '';
      if (a === 'argN' || a === 'sargN') {
        fix = kind.args === 'tracepoint' ? ' Tracepoint arguments are fields of args: args.NAME.' : kind.args === 'btf' ? ' Use args.NAME for typed arguments.' : kind.retval ? ' A return probe has no arguments: save them in a map from the entry probe (@arg[tid] = arg0) and read it here.' : '';
        this.err(range, `${name} is not available in ${where}: ${name.startsWith('s') ? 'sarg' : 'arg'}N exists in ${kindsProviding(a).join(', ')} probes.${fix}`, 'probe.builtin-unavailable');
      } else if (a === 'retval') {
        fix = kind.name === 'kprobe' || kind.name === 'uprobe' || kind.name === 'fentry' ? ` Use the return probe instead (${kind.name === 'kprobe' ? 'kretprobe' : kind.name === 'uprobe' ? 'uretprobe' : 'fexit'}:...).` : kind.args === 'tracepoint' ? ' In syscall exit tracepoints the return value is args.ret.' : '';
        this.err(range, `retval is not available in ${where}: it exists only in return probes (${kindsProviding(a).join(', ')}).${fix}`, 'probe.builtin-unavailable');
      } else if (a === 'args') {
        fix = kind.argN ? ' Use arg0, arg1, ... (cast them to the right type), or an fentry probe for typed args.' : '';
        this.err(range, `args is not available in ${where}: it exists in ${kindsProviding(a).join(', ')} probes.${fix}`, 'probe.builtin-unavailable');
      } else {
        this.err(range, `${name} is not available in ${where}: it exists in ${kindsProviding(a).join(', ')} probes.`, 'probe.builtin-unavailable');
      }
      return;
    }
  }

  private binary(e: A.Binary, ctx: Ctx): Type {
    const a = this.expr(e.left, ctx);
    const b = this.expr(e.right, ctx);
    const op = e.op;
    if (op === '&&' || op === '||') {
      this.condition(a, e.left, `The left side of "${op}"`);
      this.condition(b, e.right, `The right side of "${op}"`);
      return BOOL;
    }
    if (a.kind === 'unknown' || b.kind === 'unknown') return op === '==' || op === '!=' || op === '<' || op === '>' || op === '<=' || op === '>=' ? BOOL : a.kind === 'unknown' ? b.kind === 'unknown' ? UNKNOWN : b : a;
    if (op === '==' || op === '!=') {
      const sa = a.kind === 'string';
      const sb = b.kind === 'string';
      if (sa || sb) {
        if (!(sa && sb)) {
          const other = sa ? b : a;
          const hint = other.kind === 'pointer' || isIntegral(other) ? ' If it points to a string, read it with str() first.' : '';
          this.err(e.range, `Cannot compare a string with ${typeName(other)} using "${op}".${hint}`, 'probe.compare-mismatch');
        }
        return BOOL;
      }
      if (a.kind === 'tuple' || b.kind === 'tuple' || a.kind === 'array' || b.kind === 'array' || a.kind === 'buffer' || b.kind === 'buffer') {
        if (valueKind(a) !== valueKind(b) && a.kind !== b.kind) this.err(e.range, `Cannot compare ${typeName(a)} with ${typeName(b)}.`, 'probe.compare-mismatch');
        return BOOL;
      }
    }
    const okA = isIntegral(a) || a.kind === 'pointer';
    const okB = isIntegral(b) || b.kind === 'pointer';
    if (!okA || !okB) {
      const bad = okA ? e.right : e.left;
      const bt = okA ? b : a;
      const hint = bt.kind === 'string' ? (op === '+' ? ' Strings cannot be added; print them side by side with printf("%s%s", a, b).' : ' Strings support only == and !=.') : '';
      this.err(bad.range, `"${op}" needs integer operands, but this is ${typeName(bt)}.${hint}`, 'probe.bad-operand');
      return op === '<' || op === '>' || op === '<=' || op === '>=' || op === '==' || op === '!=' ? BOOL : UNKNOWN;
    }
    if (op === '<' || op === '>' || op === '<=' || op === '>=' || op === '==' || op === '!=') return BOOL;
    if (a.kind === 'pointer' || b.kind === 'pointer') {
      if (op === '+' || op === '-') {
        if (a.kind === 'pointer' && b.kind === 'pointer') return op === '-' ? INT64 : (this.err(e.range, 'Two pointers cannot be added.', 'probe.bad-operand'), UNKNOWN);
        if (b.kind === 'pointer' && op === '-') {
          this.err(e.range, 'A pointer must be on the left of "-".', 'probe.bad-operand');
          return UNKNOWN;
        }
        return a.kind === 'pointer' ? a : b;
      }
      return UINT64;
    }
    if ((op === '/' || op === '%') && e.right.kind === 'Int' && e.right.value === 0n) {
      this.err(e.right.range, `Division by zero.`, 'probe.divide-by-zero');
    }
    return arith(a, b);
  }

  private unaryExpr(e: A.Unary, ctx: Ctx): Type {
    const t = this.expr(e.operand, ctx);
    if (t.kind === 'unknown') return e.op === '!' ? BOOL : e.op === '&' ? { kind: 'pointer', to: UNKNOWN } : UNKNOWN;
    switch (e.op) {
      case '!':
        this.condition(t, e.operand, 'The operand of "!"');
        return BOOL;
      case '~':
      case '-':
        if (!isIntegral(t)) {
          this.err(e.operand.range, `"${e.op}" needs an integer, but this is ${typeName(t)}.`, 'probe.bad-operand');
          return UNKNOWN;
        }
        return t.kind === 'int' ? (e.op === '-' ? intType(t.bits === 64 ? 64 : 64, true) : t) : INT64;
      case '*':
        if (t.kind === 'pointer') {
          if (t.to.kind === 'void') {
            this.err(e.range, 'Cannot dereference a void pointer: cast it first, like *(uint64 *)p.', 'probe.bad-deref');
            return UNKNOWN;
          }
          return t.to;
        }
        if (isIntegral(t)) return INT64; // an address: reads 8 bytes, as bpftrace does
        this.err(e.range, `Cannot dereference ${typeName(t)}: "*" needs a pointer or an address.`, 'probe.bad-deref');
        return UNKNOWN;
      case '&':
        if (e.operand.kind !== 'Var' && e.operand.kind !== 'Map' && e.operand.kind !== 'Field' && e.operand.kind !== 'Index') {
          this.err(e.range, '"&" takes the address of a variable, map value or field.', 'probe.bad-address-of');
        }
        return { kind: 'pointer', to: t };
    }
  }

  private recordOf(t: Type): { rec: RecordLayout | undefined; name: string } | undefined {
    let r = t;
    if (r.kind === 'pointer') r = r.to;
    if (r.kind !== 'record') return undefined;
    return { rec: this.env.record(r.name), name: r.name };
  }

  private field(e: A.FieldAccess, ctx: Ctx): Type {
    const t = this.expr(e.object, ctx);
    if (t.kind === 'unknown') return UNKNOWN;
    if (t.kind === 'pointer' && t.to.kind === 'pointer') {
      this.err(e.range, `Cannot read field "${e.field}" through ${typeName(t)}: dereference it first, like (*p)->${e.field}.`, 'probe.bad-field-access');
      return UNKNOWN;
    }
    const r = this.recordOf(t);
    if (!r) {
      if (t.kind === 'tuple') {
        this.err(e.fieldRange, `Tuple elements are read by position (.0, .1, ...), not by name ("${e.field}").`, 'probe.bad-field-access');
        return UNKNOWN;
      }
      const hint = isIntegral(t) ? ` Cast it to a struct pointer first, like ((struct task_struct *)${exprText(e.object)})->${e.field}.` : '';
      this.err(e.range, `Cannot read field "${e.field}" from ${typeName(t)}: it is not a struct.${hint}`, 'probe.bad-field-access');
      return UNKNOWN;
    }
    if (!r.rec) {
      if (!this.warnedRecords.has(r.name)) {
        this.warnedRecords.add(r.name);
        const why = this.btf ? `${r.name} is not defined in the script nor in the kernel's BTF` : `${r.name} is not defined in the script, and no kernel BTF is readable here`;
        this.warn(e.fieldRange, `Cannot check field "${e.field}": ${why}.`, 'probe.unknown-struct');
      }
      return UNKNOWN;
    }
    const f = r.rec.fields.find((x) => x.name === e.field);
    if (!f) {
      const isArgs = e.object.kind === 'Ident' && e.object.name === 'args';
      if (isArgs && r.rec.source === 'tracepoint') return this.unknownTracepointField(e, r.rec);
      const what = isArgs ? `args of ${ctx.kinds[0]?.node.raw ?? 'this probe'}` : r.name;
      const names = r.rec.fields.map((x) => x.name);
      if (r.rec.source === 'btf') {
        // Kernel structs change between versions: the script may be right for another kernel.
        this.warn(e.fieldRange, `${r.name} in this kernel's BTF has no field "${e.field}"; kernel structs differ between versions, so this script was probably written for another kernel and will fail to compile here.${suggest(e.field, names)}`, 'probe.unknown-kernel-field');
        return UNKNOWN;
      }
      this.err(e.fieldRange, `${what} has no field "${e.field}".${suggest(e.field, names)}${isArgs ? ` Its fields: ${names.join(', ')}.` : ''}`, 'probe.unknown-field');
      return UNKNOWN;
    }
    return f.type;
  }

  private unknownTracepointField(e: A.FieldAccess, rec: RecordLayout): Type {
    const formats = this.tracepointSets.get(rec.name) ?? [];
    const field = e.field;
    if (field.startsWith('common_')) {
      this.err(e.fieldRange, `The common tracepoint field "${field}" cannot be read by BPF programs; use the builtins instead (pid, tid, comm, cpu).`, 'probe.tracepoint-common-field');
      return UNKNOWN;
    }
    const having = formats.filter((f) => f.fields.some((x) => x.name === field));
    if (having.length && having.length < formats.length) {
      const lacking = formats.filter((f) => !having.includes(f)).map((f) => `${f.category}:${f.event}`);
      this.err(e.fieldRange, `Field "${field}" exists in some of this probe's tracepoints but not in ${lacking.join(', ')}; split the probe or use a field they all have.`, 'probe.unknown-tracepoint-field');
      return UNKNOWN;
    }
    const names = rec.fields.map((x) => x.name);
    const which = formats.length === 1 ? `Tracepoint ${formats[0]!.category}:${formats[0]!.event}` : `The tracepoints of this probe (${formats.length})`;
    this.err(e.fieldRange, `${which} ${formats.length === 1 ? 'has' : 'have'} no field "${field}".${suggest(field, names)} Fields: ${names.join(', ') || '(none)'}.`, 'probe.unknown-tracepoint-field');
    return UNKNOWN;
  }

  private index(e: A.IndexExpr, ctx: Ctx): Type {
    const t = this.expr(e.object, ctx);
    const it = this.expr(e.index, ctx);
    if (it.kind !== 'unknown' && !isIntegral(it)) this.err(e.index.range, `An index must be an integer, but this is ${typeName(it)}.`, 'probe.bad-index');
    switch (t.kind) {
      case 'unknown':
        return UNKNOWN;
      case 'array': {
        const n = this.constInt(e.index);
        if (n !== undefined && t.length > 0 && (n < 0n || n >= BigInt(t.length))) {
          this.err(e.index.range, `Index ${n} is out of bounds for ${typeName(t)} (0 to ${t.length - 1}).`, 'probe.index-out-of-bounds');
        }
        return t.elem;
      }
      case 'pointer':
        if (t.to.kind === 'void') {
          this.err(e.range, 'Cannot index a void pointer: cast it first, like ((uint8 *)p)[i].', 'probe.bad-deref');
          return UNKNOWN;
        }
        return t.to;
      case 'string':
        return intType(8, true);
      case 'tuple': {
        const n = this.constInt(e.index);
        if (n === undefined) {
          this.err(e.index.range, 'A tuple index must be a constant, like t[0] or t.0.', 'probe.tuple-index');
          return UNKNOWN;
        }
        const el = t.elems[Number(n)];
        if (!el) {
          this.err(e.index.range, `Tuple index ${n} is out of range: this tuple has ${t.elems.length} elements.`, 'probe.tuple-index');
          return UNKNOWN;
        }
        return el;
      }
      default:
        this.err(e.range, `Cannot index ${typeName(t)}: [] works on arrays, pointers and tuples.`, 'probe.bad-index');
        return UNKNOWN;
    }
  }

  private cast(e: A.Cast, ctx: Ctx): Type {
    const from = this.expr(e.operand, ctx);
    const r = this.env.resolveTypeName(e.target);
    const to = r.type;
    if (r.problem) {
      const isRecord = to.kind === 'record' || (to.kind === 'pointer' && to.to.kind === 'record');
      if (isRecord && !this.btf && !this.env.definedInScript(e.target.base)) {
        this.warn(e.target.range, `Cannot check this cast: ${r.problem}.`, 'probe.unknown-struct');
      } else {
        this.err(e.target.range, `Cannot cast: ${r.problem}.${isRecord ? ' Define it in the script (struct x { ... };) or check the name.' : ''}`, 'probe.unknown-type');
      }
      return to;
    }
    if (to.kind === 'record') {
      this.err(e.target.range, `Cannot cast to a struct value (${to.name}); cast to a pointer instead: (${to.name} *).`, 'probe.bad-cast');
      return UNKNOWN;
    }
    if (from.kind === 'unknown') return to;
    if (to.kind === 'int' || to.kind === 'pointer' || to.kind === 'bool') {
      if (!isIntegral(from) && from.kind !== 'pointer' && !(from.kind === 'array' && to.kind === 'int')) {
        this.err(e.range, `Cannot cast ${typeName(from)} to ${typeName(to)}: only integers and pointers convert.${from.kind === 'string' ? ' To read a number from text there is no helper; compare strings instead.' : ''}`, 'probe.bad-cast');
        return UNKNOWN;
      }
      return to;
    }
    if (to.kind === 'array') {
      if (!isIntegral(from) && from.kind !== 'array') {
        this.err(e.range, `Cannot cast ${typeName(from)} to an array: only integers and arrays convert.`, 'probe.bad-cast');
        return UNKNOWN;
      }
      const fromSize = sizeOf(from.kind === 'agg' ? INT64 : from, (n) => this.env.record(n)?.size);
      const elemSize = sizeOf(to.elem);
      if (to.length <= 0 && elemSize > 0) return { ...to, length: Math.floor(fromSize / elemSize) };
      if (elemSize * to.length !== fromSize && !(e.operand.kind === 'Int')) {
        this.err(e.range, `Cannot cast ${typeName(from)} (${fromSize} bytes) to ${typeName(to)} (${elemSize * to.length} bytes): the sizes must match.`, 'probe.bad-cast');
      }
      if (e.operand.kind === 'Int' && elemSize * to.length !== 8) {
        this.err(e.range, `An integer is 8 bytes, but ${typeName(to)} is ${elemSize * to.length}: the sizes must match.`, 'probe.bad-cast');
      }
      return to;
    }
    this.err(e.target.range, `Cannot cast to ${typeName(to)}.`, 'probe.bad-cast');
    return UNKNOWN;
  }

  private constInt(e: A.Expr): bigint | undefined {
    switch (e.kind) {
      case 'Int':
        return e.value;
      case 'Unary':
        if (e.op === '-') {
          const v = this.constInt(e.operand);
          return v === undefined ? undefined : -v;
        }
        return undefined;
      case 'Binary': {
        const a = this.constInt(e.left);
        const b = this.constInt(e.right);
        if (a === undefined || b === undefined) return undefined;
        switch (e.op) {
          case '+':
            return a + b;
          case '-':
            return a - b;
          case '*':
            return a * b;
          case '/':
            return b === 0n ? undefined : a / b;
          case '<<':
            return b < 64n ? a << b : undefined;
          default:
            return undefined;
        }
      }
      case 'Ident':
        return this.constantValue(e.name);
      default:
        return undefined;
    }
  }

  // ------------------------------------------------------------------ calls

  private call(e: A.Call, ctx: Ctx, flags: { aggOk?: boolean; discarded?: boolean }): Type {
    const macro = this.macros.get(e.callee);
    if (macro) {
      if (macro.params.length !== e.args.length) {
        this.err(e.range, `Macro ${e.callee} takes ${macro.params.length} argument${macro.params.length === 1 ? '' : 's'} (${macro.params.map((p) => p.name).join(', ')}), but ${e.args.length} ${e.args.length === 1 ? 'is' : 'are'} given.`, 'probe.macro-args');
      }
      macro.params.forEach((p, i) => {
        const a = e.args[i];
        if (!a) return;
        if (p.sigil === '$' && a.kind !== 'Var') this.err(a.range, `Macro ${e.callee} expects a $variable for ${p.name}.`, 'probe.macro-args');
        else if (p.sigil === '@' && a.kind !== 'Map') this.err(a.range, `Macro ${e.callee} expects a map for ${p.name}.`, 'probe.macro-args');
        else if (p.sigil === '$' && a.kind === 'Var' && !ctx.vars.has(a.name)) ctx.vars.set(a.name, { type: INT64, range: a.range });
        else this.expr(a, ctx);
      });
      return UNKNOWN;
    }
    const ufn = this.fns.get(e.callee);
    if (ufn) {
      if (ufn.params.length !== e.args.length) {
        this.err(e.range, `Function ${e.callee} takes ${ufn.params.length} argument${ufn.params.length === 1 ? '' : 's'}, but ${e.args.length} ${e.args.length === 1 ? 'is' : 'are'} given.`, 'probe.fn-args');
      }
      for (const a of e.args) this.expr(a, ctx);
      return ufn.returnType ? this.env.resolveTypeName(ufn.returnType).type : VOID;
    }
    const f = functionInfo(e.callee);
    if (!f) {
      for (const a of e.args) this.expr(a, ctx);
      const b = builtinInfo(e.callee);
      if (b && e.args.length === 0) {
        // `pid()` is the same as `pid`.
        this.checkAvailability(e.callee, b.available, e.calleeRange, ctx);
        return b.type;
      }
      const names = [...FUNCTION_NAMES, ...this.macros.keys(), ...this.fns.keys()];
      this.err(e.calleeRange, `Unknown function ${e.callee}().${suggest(e.callee, names)}`, 'probe.unknown-function');
      return UNKNOWN;
    }
    if (f.agg && !flags.aggOk) {
      for (const a of e.args) this.expr(a, ctx);
      this.err(e.range, `${e.callee}() can only be assigned directly to a map, like @name = ${e.callee}(${f.args.length ? '...' : ''}) or @name[key] = ${e.callee}(${f.args.length ? '...' : ''}).`, 'probe.agg-not-assigned');
      return UNKNOWN;
    }
    if (f.unsafe && !this.opts.unsafe) {
      this.warn(e.calleeRange, `${e.callee}() is unsafe: bpftrace refuses it unless run with --unsafe.`, 'probe.unsafe');
    }
    if (f.only) {
      for (const { kind, node } of ctx.kinds) {
        if (!f.only.includes(kind.name)) {
          this.err(e.calleeRange, `${e.callee}() is not available in ${kind.name} probes (${node.raw}); it works in ${f.only.join(', ')} probes.`, 'probe.function-unavailable');
          break;
        }
      }
    }
    if (e.args.length < f.minArgs || e.args.length > f.maxArgs) {
      const range = f.minArgs === f.maxArgs ? `${f.minArgs}` : f.maxArgs === Infinity ? `at least ${f.minArgs}` : `${f.minArgs} to ${f.maxArgs}`;
      this.err(e.range, `${e.callee}() takes ${range} argument${f.maxArgs === 1 && f.minArgs === 1 ? '' : 's'} (${f.signature}), but ${e.args.length} ${e.args.length === 1 ? 'is' : 'are'} given.`, 'probe.arg-count');
      for (const a of e.args) this.expr(a, ctx);
      return f.returns;
    }
    const special = SPECIAL_CALLS[e.callee];
    if (special) return special.call(this, e, ctx, f);
    const types = e.args.map((a, i) => this.argument(a, f.args[i] ?? f.rest ?? 'any', e, i, ctx));
    if (['printf', 'system', 'cat', 'errorf', 'debugf'].includes(e.callee)) this.checkFormat(e, types.slice(1));
    if (flags.discarded === false) void 0;
    return f.returns;
  }

  /** Checks one argument against its shape and returns its type. */
  argument(a: A.Expr, shape: ArgShape, call: A.Call, i: number, ctx: Ctx): Type {
    const n = `${call.callee}()`;
    const ord = ['first', 'second', 'third', 'fourth', 'fifth'][i] ?? `${i + 1}th`;
    switch (shape) {
      case 'map':
        if (a.kind !== 'Map' || a.keys) {
          if (a.kind === 'Map') this.mapRead(a, ctx);
          else this.expr(a, ctx);
          this.err(a.range, `The ${ord} argument of ${n} must be a whole map, like ${call.callee}(@name)${a.kind === 'Map' ? ` — without the [key]` : ''}.`, 'probe.arg-type');
          return UNKNOWN;
        }
        this.noteRead(a, ctx);
        return (a.type = this.maps.get(a.name)?.value ?? UNKNOWN);
      case 'mapkey':
        if (a.kind !== 'Map') {
          this.expr(a, ctx);
          this.err(a.range, `The ${ord} argument of ${n} must be a map element, like ${call.callee}(@name[key]).`, 'probe.arg-type');
          return UNKNOWN;
        }
        return this.expr(a, ctx);
      case 'strlit':
      case 'fmt': {
        const t = this.expr(a, ctx);
        if (a.kind !== 'Str' && !(a.kind === 'Ident' && this.defineText.get(a.name)?.trim().startsWith('"'))) {
          this.err(a.range, `The ${ord} argument of ${n} must be a string literal ("...").`, 'probe.arg-type');
        }
        return t;
      }
      case 'intlit': {
        const t = this.expr(a, ctx);
        if (t.kind !== 'unknown' && this.constInt(a) === undefined && a.kind !== 'Param') {
          this.err(a.range, `The ${ord} argument of ${n} must be a constant integer.`, 'probe.arg-type');
        }
        return t;
      }
      case 'int': {
        const t = this.expr(a, ctx);
        if (t.kind !== 'unknown' && !isIntegral(t) && t.kind !== 'pointer') {
          this.err(a.range, `The ${ord} argument of ${n} must be an integer, but this is ${typeName(t)}.`, 'probe.arg-type');
        }
        return t;
      }
      case 'str': {
        const t = this.expr(a, ctx);
        if (t.kind !== 'unknown' && t.kind !== 'string') {
          const hint = t.kind === 'pointer' || isIntegral(t) ? ` If it points to a string, read it with str(${exprText(a)}).` : '';
          this.err(a.range, `The ${ord} argument of ${n} must be a string, but this is ${typeName(t)}.${hint}`, 'probe.arg-type');
        }
        return t;
      }
      case 'ptr': {
        const t = this.expr(a, ctx);
        if (t.kind !== 'unknown' && !isIntegral(t) && t.kind !== 'pointer' && t.kind !== 'array' && t.kind !== 'string') {
          this.err(a.range, `The ${ord} argument of ${n} must be a pointer or an address, but this is ${typeName(t)}.`, 'probe.arg-type');
        }
        return t;
      }
      case 'stackmode':
      case 'any': {
        const t = this.expr(a, ctx);
        if (t.kind === 'void') this.err(a.range, `This has no value, so it cannot be passed to ${n}.`, 'probe.void-value');
        return t;
      }
    }
  }

  /** printf-family format checking: argument count and each conversion's type. */
  checkFormat(e: A.Call, args: Type[]): void {
    const fmtExpr = e.args[0];
    if (!fmtExpr || fmtExpr.kind !== 'Str') return;
    const fmt = parseFormat(fmtExpr.value);
    for (const u of fmt.unknown) {
      this.warn(fmtExpr.range, `"${u.text}" is not a conversion bpftrace knows (use %d %u %x %s %c %p %r, or %% for a percent sign); it is printed as is.`, 'probe.format-unknown');
    }
    const n = fmt.conversions.length;
    if (args.length !== n) {
      this.err(e.range, `${e.callee}: ${args.length < n ? 'not enough' : 'too many'} arguments for the format string (${args.length} given, ${n} expected by ${n ? fmt.conversions.map((c) => c.text).join(' ') : 'a format with no conversions'}).`, 'probe.format-arg-count');
    }
    fmt.conversions.forEach((c, i) => {
      const t = args[i];
      const a = e.args[i + 1];
      if (!t || !a || t.kind === 'unknown') return;
      const intLike = isIntegral(t) || t.kind === 'pointer';
      let ok = true;
      let want = '';
      switch (c.kind) {
        case 'int':
        case 'char':
          ok = intLike;
          want = 'an integer';
          break;
        case 'pointer':
          ok = intLike;
          want = 'a pointer or integer';
          break;
        case 'string':
          ok = !intLike && t.kind !== 'void' && !isAgg(t, 'hist', 'lhist', 'stats');
          want = 'a string (or another printable value like ksym, inet, kstack)';
          break;
        case 'buffer':
          ok = t.kind === 'buffer' || t.kind === 'string';
          want = 'a buffer from buf()';
          break;
      }
      if (!ok) {
        const hint = c.kind === 'string' && intLike ? ` If it points to a string, use str(${exprText(a)}); to print the number use %d.` : c.kind === 'int' && t.kind === 'string' ? ' Use %s for strings.' : '';
        this.err(a.range, `${e.callee}: ${c.text} expects ${want}, but argument ${i + 1} is ${typeName(t)}.${hint}`, 'probe.format-type');
      }
    });
  }

  // helpers used by the special-call table
  exprFor(e: A.Expr, ctx: Ctx): Type {
    return this.expr(e, ctx);
  }
  errFor(r: Range, m: string, c: string): void {
    this.err(r, m, c);
  }
  warnFor(r: Range, m: string, c: string): void {
    this.warn(r, m, c);
  }
  constFor(e: A.Expr): bigint | undefined {
    return this.constInt(e);
  }
  mapFor(name: string): MapInfo | undefined {
    return this.maps.get(name);
  }
  mapReadFor(m: A.MapRef, ctx: Ctx): Type {
    return this.mapRead(m, ctx);
  }
  noteReadFor(m: A.MapRef, ctx: Ctx): void {
    this.noteRead(m, ctx);
  }
}

const BUILTIN_NAMES = ['pid', 'tid', 'uid', 'gid', 'nsecs', 'elapsed', 'cpu', 'comm', 'kstack', 'ustack', 'args', 'retval', 'func', 'probe', 'curtask', 'rand', 'cgroup', 'username', 'arg0', 'arg1', 'arg2', 'jiffies', 'ncpus', 'ppid', 'numaid'];
const FUNCTION_NAMES = ['printf', 'print', 'time', 'join', 'str', 'buf', 'ksym', 'usym', 'kaddr', 'uaddr', 'ntop', 'system', 'exit', 'cat', 'signal', 'strncmp', 'strcontains', 'macaddr', 'cgroupid', 'reg', 'override', 'count', 'sum', 'avg', 'min', 'max', 'stats', 'hist', 'lhist', 'delete', 'clear', 'zero', 'len', 'has_key', 'bswap', 'strftime', 'path', 'kstack', 'ustack', 'pton', 'strerror'];

function exprText(e: A.Expr): string {
  switch (e.kind) {
    case 'Var':
      return e.name;
    case 'Map':
      return e.keys === undefined ? e.name : `${e.name}[...]`;
    case 'Ident':
      return e.name;
    case 'Field':
      return `${exprText(e.object)}${e.arrow ? '->' : '.'}${e.field}`;
    case 'Call':
      return `${e.callee}(...)`;
    case 'Param':
      return e.index === 0 ? '$#' : `$${e.index}`;
    default:
      return 'x';
  }
}

function describeValue(t: Type): string {
  if (t.kind === 'agg') return `${t.agg}() values`;
  if (t.kind === 'int' || t.kind === 'bool') return `integers (${typeName(t)})`;
  if (t.kind === 'string') return `strings (${typeName(t)})`;
  return typeName(t);
}

type SpecialCall = { call: (c: Checker, e: A.Call, ctx: Ctx, f: FunctionInfo) => Type };

/** Calls whose argument rules or result type depend on the arguments. */
const SPECIAL_CALLS: Record<string, SpecialCall> = {
  str: {
    call(c, e, ctx, f) {
      const t = c.argument(e.args[0]!, 'ptr', e, 0, ctx);
      let size = t.kind === 'string' ? t.size : DEFAULT_STRLEN;
      if (e.args[1]) {
        c.argument(e.args[1], 'int', e, 1, ctx);
        const n = c.constFor(e.args[1]);
        if (n !== undefined) {
          if (n <= 0n) c.errFor(e.args[1].range, 'str() length must be positive.', 'probe.arg-value');
          else size = Number(n < 1024n ? n : 1024n) + (t.kind === 'string' ? 0 : 1);
        }
      }
      void f;
      return { kind: 'string', size };
    },
  },
  buf: {
    call(c, e, ctx) {
      const t = c.argument(e.args[0]!, 'ptr', e, 0, ctx);
      // A char array (typed as a string) or any other array gives its own length.
      let size = t.kind === 'array' ? t.length * sizeOf(t.elem) : t.kind === 'string' ? t.size : DEFAULT_STRLEN;
      if (e.args[1]) {
        c.argument(e.args[1], 'int', e, 1, ctx);
        const n = c.constFor(e.args[1]);
        if (n !== undefined) size = Number(n < 1024n ? n : 1024n);
      } else if (t.kind !== 'array' && t.kind !== 'string') {
        c.errFor(e.range, 'buf() needs a length unless its argument is an array: buf(ptr, len).', 'probe.arg-count');
      }
      return { kind: 'buffer', size };
    },
  },
  print: {
    call(c, e, ctx) {
      const first = e.args[0]!;
      if (first.kind === 'Map' && !first.keys) {
        c.noteReadFor(first, ctx);
        first.type = c.mapFor(first.name)?.value ?? UNKNOWN;
      } else {
        const t = c.exprFor(first, ctx);
        if (t.kind === 'void') c.errFor(first.range, 'This has no value to print.', 'probe.void-value');
        if (e.args.length > 1) c.errFor(e.args[1]!.range, 'Only print(@map, top, divisor) takes more than one argument; print(value) prints one value.', 'probe.arg-count');
      }
      for (let i = 1; i < e.args.length; i++) c.argument(e.args[i]!, 'intlit', e, i, ctx);
      return VOID;
    },
  },
  delete: {
    call(c, e, ctx) {
      const m = e.args[0]!;
      if (m.kind !== 'Map') {
        c.exprFor(m, ctx);
        c.errFor(m.range, 'delete() takes a map element: delete(@name[key]) or delete(@name, key).', 'probe.arg-type');
        return BOOL;
      }
      if (e.args.length === 2) {
        if (m.keys) c.errFor(m.range, 'With two arguments, delete() takes the map without a key: delete(@name, key).', 'probe.arg-type');
        c.noteReadFor(m, ctx);
        const mi = c.mapFor(m.name);
        const kt = c.exprFor(e.args[1]!, ctx);
        const want = mi?.keys;
        if (want && want.length > 1 && kt.kind !== 'tuple' && kt.kind !== 'unknown') {
          c.errFor(e.args[1]!.range, `${m.name} has ${want.length} keys: pass them as a tuple, delete(${m.name}, (k1, k2)).`, 'probe.map-key-mismatch');
        }
        return BOOL;
      }
      if (!m.keys) {
        c.noteReadFor(m, ctx);
        const mi = c.mapFor(m.name);
        if (mi?.keys && mi.keys.length > 0) c.errFor(m.range, `${m.name} has keys: delete one with delete(${m.name}[key]), or all with clear(${m.name}).`, 'probe.arg-type');
        return BOOL;
      }
      c.mapReadFor(m, ctx);
      return BOOL;
    },
  },
  has_key: {
    call(c, e, ctx) {
      c.argument(e.args[0]!, 'map', e, 0, ctx);
      const m = e.args[0]!;
      const kt = c.exprFor(e.args[1]!, ctx);
      if (m.kind === 'Map') {
        const mi = c.mapFor(m.name);
        if (mi?.keys && mi.keys.length === 0) c.errFor(m.range, `${m.name} has no keys; has_key() needs a keyed map.`, 'probe.arg-type');
        else if (mi?.keys && mi.keys.length > 1 && kt.kind !== 'tuple' && kt.kind !== 'unknown') c.errFor(e.args[1]!.range, `${m.name} has ${mi.keys.length} keys: pass them as a tuple, (k1, k2).`, 'probe.map-key-mismatch');
      }
      return BOOL;
    },
  },
  len: {
    call(c, e, ctx) {
      const a = e.args[0]!;
      if (a.kind === 'Map' && !a.keys) {
        c.noteReadFor(a, ctx);
        const mi = c.mapFor(a.name);
        if (mi?.keys && mi.keys.length === 0) c.errFor(a.range, `${a.name} has no keys; len() counts the keys of a keyed map.`, 'probe.arg-type');
        return INT64;
      }
      const t = c.exprFor(a, ctx);
      if (t.kind !== 'unknown' && t.kind !== 'stack') c.errFor(a.range, `len() takes a map (len(@m)) or a stack (len(kstack)), not ${typeName(t)}.`, 'probe.arg-type');
      return INT64;
    },
  },
  hist: {
    call(c, e, ctx, f) {
      c.argument(e.args[0]!, 'int', e, 0, ctx);
      if (e.args[1]) {
        c.argument(e.args[1], 'intlit', e, 1, ctx);
        const k = c.constFor(e.args[1]);
        if (k !== undefined && (k < 0n || k > 5n)) c.errFor(e.args[1].range, `hist()'s second argument (sub-buckets per power of two) must be 0 to 5, not ${k}.`, 'probe.arg-value');
      }
      return f.returns;
    },
  },
  lhist: {
    call(c, e, ctx, f) {
      c.argument(e.args[0]!, 'int', e, 0, ctx);
      for (let i = 1; i < 4; i++) c.argument(e.args[i]!, 'intlit', e, i, ctx);
      const [mn, mx, step] = [1, 2, 3].map((i) => c.constFor(e.args[i]!));
      if (mn !== undefined && mn < 0n) c.errFor(e.args[1]!.range, 'lhist() min must not be negative.', 'probe.arg-value');
      if (mn !== undefined && mx !== undefined && mx <= mn) c.errFor(e.args[2]!.range, `lhist() max (${mx}) must be greater than min (${mn}).`, 'probe.arg-value');
      if (step !== undefined && step <= 0n) c.errFor(e.args[3]!.range, 'lhist() step must be positive.', 'probe.arg-value');
      else if (mn !== undefined && mx !== undefined && step !== undefined && mx > mn && (mx - mn) / step > 1000n) {
        c.errFor(e.args[3]!.range, `lhist() would have ${(mx - mn) / step} buckets; bpftrace allows at most 1000. Use a larger step.`, 'probe.arg-value');
      }
      return f.returns;
    },
  },
  kstack: { call: (c, e, ctx, f) => stackCall(c, e, ctx, f) },
  ustack: { call: (c, e, ctx, f) => stackCall(c, e, ctx, f) },
  nsecs: {
    call(c, e) {
      const a = e.args[0];
      if (a && !(a.kind === 'Ident' && CLOCK_MODES.has(a.name))) c.errFor(a.range, `nsecs() takes a clock: ${[...CLOCK_MODES].join(', ')}.`, 'probe.arg-type');
      return UINT64;
    },
  },
  ntop: {
    call(c, e, ctx) {
      const addr = e.args[e.args.length - 1]!;
      if (e.args.length === 2) c.argument(e.args[0]!, 'int', e, 0, ctx);
      const t = c.exprFor(addr, ctx);
      const ok = t.kind === 'unknown' || isIntegral(t) || t.kind === 'pointer' || (t.kind === 'array' && [4, 16].includes(t.length * sizeOf(t.elem))) || (t.kind === 'string' && (t.size === 4 || t.size === 16));
      if (!ok) c.errFor(addr.range, `ntop() takes an IPv4 address as an integer or a 4- or 16-byte array, not ${typeName(t)}.`, 'probe.arg-type');
      return { kind: 'inet' };
    },
  },
  bswap: {
    call(c, e, ctx) {
      const t = c.argument(e.args[0]!, 'int', e, 0, ctx);
      return t.kind === 'int' ? intType(t.bits, false) : UINT64;
    },
  },
  signal: {
    call(c, e, ctx) {
      const a = e.args[0]!;
      const t = c.exprFor(a, ctx);
      if (a.kind === 'Str' && !/^(SIG)?[A-Z0-9]+$/.test(a.value)) c.errFor(a.range, `"${a.value}" is not a signal name (like "SIGKILL" or "KILL").`, 'probe.arg-value');
      else if (t.kind !== 'unknown' && t.kind !== 'string' && !isIntegral(t)) c.errFor(a.range, 'signal() takes a signal number or name.', 'probe.arg-type');
      return VOID;
    },
  },
  exit: {
    call(c, e, ctx) {
      if (e.args[0]) c.argument(e.args[0], 'int', e, 0, ctx);
      return VOID;
    },
  },
};

function stackCall(c: Checker, e: A.Call, ctx: Ctx, f: FunctionInfo): Type {
  const [a, b] = e.args;
  const checkLimit = (x: A.Expr): void => {
    c.argument(x, 'intlit', e, e.args.indexOf(x), ctx);
    const n = c.constFor(x);
    if (n !== undefined && (n < 1n || n > 1024n)) c.errFor(x.range, `A stack limit must be between 1 and 1024 frames, not ${n}.`, 'probe.arg-value');
  };
  if (a) {
    if (a.kind === 'Ident' && !ARG_BUILTIN.test(a.name) && builtinInfo(a.name) === undefined) {
      if (!STACK_MODES.has(a.name)) c.errFor(a.range, `Unknown stack mode "${a.name}": use bpftrace, perf or raw.`, 'probe.arg-value');
    } else if (b) {
      c.errFor(a.range, `The first of two arguments of ${e.callee}() is the mode: bpftrace, perf or raw.`, 'probe.arg-type');
    } else {
      checkLimit(a);
    }
  }
  if (b) checkLimit(b);
  return f.returns;
}

/** Parses and checks a bpftrace script. Never throws: every problem is a finding. */
export function checkScript(text: string, options: CheckOptions = {}): CheckResult {
  let btf: Btf | undefined;
  if (options.btf === null) btf = undefined;
  else if (typeof options.btf === 'string') btf = loadBtf(options.btf);
  else if (options.btf) btf = options.btf;
  else btf = loadBtf();
  const parseOpts: ParseOptions = {
    defines: { ...(btf ? { BPFTRACE_HAVE_BTF: '1' } : {}), ...(options.defines ?? {}) },
    isTypeName: (name) => btf?.typedef(name) !== undefined,
  };
  const parsed = parseScript(text, options.file, parseOpts);
  const checker = new Checker(parsed.ast, options, btf);
  const info = checker.run();
  // Syntax errors come first; semantic findings inside broken code may be noise but are kept.
  const findings = [...parsed.findings, ...checker.result()];
  return { ast: parsed.ast, findings, info, source: parsed.source };
}

export { exprChildren };
