// Named C types for the checker and compiler: struct/union layouts and typedefs from the script's
// own definitions first, then from kernel BTF, plus the synthetic records for tracepoint `args`.
import type * as A from './ast';
import type { Btf, BtfType } from './btf';
import type { Type } from './types';
import { INT64, UNKNOWN, intType, sizeOf } from './types';

export interface FieldLayout {
  name: string;
  type: Type;
  /** Byte offset from the start of the record. */
  offset: number;
  /** Bitfields: bit offset within the byte at `offset`, and width. */
  bitOffset?: number;
  bitSize?: number;
}

export interface RecordLayout {
  /** `struct task_struct`, `union u`, or a synthetic name for tracepoint args. */
  name: string;
  size: number;
  align: number;
  fields: FieldLayout[];
  source: 'script' | 'btf' | 'tracepoint' | 'fentry';
}

/** Integer type names → [bits, signed]. */
const NAMED_INTS: Record<string, [8 | 16 | 32 | 64, boolean]> = {
  int8: [8, true], int16: [16, true], int32: [32, true], int64: [64, true],
  uint8: [8, false], uint16: [16, false], uint32: [32, false], uint64: [64, false],
  int8_t: [8, true], int16_t: [16, true], int32_t: [32, true], int64_t: [64, true],
  uint8_t: [8, false], uint16_t: [16, false], uint32_t: [32, false], uint64_t: [64, false],
  u8: [8, false], u16: [16, false], u32: [32, false], u64: [64, false],
  s8: [8, true], s16: [16, true], s32: [32, true], s64: [64, true],
  __u8: [8, false], __u16: [16, false], __u32: [32, false], __u64: [64, false],
  __s8: [8, true], __s16: [16, true], __s32: [32, true], __s64: [64, true],
  __be16: [16, false], __be32: [32, false], __be64: [64, false], __le16: [16, false], __le32: [32, false], __le64: [64, false],
  size_t: [64, false], ssize_t: [64, true], pid_t: [32, true], uid_t: [32, false], gid_t: [32, false], loff_t: [64, true],
  off_t: [64, true], umode_t: [16, false], dev_t: [32, false], sector_t: [64, false], gfp_t: [32, false], bool: [8, false],
  _Bool: [8, false], char: [8, true], 'signed char': [8, true], 'unsigned char': [8, false], short: [16, true],
  'short int': [16, true], 'signed short': [16, true], 'unsigned short': [16, false], 'unsigned short int': [16, false],
  int: [32, true], 'signed int': [32, true], signed: [32, true], unsigned: [32, false], 'unsigned int': [32, false],
  long: [64, true], 'long int': [64, true], 'signed long': [64, true], 'unsigned long': [64, false], 'unsigned long int': [64, false],
  'long long': [64, true], 'long long int': [64, true], 'unsigned long long': [64, false], 'unsigned long long int': [64, false],
  'signed long long': [64, true],
};

export function namedInt(name: string): Type | undefined {
  const n = NAMED_INTS[name.replace(/\b(const|volatile)\b/g, '').replace(/\s+/g, ' ').trim()];
  return n ? intType(n[0], n[1]) : undefined;
}

function alignOf(t: Type, env: TypeEnv): number {
  switch (t.kind) {
    case 'int':
      return t.bits / 8;
    case 'record':
      return env.record(t.name)?.align ?? 8;
    case 'array':
      return alignOf(t.elem, env);
    case 'string':
    case 'bool':
      return 1;
    default:
      return Math.min(8, Math.max(1, sizeOf(t, (n) => env.record(n)?.size)));
  }
}

export interface TypeResolution {
  type: Type;
  /** Why the name could not be resolved, when it could not. */
  problem?: string;
}

export class TypeEnv {
  private readonly records = new Map<string, RecordLayout>();
  private readonly scriptDefs = new Map<string, A.CDefinition>();
  private readonly typedefs = new Map<string, A.TypeName>();
  private readonly enumerators = new Map<string, A.Expr | bigint | undefined>();
  private readonly building = new Set<string>();
  private anon = 0;
  readonly btf: Btf | undefined;

