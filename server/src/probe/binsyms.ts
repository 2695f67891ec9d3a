// Just enough ELF for uprobe/usdt checks: function names from .symtab/.dynsym and USDT probes
// from .note.stapsdt, for ELF64 little-endian files. Also resolves a library name (`libc`) the way
// bpftrace does for uprobe:libc:malloc, by looking in the usual library directories.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { isAbsolute } from 'node:path';

export interface UsdtProbe {
  provider: string;
  name: string;
}

export interface BinarySymbols {
  path: string;
  functions: Set<string>;
  usdt: UsdtProbe[];
  /** True when the file has a .symtab (not stripped); without it only exported names are known. */
  hasSymtab: boolean;
}

const MAX_BYTES = 512 * 1024 * 1024;
const SHT_SYMTAB = 2;
const SHT_DYNSYM = 11;
const SHT_NOTE = 7;
const STT_FUNC = 2;
const STT_GNU_IFUNC = 10;

export class ElfError extends Error {}

/** Reads function symbols and USDT notes from an ELF64 little-endian image. */
export function readBinarySymbols(buf: Buffer, path = ''): BinarySymbols {
  if (buf.length < 64 || buf.readUInt32BE(0) !== 0x7f454c46) throw new ElfError(`${path || 'file'} is not an ELF file`);
  if (buf[4] !== 2 || buf[5] !== 1) throw new ElfError(`${path || 'file'} is not a 64-bit little-endian ELF file`);
  const shoff = Number(buf.readBigUInt64LE(0x28));
  const shentsize = buf.readUInt16LE(0x3a);
  const shnum = buf.readUInt16LE(0x3c);
  const shstrndx = buf.readUInt16LE(0x3e);
  if (shentsize < 64 || shoff + shnum * shentsize > buf.length) throw new ElfError(`${path || 'file'} has a truncated section table`);
  interface Sh { name: number; type: number; offset: number; size: number; link: number; entsize: number }
  const shs: Sh[] = [];
  for (let i = 0; i < shnum; i++) {
    const o = shoff + i * shentsize;
    shs.push({
      name: buf.readUInt32LE(o),
      type: buf.readUInt32LE(o + 4),
      offset: Number(buf.readBigUInt64LE(o + 0x18)),
      size: Number(buf.readBigUInt64LE(o + 0x20)),
      link: buf.readUInt32LE(o + 0x28),
      entsize: Number(buf.readBigUInt64LE(o + 0x38)),
    });
  }
  const cstr = (off: number, limit: number): string => {
    if (off >= limit) return '';
    const e = buf.indexOf(0, off);
    return buf.toString('latin1', off, e < 0 || e > limit ? limit : e);
  };
  const shstr = shs[shstrndx];
  const secName = (s: Sh): string => (shstr ? cstr(shstr.offset + s.name, Math.min(buf.length, shstr.offset + shstr.size)) : '');
  const functions = new Set<string>();
  let hasSymtab = false;
  const usdt: UsdtProbe[] = [];
  for (const s of shs) {
    if (s.offset + s.size > buf.length) continue;
    if (s.type === SHT_SYMTAB || s.type === SHT_DYNSYM) {
      if (s.type === SHT_SYMTAB) hasSymtab = true;
      const strs = shs[s.link];
      if (!strs) continue;
      const strEnd = Math.min(buf.length, strs.offset + strs.size);
      const ent = s.entsize || 24;
      for (let o = s.offset; o + 24 <= s.offset + s.size; o += ent) {
        const info = buf[o + 4]!;
        const shndx = buf.readUInt16LE(o + 6);
        const type = info & 0xf;
        if ((type !== STT_FUNC && type !== STT_GNU_IFUNC) || shndx === 0) continue;
        let name = cstr(strs.offset + buf.readUInt32LE(o), strEnd);
        const at = name.indexOf('@'); // versioned names: malloc@@GLIBC_2.2.5
        if (at > 0) name = name.slice(0, at);
        if (name) functions.add(name);
      }
    } else if (s.type === SHT_NOTE && secName(s) === '.note.stapsdt') {
      let o = s.offset;
      const end = s.offset + s.size;
      for (let guard = 0; guard < 1_000_000 && o + 12 <= end; guard++) {
        const namesz = buf.readUInt32LE(o);
        const descsz = buf.readUInt32LE(o + 4);
        const type = buf.readUInt32LE(o + 8);
        const nameStart = o + 12;
        const descStart = nameStart + ((namesz + 3) & ~3);
        const next = descStart + ((descsz + 3) & ~3);
        if (next > end || next <= o) break;
        if (type === 3 && cstr(nameStart, nameStart + namesz) === 'stapsdt' && descsz > 24) {
          const descEnd = descStart + descsz;
          const provider = cstr(descStart + 24, descEnd);
          const name = cstr(descStart + 24 + provider.length + 1, descEnd);
          usdt.push({ provider, name });
        }
        o = next;
      }
    }
  }
  return { path, functions, usdt, hasSymtab };
}

const LIB_DIRS = ['/lib/x86_64-linux-gnu', '/usr/lib/x86_64-linux-gnu', '/lib64', '/usr/lib64', '/lib', '/usr/lib', '/usr/local/lib', '/lib/aarch64-linux-gnu', '/usr/lib/aarch64-linux-gnu'];

/**
 * The file a uprobe target names: a path as is, or a library name (`libc`, `libssl.so.3`) looked
 * up in the library directories, preferring the plain `.so.N` file.
 */
export function resolveBinary(target: string): string | undefined {
  if (isAbsolute(target) || target.startsWith('./') || target.startsWith('../')) {
    try {
      return statSync(target).isFile() ? target : undefined;
    } catch {
      return undefined;
    }
  }
  const base = target.includes('.so') ? target : `${target}.so`;
  for (const dir of LIB_DIRS) {
    let names: string[];
    try {
      names = readdirSync(dir);
    } catch {
      continue;
    }
    const hits = names.filter((n) => n === base || n.startsWith(base + '.')).sort((a, b) => a.length - b.length);
    // libc.so is often a linker script; prefer a versioned ELF (libc.so.6).
    const pick = hits.find((n) => n !== base) ?? hits[0];
    if (pick) return `${dir}/${pick}`;
  }
  // A program name on PATH (uprobe:bash:readline).
  if (!target.includes('/')) {
    for (const dir of (process.env.PATH ?? '/usr/bin:/bin').split(':')) {
      try {
        if (dir && statSync(`${dir}/${target}`).isFile()) return `${dir}/${target}`;
      } catch {
        // keep looking
      }
    }
  }
  return undefined;
}

const cache = new Map<string, { mtime: number; syms: BinarySymbols | Error }>();

/** Symbols of the file at `path`, cached by modification time. Throws ElfError for a non-ELF file. */
export function binarySymbols(path: string): BinarySymbols {
  const st = statSync(path);
  const hit = cache.get(path);
  if (hit && hit.mtime === st.mtimeMs) {
    if (hit.syms instanceof Error) throw hit.syms;
    return hit.syms;
  }
  let syms: BinarySymbols | Error;
  if (st.size > MAX_BYTES) syms = new ElfError(`${path} is too large to read (${st.size} bytes)`);
  else {
    try {
      syms = readBinarySymbols(readFileSync(path), path);
    } catch (e) {
      syms = e instanceof Error ? e : new ElfError(String(e));
    }
  }
  cache.set(path, { mtime: st.mtimeMs, syms });
  if (syms instanceof Error) throw syms;
  return syms;
}
