import { existsSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { Btf, loadBtf, VMLINUX_BTF } from '../../server/src/probe/btf';
import { checkScript } from '../../server/src/probe/checker';
import { typeName } from '../../server/src/probe/types';
import { show } from './helpers';

/** Builds a small BTF blob: the types a test needs, with a string table. */
function buildBtf(): Buffer {
  const strs = ['', 'int', 'task', 'pid', 'comm', 'char', 'next', 'do_work', 't', 'flags', 'mode', 'MODE_A', 'MODE_B', 'long'];
  const off = new Map<string, number>();
  let pos = 0;
  for (const s of strs) {
    off.set(s, pos);
    pos += Buffer.byteLength(s) + 1;
  }
  const strBuf = Buffer.concat(strs.map((s) => Buffer.from(s + '\0')));
  const words: number[] = [];
  const type = (name: string, kind: number, vlen: number, sizeOrType: number, extra: number[] = [], kflag = 0): void => {
    words.push(off.get(name)!, ((kflag << 31) | (kind << 24) | vlen) >>> 0, sizeOrType, ...extra);
  };
  type('int', 1, 0, 4, [(1 << 24) | 32]); // 1: int, signed, 32 bits
  type('char', 1, 0, 1, [(1 << 24) | (2 << 24) | 8]); // 2: char
  type('', 3, 0, 0, [2, 1, 16]); // 3: char[16]
  type('', 2, 0, 5); // 4: struct task *
  // 5: struct task { int pid; char comm[16]; struct task *next; unsigned flags:3 (bitfield at bit 192) }
  type('task', 4, 4, 32, [off.get('pid')!, 1, 0, off.get('comm')!, 3, 32, off.get('next')!, 4, 192, off.get('flags')!, 1, (3 << 24) | 256], 1);
  type('', 13, 2, 1, [off.get('t')!, 4, off.get('mode')!, 1]); // 6: int (struct task *t, int mode)
  type('do_work', 12, 0, 6); // 7: FUNC do_work
  type('', 6, 2, 4, [off.get('MODE_A')!, 0, off.get('MODE_B')!, 7]); // 8: enum { MODE_A = 0, MODE_B = 7 }
  const typeBuf = Buffer.alloc(words.length * 4);
  words.forEach((w, i) => typeBuf.writeUInt32LE(w >>> 0, i * 4));
  const hdr = Buffer.alloc(24);
  hdr.writeUInt16LE(0xeb9f, 0);
  hdr[2] = 1;
  hdr.writeUInt32LE(24, 4);
  hdr.writeUInt32LE(0, 8);
  hdr.writeUInt32LE(typeBuf.length, 12);
  hdr.writeUInt32LE(typeBuf.length, 16);
  hdr.writeUInt32LE(strBuf.length, 20);
  return Buffer.concat([hdr, typeBuf, strBuf]);
}

describe('BTF reader on a hand-built blob', () => {
  const btf = new Btf(buildBtf());

  it('indexes every type', () => {
    expect(btf.typeCount).toBe(8);
    expect(btf.type(1)).toMatchObject({ kind: 'int', name: 'int', size: 4, bits: 32, signed: true });
    expect(btf.type(3)).toMatchObject({ kind: 'array', elem: 2, length: 16 });
  });

  it('reads struct members with bit offsets and bitfields', () => {
    const t = btf.record('task')!;
    expect(t.size).toBe(32);
    expect(t.members).toEqual([
      { name: 'pid', type: 1, bitOffset: 0, bitSize: 0 },
      { name: 'comm', type: 3, bitOffset: 32, bitSize: 0 },
      { name: 'next', type: 4, bitOffset: 192, bitSize: 0 },
      { name: 'flags', type: 1, bitOffset: 256, bitSize: 3 },
    ]);
  });

  it('lists functions with their prototypes, and enum values', () => {
    expect([...btf.funcNames()]).toEqual(['do_work']);
    expect(btf.funcProto('do_work')).toEqual({ params: [{ name: 't', type: 4 }, { name: 'mode', type: 1 }], ret: 1 });
    expect(btf.enumValue('MODE_B')).toBe(7n);
    expect(btf.enumValue('NOPE')).toBeUndefined();
  });

  it('rejects a blob that is not BTF', () => {
    expect(() => new Btf(Buffer.from('not btf at all, really not'))).toThrow(/bad magic/);
  });

  it('drives the checker: struct layouts, fentry args, unknown functions and fields', () => {
    const opts = { btf, useTracefs: false, checkBinaries: false, readHeaders: false };
    const r = checkScript('kprobe:do_work { $t = (struct task *)arg0; @c[$t->comm] = count(); @n = $t->next->pid; @m = MODE_B; }\nfentry:do_work { @mode = args.mode; @p = args.t->pid; }', opts);
    expect(r.findings.map(show)).toEqual([]);
    const rec = r.info.types.record('struct task')!;
    expect(rec.fields.map((f) => [f.name, f.offset, typeName(f.type)])).toEqual([
      ['pid', 0, 'int32'],
      ['comm', 4, 'string[16]'],
      ['next', 24, 'struct task *'],
      ['flags', 32, 'int32'],
    ]);
    const bad = checkScript('kprobe:do_wrok { $t = (struct task *)arg0; @x = $t->pidd; $u = (struct nope *)arg0; }', opts);
    expect(bad.findings.map((f) => [f.severity, f.code])).toEqual([
      ['warning', 'probe.unknown-kernel-func'],
      ['warning', 'probe.unknown-kernel-field'],
      ['error', 'probe.unknown-type'],
    ]);
    expect(bad.findings[0]!.message).toMatch(/"do_wrok" is not in this kernel's BTF.*Did you mean "do_work"\?/);
    expect(bad.findings[1]!.message).toMatch(/struct task in this kernel's BTF has no field "pidd".*Did you mean "pid"\?/);
    expect(bad.findings[2]!.message).toMatch(/struct nope is not defined in the script nor in the kernel's BTF/);
  });
});

const haveVmlinux = existsSync(VMLINUX_BTF) && !!loadBtf();
if (!haveVmlinux) console.warn(`kernel BTF tests skipped: ${VMLINUX_BTF} is not readable here`);

describe.skipIf(!haveVmlinux)('the running kernel\'s BTF', () => {
  it('knows common functions and structs', () => {
    const btf = loadBtf()!;
    expect(btf.hasFunc('vfs_read')).toBe(true);
    const ts = btf.record('task_struct')!;
    expect(ts.members!.some((m) => m.name === 'pid')).toBe(true);
    expect(btf.funcProto('vfs_read')!.params.map((p) => p.name)).toEqual(['file', 'buf', 'count', 'pos']);
    expect(loadBtf()).toBe(btf); // cached
  });

  it('checks field chains through kernel structs', () => {
    const r = checkScript('kprobe:vfs_read { $t = (struct task_struct *)curtask; @[$t->real_parent->comm] = count(); @f = ((struct file *)arg0)->f_path.dentry->d_name.name; }\nfentry:vfs_read { @n = args.count; }', { useTracefs: false, checkBinaries: false });
    expect(r.findings.map(show)).toEqual([]);
    expect(typeName(r.info.maps.get('@')!.keys![0]!)).toBe('string[16]');
    expect(typeName(r.info.maps.get('@n')!.value!)).toMatch(/^uint64$/);
  });
});
