// Shared helpers for the verifier tests: the corpus format, assembling corpus programs, running
// the kernel (the oracle) and our verifier on the same program, and compiling C with clang-19.
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { Program } from '../../server/src/core/types';
import { assemble } from '../../server/src/asm/assembler';
import { readBpfObject } from '../../server/src/elf/index';
import { closeFd, kernelAvailable } from '../../server/src/kernel/bpf';
import { loadProgram } from '../../server/src/kernel/programMaps';
import { verify, type VerifyOptions } from '../../server/src/verifier/index';

/** This directory, also when bundled (dist/bench runs from the repository root). */
const HERE = [__dirname, path.resolve(process.cwd(), 'test/verifier')].find((d) => existsSync(path.join(d, 'corpus'))) ?? __dirname;
export const CORPUS_DIR = path.join(HERE, 'corpus');
export const C_DIR = path.join(HERE, 'c');

const SECTIONS: Record<string, string> = {
  socket: 'socket', tc: 'tc', xdp: 'xdp', kprobe: 'kprobe/do_nanosleep', tp: 'tracepoint/syscalls/sys_enter_nanosleep',
  raw: 'raw_tracepoint/sched_switch', perf: 'perf_event', cgskb: 'cgroup_skb/ingress',
};

export interface CorpusProgram {
  file: string;
  name: string;
  /** The assembly text, section directive and maps included. */
  source: string;
  /** The recorded kernel verdict: 'ACCEPT' or the last log line. */
  expect?: string;
}

/** Splits a `.progs` file into programs (see corpus/README.md). */
export function parseCorpus(file: string, text: string): CorpusProgram[] {
  const out: CorpusProgram[] = [];
  let maps = '';
  for (const part of text.split(/^=== /m).slice(1)) {
    const nl = part.indexOf('\n');
    const head = part.slice(0, nl).trim();
    const body = part.slice(nl + 1);
    if (head === 'maps') {
      maps = body;
      continue;
    }
    const [type, ...rest] = head.split(' ');
    const section = SECTIONS[type];
    if (!section) throw new Error(`${file}: unknown program type '${type}' in '=== ${head}'`);
    const expect = /^; expect: (.*)$/m.exec(body)?.[1];
    out.push({ file: path.basename(file), name: rest.join(' '), source: `${maps}\n.section ${section}\n${body}`, expect });
  }
  return out;
}

export function loadCorpus(): CorpusProgram[] {
  return readdirSync(CORPUS_DIR)
    .filter((f) => f.endsWith('.progs'))
    .sort()
    .flatMap((f) => parseCorpus(f, readFileSync(path.join(CORPUS_DIR, f), 'utf8')));
}

export function assembleOne(source: string): Program {
  const r = assemble(source, {});
  const errors = r.findings.filter((f) => f.severity === 'error');
  if (errors.length) throw new Error(`does not assemble: ${errors.map((e) => `${e.range.start.line + 1}: ${e.message}`).join('; ')}`);
  return r.programs[0];
}

/** The line a loader shows for a rejection: the last log line before the statistics. */
export function lastKernelLine(log: string): string {
  const lines = log.split('\n').filter((l) => l.trim() !== '' && !/^(processed \d+ insns|verification time|stack depth)/.test(l));
  // Some messages lack their newline, so the statistics line is glued to them; and when the
  // instruction limit hits right after a branch, the branch's log line is glued in front.
  return (lines[lines.length - 1] ?? '')
    .replace(/processed \d+ insns \(limit.*$/, '')
    .replace(/^\d+: \([0-9a-f]{2}\) .*? (?=BPF program is too large\.)/, '');
}

export interface Verdict {
  accepted: boolean;
  /** 'ACCEPT' or the last log line. */
  text: string;
}

/** Why programs that need BTF func_info (callbacks) are not loaded into the kernel here. */
export const FUNC_INFO_SKIP = 'needs BTF func_info, which these loaders cannot give';

/**
 * The program as the kernel bridge loads it: without BTF, so without func_info whatever the
 * object file carried (an object compiled with -g has it).
 */
export function withoutFuncInfo(p: Program): Program {
  const { funcInfo: _dropped, ...rest } = p;
  void _dropped;
  return rest;
}

export function kernelVerdict(p: Program): Verdict {
  const r = loadProgram(p, { logLevel: 1 });
  if (r.fd !== undefined) {
    closeFd(r.fd);
    return { accepted: true, text: 'ACCEPT' };
  }
  return { accepted: false, text: lastKernelLine(r.log) };
}

export function ourVerdict(p: Program, options: VerifyOptions = {}): Verdict {
  const v = verify(p, options);
  if (v.accepted) return { accepted: true, text: 'ACCEPT' };
  return { accepted: false, text: v.kernelText ?? '' };
}

/** Undefined when the kernel can load programs here, else the reason (printed once). */
export function kernelSkipReason(): string | undefined {
  const a = kernelAvailable();
  if (a.ok) return undefined;
  const reason = `kernel oracle unavailable: ${a.reason}`;
  console.warn(reason);
  return reason;
}

export function clangSkipReason(): string | undefined {
  const r = spawnSync('clang-19', ['--version'], { encoding: 'utf8' });
  if (!r.error && r.status === 0) return undefined;
  const reason = 'clang-19 is not installed (apt-get install clang-19); skipping the compiled-C oracle programs';
  console.warn(reason);
  return reason;
}

let cdir: string | undefined;
/** Compiles one of test/verifier/c/*.c and returns its programs. */
export function compileCProgram(name: string): Program[] {
  cdir ??= mkdtempSync(path.join(tmpdir(), 'ebpf-verifier-c-'));
  const obj = path.join(cdir, `${name}.o`);
  execFileSync('clang-19', ['-target', 'bpf', '-O2', '-g', '-I', C_DIR, '-I/usr/include/x86_64-linux-gnu', '-c', path.join(C_DIR, `${name}.c`), '-o', obj], {
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  const o = readBpfObject(new Uint8Array(readFileSync(obj)), obj);
  const errors = o.findings.filter((f) => f.severity === 'error');
  if (errors.length) throw new Error(`${name}.o: ${errors.map((e) => e.message).join('; ')}`);
  return o.programs;
}

export const cProgramNames = (): string[] =>
  readdirSync(C_DIR).filter((f) => f.endsWith('.c')).map((f) => f.slice(0, -2)).sort();
