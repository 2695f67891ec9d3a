// Just enough of BTF (the .BTF section) to read BTF-defined maps: the type table, sizes, and the
// .maps DATASEC's variables with their __uint/__type fields. Layout per the kernel's btf.rst.
import { ByteReader, cstring, ElfError } from './bytes';

export const BTF_KIND = {
  INT: 1,
  PTR: 2,
  ARRAY: 3,
  STRUCT: 4,
  UNION: 5,
  ENUM: 6,
  FWD: 7,
  TYPEDEF: 8,
  VOLATILE: 9,
  CONST: 10,
  RESTRICT: 11,
  FUNC: 12,
  FUNC_PROTO: 13,
  VAR: 14,
  DATASEC: 15,
  FLOAT: 16,
  DECL_TAG: 17,
  TYPE_TAG: 18,
  ENUM64: 19,
} as const;

/** Bytes of kind-specific data after the 12-byte common header: fixed, and per vlen entry. */
const KIND_EXTRA: Record<number, { fixed: number; perVlen: number }> = {
  [BTF_KIND.INT]: { fixed: 4, perVlen: 0 },
  [BTF_KIND.ARRAY]: { fixed: 12, perVlen: 0 },
  [BTF_KIND.STRUCT]: { fixed: 0, perVlen: 12 },
  [BTF_KIND.UNION]: { fixed: 0, perVlen: 12 },
  [BTF_KIND.ENUM]: { fixed: 0, perVlen: 8 },
  [BTF_KIND.FUNC_PROTO]: { fixed: 0, perVlen: 8 },
  [BTF_KIND.VAR]: { fixed: 4, perVlen: 0 },
  [BTF_KIND.DATASEC]: { fixed: 0, perVlen: 12 },
  [BTF_KIND.DECL_TAG]: { fixed: 4, perVlen: 0 },
  [BTF_KIND.ENUM64]: { fixed: 0, perVlen: 12 },
};

/** Kinds whose size/type field is a size rather than a type reference. */
const SIZED_KINDS = new Set<number>([BTF_KIND.INT, BTF_KIND.STRUCT, BTF_KIND.UNION, BTF_KIND.ENUM, BTF_KIND.ENUM64, BTF_KIND.FLOAT, BTF_KIND.DATASEC]);
/** Kinds that only qualify another type (size is the referenced type's). */
const ALIAS_KINDS = new Set<number>([BTF_KIND.TYPEDEF, BTF_KIND.VOLATILE, BTF_KIND.CONST, BTF_KIND.RESTRICT, BTF_KIND.TYPE_TAG, BTF_KIND.VAR]);

export interface BtfMember {
  name: string;
  type: number;
  /** STRUCT/UNION: bit offset; DATASEC: byte offset. */
  offset: number;
  /** DATASEC entries only. */
  size?: number;
}

export interface BtfType {
  id: number;
  kind: number;
  name: string;
  /** size for sized kinds, referenced type id otherwise. */
  sizeOrType: number;
  members: BtfMember[];
  /** ARRAY only. */
  array?: { type: number; nelems: number };
}

export interface Btf {
  /** Index = type id; [0] is void. */
  types: (BtfType | undefined)[];
}

const BTF_MAGIC = 0xeb9f;
/** Chains of typedef/const/ptr longer than this are treated as cycles. */
const MAX_CHAIN = 64;

export function parseBtf(bytes: Uint8Array): Btf {
  const r = new ByteReader(bytes);
  const magic = r.u16(0, 'BTF magic');
  if (magic !== BTF_MAGIC) throw new ElfError('elf.bad-btf', `.BTF has magic 0x${magic.toString(16)}, expected 0xeb9f (little-endian BTF)`);
  const hdrLen = r.u32(4, 'BTF header');
  const typeOff = r.u32(8, 'BTF header');
  const typeLen = r.u32(12, 'BTF header');
  const strOff = r.u32(16, 'BTF header');
  const strLen = r.u32(20, 'BTF header');
  const types = new ByteReader(r.slice(hdrLen + typeOff, typeLen, 'BTF type section'));
  const strings = r.slice(hdrLen + strOff, strLen, 'BTF string section');
  const out: (BtfType | undefined)[] = [undefined];
  let at = 0;
  // Each iteration consumes at least 12 bytes, so the loop ends within typeLen / 12 steps.
  while (at < types.length) {
    const what = `BTF type ${out.length}`;
    const nameOff = types.u32(at, what);
    const info = types.u32(at + 4, what);
    const sizeOrType = types.u32(at + 8, what);
    const kind = (info >>> 24) & 0x1f;
    const vlen = info & 0xffff;
    at += 12;
    const extra = KIND_EXTRA[kind] ?? { fixed: 0, perVlen: 0 };
    if (kind === 0 || kind > BTF_KIND.ENUM64) throw new ElfError('elf.bad-btf', `${what} has unknown kind ${kind}`);
    types.check(at, extra.fixed + extra.perVlen * vlen, what);
    const t: BtfType = { id: out.length, kind, name: cstring(strings, nameOff), sizeOrType, members: [] };
    if (kind === BTF_KIND.ARRAY) t.array = { type: types.u32(at, what), nelems: types.u32(at + 8, what) };
    if (kind === BTF_KIND.STRUCT || kind === BTF_KIND.UNION || kind === BTF_KIND.DATASEC) {
      for (let i = 0; i < vlen; i++) {
        const m = at + extra.fixed + i * 12;
        if (kind === BTF_KIND.DATASEC) {
          t.members.push({ name: '', type: types.u32(m, what), offset: types.u32(m + 4, what), size: types.u32(m + 8, what) });
        } else {
          t.members.push({ name: cstring(strings, types.u32(m, what)), type: types.u32(m + 4, what), offset: types.u32(m + 8, what) });
        }
      }
    }
    at += extra.fixed + extra.perVlen * vlen;
    out.push(t);
  }
  return { types: out };
}

