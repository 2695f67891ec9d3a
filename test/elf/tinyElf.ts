// A minimal ELF64 writer for tests: just enough to hand-build (and deliberately break) objects
// without a compiler. Layout: header, section data, section header table at the end.

export interface TinySection {
  name: string;
  type: number;
  flags?: number;
  data?: Uint8Array;
  /** NOBITS size. */
  size?: number;
  link?: number;
  info?: number;
  entsize?: number;
}

export interface TinyOptions {
  machine?: number;
  elfClass?: number;
  dataEncoding?: number;
}

export const SHT_PROGBITS = 1;
export const SHT_SYMTAB = 2;
export const SHT_STRTAB = 3;
export const SHT_REL = 9;
export const SHF_ALLOC_EXEC = 0x6;

/** Header + sections [NULL, .shstrtab, ...given]; given sections are numbered from 2. */
export function tinyElf(sections: TinySection[], opts: TinyOptions = {}): { bytes: Uint8Array; shdrOffset: (index: number) => number } {
  const names = ['', '.shstrtab', ...sections.map((s) => s.name)];
  const nameOffsets: number[] = [];
  let strtab = '';
  for (const n of names) {
    nameOffsets.push(strtab.length);
    strtab += `${n}\0`;
  }
  const all: TinySection[] = [
    { name: '', type: 0 },
    { name: '.shstrtab', type: SHT_STRTAB, data: Buffer.from(strtab, 'latin1') },
    ...sections,
  ];
  const chunks: Buffer[] = [];
  let at = 64;
  const offsets = all.map((s) => {
    const data = s.data ?? new Uint8Array(0);
    const pad = (8 - (at % 8)) % 8;
    chunks.push(Buffer.alloc(pad));
    at += pad;
    const off = at;
    chunks.push(Buffer.from(data));
    at += data.length;
    return off;
  });
  const pad = (8 - (at % 8)) % 8;
  chunks.push(Buffer.alloc(pad));
  at += pad;
  const shoff = at;
  const header = Buffer.alloc(64);
  header.set([0x7f, 0x45, 0x4c, 0x46, opts.elfClass ?? 2, opts.dataEncoding ?? 1, 1]);
  header.writeUInt16LE(1, 16); // ET_REL
  header.writeUInt16LE(opts.machine ?? 247, 18);
  header.writeUInt32LE(1, 20);
  header.writeBigUInt64LE(BigInt(shoff), 40);
  header.writeUInt16LE(64, 52);
  header.writeUInt16LE(64, 58);
  header.writeUInt16LE(all.length, 60);
  header.writeUInt16LE(1, 62);
  const shdrs = Buffer.alloc(64 * all.length);
  all.forEach((s, i) => {
    const b = i * 64;
    shdrs.writeUInt32LE(nameOffsets[i], b);
    shdrs.writeUInt32LE(s.type, b + 4);
    shdrs.writeBigUInt64LE(BigInt(s.flags ?? 0), b + 8);
    shdrs.writeBigUInt64LE(BigInt(i === 0 ? 0 : offsets[i]), b + 24);
    shdrs.writeBigUInt64LE(BigInt(s.size ?? s.data?.length ?? 0), b + 32);
    shdrs.writeUInt32LE(s.link ?? 0, b + 40);
    shdrs.writeUInt32LE(s.info ?? 0, b + 44);
    shdrs.writeBigUInt64LE(8n, b + 48);
    shdrs.writeBigUInt64LE(BigInt(s.entsize ?? 0), b + 56);
  });
  const bytes = new Uint8Array(Buffer.concat([header, ...chunks, shdrs]));
  return { bytes, shdrOffset: (index) => shoff + index * 64 };
}

/** An ELF64 symbol entry. */
export function sym(nameOff: number, info: number, shndx: number, value: number, size: number): Buffer {
  const b = Buffer.alloc(24);
  b.writeUInt32LE(nameOff, 0);
  b[4] = info;
  b.writeUInt16LE(shndx, 6);
  b.writeBigUInt64LE(BigInt(value), 8);
  b.writeBigUInt64LE(BigInt(size), 16);
  return b;
}

/** An ELF64 REL entry. */
export function rel(offset: number, symbol: number, type: number): Buffer {
  const b = Buffer.alloc(16);
  b.writeBigUInt64LE(BigInt(offset), 0);
  b.writeUInt32LE(type, 8);
  b.writeUInt32LE(symbol, 12);
  return b;
}

/** Instruction slots from [opcode, dst, src, off, imm] tuples. */
export function code(...insns: [number, number, number, number, number][]): Uint8Array {
  const b = Buffer.alloc(insns.length * 8);
  insns.forEach(([op, dst, src, off, imm], i) => {
    b[i * 8] = op;
    b[i * 8 + 1] = dst | (src << 4);
    b.writeInt16LE(off, i * 8 + 2);
    b.writeInt32LE(imm, i * 8 + 4);
  });
  return new Uint8Array(b);
}
