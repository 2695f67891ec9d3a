// The symbol table and the REL sections that point into it.
import { ByteReader, cstring, ElfError } from './bytes';
import { sectionBytes, SHT, type ElfFile, type SectionHeader } from './headers';

export const STT = { NOTYPE: 0, OBJECT: 1, FUNC: 2, SECTION: 3, FILE: 4 } as const;
export const STB = { LOCAL: 0, GLOBAL: 1, WEAK: 2 } as const;

const SYM_SIZE = 24;
const REL_SIZE = 16;

export interface ElfSymbol {
  index: number;
  name: string;
  value: number;
  size: number;
  type: number;
  bind: number;
  /** Section index (0 = undefined/extern, >= 0xff00 = special). */
  shndx: number;
}

export const R_BPF = { NONE: 0, R_64_64: 1, ABS64: 2, ABS32: 3, NODYLD32: 4, R_64_32: 10 } as const;

export interface ElfReloc {
  /** Byte offset inside the section the relocations apply to. */
  offset: number;
  type: number;
  symbol: number;
}

export function findSymtab(elf: ElfFile): SectionHeader | undefined {
  return elf.sections.find((s) => s.type === SHT.SYMTAB);
}

export function readSymbols(elf: ElfFile): ElfSymbol[] {
  const symtab = findSymtab(elf);
  if (!symtab) return [];
  if (symtab.link >= elf.sections.length) {
    throw new ElfError('elf.bad-section', `symbol table's string table index ${symtab.link} names no section`);
  }
  const strings = sectionBytes(elf, elf.sections[symtab.link]);
  const r = new ByteReader(sectionBytes(elf, symtab));
  const count = Math.floor(r.length / SYM_SIZE);
  const out: ElfSymbol[] = [];
  for (let i = 0; i < count; i++) {
    const at = i * SYM_SIZE;
    const what = `symbol ${i}`;
    const info = r.u8(at + 4, what);
    let name = cstring(strings, r.u32(at, what));
    const shndx = r.u16(at + 6, what);
    const type = info & 0xf;
    // Section symbols are nameless in the table; give them their section's name.
    if (type === STT.SECTION && name === '' && shndx < elf.sections.length) name = elf.sections[shndx].name;
    out.push({ index: i, name, type, bind: info >> 4, shndx, value: r.u64(at + 8, what), size: r.u64(at + 16, what) });
  }
  return out;
}

/** REL sections by the index of the section they patch. RELA is not produced for BPF and is reported. */
export function readRelocations(elf: ElfFile, symbolCount: number): { byTarget: Map<number, ElfReloc[]>; problems: string[] } {
  const byTarget = new Map<number, ElfReloc[]>();
  const problems: string[] = [];
  for (const s of elf.sections) {
    if (s.type === SHT.RELA) {
      problems.push(`section ${s.name} holds RELA relocations, which BPF objects do not use; ignored`);
      continue;
    }
    if (s.type !== SHT.REL) continue;
    if (s.info >= elf.sections.length) {
      problems.push(`relocation section ${s.name} applies to section ${s.info}, which does not exist; ignored`);
      continue;
    }
    const r = new ByteReader(sectionBytes(elf, s));
    const list: ElfReloc[] = [];
    for (let at = 0; at + REL_SIZE <= r.length; at += REL_SIZE) {
      const what = `relocation in ${s.name}`;
      const offset = r.u64(at, what);
      const info = r.u32(at + 8, what);
      const symbol = r.u32(at + 12, what);
      if (symbol >= symbolCount) {
        problems.push(`relocation at ${s.name}+${offset} names symbol ${symbol}, past the symbol table's ${symbolCount} entries; ignored`);
        continue;
      }
      list.push({ offset, type: info, symbol });
    }
    byTarget.set(s.info, (byTarget.get(s.info) ?? []).concat(list));
  }
  return { byTarget, problems };
}
