// bpftrace script → eBPF programs. `compileScript` is what the CLI and the language server call;
// the runner keeps a `ScriptCompiler` to compile wildcard probes for each concrete probe an
// event names (so `probe` and `func` know which function fired).
import type { Finding, Range } from '../../core/types';
import { checkScript, type AttachInfo, type CheckOptions, type CheckResult, type ProbeInfo } from '../checker';
import { defineValue, scanHeaders } from '../headers';
import { probeKind, resolveAttach } from '../probes';
import { globMatch, tracepointFormat } from '../tracepoints';
import { ActionTable, type Action } from './actions';
import { CompileError } from './errors';
import type { ScriptEnv } from './gen';
import { planMaps, type MapPlan } from './maps';
import { compileProgram, type CompiledProgram } from './program';
import { attachSpecs, canonicalName, type AttachSpec } from './sections';

export type { CompiledProgram } from './program';
export type { MapPlan, Agg, LhistParams } from './maps';
export type { Action, ArgSlot } from './actions';
export type { AttachSpec } from './sections';
export { EVENTS_MAP, START_MAP, STACKS_MAP, STACK_DEPTH } from './maps';
export { RECORD_HEADER } from './actions';

export interface CompileOptions extends Omit<CheckOptions, 'file'> {
  /** Simulated CPU count, for the `ncpus` builtin (default 1). */
  ncpus?: number;
}

export interface CompileResult {
  programs: CompiledProgram[];
  /** Checker findings, then compiler findings. */
  findings: Finding[];
  maps: MapPlan[];
  /** User-space actions by id (printf formats, print, clear, exit, ...). */
  actions: Action[];
  /** Names for the `probe` builtin, by id. */
  probeNames: string[];
  /** Simulated kernel symbol addresses used by `func`. */
  symbols: Map<string, bigint>;
}

/** A bug in the compiler, as a finding rather than an exception. */
function internalError(e: unknown, range: Range): CompileError {
  const why = e instanceof Error ? e.message : String(e);
  return new CompileError(range, `internal compiler error: ${why}. Please report this script.`, 'probe.compile-internal');
}

function toFinding(e: CompileError): Finding {
  return { range: e.range, severity: 'error', message: e.message, code: e.code };
}

/** A checked script, ready to compile probes for its attach points or for concrete event names. */
export class ScriptCompiler {
  readonly checked: CheckResult;
  readonly findings: Finding[];
  readonly env: ScriptEnv;
  readonly maps: MapPlan[];
  private readonly actions = new ActionTable();
  readonly hasErrors: boolean;

  constructor(text: string, readonly file?: string, options: CompileOptions = {}) {
    this.checked = checkScript(text, { ...options, file });
    this.findings = [...this.checked.findings];
    const ast = this.checked.ast;
    const { maps, errors } = planMaps(ast, this.checked.info);
    this.maps = maps;
    const defines = new Map<string, string>();
    const includes: string[] = [];
    for (const d of ast.directives) {
      if (!d.active) continue;
      if (d.name === 'define' && d.arg && !d.params) defines.set(d.arg, d.value ?? '');
      if (d.name === 'include' && d.arg) includes.push(d.arg);
    }
    if (includes.length && options.readHeaders !== false) {
      for (const [k, v] of scanHeaders(includes).defines) if (!defines.has(k)) defines.set(k, v);
    }
    const types = this.checked.info.types;
    this.env = {
      maps: new Map(maps.map((m) => [m.name, m])),
      actions: this.actions,
      types,
      params: options.params ?? [],
      probeNames: [],
      symbols: new Map(),
      ncpus: Math.max(1, options.ncpus ?? 1),
      constant: (name) => types.scriptEnumValue(name) ?? defineValue(name, (n) => defines.get(n)) ?? types.btf?.enumValue(name),
      sourceLines: text.split('\n'),
    };
    if (this.checked.findings.every((f) => f.severity !== 'error')) this.findings.push(...errors.map(toFinding));
    this.hasErrors = this.findings.some((f) => f.severity === 'error');
  }

