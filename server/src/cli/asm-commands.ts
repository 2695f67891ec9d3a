// `ebpf-studio asm` and `ebpf-studio disasm`.
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import type { Program, ProgType } from '../core/types';
import { isProgType, PROG_TYPES } from '../core/sections';
import { disassembleInsns, disassembleProgram } from '../asm/disasm';
import { encodeProgram } from '../isa/codec';
import { readBpfObject } from '../elf';
import {
  EXIT_INPUT, EXIT_OK, hasErrors, inputKind, oneOf, parse, printFindings, programFromBin, programsFromAsm, readInput,
  UsageError, type Io, type LoadedPrograms,
} from './common';

const DIALECTS = ['llvm', 'mnemonic'] as const;

/** Any input the tools take: assembly text, raw .bin slots, or an ELF object. */
export function loadPrograms(file: string, dialect?: 'llvm' | 'mnemonic'): LoadedPrograms {
  const bytes = readInput(file);
  switch (inputKind(file, bytes)) {
    case 'elf': {
      const obj = readBpfObject(bytes, file);
      return { programs: obj.programs, findings: obj.findings };
    }
    case 'bin':
      return programFromBin(file, bytes);
    case 'asm':
      return programsFromAsm(file, bytes, dialect);
  }
}

export interface ProgramInput {
  file: string;
  format: 'text' | 'json';
  progType?: ProgType;
  programs: Program[];
}

/**
 * What `run` and `verify` share: one input file, --format, --prog-type, the programs loaded from
 * it. Returns an exit code instead when the input itself has errors (printed).
 */
export function programInput(
  command: string,
  positionals: string[],
  values: { format?: string; 'prog-type'?: string },
  usage: string,
  io: Io,
): ProgramInput | number {
  if (positionals.length !== 1) throw new UsageError(`${command} takes one input file\nusage: ${usage}`);
  const file = positionals[0];
  const format = oneOf(values.format, ['text', 'json'] as const, '--format') ?? 'text';
  const progType = values['prog-type'];
  if (progType !== undefined && !isProgType(progType)) throw new UsageError(`--prog-type must be one of ${PROG_TYPES.join(', ')}`);
  const loaded = loadPrograms(file);
  printFindings(io, file, loaded.findings);
  if (hasErrors(loaded.findings)) return EXIT_INPUT;
  return { file, format, progType, programs: loaded.programs };
}

const ASM_USAGE = 'ebpf-studio asm FILE [-o out.bin] [--dialect llvm|mnemonic] [--format text|json]';

function hexListing(p: Program): string {
  const lines = disassembleInsns(p.insns, { symbols: p.symbols, relocs: p.relocs, maps: p.maps, labels: true });
  const bytes = encodeProgram(p.insns);
  const out: string[] = [];
  for (const l of lines) {
    if (l.slot < 0) {
      out.push(l.text);
      continue;
    }
    const slotBytes = Buffer.from(bytes.subarray(l.slot * 8, l.slot * 8 + (p.insns[l.slot + 1]?.filler ? 16 : 8))).toString('hex');
    const spaced = slotBytes.replace(/(..)/g, '$1 ').trim();
    out.push(`${String(l.slot).padStart(5)}: ${spaced.padEnd(47)}  ${l.text}`);
  }
  return out.join('\n');
}

export function asmCommand(args: string[], io: Io): number {
  const { values, positionals } = parse(args, {
    output: { type: 'string', short: 'o' },
    dialect: { type: 'string' },
    format: { type: 'string' },
  }, ASM_USAGE);
  if (positionals.length !== 1) throw new UsageError(`asm takes one input file\nusage: ${ASM_USAGE}`);
  const dialect = oneOf(values.dialect, DIALECTS, '--dialect');
  const format = oneOf(values.format, ['text', 'json'] as const, '--format') ?? 'text';
  const file = positionals[0];
  const r = programsFromAsm(file, readInput(file), dialect);
  if (format === 'json') {
    io.out(JSON.stringify({
      dialect: r.dialect,
      findings: r.findings,
      programs: r.programs.map((p) => ({ name: p.name, type: p.type, insns: p.insns.length, hex: Buffer.from(encodeProgram(p.insns)).toString('hex') })),
    }, null, 2) + '\n');
  } else {
    printFindings(io, file, r.findings);
  }
  if (hasErrors(r.findings)) return EXIT_INPUT;
  if (values.output) {
    const base = values.output;
    r.programs.forEach((p) => {
      const target = r.programs.length === 1 ? base : withSection(base, p.section);
      writeFileSync(target, encodeProgram(p.insns));
      if (format === 'text') io.out(`${p.section}: ${p.insns.length} instructions → ${target}\n`);
    });
  } else if (format === 'text') {
    for (const p of r.programs) io.out(`${p.section} (${p.type}), ${p.insns.length} instructions:\n${hexListing(p)}\n`);
  }
  return EXIT_OK;
}

function withSection(file: string, section: string): string {
  const ext = path.extname(file);
  const safe = section.replace(/[^A-Za-z0-9_.-]+/g, '_');
  return `${file.slice(0, file.length - ext.length)}.${safe}${ext || '.bin'}`;
}

const DISASM_USAGE = 'ebpf-studio disasm FILE(.o|.bin|.s) [--dialect llvm|mnemonic]';

export function disasmCommand(args: string[], io: Io): number {
  const { values, positionals } = parse(args, { dialect: { type: 'string' } }, DISASM_USAGE);
  if (positionals.length !== 1) throw new UsageError(`disasm takes one input file\nusage: ${DISASM_USAGE}`);
  const dialect = oneOf(values.dialect, DIALECTS, '--dialect') ?? 'llvm';
  const file = positionals[0];
  const r = loadPrograms(file);
  printFindings(io, file, r.findings);
  if (hasErrors(r.findings)) return EXIT_INPUT;
  const texts = r.programs.map((p) => disassembleProgram(p, { dialect }));
  io.out(texts.join('\n'));
  return EXIT_OK;
}
