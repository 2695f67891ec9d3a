import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { binarySymbols, ElfError, readBinarySymbols, resolveBinary } from '../../server/src/probe/binsyms';
import { checkScript } from '../../server/src/probe/checker';

/** A minimal ELF64 LE file with a .symtab (two functions, one object, one undefined) and a .note.stapsdt. */
function buildElf(): Buffer {
  const shstr = Buffer.from('\0.shstrtab\0.strtab\0.symtab\0.note.stapsdt\0');
  const strtab = Buffer.from('\0main\0helper@@V1\0counter\0undef_fn\0');
  const sym = (name: number, type: number, shndx: number): Buffer => {
    const b = Buffer.alloc(24);
    b.writeUInt32LE(name, 0);
    b[4] = (1 << 4) | type; // GLOBAL
    b.writeUInt16LE(shndx, 6);
    return b;
  };
  const symtab = Buffer.concat([Buffer.alloc(24), sym(1, 2, 1), sym(6, 2, 1), sym(17, 1, 1), sym(25, 2, 0)]);
  const note = (provider: string, name: string): Buffer => {
    const desc = Buffer.concat([Buffer.alloc(24), Buffer.from(`${provider}\0${name}\0-4@%edi\0`)]);
    const pad = (b: Buffer): Buffer => Buffer.concat([b, Buffer.alloc((4 - (b.length % 4)) % 4)]);
    const hdr = Buffer.alloc(12);
    hdr.writeUInt32LE(8, 0);
    hdr.writeUInt32LE(desc.length, 4);
    hdr.writeUInt32LE(3, 8);
    return Buffer.concat([hdr, pad(Buffer.from('stapsdt\0')), pad(desc)]);
  };
  const notes = Buffer.concat([note('myapp', 'start'), note('myapp', 'stop')]);
  const body = [shstr, strtab, symtab, notes];
  let off = 64;
  const offsets = body.map((b) => {
    const o = off;
    off += b.length;
    return o;
  });
  const shoff = off;
  const sh = (name: number, type: number, o: number, size: number, link = 0, entsize = 0): Buffer => {
    const b = Buffer.alloc(64);
    b.writeUInt32LE(name, 0);
    b.writeUInt32LE(type, 4);
    b.writeBigUInt64LE(BigInt(o), 0x18);
    b.writeBigUInt64LE(BigInt(size), 0x20);
    b.writeUInt32LE(link, 0x28);
    b.writeBigUInt64LE(BigInt(entsize), 0x38);
    return b;
  };
  const shdrs = Buffer.concat([
    Buffer.alloc(64),
    sh(1, 3, offsets[0]!, shstr.length),
    sh(11, 3, offsets[1]!, strtab.length),
    sh(19, 2, offsets[2]!, symtab.length, 2, 24),
    sh(27, 7, offsets[3]!, notes.length),
  ]);
  const eh = Buffer.alloc(64);
  eh.writeUInt32BE(0x7f454c46, 0);
  eh[4] = 2;
  eh[5] = 1;
  eh[6] = 1;
  eh.writeBigUInt64LE(BigInt(shoff), 0x28);
  eh.writeUInt16LE(64, 0x3a);
  eh.writeUInt16LE(5, 0x3c);
  eh.writeUInt16LE(1, 0x3e);
  return Buffer.concat([eh, ...body, shdrs]);
}

describe('ELF symbol and USDT reader', () => {
  it('lists defined functions (versions stripped) and USDT probes', () => {
    const s = readBinarySymbols(buildElf(), 'x');
    expect([...s.functions].sort()).toEqual(['helper', 'main']);
    expect(s.hasSymtab).toBe(true);
    expect(s.usdt).toEqual([{ provider: 'myapp', name: 'start' }, { provider: 'myapp', name: 'stop' }]);
  });

  it('rejects files that are not ELF64 little-endian', () => {
    expect(() => readBinarySymbols(Buffer.from('#!/bin/sh\necho hi\n'.padEnd(80)), 'script')).toThrow(ElfError);
    const be = buildElf();
    be[5] = 2;
    expect(() => readBinarySymbols(be, 'be')).toThrow(/64-bit little-endian/);
  });

  it('survives truncation at every length without throwing anything but ElfError', () => {
    const full = buildElf();
    for (let n = 0; n < full.length; n += 7) {
      try {
        readBinarySymbols(full.subarray(0, n), 't');
      } catch (e) {
        expect(e).toBeInstanceOf(ElfError);
      }
    }
  });

  it('feeds the checker: missing function, missing USDT probe, missing binary', () => {
    const dir = mkdtempSync(join(tmpdir(), 'bt-elf-'));
    const bin = join(dir, 'app');
    writeFileSync(bin, buildElf());
    expect(binarySymbols(bin).functions.has('main')).toBe(true);
    const opts = { btf: null, useTracefs: false, readHeaders: false };
    const ok = checkScript(`uprobe:${bin}:main { @x = arg0; } uretprobe:${bin}:help* { @y = retval; } usdt:${bin}:myapp:start { @z = arg0; } usdt:${bin}:stop { }`, opts);
    expect(ok.findings).toEqual([]);
    const bad = checkScript(`uprobe:${bin}:mian { }\nusdt:${bin}:myapp:finish { }\nuprobe:${dir}/nothing:main { }`, opts);
    expect(bad.findings.map((f) => [f.severity, f.code, f.range.start.line])).toEqual([
      ['warning', 'probe.unknown-user-func', 0],
      ['warning', 'probe.unknown-usdt', 1],
      ['warning', 'probe.binary-not-found', 2],
    ]);
    expect(bad.findings[0]!.message).toMatch(/"mian" is not in the symbol table of .*Did you mean "main"\?/);
    expect(bad.findings[1]!.message).toMatch(/It has: myapp:start, myapp:stop/);
  });

  it.skipIf(!existsSync('/bin/sh'))('resolves library names and programs like bpftrace does', () => {
    const libc = resolveBinary('libc');
    if (!libc) {
      console.warn('libc not found in the usual directories; skipping that part');
    } else {
      expect(libc).toMatch(/libc\.so/);
      expect(binarySymbols(libc).functions.has('malloc')).toBe(true);
    }
    expect(resolveBinary('/no/such/file')).toBeUndefined();
  });
});
