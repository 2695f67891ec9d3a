// Hover for bpftrace scripts: probe kinds and their targets (a kernel function's prototype, a
// tracepoint's fields), builtins, functions, keywords, maps, variables and struct fields.
import type { Pos, Range } from '../core/types';
import type * as A from '../probe/ast';
import { docFor, functionInfo } from '../probe/catalog';
import { probeKind } from '../probe/probes';
import { tracepointFormat } from '../probe/tracepoints';
import { typeName } from '../probe/types';
import { attachPointAt, exprAt, type ProbeDoc } from './bt-doc';
import { btfFunctionSignature } from './btf-text';
import { rangeContains, type HoverInfo } from './types';

function providerRange(ap: A.AttachPoint): Range {
  return { start: ap.range.start, end: { line: ap.range.start.line, col: ap.range.start.col + ap.provider.length } };
}

function attachHover(doc: ProbeDoc, pos: Pos): HoverInfo | undefined {
  const hit = attachPointAt(doc, pos);
  if (!hit) return undefined;
  const { ap, part } = hit;
  const kind = probeKind(ap.provider);
  if (!kind) return undefined;
  if (part < 0) {
    const md = `**${kind.name}** probe${kind.aliases.length ? ` (alias ${kind.aliases.map((a) => `\`${a}\``).join(', ')})` : ''}\n\n${kind.doc}\n\n` + kind.syntax.map((s) => `- \`${s}\``).join('\n');
    return { markdown: md, range: rangeContains(providerRange(ap), pos) ? providerRange(ap) : ap.range };
  }
  const range = ap.partRanges[part];
  const value = ap.parts[part];
  const last = part === ap.parts.length - 1;
  if (['kprobe', 'kretprobe', 'fentry', 'fexit'].includes(kind.name) && last && !/[*?]/.test(value)) {
    const sig = btfFunctionSignature(value.replace(/\+.*$/, ''));
    return { markdown: sig ? '```c\n' + sig + '\n```\nKernel function (from BTF).' : `Kernel function \`${value}\`.`, range };
  }
  if (kind.name === 'tracepoint' && ap.parts.length === 2) {
    const fmt = tracepointFormat(ap.parts[0], ap.parts[1]);
    if (!fmt) return { markdown: `Tracepoint \`${ap.parts.join(':')}\` (not found in tracefs or the bundled catalog).`, range };
    const fields = fmt.fields.filter((f) => !f.name.startsWith('common_')).map((f) => `- \`${f.type} ${f.name}\` (offset ${f.offset}, ${f.size} B)`);
    return { markdown: `Tracepoint **${ap.parts.join(':')}** (${fmt.source}); fields as \`args.NAME\`:\n\n${fields.join('\n')}`, range };
  }
  if ((kind.name === 'uprobe' || kind.name === 'uretprobe' || kind.name === 'usdt') && part === 0) {
    return { markdown: `Binary or library \`${value}\` whose ${kind.name === 'usdt' ? 'USDT probes' : 'functions'} are traced.`, range };
  }
  return undefined;
}

function exprHover(doc: ProbeDoc, pos: Pos): HoverInfo | undefined {
  const hit = exprAt(doc, pos);
  if (!hit) return undefined;
  const e = hit.expr;
  const typed = e.type && e.type.kind !== 'unknown' ? `: ${typeName(e.type)}` : '';
  switch (e.kind) {
    case 'Ident': {
      const d = docFor(e.name);
      if (d) return { markdown: `**${e.name}**${typed} — ${d.doc}`, range: e.range };
      return undefined;
    }
    case 'Call': {
      if (!rangeContains(e.calleeRange, pos)) return undefined;
      const user = doc.ast.fns.find((f) => f.name === e.callee);
      if (user) {
        const params = user.params.map((p) => `${p.name}: ${p.type.base}${'*'.repeat(p.type.pointerDepth)}`).join(', ');
        return { markdown: '```bpftrace\nfn ' + `${user.name}(${params})${user.returnType ? ': ' + user.returnType.base : ''}` + '\n```\nFunction defined on line ' + (user.nameRange.start.line + 1) + '.', range: e.calleeRange };
      }
      const macro = doc.ast.macros.find((m) => m.name === e.callee);
      if (macro) return { markdown: `Macro **${macro.name}**(${macro.params.map((p) => p.name).join(', ')}), defined on line ${macro.nameRange.start.line + 1}.`, range: e.calleeRange };
      const f = functionInfo(e.callee);
      if (f) return { markdown: '```bpftrace\n' + f.signature + '\n```\n' + f.doc + (f.unsafe ? '\n\nNeeds `--unsafe`.' : ''), range: e.calleeRange };
      return undefined;
    }
    case 'Map': {
      if (!rangeContains(e.nameRange, pos)) return undefined;
      const occ = doc.occurrences.get(`map:${e.name}`);
      const uses = occ ? occ.definitions.length + occ.references.length : 0;
      const decl = doc.ast.mapDecls.find((d) => d.map.name === e.name);
      const kind = decl ? ` (declared as ${decl.mapType})` : '';
      const mi = doc.info?.maps.get(e.name);
      const keys = mi?.keys?.length ? `[${mi.keys.map(typeName).join(', ')}]` : '';
      const value = mi?.value && mi.value.kind !== 'unknown' ? `: ${typeName(mi.value)}` : typed;
      return { markdown: `Map **${e.name}${keys}**${value}${kind} — used ${uses} time(s) in this script.`, range: e.nameRange };
    }
    case 'Var': {
      const node = hit.scope.node;
      const vt = node?.kind === 'Probe' ? doc.info?.probes.find((p) => p.probe === node)?.variables.get(e.name) : undefined;
      const t = vt && vt.kind !== 'unknown' ? `: ${typeName(vt)}` : typed;
      return { markdown: `Variable **${e.name}**${t}, local to this ${hit.scope.kind === 'probe' ? 'probe' : hit.scope.kind}.`, range: e.range };
    }
    case 'Field':
      if (!rangeContains(e.fieldRange, pos)) return undefined;
      return { markdown: `Field **${e.field}**${typed}`, range: e.fieldRange };
    default:
      return undefined;
  }
}

/** Keywords are not expressions; find the word under the cursor in the text. */
function keywordHover(doc: ProbeDoc, pos: Pos): HoverInfo | undefined {
  const line = doc.lines[pos.line] ?? '';
  let s = pos.col;
  let e = pos.col;
  while (s > 0 && /\w/.test(line[s - 1])) s--;
  while (e < line.length && /\w/.test(line[e])) e++;
  const word = line.slice(s, e);
  const d = word ? docFor(word) : undefined;
  if (!d || (d.kind !== 'keyword' && d.kind !== 'probe')) return undefined;
  return { markdown: `**${word}** — ${d.doc}`, range: { start: { line: pos.line, col: s }, end: { line: pos.line, col: e } } };
}

export function btHover(doc: ProbeDoc, pos: Pos): HoverInfo | undefined {
  return attachHover(doc, pos) ?? exprHover(doc, pos) ?? keywordHover(doc, pos);
}