  constructor(cdefs: A.CDefinition[], btf: Btf | undefined) {
    this.btf = btf;
    const addDef = (d: A.CDefinition): void => {
      if (d.tag === 'typedef') {
        if (d.aliased) this.typedefs.set(d.name, d.aliased);
        if (d.nestedDef) addDef(d.nestedDef);
      } else if (d.tag === 'enum') {
        let next = 0n;
        for (const e of d.enumerators) {
          if (e.value && e.value.kind === 'Int') next = e.value.value;
          this.enumerators.set(e.name, next);
          next++;
        }
      } else if (d.name) {
        this.scriptDefs.set(`${d.tag} ${d.name}`, d);
      }
      for (const f of d.fields) if (f.nested) addDef(f.nested);
    };
    for (const d of cdefs) addDef(d);
  }

  /** Whether the script defines this record itself. */
  definedInScript(name: string): boolean {
    return this.scriptDefs.has(name);
  }

  /** An enumerator defined in the script. */
  scriptEnumValue(name: string): bigint | undefined {
    const v = this.enumerators.get(name);
    return typeof v === 'bigint' ? v : undefined;
  }

  register(layout: RecordLayout): void {
    this.records.set(layout.name, layout);
  }

  /** The layout of `struct x` / `union x` (script first, then BTF), or undefined. */
  record(name: string): RecordLayout | undefined {
    const hit = this.records.get(name);
    if (hit) return hit;
    if (this.building.has(name)) return undefined; // self-reference through a value member: malformed
    const def = this.scriptDefs.get(name);
    if (def) {
      this.building.add(name);
      try {
        const layout = this.layoutScript(def);
        this.records.set(name, layout);
        return layout;
      } finally {
        this.building.delete(name);
      }
    }
    const m = /^(struct|union) (.+)$/.exec(name);
    if (m && this.btf) {
      const bt = this.btf.record(m[2]!, m[1] === 'union');
      if (bt) return this.layoutBtf(bt, name);
    }
    return undefined;
  }

  private layoutScript(def: A.CDefinition): RecordLayout {
    const fields: FieldLayout[] = [];
    let offset = 0;
    let size = 0;
    let align = 1;
    let bitPos = 0; // bits used in the current bitfield storage unit
    const isUnion = def.tag === 'union';
    for (const f of def.fields) {
      let type: Type;
      if (f.nested && f.nested.fields.length + f.nested.enumerators.length > 0) {
        if (f.nested.tag === 'enum') type = intType(32, false);
        else {
          const nestedName = f.nested.name ? `${f.nested.tag} ${f.nested.name}` : `${f.nested.tag} (anonymous #${++this.anon})`;
          if (!this.records.has(nestedName)) this.records.set(nestedName, this.layoutScript({ ...f.nested, name: nestedName.replace(/^(struct|union) /, '') }));
          type = { kind: 'record', name: nestedName };
        }
        type = wrap(type, f.type);
      } else {
        type = this.resolveTypeName(f.type).type;
      }
      const fsize = sizeOf(type, (n) => this.record(n)?.size);
      const falign = alignOf(type, this);
      align = Math.max(align, falign);
      if (f.bits !== undefined) {
        const unitBits = fsize * 8 || 32;
        if (!isUnion && bitPos > 0 && bitPos + f.bits <= unitBits && offset >= fsize) {
          fields.push({ name: f.name, type, offset: offset - fsize + Math.floor(bitPos / 8), bitOffset: bitPos % 8, bitSize: f.bits });
          bitPos += f.bits;
          continue;
        }
        const at = isUnion ? 0 : Math.ceil(offset / falign) * falign;
        fields.push({ name: f.name, type, offset: at, bitOffset: 0, bitSize: f.bits });
        bitPos = f.bits;
        offset = at + fsize;
        size = Math.max(size, isUnion ? fsize : offset);
        continue;
      }
      bitPos = 0;
      const at = isUnion ? 0 : Math.ceil(offset / falign) * falign;
      if (f.name === '' && type.kind === 'record') {
        // Anonymous member: its fields are reachable directly.
        for (const sub of this.record(type.name)?.fields ?? []) fields.push({ ...sub, offset: at + sub.offset });
      } else {
        fields.push({ name: f.name, type, offset: at });
      }
      offset = at + fsize;
      size = Math.max(size, isUnion ? fsize : offset);
    }
    size = Math.ceil(size / align) * align;
    const name = `${def.tag} ${def.name}`;
    return { name, size, align, fields, source: 'script' };
  }

