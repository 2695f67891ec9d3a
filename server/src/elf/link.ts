// Builds one Program per entry function, the way libbpf does: the entry's own instructions first,
// then every subprogram it reaches (through pseudo calls or function-pointer loads) appended after
// it, with call immediates rewritten to the new positions. Map loads become Reloc entries.
import type { Insn, MapSpec, Program, Reloc, Symbol } from '../core/types';
import type { ElfFile, SectionHeader } from './headers';
import { mapAt, type MapEntry } from './maps';
import { sectionKind } from '../core/sections';
import { PSEUDO } from '../isa/table';
import { R_BPF, STB, STT, type ElfReloc, type ElfSymbol } from './symbols';

const CALL = 0x85;
const LDDW = 0x18;
const BPF_PSEUDO_MAP_FD = 1;
const BPF_PSEUDO_CALL = 1;
const BPF_PSEUDO_FUNC = 4;

/** An executable section, decoded once and shared by every program that uses it. */
export interface CodeSection {
  sec: SectionHeader;
  insns: Insn[];
  /** FUNC symbols, by start slot. */
  funcs: ElfSymbol[];
  /** NOTYPE symbols (branch labels), by slot. */
  labels: ElfSymbol[];
  /** Relocations keyed by slot index. */
  relocs: Map<number, ElfReloc>;
}

export interface LinkContext {
  elf: ElfFile;
  symbols: ElfSymbol[];
  code: Map<number, CodeSection>;
  maps: MapEntry[];
  license?: string;
  file?: string;
}

/** One placed run of instructions: slots [start, end) of a section copied to `base`. */
interface Unit {
  shndx: number;
  start: number;
  end: number;
  base: number;
  name: string;
}

interface Builder {
  ctx: LinkContext;
  units: Unit[];
  insns: Insn[];
  relocs: Reloc[];
  maps: Map<string, MapSpec>;
  problems: string[];
  /** Unresolved lddw src=1 loads (bpftrace writes map fds it creates at run time). */
  bareMapLoads: number;
}

export interface Entry {
  code: CodeSection;
  start: number;
  end: number;
  name: string;
}

const slotOf = (byteOffset: number) => Math.floor(byteOffset / 8);

/** Slots of a function; hand-written assembly often leaves st_size 0, so it then runs to the next function. */
function funcRange(code: CodeSection, f: ElfSymbol): { start: number; end: number } {
  const start = slotOf(f.value);
  if (f.size > 0) return { start, end: Math.min(code.insns.length, slotOf(f.value + f.size)) };
  const next = code.funcs.find((g) => g.value > f.value);
  return { start, end: next ? slotOf(next.value) : code.insns.length };
}

/** The program entry points of an executable section (libbpf: its global functions). */
export function entriesOf(code: CodeSection): Entry[] {
  const globals = code.funcs.filter((f) => f.bind === STB.GLOBAL || f.bind === STB.WEAK);
  const funcs = globals.length > 0 ? globals : code.funcs;
  if (funcs.length === 0) return [{ code, start: 0, end: code.insns.length, name: code.sec.name }];
  return funcs.map((f) => ({ code, ...funcRange(code, f), name: f.name }));
}

function place(b: Builder, shndx: number, index: number): number | undefined {
  for (const u of b.units) if (u.shndx === shndx && index >= u.start && index < u.end) return u.base + index - u.start;
  const code = b.ctx.code.get(shndx);
  if (!code || index < 0 || index >= code.insns.length) return undefined;
  const f = code.funcs.map((s) => ({ s, ...funcRange(code, s) })).find((r) => index >= r.start && index < r.end);
  const unit: Unit = f
    ? { shndx, start: f.start, end: f.end, base: b.insns.length, name: f.s.name }
    : { shndx, start: 0, end: code.insns.length, base: b.insns.length, name: code.sec.name };
  b.units.push(unit);
  for (let i = unit.start; i < unit.end; i++) b.insns.push({ ...code.insns[i] });
  return unit.base + index - unit.start;
}

function functionNameAt(b: Builder, shndx: number, index: number): string {
  const code = b.ctx.code.get(shndx);
  const f = code?.funcs.find((s) => slotOf(s.value) === index);
  return f?.name ?? `${code?.sec.name ?? '?'}+${index}`;
}