  get probes(): ProbeInfo[] {
    return this.checked.info.probes;
  }

  get actionList(): Action[] {
    return this.actions.list;
  }

  /** The programs for every attach point as written (wildcard tracepoints expanded). */
  compileAll(): { programs: CompiledProgram[]; findings: Finding[] } {
    const programs: CompiledProgram[] = [];
    const findings: Finding[] = [];
    if (this.hasErrors) return { programs, findings };
    this.probes.forEach((info, i) => {
      for (const ai of info.attach) {
        try {
          for (const spec of attachSpecs(ai)) programs.push(compileProgram(this.env, info, i, spec, this.file));
        } catch (e) {
          findings.push(toFinding(e instanceof CompileError ? e : internalError(e, info.probe.range)));
          return; // one finding per probe: the same construct would fail for every attach point
        }
      }
    });
    return { programs, findings };
  }

  /** Compiles probe `probeIndex` for a concrete attach point named like `kprobe:vfs_read`. */
  compileFor(probeIndex: number, concrete: string): CompiledProgram {
    const info = this.probes[probeIndex]!;
    try {
      const spec = this.concreteSpec(info, concrete);
      return compileProgram(this.env, info, probeIndex, spec, this.file);
    } catch (e) {
      throw e instanceof CompileError ? e : internalError(e, info.probe.range);
    }
  }

  /** The attach spec for a concrete name matched by one of the probe's (maybe wildcard) attach points. */
  private concreteSpec(info: ProbeInfo, concrete: string): AttachSpec {
    const [provider, ...parts] = concrete.split(':');
    const kind = probeKind(provider ?? '');
    for (const ai of info.attach) {
      if (!kind || !attachMatches(ai, concrete)) continue;
      const exact = attachSpecs(ai).find((s) => s.name === canonicalName(kind, parts));
      if (exact) return exact;
      const { target, problems } = resolveAttach(kind, parts);
      if (problems.length) continue;
      const concreteTarget = { ...target, wildcard: false };
      const tracepoints = kind.name === 'tracepoint' && target.category && target.event ? [tracepointFormat(target.category, target.event)].filter((f) => !!f) : undefined;
      const fresh = attachSpecs({ ...ai, node: { ...ai.node, parts }, target: concreteTarget, tracepoints });
      if (fresh[0]) return fresh[0];
    }
    throw new CompileError(info.probe.range, `${concrete} does not match this probe.`, 'probe.compile-internal');
  }
}

/** Whether an attach point as written matches a concrete probe name (as events name them). */
export function attachMatches(ai: AttachInfo, probe: string): boolean {
  if (!ai.kind) return false;
  const written = canonicalName(ai.kind, ai.node.parts);
  if (written === probe || globMatch(written, probe)) return true;
  const [kind, ...parts] = probe.split(':');
  if (kind !== ai.kind.name) return false;
  const t = ai.target;
  if (!t) return false;
  const last = (parts[parts.length - 1] ?? '').replace(/\+.*$/, '');
  switch (kind) {
    case 'kprobe':
    case 'kretprobe':
      return !!t.func && globMatch(t.func, last);
    case 'uprobe':
    case 'uretprobe': {
      const base = (p: string): string => p.slice(p.lastIndexOf('/') + 1);
      const bin = parts.slice(0, -1).join(':');
      return !!t.func && globMatch(t.func, last) && !!t.binary && (globMatch(t.binary, bin) || base(t.binary) === base(bin));
    }
    case 'software':
    case 'hardware':
      return t.perfEvent === parts[0];
    default:
      return false;
  }
}

/** Checks and compiles a script: one program per attach point, plus the tables the runner needs. */
export function compileScript(text: string, file?: string, options: CompileOptions = {}): CompileResult {
  const sc = new ScriptCompiler(text, file, options);
  const { programs, findings } = sc.compileAll();
  return {
    programs,
    findings: [...sc.findings, ...findings],
    maps: sc.maps,
    actions: sc.actionList,
    probeNames: sc.env.probeNames,
    symbols: sc.env.symbols,
  };
}
