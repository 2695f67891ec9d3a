// Completion for bpftrace scripts. In a probe header: probe kinds, kernel functions, tracepoints,
// the functions of a uprobe's binary and the USDT probes of a usdt binary, event names and units.
// In a body: builtins, functions, keywords, @maps, the scope's $vars, and struct fields after
// `.` or `->` (tracepoint and fentry args, BTF structs, struct definitions in the script).
import type { Pos, Range } from '../core/types';
import { binarySymbols, resolveBinary } from '../probe/binsyms';
import { BUILTINS, FUNCTIONS, KEYWORDS } from '../probe/catalog';
import { HARDWARE_EVENTS, PROBE_KINDS, SOFTWARE_EVENTS, TIME_UNITS, probeKind } from '../probe/probes';
import { tracepointFormat } from '../probe/tracepoints';
import { typeName, type Type } from '../probe/types';
import type { CompletionList } from './asm-completion';
import type { ProbeDoc } from './bt-doc';
import { btfFunctionParams, btfRecordFields, type FieldInfo } from './btf-text';
import { withPrefix, type KernelNames } from './kernel-names';
import { rangeContains, type CompletionEntry } from './types';

const LIMIT = 200;

function range(line: number, start: number, end: number): Range {
  return { start: { line, col: start }, end: { line, col: end } };
}

function inBody(doc: ProbeDoc, pos: Pos): boolean {
  const inBlock = (r: Range) => rangeContains(r, pos) && !(r.start.line === pos.line && r.start.col === pos.col);
  return doc.ast.probes.some((p) => inBlock(p.body.range) || (p.predicate && inBlock(p.predicate.range)))
    || doc.ast.fns.some((f) => inBlock(f.body.range))
    || doc.ast.macros.some((m) => inBlock(m.body.range));
}

/** Whether a position is inside braces, counted from the text (the parse may have given up on an unfinished body). */
function braceDepth(doc: ProbeDoc, pos: Pos): number {
  let depth = 0;
  for (let l = 0; l <= pos.line && l < doc.lines.length; l++) {
    const line = l === pos.line ? doc.lines[l].slice(0, pos.col) : doc.lines[l];
    let inStr = false;
    for (let i = 0; i < line.length; i++) {
      const c = line[i];
      if (c === '"' && line[i - 1] !== '\\') inStr = !inStr;
      if (inStr) continue;
      if (c === '/' && line[i + 1] === '/') break;
      if (c === '{') depth++;
      if (c === '}') depth = Math.max(0, depth - 1);
    }
  }
  return depth;
}

function headerCompletion(provider: string, rest: string, line: number, col: number, kernel: KernelNames): CompletionList | undefined {
  const kind = probeKind(provider);
  if (!kind) return undefined;
  const parts = rest.split(':');
  const typed = parts[parts.length - 1];
  const replace = range(line, col - typed.length, col);
  const list = (names: string[], k: CompletionEntry['kind'], detail: string, more = false): CompletionList => ({
    items: names.map((n) => ({ label: n, kind: k, detail, replace })),
    incomplete: more,
  });
  switch (kind.name) {
    case 'kprobe':
    case 'kretprobe':
    case 'fentry':
    case 'fexit': {
      const { names, more } = withPrefix(kernel.functions(), typed, LIMIT);
      return list(names, 'function', `kernel function (${kernel.functionSource()})`, more);
    }
    case 'tracepoint': {
      // Complete `category:event` as one name: replace from the start of the category.
      const whole = parts.slice(-2).join(':');
      const prefix = parts.length >= 2 ? whole : typed;
      const { names, more } = withPrefix(kernel.tracepoints(), prefix, LIMIT);
      const r = range(line, col - prefix.length, col);
      return { items: names.map((n) => ({ label: n, kind: 'event', detail: 'tracepoint', replace: r })), incomplete: more };
    }
    case 'rawtracepoint': {
      const events = [...new Set(kernel.tracepoints().map((t) => t.split(':')[1]))].sort();
      const { names, more } = withPrefix(events, typed, LIMIT);
      return list(names, 'event', 'raw tracepoint', more);
    }
    case 'uprobe':
    case 'uretprobe':
    case 'usdt': {
      if (parts.length < 2) return { items: [], incomplete: false };
      const path = resolveBinary(parts[0]);
      if (!path) return { items: [], incomplete: false };
      try {
        const syms = binarySymbols(path);
        if (kind.name === 'usdt') {
          const names = [...new Set(syms.usdt.map((p) => `${p.provider}:${p.name}`))].sort();
          const prefix = parts.slice(1).join(':');
          const r = range(line, col - prefix.length, col);
          return { items: names.filter((n) => n.startsWith(prefix)).slice(0, LIMIT).map((n) => ({ label: n, kind: 'event', detail: `USDT probe in ${path}`, replace: r })), incomplete: false };
        }
        const { names, more } = withPrefix([...syms.functions].sort(), typed, LIMIT);
        return list(names, 'function', `function in ${path}`, more);
      } catch {
        return { items: [], incomplete: false };
      }
    }
    case 'interval':
    case 'profile':
      return parts.length === 1 ? list(TIME_UNITS, 'constant', 'unit') : undefined;
    case 'software':
      return parts.length === 1 ? list(SOFTWARE_EVENTS, 'event', 'software event') : undefined;
    case 'hardware':
      return parts.length === 1 ? list(HARDWARE_EVENTS, 'event', 'hardware event') : undefined;
    default:
      return undefined;
  }
}

