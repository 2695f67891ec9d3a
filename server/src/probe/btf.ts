// A small reader for kernel BTF (/sys/kernel/btf/vmlinux): function names and prototypes, struct
// and union layouts, enum values. It indexes type offsets once, decodes names on demand, and is
// cached per file.
import { readFileSync } from 'node:fs';

const KIND = {
  INT: 1, PTR: 2, ARRAY: 3, STRUCT: 4, UNION: 5, ENUM: 6, FWD: 7, TYPEDEF: 8, VOLATILE: 9, CONST: 10, RESTRICT: 11,
  FUNC: 12, FUNC_PROTO: 13, VAR: 14, DATASEC: 15, FLOAT: 16, DECL_TAG: 17, TYPE_TAG: 18, ENUM64: 19,
} as const;

export type BtfKindName =
  | 'void' | 'int' | 'ptr' | 'array' | 'struct' | 'union' | 'enum' | 'fwd' | 'typedef' | 'volatile' | 'const' | 'restrict'
  | 'func' | 'func_proto' | 'var' | 'datasec' | 'float' | 'decl_tag' | 'type_tag' | 'enum64' | 'unknown';

const KIND_NAMES: BtfKindName[] = [
  'void', 'int', 'ptr', 'array', 'struct', 'union', 'enum', 'fwd', 'typedef', 'volatile', 'const', 'restrict',
  'func', 'func_proto', 'var', 'datasec', 'float', 'decl_tag', 'type_tag', 'enum64',
];

export interface BtfType {
  id: number;
  kind: BtfKindName;
  name: string;
  /** INT/STRUCT/UNION/ENUM/FLOAT: size in bytes. */
  size: number;
  /** PTR/TYPEDEF/CONST/VOLATILE/RESTRICT/FUNC/TYPE_TAG/VAR: the referenced type id; FUNC_PROTO: return type. */
  ref: number;
  /** INT: bits and signedness. */
  bits?: number;
  signed?: boolean;
  isChar?: boolean;
  isBool?: boolean;
  /** ARRAY */
  elem?: number;
  length?: number;
  /** STRUCT/UNION: members with bit offsets. */
  members?: { name: string; type: number; bitOffset: number; bitSize: number }[];
  /** FUNC_PROTO: parameters. */
  params?: { name: string; type: number }[];
  /** ENUM/ENUM64 */
  enumerators?: { name: string; value: bigint }[];
}

export class Btf {
  private readonly buf: Buffer;
  private readonly strOff: number;
  private readonly strLen: number;
  /** Byte offset of each type record, indexed by type id (id 0 is void). */
  private readonly offsets: number[] = [0];
  private readonly decoded = new Map<number, BtfType>();
  private byName?: Map<string, number[]>;
  private funcs?: Set<string>;
  private enumVals?: Map<string, bigint>;

  constructor(buf: Buffer) {
    if (buf.length < 24 || buf.readUInt16LE(0) !== 0xeb9f) throw new Error('not a BTF blob (bad magic)');
    const hdrLen = buf.readUInt32LE(4);
    const typeOff = buf.readUInt32LE(8);
    const typeLen = buf.readUInt32LE(12);
    this.strOff = hdrLen + buf.readUInt32LE(16);
    this.strLen = buf.readUInt32LE(20);
    this.buf = buf;
    const start = hdrLen + typeOff;
    const end = Math.min(buf.length, start + typeLen);
    let p = start;
    while (p + 12 <= end) {
      this.offsets.push(p);
      p += 12 + this.extraSize(p);
    }
  }

  get typeCount(): number {
    return this.offsets.length - 1;
  }

  private extraSize(p: number): number {
    const info = this.buf.readUInt32LE(p + 4);
    const kind = (info >>> 24) & 0x1f;
    const vlen = info & 0xffff;
    switch (kind) {
      case KIND.INT:
        return 4;
      case KIND.ARRAY:
        return 12;
      case KIND.STRUCT:
      case KIND.UNION:
        return 12 * vlen;
      case KIND.ENUM:
        return 8 * vlen;
      case KIND.FUNC_PROTO:
        return 8 * vlen;
      case KIND.VAR:
        return 4;
      case KIND.DATASEC:
        return 12 * vlen;
      case KIND.DECL_TAG:
        return 4;
      case KIND.ENUM64:
        return 12 * vlen;
      default:
        return 0;
    }
  }

  private str(off: number): string {
    if (off >= this.strLen) return '';
    const s = this.strOff + off;
    const e = this.buf.indexOf(0, s);
    return this.buf.toString('latin1', s, e < 0 ? this.strOff + this.strLen : e);
  }