function setImm64(insns: Insn[], at: number, value: bigint): void {
  const v = BigInt.asUintN(64, value);
  insns[at].imm64 = v;
  insns[at].imm = Number(BigInt.asIntN(32, v));
  if (insns[at + 1]?.filler) insns[at + 1].imm = Number(BigInt.asIntN(32, v >> 32n));
}

/** A pseudo call or function-pointer load: place the target and make the immediate relative. */
function linkCodeRef(b: Builder, u: Unit, k: number, placed: number, rel: ElfReloc | undefined, isCall: boolean): void {
  const insn = b.ctx.code.get(u.shndx)!.insns[k];
  let shndx = u.shndx;
  let target: number;
  if (rel) {
    const sym = b.ctx.symbols[rel.symbol];
    if (sym.shndx === 0) {
      b.problems.push(`instruction ${placed} of ${u.name} refers to extern '${sym.name}', which is not supported`);
      return;
    }
    shndx = sym.shndx;
    target = isCall ? slotOf(sym.value) + insn.imm + 1 : slotOf(sym.value + insn.imm);
  } else {
    target = k + insn.imm + 1;
  }
  const pos = place(b, shndx, target);
  if (pos === undefined) {
    b.problems.push(`instruction ${placed} of ${u.name}: ${isCall ? 'call' : 'function reference'} target is outside any code section`);
    return;
  }
  const name = functionNameAt(b, shndx, target);
  if (isCall) {
    b.insns[placed].imm = pos - (placed + 1);
    b.relocs.push({ insn: placed, kind: 'call', symbol: name });
  } else {
    b.insns[placed].src = BPF_PSEUDO_FUNC;
    setImm64(b.insns, placed, BigInt(pos - (placed + 1)));
    b.relocs.push({ insn: placed, kind: 'func', symbol: name });
  }
}

function linkDataRef(b: Builder, u: Unit, k: number, placed: number, rel: ElfReloc): void {
  const insn = b.ctx.code.get(u.shndx)!.insns[k];
  const sym = b.ctx.symbols[rel.symbol];
  if (rel.type !== R_BPF.R_64_64) {
    b.problems.push(`instruction ${placed} of ${u.name}: unexpected relocation type ${rel.type} on a 64-bit load of '${sym.name}'`);
    return;
  }
  if (sym.shndx === 0) {
    b.problems.push(`instruction ${placed} of ${u.name} loads the address of extern '${sym.name}', which is not supported`);
    return;
  }
  if (b.ctx.code.has(sym.shndx)) {
    linkCodeRef(b, u, k, placed, rel, false);
    return;
  }
  const offset = sym.value + insn.imm;
  const map = mapAt(b.ctx.maps, sym.shndx, offset);
  if (!map) {
    const secName = b.ctx.elf.sections[sym.shndx]?.name ?? `#${sym.shndx}`;
    b.problems.push(`instruction ${placed} of ${u.name} loads '${sym.name}' from section ${secName}, which holds no map or global data`);
    return;
  }
  b.maps.set(map.spec.name, map.spec);
  if (map.isData) {
    setImm64(b.insns, placed, BigInt(offset - map.offset));
    b.relocs.push({ insn: placed, kind: 'map_value', symbol: map.spec.name });
  } else {
    b.relocs.push({ insn: placed, kind: 'map', symbol: map.spec.name });
  }
}

function linkUnit(b: Builder, u: Unit): void {
  const code = b.ctx.code.get(u.shndx)!;
  for (let k = u.start; k < u.end; k++) {
    const insn = code.insns[k];
    if (insn.filler) continue;
    const placed = u.base + k - u.start;
    const rel = code.relocs.get(k);
    if (insn.opcode === CALL && insn.src === BPF_PSEUDO_CALL) linkCodeRef(b, u, k, placed, rel, true);
    else if (insn.opcode === CALL && rel) {
      b.problems.push(`instruction ${placed} of ${u.name} calls '${b.ctx.symbols[rel.symbol].name}' (a kfunc or extern), which is not supported`);
    } else if (insn.opcode === LDDW && rel) linkDataRef(b, u, k, placed, rel);
    else if (insn.opcode === LDDW && insn.src === BPF_PSEUDO_MAP_FD) b.bareMapLoads++;
  }
}