function probeKindEntries(replace: Range): CompletionEntry[] {
  const out: CompletionEntry[] = [];
  for (const k of PROBE_KINDS) {
    const special = k.name === 'BEGIN' || k.name === 'END';
    out.push({ label: special ? k.name : `${k.name}:`, kind: 'module', detail: k.syntax.join(' | '), documentation: k.doc, insertText: special ? k.name : `${k.name}:`, sortText: `1${k.name}`, replace });
  }
  for (const kw of ['fn', 'macro', 'config', 'let', '#include']) out.push({ label: kw, kind: 'keyword', sortText: `2${kw}`, replace });
  return out;
}

/** The probes a position's scope belongs to (a probe may have several attach points). */
function scopeProbeKinds(doc: ProbeDoc, pos: Pos): { provider: string; parts: string[] }[] {
  const scope = doc.scopeAt(pos);
  if (scope.kind !== 'probe' || !scope.node || scope.node.kind !== 'Probe') return [];
  return scope.node.attachPoints.map((ap) => ({ provider: probeKind(ap.provider)?.name ?? ap.provider, parts: ap.parts }));
}

/** Fields of a record the checker laid out (script, BTF, tracepoint or fentry args). */
function checkedFields(doc: ProbeDoc, t: Type | undefined): FieldInfo[] | undefined {
  const rec = t?.kind === 'pointer' ? t.to : t;
  if (!doc.info || rec?.kind !== 'record') return undefined;
  const layout = doc.info.types.record(rec.name);
  return layout?.fields.map((f) => {
    const inner = f.type.kind === 'pointer' ? f.type.to : f.type;
    return { name: f.name, type: typeName(f.type), record: inner.kind === 'record' ? inner.name : undefined };
  });
}

function argsFields(doc: ProbeDoc, pos: Pos): FieldInfo[] {
  const scope = doc.scopeAt(pos);
  const checked = scope.node?.kind === 'Probe' ? doc.info?.probes.find((p) => p.probe === scope.node) : undefined;
  const fromChecker = checkedFields(doc, checked?.argsType);
  if (fromChecker?.length) return fromChecker;
  for (const ap of scopeProbeKinds(doc, pos)) {
    if (ap.provider === 'tracepoint' && ap.parts.length === 2) {
      const fmt = tracepointFormat(ap.parts[0], ap.parts[1]);
      if (fmt) return fmt.fields.filter((f) => !f.name.startsWith('common_')).map((f) => ({ name: f.name, type: f.type }));
    }
    if ((ap.provider === 'fentry' || ap.provider === 'fexit') && ap.parts.length >= 1) {
      const params = btfFunctionParams(ap.parts[ap.parts.length - 1]);
      if (params) return params;
    }
  }
  return [];
}

/** Fields of a struct defined in the script itself. */
function scriptRecordFields(doc: ProbeDoc, record: string): FieldInfo[] | undefined {
  const name = record.replace(/^(struct|union)\s+/, '');
  const def = doc.ast.cdefs.find((c) => (c.tag === 'struct' || c.tag === 'union') && c.name === name);
  if (!def) return undefined;
  return def.fields.map((f) => ({
    name: f.name,
    type: `${f.type.base}${f.type.pointerDepth ? ' ' + '*'.repeat(f.type.pointerDepth) : ''}`,
    record: /^(struct|union) /.test(f.type.base) ? f.type.base : undefined,
  }));
}

function recordFields(doc: ProbeDoc, record: string): FieldInfo[] | undefined {
  return scriptRecordFields(doc, record) ?? checkedFields(doc, { kind: 'record', name: record }) ?? btfRecordFields(record);
}

/** The struct an expression's text names: a cast `(struct x *)...`, `curtask`, or a $var assigned from one. */
function recordOfText(doc: ProbeDoc, pos: Pos, text: string, depth = 0): string | undefined {
  const cast = /\(\s*((?:struct|union)\s+\w+)\s*\*+\s*\)/.exec(text);
  if (cast) return cast[1];
  if (text === 'curtask') return 'struct task_struct';
  if (/^\$\w+$/.test(text) && depth < 4) {
    const scope = doc.scopeAt(pos);
    const checked = scope.node?.kind === 'Probe' ? doc.info?.probes.find((p) => p.probe === scope.node)?.variables.get(text) : undefined;
    if (checked?.kind === 'pointer' && checked.to.kind === 'record') return checked.to.name;
    for (const v of doc.exprs) {
      if (v.scope.index !== scope.index || v.scope.kind !== scope.kind) continue;
      const e = v.expr;
      if (e.kind === 'Var' && e.name === text && e.type?.kind === 'pointer' && e.type.to.kind === 'record') return e.type.to.name;
    }
    // Find `$x = <expr>;` in the text before the cursor.
    const before = doc.lines.slice(0, pos.line + 1).join('\n');
    const re = new RegExp(`\\${text}\\s*=\\s*([^;\\n]+)`, 'g');
    let last: string | undefined;
    for (let m = re.exec(before), guard = 0; m && guard < 10_000; m = re.exec(before), guard++) last = m[1];
    if (last) return recordOfText(doc, pos, last.trim(), depth + 1);
  }
  return undefined;
}

