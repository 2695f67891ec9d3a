// The custom ebpf/* requests (see protocol.ts): run, verifier log, compiled eBPF, disassembly.
// Each works on an open document or, failing that, on the file the URI names.
import { readFileSync, statSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { Program } from '../core/types';
import { formatFinding } from '../core/types';
import { disassembleInsns } from '../asm/disasm';
import { readBpfObject } from '../elf';
import { compileScript } from '../probe/compile';
import { analyzeDocument, type AnalysisHooks, type DocumentAnalysis } from '../editor/analysis';
import { languageOf, type EditorSettings } from '../editor/types';
import type { AsmDialect, RunParams, RunResult } from '../protocol';
import { runProbeScript } from './probe-run';
import { failedRun, runPrograms } from './run';

export interface SourceLoader {
  /** The analysis of an open document. */
  analysis(uri: string): DocumentAnalysis | undefined;
  settings(uri: string): EditorSettings;
  hooks: AnalysisHooks;
  /** The text of an open document, if it is open. */
  text?(uri: string): string | undefined;
}

/** Objects larger than this are not read (a BPF object is kilobytes; this is a guard, not a limit anyone meets). */
const MAX_FILE_BYTES = 64 * 1024 * 1024;

function filePath(uri: string): string {
  if (uri.startsWith('file:')) return fileURLToPath(uri);
  if (uri.includes(':') && !uri.startsWith('/')) throw new Error(`cannot read ${uri}: open it in the editor first`);
  return uri;
}

function readBytes(path: string): Buffer {
  const st = statSync(path);
  if (!st.isFile()) throw new Error(`${path} is not a file`);
  if (st.size > MAX_FILE_BYTES) throw new Error(`${path} is too large (${st.size} bytes)`);
  return readFileSync(path);
}

/** The analysis of an open document, or of the file on disk. */
function analysisFor(loader: SourceLoader, uri: string): DocumentAnalysis {
  const open = loader.analysis(uri);
  if (open) return open;
  const path = filePath(uri);
  return analyzeDocument(readBytes(path).toString('utf8'), languageOf(undefined, uri), loader.settings(uri), loader.hooks, path);
}

function message(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}

/** ebpf/run: an assembly document, an object file (.o) or (once the probe compiler lands) a script. */
export function runDocument(loader: SourceLoader, params: RunParams): RunResult {
  const settings = loader.settings(params.uri);
  if (/\.o$/i.test(params.uri)) {
    let bytes: Buffer;
    try {
      bytes = readBytes(filePath(params.uri));
    } catch (e) {
      return failedRun(message(e));
    }
    const obj = readBpfObject(new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength), params.uri);
    const fatal = obj.findings.find((f) => f.severity === 'error');
    if (fatal) return failedRun(`cannot read the object file: ${fatal.message}`);
    return runPrograms(obj.programs, params, settings);
  }
  let a: DocumentAnalysis;
  try {
    a = analysisFor(loader, params.uri);
  } catch (e) {
    return failedRun(message(e));
  }
  if (a.language === 'bpftrace') {
    let events: { text: string; name: string } | undefined;
    if (params.events) {
      try {
        const name = params.events.startsWith('file:') ? fileURLToPath(params.events) : params.events;
        events = { text: loader.text?.(params.events) ?? readBytes(filePath(params.events)).toString('utf8'), name };
      } catch (e) {
        return failedRun(`cannot read the events file: ${message(e)}`);
      }
    }
    return runProbeScript({ text: a.probe!.text, file: uriToFile(params.uri), events, budget: params.budget, settings });
  }
  const err = a.findings.find((f) => f.severity === 'error' && !f.code?.startsWith('verifier'));
  if (err) return failedRun(`the program does not assemble: line ${err.range.start.line + 1}: ${err.message}`, { line: err.range.start.line, col: err.range.start.col });
  const programs = a.asm!.result.programs;
  const types = (program: Program, slot: number) => a.checks[programs.indexOf(program)]?.states?.before(slot);
  return runPrograms(programs, params, settings, types);
}