  private layoutBtf(bt: BtfType, name: string): RecordLayout {
    const layout: RecordLayout = { name, size: bt.size, align: 8, fields: [], source: 'btf' };
    this.records.set(name, layout); // registered first: members may point back to it
    const add = (t: BtfType, base: number, depth: number): void => {
      for (const m of t.members ?? []) {
        const byte = base + Math.floor(m.bitOffset / 8);
        if (!m.name) {
          const inner = this.btf!.strip(m.type);
          if (inner && (inner.kind === 'struct' || inner.kind === 'union') && depth < 8) add(inner, byte, depth + 1);
          continue;
        }
        const type = this.fromBtf(m.type);
        const f: FieldLayout = { name: m.name, type, offset: byte };
        if (m.bitSize) {
          f.bitOffset = m.bitOffset % 8;
          f.bitSize = m.bitSize;
        }
        layout.fields.push(f);
      }
    };
    add(bt, 0, 0);
    return layout;
  }

  /** A BTF type id as a checker type. */
  fromBtf(id: number, depth = 0): Type {
    const btf = this.btf;
    if (!btf || depth > 16) return UNKNOWN;
    const t = btf.strip(id);
    if (!t) return UNKNOWN;
    switch (t.kind) {
      case 'void':
        return { kind: 'void' };
      case 'int':
        if (t.isBool) return intType(8, false);
        return intType(([8, 16, 32, 64].includes(t.size * 8) ? t.size * 8 : 64) as 8 | 16 | 32 | 64, !!t.signed || !!t.isChar);
      case 'enum':
      case 'enum64':
        return intType(([8, 16, 32, 64].includes(t.size * 8) ? t.size * 8 : 32) as 8 | 16 | 32 | 64, false);
      case 'ptr': {
        const to = btf.strip(t.ref);
        if (!to || to.kind === 'func_proto') return { kind: 'pointer', to: { kind: 'void' } };
        return { kind: 'pointer', to: this.fromBtf(t.ref, depth + 1) };
      }
      case 'struct':
      case 'union': {
        let name = t.name ? `${t.kind} ${t.name}` : `${t.kind} (anonymous btf#${t.id})`;
        if (t.name && this.scriptDefs.has(name)) return { kind: 'record', name };
        if (!this.records.has(name)) this.layoutBtf(t, name);
        if (!t.name) name = this.records.get(name)!.name;
        return { kind: 'record', name };
      }
      case 'array': {
        const elem = btf.strip(t.elem ?? 0);
        if (elem && elem.kind === 'int' && elem.size === 1 && elem.isChar) return { kind: 'string', size: t.length ?? 0 };
        return { kind: 'array', elem: this.fromBtf(t.elem ?? 0, depth + 1), length: t.length ?? 0 };
      }
      case 'fwd':
        return { kind: 'record', name: `struct ${t.name}` };
      default:
        return UNKNOWN;
    }
  }

  /** Resolves a written type (`uint32`, `struct x *`, `unsigned long`, `u8[4]`, a typedef). */
  resolveTypeName(tn: A.TypeName): TypeResolution {
    const base = this.resolveBase(tn.base);
    let type = base.type;
    for (let i = 0; i < tn.pointerDepth; i++) type = { kind: 'pointer', to: type };
    if (tn.arrayLength !== undefined) type = arrayOf(type, tn.arrayLength, isCharName(tn.base) && tn.pointerDepth === 0);
    return base.problem ? { type, problem: base.problem } : { type };
  }

