// `ebpf-studio run`: one program through the VM, with its result, output and maps.
import { readFileSync } from 'node:fs';
import type { Program } from '../core/types';
import { runProgram, type MapDump, type RunResult, type VmOptions } from '../vm';
import { programInput } from './asm-commands';
import { EXIT_INPUT, EXIT_OK, parse, UsageError, type Io } from './common';

const USAGE =
  'ebpf-studio run FILE(.s|.o|.bin) [--section NAME] [--mem HEX|@file] [--packet HEX|@file] [--ctx JSON|@file] ' +
  '[--prog-type T] [--map-init JSON|@file] [--budget N] [--cpus N] [--seed N] [--trace] [--format text|json]';

/** `@file` reads the file; anything else is the value itself. */
function valueOrFile(v: string | undefined, flag: string): string | undefined {
  if (v === undefined || !v.startsWith('@')) return v;
  try {
    return readFileSync(v.slice(1), 'utf8');
  } catch {
    throw new UsageError(`${flag}: cannot read ${v.slice(1)}`);
  }
}

function json<T>(text: string | undefined, flag: string): T | undefined {
  if (text === undefined) return undefined;
  try {
    return JSON.parse(text) as T;
  } catch (e) {
    throw new UsageError(`${flag} is not valid JSON: ${(e as Error).message}`);
  }
}

function count(v: string | undefined, flag: string, min: number, max: number): number | undefined {
  if (v === undefined) return undefined;
  const n = Number(v);
  if (!Number.isInteger(n) || n < min || n > max) throw new UsageError(`${flag} must be a whole number from ${min} to ${max}`);
  return n;
}

export function pickProgram(programs: Program[], section: string | undefined): Program {
  if (programs.length === 0) throw new UsageError('the file holds no program');
  if (section === undefined) return programs[0];
  const p = programs.find((x) => x.section === section || x.name === section);
  if (!p) throw new UsageError(`no program in section '${section}'; the file has: ${programs.map((x) => x.section).join(', ')}`);
  return p;
}

/** Little-endian integer for up to 8 bytes, else hex bytes. */
function showBytes(bytes: number[]): string {
  if (bytes.length === 0) return '';
  if (bytes.length <= 8) {
    let v = 0n;
    for (let i = bytes.length - 1; i >= 0; i--) v = (v << 8n) | BigInt(bytes[i]);
    return v.toString();
  }
  return bytes.map((b) => b.toString(16).padStart(2, '0')).join(' ');
}

function showMap(m: MapDump): string[] {
  const head = `  ${m.name} (${m.type}, key ${m.keySize} B, value ${m.valueSize} B, ${m.entries.length}/${m.maxEntries} entries)`;
  const rows = m.entries.map((e) => {
    const value = e.values ? `[${e.values.map(showBytes).join(', ')}] per CPU` : showBytes(e.value ?? []);
    return e.key.length ? `    [${showBytes(e.key)}] = ${value}` : `    ${value}`;
  });
  return [head, ...rows];
}

export function formatRun(file: string, p: Program, r: RunResult): string {
  const lines: string[] = [`${p.section} (${p.type}), ${p.insns.length} instructions`];
  if (r.error) return [...lines, `error: ${r.error}`].join('\n') + '\n';
  if (r.fault) {
    const where = r.fault.line ? `${file}:${r.fault.line}` : `${file}`;
    lines.push(`${where}: fault at instruction ${r.fault.pc}: ${r.fault.message}`);
  } else {
    lines.push(`r0 = ${BigInt(r.r0 ?? '0').toString()} (${r.r0})${r.meaning ? ` ${r.meaning}` : ''}`);
  }
  lines.push(`instructions executed: ${r.insnCount}`);
  if (r.output.length) lines.push('output:', ...r.output.map((o) => `  ${o.text}`));
  const maps = r.maps.filter((m) => m.entries.length > 0);
  if (maps.length) lines.push('maps:', ...maps.flatMap(showMap));
  if (r.packet) lines.push(`packet after: ${r.packet.map((b) => b.toString(16).padStart(2, '0')).join(' ')}`);
  if (r.trace) {
    lines.push('trace:');
    for (const t of r.trace) {
      const regs = Object.entries(t.regs).map(([k, v]) => `${k}=${v}`).join(' ');
      const writes = t.writes.map((w) => `[${w.address}]←${w.bytes.length}B`).join(' ');
      lines.push(`  ${String(t.pc).padStart(5)}: ${regs} ${writes}`.trimEnd());
    }
  }
  return lines.join('\n') + '\n';
}

export function runCommand(args: string[], io: Io): number {
  const { values, positionals } = parse(args, {
    section: { type: 'string' },
    mem: { type: 'string' },
    packet: { type: 'string' },
    ctx: { type: 'string' },
    'prog-type': { type: 'string' },
    'map-init': { type: 'string' },
    budget: { type: 'string' },
    cpus: { type: 'string' },
    seed: { type: 'string' },
    trace: { type: 'boolean' },
    format: { type: 'string' },
  }, USAGE);
  const input = programInput('run', positionals, values, USAGE, io);
  if (typeof input === 'number') return input;
  const { file, format, progType } = input;
  const program = pickProgram(input.programs, values.section);
  const ctx = json<VmOptions['ctx']>(valueOrFile(values.ctx, '--ctx'), '--ctx') ?? {};
  const packet = valueOrFile(values.packet, '--packet');
  if (packet !== undefined) ctx.packet = packet.trim();
  const options: VmOptions = {
    mem: valueOrFile(values.mem, '--mem')?.trim(),
    ctx,
    progType,
    maps: json<VmOptions['maps']>(valueOrFile(values['map-init'], '--map-init'), '--map-init'),
    budget: count(values.budget, '--budget', 1, 1e9),
    cpus: count(values.cpus, '--cpus', 1, 1024),
    seed: count(values.seed, '--seed', 0, 2 ** 32 - 1),
    trace: values.trace,
    programs: input.programs,
  };
  const r = runProgram(program, options);
  if (format === 'json') io.out(JSON.stringify({ program: program.section, type: program.type, ...r }, null, 2) + '\n');
  else io.out(formatRun(file, program, r));
  if (r.error) return EXIT_INPUT;
  return r.fault ? EXIT_INPUT : EXIT_OK;
}
