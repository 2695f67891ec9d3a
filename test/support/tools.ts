// Finding the external oracles (Debian tools, the shared data) and skipping with a reason when absent.
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

export const SHARED = path.resolve(__dirname, '../../../shared');
export const CONFORMANCE_DIR = path.join(SHARED, 'conformance');

export function haveTool(name: string): boolean {
  return spawnSync('sh', ['-c', `command -v ${name}`], { encoding: 'utf8' }).status === 0;
}

/** Returns a skip reason, printed once, or undefined when the tool is present. */
export function missingTool(name: string): string | undefined {
  if (haveTool(name)) return undefined;
  const reason = `${name} is not installed (apt-get install ${name.replace(/-\d+$/, '')}-${name.match(/\d+$/)?.[0] ?? ''}); skipping its oracle tests`;
  console.warn(reason);
  return reason;
}

export function tempDir(prefix = 'ebpf-studio-'): string {
  return mkdtempSync(path.join(tmpdir(), prefix));
}

/** Assembles LLVM-syntax text with llvm-mc-19 and returns the .text bytes. */
export function llvmMcText(source: string, dir = tempDir()): Uint8Array {
  const s = path.join(dir, 'in.s');
  const o = path.join(dir, 'out.o');
  const b = path.join(dir, 'out.bin');
  writeFileSync(s, source);
  execFileSync('llvm-mc-19', ['-triple', 'bpfel', '-mcpu=v4', '-filetype=obj', s, '-o', o], { stdio: 'pipe' });
  execFileSync('llvm-objcopy-19', ['-O', 'binary', '--only-section=.text', o, b], { stdio: 'pipe' });
  return new Uint8Array(readFileSync(b));
}

export interface ConformanceCase {
  name: string;
  asm?: string;
  raw?: bigint[];
  mem?: Uint8Array;
  result?: bigint;
  error?: string;
  noRegisterOffset: boolean;
}

/** Parses a conformance `.data` file's sections. */
export function readConformance(file: string): ConformanceCase {
  const text = readFileSync(file, 'utf8');
  const sections = new Map<string, string>();
  let cur: string | undefined;
  for (const line of text.split('\n')) {
    const m = /^-- (.+)$/.exec(line);
    if (m) {
      cur = m[1].trim();
      sections.set(cur, '');
    } else if (cur) sections.set(cur, sections.get(cur)! + line + '\n');
  }
  const mem = sections.get('mem');
  const result = sections.get('result')?.trim();
  return {
    name: path.basename(file, '.data'),
    asm: sections.get('asm'),
    raw: sections.get('raw')?.split('\n').map((l) => l.trim()).filter((l) => l && !l.startsWith('#')).map((l) => BigInt(l)),
    mem: mem !== undefined ? Uint8Array.from(mem.split(/\s+/).filter(Boolean).map((h) => parseInt(h, 16))) : undefined,
    result: result ? BigInt(result.split(/\s+/)[0]) : undefined,
    error: sections.get('error')?.trim(),
    noRegisterOffset: sections.has('no register offset'),
  };
}

export function conformanceFiles(): string[] {
  if (!existsSync(CONFORMANCE_DIR)) return [];
  return execFileSync('ls', [CONFORMANCE_DIR], { encoding: 'utf8' })
    .split('\n')
    .filter((f) => f.endsWith('.data'))
    .map((f) => path.join(CONFORMANCE_DIR, f));
}
