// The ELF64 file header and section header table, validated before anything else reads the file.
import { ByteReader, cstring, ElfError } from './bytes';

export const EM_BPF = 247;

/** Machine names for the "not BPF" message; anything else is printed by number only. */
const MACHINE_NAMES: Record<number, string> = {
  3: 'i386',
  8: 'MIPS',
  20: 'PowerPC',
  21: 'PowerPC64',
  22: 's390',
  40: 'ARM',
  62: 'x86-64',
  183: 'AArch64',
  243: 'RISC-V',
  247: 'BPF',
  258: 'LoongArch',
};

export const SHT = { NULL: 0, PROGBITS: 1, SYMTAB: 2, STRTAB: 3, RELA: 4, NOBITS: 8, REL: 9 } as const;
export const SHF_WRITE = 0x1;
export const SHF_ALLOC = 0x2;
export const SHF_EXECINSTR = 0x4;

const EHDR_SIZE = 64;
const SHDR_SIZE = 64;
const ET_REL = 1;

export interface SectionHeader {
  index: number;
  name: string;
  type: number;
  flags: number;
  offset: number;
  size: number;
  link: number;
  info: number;
  entsize: number;
}

export interface ElfFile {
  reader: ByteReader;
  sections: SectionHeader[];
  /** True when e_type is not ET_REL (an object file is expected). */
  notRelocatable: boolean;
  eType: number;
}

function machineName(m: number): string {
  const name = MACHINE_NAMES[m];
  return name ? `${m} (${name})` : `${m}`;
}

const ELF_MAGIC = [0x7f, 0x45, 0x4c, 0x46];

function checkIdent(r: ByteReader): void {
  const head = r.bytes.subarray(0, 4);
  if (head.some((b, i) => b !== ELF_MAGIC[i])) {
    const got = Array.from(head, (b) => b.toString(16).padStart(2, '0')).join(' ');
    throw new ElfError('elf.bad-magic', `not an ELF file: expected magic 7f 45 4c 46 ("\\x7fELF"), found ${got}`);
  }
  if (r.length === 0) throw new ElfError('elf.truncated', 'truncated object file: the file is empty');
  const cls = r.u8(4, 'ELF class');
  const data = r.u8(5, 'ELF data encoding');
  if (data === 2) {
    // Read the machine big-endian so the message can still say what the file is for.
    const m = r.length >= 20 ? (r.bytes[18] << 8) | r.bytes[19] : -1;
    const what = m === EM_BPF ? 'a big-endian BPF object (clang -target bpfeb)' : `a big-endian ELF for machine ${machineName(m)}`;
    throw new ElfError('elf.big-endian', `${what}: only little-endian BPF objects are supported (compile with -target bpf or bpfel)`);
  }
  if (data !== 1) throw new ElfError('elf.bad-encoding', `unknown ELF data encoding ${data} (expected 1, little-endian)`);
  if (cls !== 2) {
    throw new ElfError('elf.not-64bit', `ELF class ${cls} is not ELF64 (2): BPF objects are 64-bit`);
  }
  const machine = r.u16(18, 'e_machine');
  if (machine !== EM_BPF) {
    throw new ElfError('elf.wrong-machine', `e_machine ${machineName(machine)} is not BPF (247): this object was compiled for another CPU`);
  }
}

function readSectionHeader(r: ByteReader, at: number, index: number): Omit<SectionHeader, 'name'> & { nameOff: number } {
  const what = `section header ${index}`;
  return {
    index,
    nameOff: r.u32(at, what),
    type: r.u32(at + 4, what),
    flags: r.u64(at + 8, what),
    offset: r.u64(at + 24, what),
    size: r.u64(at + 32, what),
    link: r.u32(at + 40, what),
    info: r.u32(at + 44, what),
    entsize: r.u64(at + 56, what),
  };
}

/** Parses and validates the file header and every section header (offsets inside the file). */
export function readElf(bytes: Uint8Array): ElfFile {
  const r = new ByteReader(bytes);
  if (r.length < EHDR_SIZE) {
    // Identification errors (wrong magic, machine) are more useful than "too short"; reads past the end report truncation.
    checkIdent(r);
    throw new ElfError('elf.truncated', `truncated object file: ${r.length} bytes is shorter than the 64-byte ELF64 header`);
  }
  checkIdent(r);
  const eType = r.u16(16, 'e_type');
  const shoff = r.u64(40, 'e_shoff');
  const shentsize = r.u16(58, 'e_shentsize');
  let shnum = r.u16(60, 'e_shnum');
  let shstrndx = r.u16(62, 'e_shstrndx');
  if (shoff === 0) throw new ElfError('elf.no-sections', 'the object has no section header table (e_shoff = 0)');
  if (shentsize !== SHDR_SIZE) throw new ElfError('elf.bad-header', `e_shentsize is ${shentsize}, expected ${SHDR_SIZE}`);
  // Huge section counts live in section 0 (SHN_XINDEX convention).
  if (shnum === 0) shnum = r.u64(shoff + 32, 'section header 0 (extended count)');
  if (shstrndx === 0xffff) shstrndx = r.u32(shoff + 40, 'section header 0 (extended string index)');
  r.check(shoff, shnum * SHDR_SIZE, `the section header table (${shnum} entries at offset ${shoff})`);

  const raw = Array.from({ length: shnum }, (_, i) => readSectionHeader(r, shoff + i * SHDR_SIZE, i));
  for (const s of raw) {
    if (s.type !== SHT.NOBITS && s.type !== SHT.NULL && (s.offset + s.size > r.length || s.offset < 0)) {
      throw new ElfError(
        'elf.bad-section',
        `section ${s.index} lies outside the file: offset ${s.offset} + size ${s.size} > file size ${r.length}`,
      );
    }
  }
  if (shstrndx >= raw.length) throw new ElfError('elf.bad-header', `e_shstrndx ${shstrndx} names no section (there are ${raw.length})`);
  const strtabHdr = raw[shstrndx];
  const names = r.slice(strtabHdr.offset, strtabHdr.type === SHT.NOBITS ? 0 : strtabHdr.size, 'section name table');
  const sections = raw.map(({ nameOff, ...s }) => ({ ...s, name: cstring(names, nameOff) }));
  return { reader: r, sections, notRelocatable: eType !== ET_REL, eType };
}

/** The bytes of a section (empty for NOBITS). Bounds were checked by readElf. */
export function sectionBytes(elf: ElfFile, s: SectionHeader): Uint8Array {
  if (s.type === SHT.NOBITS) return new Uint8Array(0);
  return elf.reader.slice(s.offset, s.size, `section ${s.name}`);
}