  /** The decoded type with this id (0 is void). */
  type(id: number): BtfType | undefined {
    if (id === 0) return { id: 0, kind: 'void', name: 'void', size: 0, ref: 0 };
    const p = this.offsets[id];
    if (p === undefined) return undefined;
    const hit = this.decoded.get(id);
    if (hit) return hit;
    const b = this.buf;
    const info = b.readUInt32LE(p + 4);
    const kind = (info >>> 24) & 0x1f;
    const vlen = info & 0xffff;
    const kflag = (info >>> 31) === 1;
    const sizeOrType = b.readUInt32LE(p + 8);
    const t: BtfType = { id, kind: KIND_NAMES[kind] ?? 'unknown', name: this.str(b.readUInt32LE(p)), size: 0, ref: 0 };
    const x = p + 12;
    switch (kind) {
      case KIND.INT: {
        const enc = b.readUInt32LE(x);
        t.size = sizeOrType;
        t.bits = enc & 0xff;
        t.signed = ((enc >>> 24) & 1) === 1;
        t.isChar = ((enc >>> 24) & 2) === 2 || t.name === 'char';
        t.isBool = ((enc >>> 24) & 4) === 4;
        break;
      }
      case KIND.ARRAY:
        t.elem = b.readUInt32LE(x);
        t.length = b.readUInt32LE(x + 8);
        break;
      case KIND.STRUCT:
      case KIND.UNION:
        t.size = sizeOrType;
        t.members = [];
        for (let i = 0; i < vlen; i++) {
          const m = x + 12 * i;
          const off = b.readUInt32LE(m + 8);
          t.members.push({
            name: this.str(b.readUInt32LE(m)),
            type: b.readUInt32LE(m + 4),
            bitOffset: kflag ? off & 0xffffff : off,
            bitSize: kflag ? off >>> 24 : 0,
          });
        }
        break;
      case KIND.ENUM:
        t.size = sizeOrType;
        t.enumerators = [];
        for (let i = 0; i < vlen; i++) t.enumerators.push({ name: this.str(b.readUInt32LE(x + 8 * i)), value: BigInt(b.readInt32LE(x + 8 * i + 4)) });
        break;
      case KIND.ENUM64:
        t.size = sizeOrType;
        t.enumerators = [];
        for (let i = 0; i < vlen; i++) {
          const lo = BigInt(b.readUInt32LE(x + 12 * i + 4));
          const hi = BigInt(b.readUInt32LE(x + 12 * i + 8));
          t.enumerators.push({ name: this.str(b.readUInt32LE(x + 12 * i)), value: (hi << 32n) | lo });
        }
        break;
      case KIND.FUNC_PROTO:
        t.ref = sizeOrType;
        t.params = [];
        for (let i = 0; i < vlen; i++) t.params.push({ name: this.str(b.readUInt32LE(x + 8 * i)), type: b.readUInt32LE(x + 8 * i + 4) });
        break;
      case KIND.FLOAT:
        t.size = sizeOrType;
        break;
      default:
        t.ref = sizeOrType;
    }
    this.decoded.set(id, t);
    return t;
  }

  private nameIndex(): Map<string, number[]> {
    if (!this.byName) {
      const idx = new Map<string, number[]>();
      for (let id = 1; id < this.offsets.length; id++) {
        const nameOff = this.buf.readUInt32LE(this.offsets[id]!);
        if (nameOff === 0) continue;
        const name = this.str(nameOff);
        const list = idx.get(name);
        if (list) list.push(id);
        else idx.set(name, [id]);
      }
      this.byName = idx;
    }
    return this.byName;
  }

  private kindOf(id: number): number {
    return (this.buf.readUInt32LE(this.offsets[id]! + 4) >>> 24) & 0x1f;
  }

  /** Type ids with this name and kind. */
  find(name: string, kind: BtfKindName): BtfType[] {
    const k = KIND_NAMES.indexOf(kind);
    return (this.nameIndex().get(name) ?? []).filter((id) => this.kindOf(id) === k).map((id) => this.type(id)!);
  }

  /** All FUNC names (kernel functions BTF knows). */
  funcNames(): Set<string> {
    if (!this.funcs) {
      const s = new Set<string>();
      for (let id = 1; id < this.offsets.length; id++) {
        if (this.kindOf(id) === KIND.FUNC) s.add(this.str(this.buf.readUInt32LE(this.offsets[id]!)));
      }
      this.funcs = s;
    }
    return this.funcs;
  }

  hasFunc(name: string): boolean {
    return this.funcNames().has(name);
  }

  /** A function's prototype: parameter names and type ids, and the return type id. */
  funcProto(name: string): { params: { name: string; type: number }[]; ret: number } | undefined {
    const f = this.find(name, 'func')[0];
    if (!f) return undefined;
    const proto = this.type(f.ref);
    if (!proto || proto.kind !== 'func_proto') return undefined;
    return { params: proto.params ?? [], ret: proto.ref };
  }

  /** A complete struct (or union) by name; forward declarations are skipped. */
  record(name: string, union = false): BtfType | undefined {
    return this.find(name, union ? 'union' : 'struct').find((t) => (t.members?.length ?? 0) > 0 || t.size > 0);
  }

  /** A typedef's target by name. */
  typedef(name: string): BtfType | undefined {
    return this.find(name, 'typedef')[0];
  }

  /** The value of an enumerator anywhere in the kernel's enums. */
  enumValue(name: string): bigint | undefined {
    if (!this.enumVals) {
      const m = new Map<string, bigint>();
      for (let id = 1; id < this.offsets.length; id++) {
        const k = this.kindOf(id);
        if (k !== KIND.ENUM && k !== KIND.ENUM64) continue;
        for (const e of this.type(id)!.enumerators ?? []) if (!m.has(e.name)) m.set(e.name, e.value);
      }
      this.enumVals = m;
    }
    return this.enumVals.get(name);
  }

  /** Follows typedef/const/volatile/restrict/type_tag to the underlying type. */
  strip(id: number): BtfType | undefined {
    let t = this.type(id);
    for (let guard = 0; guard < 64 && t; guard++) {
      if (t.kind === 'typedef' || t.kind === 'const' || t.kind === 'volatile' || t.kind === 'restrict' || t.kind === 'type_tag') t = this.type(t.ref);
      else return t;
    }
    return t;
  }
}

export const VMLINUX_BTF = '/sys/kernel/btf/vmlinux';

const cache = new Map<string, Btf | null>();

/** The kernel's BTF, read once and cached; undefined when the file is missing or unreadable. */
export function loadBtf(path = VMLINUX_BTF): Btf | undefined {
  let hit = cache.get(path);
  if (hit === undefined) {
    try {
      hit = new Btf(readFileSync(path));
    } catch {
      hit = null;
    }
    cache.set(path, hit);
  }
  return hit ?? undefined;
}
