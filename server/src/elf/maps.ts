// Maps declared by an object file: legacy `maps` (struct bpf_map_def), BTF-defined `.maps`, and
// global data sections (.data, .rodata, .bss and their dotted variants), which libbpf turns into
// one-element array maps named after the section.
import type { MapSpec, MapType } from '../core/types';
import { MAP_TYPE_NUMBER } from '../kernel/constants';
import { ByteReader } from './bytes';
import { findDatasec, readBtfMapDefs, type Btf } from './btf';
import { sectionBytes, SHF_ALLOC, SHF_EXECINSTR, SHT, type ElfFile, type SectionHeader } from './headers';
import { STT, type ElfSymbol } from './symbols';

/** A map together with where its definition (or data) lives, so relocations can find it. */
export interface MapEntry {
  spec: MapSpec;
  shndx: number;
  offset: number;
  size: number;
  /** Global data maps are addressed by value offset (lddw src=2), not as map pointers. */
  isData: boolean;
}

const MAP_TYPE_BY_NUMBER = new Map<number, MapType>(
  (Object.entries(MAP_TYPE_NUMBER) as [MapType, number][]).map(([name, n]) => [n, name]),
);

/** BPF_F_RDONLY_PROG: the program may only read the map (libbpf's flag for .rodata). */
const BPF_F_RDONLY_PROG = 0x80;
/** Perf event arrays hold fds: libbpf fills in 4-byte keys and values when they are omitted. */
const PERF_EVENT_ARRAY_DEFAULT_SIZE = 4;

const LEGACY_FIELDS = ['type', 'key_size', 'value_size', 'max_entries', 'map_flags'] as const;

export interface MapsResult {
  maps: MapEntry[];
  problems: string[];
}

function mapType(n: number, name: string, problems: string[]): MapType | undefined {
  const t = MAP_TYPE_BY_NUMBER.get(n);
  if (!t) problems.push(`map '${name}' has map type ${n}, which eBPF Studio does not support (supported: ${[...MAP_TYPE_BY_NUMBER.values()].join(', ')})`);
  return t;
}

function mapSymbols(symbols: ElfSymbol[], shndx: number): ElfSymbol[] {
  return symbols.filter((s) => s.shndx === shndx && s.type !== STT.SECTION && s.type !== STT.FILE && s.name !== '');
}

function withDefaults(spec: MapSpec): MapSpec {
  if (spec.type === 'perf_event_array') {
    if (spec.keySize === 0) spec.keySize = PERF_EVENT_ARRAY_DEFAULT_SIZE;
    if (spec.valueSize === 0) spec.valueSize = PERF_EVENT_ARRAY_DEFAULT_SIZE;
  }
  return spec;
}

function legacyMaps(elf: ElfFile, sec: SectionHeader, symbols: ElfSymbol[], out: MapsResult): void {
  const syms = mapSymbols(symbols, sec.index).sort((a, b) => a.value - b.value);
  if (syms.length === 0) return;
  // libbpf's rule: every definition in the section has the same size.
  const defSize = Math.floor(sec.size / syms.length);
  const r = new ByteReader(sectionBytes(elf, sec));
  for (const sym of syms) {
    const f: Record<string, number> = {};
    LEGACY_FIELDS.forEach((name, i) => {
      const at = sym.value + i * 4;
      f[name] = i * 4 + 4 <= defSize && at + 4 <= r.length ? r.u32(at, `map '${sym.name}'`) : 0;
    });
    const type = mapType(f.type, sym.name, out.problems);
    if (!type) continue;
    out.maps.push({
      spec: withDefaults({ name: sym.name, type, keySize: f.key_size, valueSize: f.value_size, maxEntries: f.max_entries, flags: f.map_flags }),
      shndx: sec.index,
      offset: sym.value,
      size: defSize,
      isData: false,
    });
  }
}

function btfMaps(sec: SectionHeader, symbols: ElfSymbol[], btf: Btf | undefined, out: MapsResult): void {
  const syms = mapSymbols(symbols, sec.index);
  if (!btf) {
    if (syms.length > 0) out.problems.push(`the object has a .maps section but no .BTF section to describe its ${syms.length} map(s); compile with -g`);
    return;
  }
  const datasec = findDatasec(btf, '.maps');
  if (!datasec) {
    out.problems.push('the .BTF section has no DATASEC for .maps');
    return;
  }
  const bySymbol = new Map(syms.map((s) => [s.name, s]));
  for (const def of readBtfMapDefs(btf, datasec)) {
    out.problems.push(...def.problems);
    const sym = bySymbol.get(def.name);
    if (!sym) {
      out.problems.push(`BTF describes map '${def.name}' but the symbol table has no such symbol in .maps`);
      continue;
    }
    const type = mapType(def.fields.get('type') ?? 0, def.name, out.problems);
    if (!type) continue;
    out.maps.push({
      spec: withDefaults({
        name: def.name,
        type,
        keySize: def.fields.get('key_size') ?? 0,
        valueSize: def.fields.get('value_size') ?? 0,
        maxEntries: def.fields.get('max_entries') ?? 0,
        flags: def.fields.get('map_flags') ?? 0,
      }),
      shndx: sec.index,
      offset: sym.value,
      size: sym.size,
      isData: false,
    });
  }
}

const DATA_SECTION = /^\.(data|rodata|bss)(\..+)?$/;

function dataMap(elf: ElfFile, sec: SectionHeader): MapEntry | undefined {
  const m = DATA_SECTION.exec(sec.name);
  if (!m || !(sec.flags & SHF_ALLOC) || sec.flags & SHF_EXECINSTR || sec.size === 0) return undefined;
  const spec: MapSpec = {
    name: sec.name,
    type: 'array',
    keySize: 4,
    valueSize: sec.size,
    maxEntries: 1,
    flags: m[1] === 'rodata' ? BPF_F_RDONLY_PROG : 0,
  };
  if (sec.type !== SHT.NOBITS) spec.initialValue = new Uint8Array(sectionBytes(elf, sec));
  return { spec, shndx: sec.index, offset: 0, size: sec.size, isData: true };
}

export function collectMaps(elf: ElfFile, symbols: ElfSymbol[], btf: Btf | undefined): MapsResult {
  const out: MapsResult = { maps: [], problems: [] };
  for (const sec of elf.sections) {
    if (sec.name === 'maps') legacyMaps(elf, sec, symbols, out);
    else if (sec.name === '.maps') btfMaps(sec, symbols, btf, out);
    else {
      const d = dataMap(elf, sec);
      if (d) out.maps.push(d);
    }
  }
  return out;
}

/** The map whose definition or data contains byte `offset` of section `shndx`. */
export function mapAt(maps: readonly MapEntry[], shndx: number, offset: number): MapEntry | undefined {
  return maps.find((m) => m.shndx === shndx && offset >= m.offset && offset < m.offset + Math.max(m.size, 1));
}
