// What every CLI command shares: argument parsing, reading inputs, printing findings, exit codes.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { formatFinding, type Finding, type Program } from '../core/types';
import { assemble, type Dialect } from '../asm/assembler';
import { decodeProgram } from '../isa/codec';

export const EXIT_OK = 0;
export const EXIT_INPUT = 1;
export const EXIT_USAGE = 2;

export interface Io {
  out: (s: string) => void;
  err: (s: string) => void;
  /** Standard input, read on demand. */
  stdin: () => string;
}

export class UsageError extends Error {}

/** A command's failure that is about the input, not the usage (exit 1). */
export class InputError extends Error {}

export function parse<T extends ParseArgsConfig['options']>(args: string[], options: T, usage: string) {
  try {
    return parseArgs({ args, options, allowPositionals: true, strict: true });
  } catch (e) {
    throw new UsageError(`${(e as Error).message}\nusage: ${usage}`);
  }
}

export function readInput(file: string): Uint8Array {
  try {
    return new Uint8Array(readFileSync(file));
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw new UsageError(`cannot read ${file}: ${code === 'ENOENT' ? 'no such file' : code === 'EISDIR' ? 'is a directory' : (e as Error).message}`);
  }
}

export function oneOf<T extends string>(value: string | undefined, allowed: readonly T[], flag: string): T | undefined {
  if (value === undefined) return undefined;
  if (!(allowed as readonly string[]).includes(value)) throw new UsageError(`${flag} must be one of ${allowed.join(', ')} (got '${value}')`);
  return value as T;
}

export function printFindings(io: Io, file: string, findings: readonly Finding[]): void {
  for (const f of findings) io.err(formatFinding(file, f) + '\n');
}

export function hasErrors(findings: readonly Finding[]): boolean {
  return findings.some((f) => f.severity === 'error');
}

export type InputKind = 'asm' | 'bin' | 'elf';

/** By content first (ELF magic), then by extension: .bin is raw slots, anything else is assembly text. */
export function inputKind(file: string, bytes: Uint8Array): InputKind {
  if (bytes.length >= 4 && bytes[0] === 0x7f && bytes[1] === 0x45 && bytes[2] === 0x4c && bytes[3] === 0x46) return 'elf';
  if (path.extname(file) === '.bin') return 'bin';
  return 'asm';
}

export interface LoadedPrograms {
  programs: Program[];
  findings: Finding[];
}

/** Raw instruction bytes as one socket_filter program (a trailing partial slot is an input error). */
export function programFromBin(file: string, bytes: Uint8Array): LoadedPrograms {
  const findings: Finding[] = [];
  if (bytes.length % 8 !== 0) {
    findings.push({
      range: { start: { line: 0, col: 0 }, end: { line: 0, col: 0 } },
      severity: 'error',
      message: `${bytes.length} bytes is not a whole number of 8-byte instructions`,
      code: 'bin.size',
    });
  }
  const insns = decodeProgram(bytes);
  return { programs: [{ name: path.basename(file), section: '.text', type: 'socket_filter', insns, maps: [], relocs: [], symbols: [], file }], findings };
}

export function programsFromAsm(file: string, bytes: Uint8Array, dialect?: Dialect): LoadedPrograms & { dialect: Dialect } {
  const text = new TextDecoder().decode(bytes);
  const r = assemble(text, { file, dialect });
  return { programs: r.programs, findings: r.findings, dialect: r.dialect };
}