function symbolsOf(b: Builder): Symbol[] {
  const out: Symbol[] = [];
  for (const u of b.units) {
    out.push({ name: u.name, insn: u.base, kind: 'function' });
    for (const l of b.ctx.code.get(u.shndx)!.labels) {
      const at = slotOf(l.value);
      if (at >= u.start && at < u.end) out.push({ name: l.name, insn: u.base + at - u.start, kind: 'label' });
    }
  }
  return out.sort((x, y) => x.insn - y.insn);
}

/**
 * Writes map loads as the assembler does (and as a loader would before patching fds): src =
 * BPF_PSEUDO_MAP_FD or BPF_PSEUDO_MAP_VALUE, imm = the map's index in the program's map list,
 * so every consumer reads one representation whatever the program came from.
 */
function markMapLoads(insns: Insn[], relocs: readonly Reloc[], maps: readonly MapSpec[]): void {
  for (const r of relocs) {
    if (r.kind !== 'map' && r.kind !== 'map_value') continue;
    const index = maps.findIndex((m) => m.name === r.symbol);
    const insn = insns[r.insn];
    const next = insns[r.insn + 1];
    if (!next) continue;
    // A global-data load carries its offset into the value in the second half, as BPF_PSEUDO_MAP_VALUE wants.
    next.imm = r.kind === 'map' ? 0 : insn.imm;
    insn.src = r.kind === 'map' ? PSEUDO.MAP_FD : PSEUDO.MAP_VALUE;
    insn.imm = index;
    insn.imm64 = (BigInt(next.imm >>> 0) << 32n) | BigInt(index >>> 0);
  }
}

/** Links one entry; `problems` collects what could not be resolved (the program is still returned). */
export function linkProgram(ctx: LinkContext, entry: Entry, programName: string): { program: Program; problems: string[] } {
  const b: Builder = { ctx, units: [], insns: [], relocs: [], maps: new Map(), problems: [], bareMapLoads: 0 };
  const main: Unit = { shndx: entry.code.sec.index, start: entry.start, end: entry.end, base: 0, name: entry.name };
  b.units.push(main);
  for (let i = entry.start; i < entry.end; i++) b.insns.push({ ...entry.code.insns[i] });
  // Units are appended while we walk; each is placed once, so this ends after at most one pass per function.
  for (let i = 0; i < b.units.length; i++) linkUnit(b, b.units[i]);
  if (b.bareMapLoads > 0) {
    b.problems.push(
      `${programName} has ${b.bareMapLoads} map load(s) with a map fd already in the instruction and no relocation (bpftrace creates those maps at run time); their maps are unknown`,
    );
  }
  const maps = [...b.maps.values()];
  markMapLoads(b.insns, b.relocs, maps);
  const kind = sectionKind(entry.code.sec.name);
  const program: Program = {
    name: programName,
    section: entry.code.sec.name,
    type: kind.type,
    insns: b.insns,
    maps,
    relocs: b.relocs.sort((x, y) => x.insn - y.insn),
    symbols: symbolsOf(b),
  };
  if (kind.attachTo !== undefined) program.attachTo = kind.attachTo;
  if (ctx.license !== undefined) program.license = ctx.license;
  if (ctx.file !== undefined) program.file = ctx.file;
  return { program, problems: b.problems };
}

/** Groups FUNC and NOTYPE symbols and relocations by executable section. */
export function buildCodeSections(
  execSections: SectionHeader[],
  decoded: Map<number, Insn[]>,
  symbols: ElfSymbol[],
  relocs: Map<number, ElfReloc[]>,
): Map<number, CodeSection> {
  const out = new Map<number, CodeSection>();
  for (const sec of execSections) {
    const mine = symbols.filter((s) => s.shndx === sec.index && s.name !== '');
    const relocMap = new Map<number, ElfReloc>();
    for (const r of relocs.get(sec.index) ?? []) relocMap.set(slotOf(r.offset), r);
    out.set(sec.index, {
      sec,
      insns: decoded.get(sec.index) ?? [],
      funcs: mine.filter((s) => s.type === STT.FUNC).sort((a, b) => a.value - b.value),
      labels: mine.filter((s) => s.type === STT.NOTYPE).sort((a, b) => a.value - b.value),
      relocs: relocMap,
    });
  }
  return out;
}