  private resolveBase(base: string, depth = 0): TypeResolution {
    const clean = base.replace(/\b(const|volatile)\b/g, '').replace(/\s+/g, ' ').trim();
    const ni = namedInt(clean);
    if (ni && !this.typedefs.has(clean)) return { type: ni };
    if (clean === 'void') return { type: { kind: 'void' } };
    if (clean === 'string') return { type: { kind: 'string', size: 64 } };
    if (clean === 'inet') return { type: { kind: 'inet' } };
    if (clean === 'buffer') return { type: { kind: 'buffer', size: 64 } };
    const tag = /^(struct|union|enum) (.+)$/.exec(clean);
    if (tag) {
      if (tag[1] === 'enum') return { type: intType(32, false) };
      const name = `${tag[1]} ${tag[2]}`;
      if (this.record(name)) return { type: { kind: 'record', name } };
      const why = this.btf ? `${name} is not defined in the script nor in the kernel's BTF` : `${name} is not defined in the script, and no kernel BTF is readable here (/sys/kernel/btf/vmlinux)`;
      return { type: { kind: 'record', name }, problem: why };
    }
    const td = this.typedefs.get(clean);
    if (td && depth < 16) {
      const inner = this.resolveBase(td.base, depth + 1);
      let type = inner.type;
      for (let i = 0; i < td.pointerDepth; i++) type = { kind: 'pointer', to: type };
      if (td.arrayLength !== undefined) type = arrayOf(type, td.arrayLength, isCharName(td.base) && td.pointerDepth === 0);
      return inner.problem ? { type, problem: inner.problem } : { type };
    }
    if (this.btf) {
      const bt = this.btf.typedef(clean);
      if (bt) return { type: this.fromBtf(bt.id) };
    }
    if (ni) return { type: ni };
    return { type: UNKNOWN, problem: `unknown type "${clean}"` };
  }

  /** A C type as tracefs formats write it (`const char *`, `char[16]`, `__data_loc char[]`), with the field's size/sign as fallback. */
  fromCString(text: string, size: number, signed: boolean): Type {
    let t = text.trim();
    if (t.startsWith('__data_loc')) {
      // Variable-length data the record points into; str() reads it.
      return { kind: 'pointer', to: intType(8, true) };
    }
    const arr = /^(.*?)\s*\[(\d*)\]$/.exec(t);
    if (arr) {
      const elemName = arr[1]!.replace(/\b(const|volatile)\b/g, '').trim();
      const n = arr[2] ? Number(arr[2]) : 0;
      if (/^(unsigned |signed )?char$/.test(elemName)) return { kind: 'string', size: n || size };
      const elem = this.resolveBase(elemName).type;
      const esz = sizeOf(elem, (x) => this.record(x)?.size) || 1;
      return { kind: 'array', elem: elem.kind === 'unknown' ? intType(8, false) : elem, length: n || Math.floor(size / esz) };
    }
    let depth = 0;
    while (t.endsWith('*')) {
      depth++;
      t = t.slice(0, -1).trim();
    }
    if (depth > 0) {
      let to = this.resolveBase(t).type;
      if (to.kind === 'unknown') to = intType(8, true);
      let type: Type = to;
      for (let i = 0; i < depth; i++) type = { kind: 'pointer', to: type };
      return type;
    }
    const r = this.resolveBase(t);
    if (r.type.kind === 'record') return r.type;
    // Scalars: trust the format's size and sign over the name.
    if ([1, 2, 4, 8].includes(size)) return intType((size * 8) as 8 | 16 | 32 | 64, signed);
    return r.type.kind === 'unknown' ? INT64 : r.type;
  }
}

const isCharName = (base: string): boolean => /^(signed |unsigned )?char$/.test(base.replace(/\b(const|volatile)\b/g, '').replace(/\s+/g, ' ').trim());

/** `char x[N]` is a string in bpftrace; other arrays stay arrays. */
function arrayOf(elem: Type, length: number, isChar: boolean): Type {
  if (isChar && length > 0) return { kind: 'string', size: length };
  return { kind: 'array', elem, length: Math.max(0, length) };
}

function wrap(type: Type, tn: A.TypeName): Type {
  let t = type;
  for (let i = 0; i < tn.pointerDepth; i++) t = { kind: 'pointer', to: t };
  if (tn.arrayLength !== undefined) t = arrayOf(t, tn.arrayLength, false);
  return t;
}
