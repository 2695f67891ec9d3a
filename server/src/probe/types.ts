// The types the checker gives expressions, maps and variables. The compiler lays values out from
// these (sizes are bytes as bpftrace stores them).

export type AggKind = 'count' | 'sum' | 'avg' | 'min' | 'max' | 'stats' | 'hist' | 'lhist' | 'tseries';

export type Type =
  | { kind: 'int'; bits: 8 | 16 | 32 | 64; signed: boolean }
  | { kind: 'bool' }
  | { kind: 'string'; size: number }
  | { kind: 'buffer'; size: number }
  | { kind: 'pointer'; to: Type }
  /** A C struct/union by name; its layout is in the checker's record table. */
  | { kind: 'record'; name: string }
  | { kind: 'array'; elem: Type; length: number }
  | { kind: 'tuple'; elems: Type[] }
  | { kind: 'stack'; user: boolean }
  /** Values resolved to text in user space when printed. */
  | { kind: 'ksym' }
  | { kind: 'usym' }
  | { kind: 'inet' }
  | { kind: 'username' }
  | { kind: 'timestamp' }
  | { kind: 'macaddr' }
  | { kind: 'cgroup_path' }
  | { kind: 'strerror' }
  | { kind: 'probe' }
  /** A map value written with an aggregation function. */
  | { kind: 'agg'; agg: AggKind; signed?: boolean }
  | { kind: 'void' }
  /** Not known (after an error, or a value the checker cannot see into); never reported again. */
  | { kind: 'unknown' };

export const INT64: Type = { kind: 'int', bits: 64, signed: true };
export const UINT64: Type = { kind: 'int', bits: 64, signed: false };
export const UINT32: Type = { kind: 'int', bits: 32, signed: false };
export const INT32: Type = { kind: 'int', bits: 32, signed: true };
export const UINT8: Type = { kind: 'int', bits: 8, signed: false };
export const BOOL: Type = { kind: 'bool' };
export const VOID: Type = { kind: 'void' };
export const UNKNOWN: Type = { kind: 'unknown' };

export function intType(bits: 8 | 16 | 32 | 64, signed: boolean): Type {
  return { kind: 'int', bits, signed };
}

export function str(size: number): Type {
  return { kind: 'string', size };
}

export function ptr(to: Type): Type {
  return { kind: 'pointer', to };
}

/** Integer-like for arithmetic and comparisons (an aggregation reads back as an integer). */
export function isIntegral(t: Type): boolean {
  return t.kind === 'int' || t.kind === 'bool' || (t.kind === 'agg' && t.agg !== 'hist' && t.agg !== 'lhist' && t.agg !== 'stats' && t.agg !== 'tseries');
}

export function isStringLike(t: Type): boolean {
  return t.kind === 'string';
}

/** "uint32", "string[16]", "struct task_struct *", "(int64, string[16])" — as messages print types. */
export function typeName(t: Type): string {
  switch (t.kind) {
    case 'int':
      return `${t.signed ? '' : 'u'}int${t.bits}`;
    case 'string':
      return `string[${t.size}]`;
    case 'buffer':
      return `buffer[${t.size}]`;
    case 'pointer':
      return `${typeName(t.to)} *`;
    case 'record':
      return t.name;
    case 'array':
      return `${typeName(t.elem)}[${t.length}]`;
    case 'tuple':
      return `(${t.elems.map(typeName).join(', ')})`;
    case 'stack':
      return t.user ? 'ustack' : 'kstack';
    case 'agg':
      return `${t.agg}()`;
    case 'ksym':
    case 'usym':
    case 'inet':
    case 'username':
    case 'timestamp':
    case 'macaddr':
    case 'cgroup_path':
    case 'strerror':
    case 'probe':
    case 'bool':
    case 'void':
      return t.kind;
    case 'unknown':
      return 'unknown';
  }
}

/** Bytes a value of this type occupies in a map or on the stack (records need the layout table). */
export function sizeOf(t: Type, recordSize: (name: string) => number | undefined = () => undefined): number {
  switch (t.kind) {
    case 'int':
      return t.bits / 8;
    case 'bool':
      return 1;
    case 'string':
    case 'buffer':
      return t.size;
    case 'pointer':
    case 'ksym':
    case 'usym':
    case 'timestamp':
    case 'probe':
    case 'username':
      return 8;
    case 'record':
      return recordSize(t.name) ?? 0;
    case 'array':
      return sizeOf(t.elem, recordSize) * t.length;
    case 'tuple':
      return t.elems.reduce((n, e) => n + sizeOf(e, recordSize), 0);
    case 'stack':
      return 8;
    case 'inet':
      return 24;
    case 'macaddr':
      return 6;
    case 'cgroup_path':
    case 'strerror':
      return 16;
    case 'agg':
      return t.agg === 'avg' || t.agg === 'stats' ? 16 : 8;
    case 'void':
    case 'unknown':
      return 0;
  }
}

/** "Kinds" for the map-consistency check: two values of the same kind may share a map. */
export function valueKind(t: Type): string {
  switch (t.kind) {
    case 'int':
    case 'bool':
      return 'integer';
    case 'agg':
      return `${t.agg}()`;
    case 'pointer':
      return 'pointer';
    case 'tuple':
      return `tuple(${t.elems.map(valueKind).join(', ')})`;
    case 'string':
      return 'string';
    case 'stack':
      return typeName(t);
    default:
      return t.kind;
  }
}

export function sameType(a: Type, b: Type): boolean {
  return typeName(a) === typeName(b);
}