export function btfType(btf: Btf, id: number): BtfType | undefined {
  return id > 0 && id < btf.types.length ? btf.types[id] : undefined;
}

/** Follows typedefs and qualifiers to the underlying type. */
export function skipAliases(btf: Btf, id: number): BtfType | undefined {
  let t = btfType(btf, id);
  for (let i = 0; t && ALIAS_KINDS.has(t.kind) && t.kind !== BTF_KIND.VAR && i < MAX_CHAIN; i++) t = btfType(btf, t.sizeOrType);
  return t;
}

/** Size in bytes of a type, or undefined when it has none (void, func, fwd, cycles). */
export function btfSizeOf(btf: Btf, id: number, depth = 0): number | undefined {
  const t = btfType(btf, id);
  if (!t || depth > MAX_CHAIN) return undefined;
  if (SIZED_KINDS.has(t.kind)) return t.sizeOrType;
  if (t.kind === BTF_KIND.PTR) return 8;
  if (ALIAS_KINDS.has(t.kind)) return btfSizeOf(btf, t.sizeOrType, depth + 1);
  if (t.kind === BTF_KIND.ARRAY && t.array) {
    const elem = btfSizeOf(btf, t.array.type, depth + 1);
    return elem === undefined ? undefined : elem * t.array.nelems;
  }
  return undefined;
}

export function findDatasec(btf: Btf, name: string): BtfType | undefined {
  return btf.types.find((t) => t?.kind === BTF_KIND.DATASEC && t.name === name);
}

/** The fields of a BTF map definition (`struct { __uint(type, ..); __type(key, ..); ... }`). */
export interface BtfMapDef {
  name: string;
  fields: Map<string, number>;
  problems: string[];
}

/**
 * Reads each variable of the .maps DATASEC. `__uint(f, N)` is `int (*f)[N]`: pointer to an array
 * whose nelems is N. `__type(f, T)` is `T *f`: f_size = sizeof(T) (key and value only).
 */
export function readBtfMapDefs(btf: Btf, datasec: BtfType): BtfMapDef[] {
  const defs: BtfMapDef[] = [];
  for (const entry of datasec.members) {
    const v = btfType(btf, entry.type);
    if (!v || v.kind !== BTF_KIND.VAR) continue;
    const def: BtfMapDef = { name: v.name, fields: new Map(), problems: [] };
    defs.push(def);
    const st = skipAliases(btf, v.sizeOrType);
    if (!st || st.kind !== BTF_KIND.STRUCT) {
      def.problems.push(`map '${v.name}' in .maps is not a struct`);
      continue;
    }
    for (const m of st.members) {
      const ptr = skipAliases(btf, m.type);
      if (!ptr || ptr.kind !== BTF_KIND.PTR) {
        def.problems.push(`map '${v.name}' field '${m.name}' is not declared with __uint or __type; ignored`);
        continue;
      }
      const target = skipAliases(btf, ptr.sizeOrType);
      if (m.name === 'key' || m.name === 'value') {
        const size = btfSizeOf(btf, ptr.sizeOrType);
        if (size === undefined) def.problems.push(`map '${v.name}' ${m.name} type has no size`);
        else def.fields.set(`${m.name}_size`, size);
      } else if (target?.kind === BTF_KIND.ARRAY && target.array) {
        def.fields.set(m.name, target.array.nelems);
      } else {
        def.problems.push(`map '${v.name}' field '${m.name}' is not declared with __uint; ignored`);
      }
    }
  }
  return defs;
}