/** Fields after `object.` or `object->`, following a chain `$t->mm->`. */
function memberCompletion(doc: ProbeDoc, pos: Pos, before: string, replace: Range): CompletionEntry[] | undefined {
  const m = /((?:\([^()]*(?:\([^()]*\))?[^()]*\)|[$\w]+)(?:(?:\.|->)\w+)*)(?:\.|->)\w*$/.exec(before);
  if (!m) return undefined;
  const chain = m[1].split(/\.|->/);
  const base = chain[0];
  let fields: FieldInfo[] | undefined;
  if (base === 'args') fields = argsFields(doc, pos);
  else {
    const rec = recordOfText(doc, pos, base);
    fields = rec ? recordFields(doc, rec) : undefined;
  }
  for (const name of chain.slice(1)) {
    const f = fields?.find((x) => x.name === name);
    if (!f?.record) return [];
    fields = recordFields(doc, f.record);
  }
  if (!fields) return [];
  // `args` and tracepoint fields are not records in the chain walk: typed ones came from BTF.
  if (chain.length > 1 && base === 'args') {
    const first = argsFields(doc, pos).find((f) => f.name === chain[1]);
    const rec = first?.record ?? /^((?:struct|union) \w+)/.exec(first?.type ?? '')?.[1];
    fields = rec ? recordFields(doc, rec) : [];
    for (const name of chain.slice(2)) {
      const f = fields?.find((x) => x.name === name);
      fields = f?.record ? recordFields(doc, f.record) : [];
    }
  }
  return (fields ?? []).map((f) => ({ label: f.name, kind: 'field', detail: f.type, replace }));
}

export function btCompletion(doc: ProbeDoc, pos: Pos, kernel: KernelNames): CompletionList {
  const line = doc.lines[pos.line] ?? '';
  const before = line.slice(0, pos.col);
  const none: CompletionList = { items: [], incomplete: false };
  if (/\/\/.*$/.test(before.replace(/"(?:[^"\\]|\\.)*"/g, '""'))) return none;
  const depth = braceDepth(doc, pos);
  const body = depth > 0 || inBody(doc, pos);

  if (!body) {
    const header = /(?:^|,)\s*([A-Za-z]+):([^\s{,]*)$/.exec(before);
    if (header) return headerCompletion(header[1], header[2], pos.line, pos.col, kernel) ?? none;
    const word = /[\w#]*$/.exec(before)![0];
    return { items: probeKindEntries(range(pos.line, pos.col - word.length, pos.col)), incomplete: false };
  }

  const word = /[@$]?\w*$/.exec(before)![0];
  const replace = range(pos.line, pos.col - word.length, pos.col);
  const members = memberCompletion(doc, pos, before, replace);
  if (members) return { items: members, incomplete: false };

  const items: CompletionEntry[] = [];
  const maps = [...doc.occurrences.values()].filter((o) => o.kind === 'map');
  const scope = doc.scopeAt(pos);
  const varPrefix = `var:${scope.kind}${scope.index}:`;
  const vars = [...doc.occurrences.entries()].filter(([k]) => k.startsWith(varPrefix)).map(([, o]) => o);
  if (word.startsWith('@')) return { items: maps.map((o) => ({ label: o.name, kind: 'variable', detail: 'map', replace })), incomplete: false };
  if (word.startsWith('$')) return { items: vars.map((o) => ({ label: o.name, kind: 'variable', detail: 'variable', replace })), incomplete: false };

  for (const b of BUILTINS) items.push({ label: b.name, kind: 'variable', detail: 'builtin', documentation: b.doc, sortText: `1${b.name}`, replace });
  for (const f of FUNCTIONS) {
    const call = f.minArgs === 0 && f.maxArgs === 0 ? `${f.name}()` : `${f.name}($1)`;
    items.push({ label: f.name, kind: 'function', detail: f.signature, documentation: f.doc, insertText: call, snippet: true, sortText: `2${f.name}`, replace });
  }
  for (const fn of doc.ast.fns) items.push({ label: fn.name, kind: 'function', detail: 'function in this script', insertText: `${fn.name}($1)`, snippet: true, sortText: `0${fn.name}`, replace });
  for (const k of KEYWORDS) items.push({ label: k.name, kind: 'keyword', documentation: k.doc, sortText: `3${k.name}`, replace });
  for (const o of maps) items.push({ label: o.name, kind: 'variable', detail: 'map', sortText: `0${o.name}`, replace });
  for (const o of vars) items.push({ label: o.name, kind: 'variable', detail: 'variable', sortText: `0${o.name}`, replace });
  return { items, incomplete: false };
}