export function verifierLogText(loader: SourceLoader, uri: string): string {
  let a: DocumentAnalysis;
  try {
    a = analysisFor(loader, uri);
  } catch (e) {
    return `; ${e instanceof Error ? e.message : String(e)}\n`;
  }
  const errors = a.findings.filter((f) => f.severity === 'error' && !f.code?.startsWith('verifier'));
  if (errors.length && a.language === 'bpftrace') return `; the script has errors, so it was not compiled or verified:\n${errors.map((f) => '; ' + formatFinding('script', f)).join('\n')}\n`;
  if (errors.length) return `; the program does not assemble, so it was not verified:\n${errors.map((f) => '; ' + formatFinding(a.asm?.result.programs[0]?.file ?? 'input', f)).join('\n')}\n`;
  if (a.checks.length === 0) return '; the file has no program to verify\n';
  return a.checks.map((c) => `; program ${c.name}: ${c.accepted ? 'accepted' : 'rejected'}${c.stats ? ` (${c.stats})` : ''}\n${c.log?.() ?? ''}`).join('\n');
}

export function compiledText(loader: SourceLoader, uri: string): string {
  let a: DocumentAnalysis;
  try {
    a = analysisFor(loader, uri);
  } catch (e) {
    return `; ${message(e)}\n`;
  }
  if (a.language !== 'bpftrace') return '; Show Compiled eBPF works on bpftrace scripts (.bt)\n';
  const errors = a.findings.filter((f) => f.severity === 'error');
  if (errors.length) return `; the script has errors, so it was not compiled:\n${errors.map((f) => '; ' + formatFinding('script', f)).join('\n')}\n`;
  let compiled: ReturnType<typeof compileScript>;
  try {
    compiled = compileScript(a.probe!.text, uriToFile(uri), { ncpus: loader.settings(uri).cpus });
  } catch (e) {
    return `; the compiler failed: ${message(e)}\n`;
  }
  const problems = compiled.findings.filter((f) => f.severity === 'error');
  if (problems.length) return `; the script could not be compiled:\n${problems.map((f) => '; ' + formatFinding('script', f)).join('\n')}\n`;
  if (compiled.programs.length === 0) return '; the script has no probes to compile\n';
  return compiled.programs.map((p) => p.asmText.replace(/\n*$/, '\n')).join('\n');
}

function uriToFile(uri: string): string | undefined {
  try {
    return uri.startsWith('file:') ? fileURLToPath(uri) : undefined;
  } catch {
    return undefined;
  }
}

function programText(p: Program, dialect: AsmDialect): string[] {
  const lines = [`.section ${p.section}`, ...(p.funcInfo ? ['.func_info'] : [])];
  const body = disassembleInsns(p.insns, { dialect: dialect === 'mnemonic' ? 'mnemonic' : 'llvm', labels: true, symbols: p.symbols, relocs: p.relocs, maps: p.maps });
  for (const l of body) lines.push(l.slot < 0 ? l.text : `    ${l.text}`);
  return lines;
}

/** An object file as one re-assemblable document: its findings as comments, its maps once, then each program. */
export function disassembleText(path: string, dialect: AsmDialect): string {
  let bytes: Buffer;
  try {
    bytes = readBytes(path);
  } catch (e) {
    return `; cannot read ${path}: ${e instanceof Error ? e.message : String(e)}\n`;
  }
  const obj = readBpfObject(new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength), path);
  const out: string[] = [`; disassembly of ${path}`];
  for (const f of obj.findings) out.push(`; ${f.severity}: ${f.message}`);
  if (obj.license !== undefined) out.push(`.license "${obj.license.replace(/["\\]/g, '\\$&')}"`);
  for (const m of obj.maps) {
    out.push(`.map ${m.name} ${m.type} key=${m.keySize} value=${m.valueSize} entries=${m.maxEntries}${m.flags ? ` flags=${m.flags}` : ''}`);
  }
  for (const p of obj.programs) {
    out.push('');
    out.push(...programText(p, dialect));
  }
  return out.join('\n') + '\n';
}
