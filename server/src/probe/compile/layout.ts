// How values are laid out in maps, printf records and on the stack. One rule everywhere: integers
// (and everything held in a register) take 8 bytes; strings and buffers take their size rounded
// up to 8; tuples are their elements one after the other. Keeping every piece 8-byte aligned
// lets the code copy with 64-bit loads and stores, which the kernel's alignment checks accept.
import type { Type } from '../types';
import { align8 } from './frame';

/** Types that live in one register (64 bits). */
export function isWord(t: Type): boolean {
  switch (t.kind) {
    case 'int':
    case 'bool':
    case 'pointer':
    case 'ksym':
    case 'usym':
    case 'probe':
    case 'username':
    case 'timestamp':
    case 'stack':
    case 'strerror':
      return true;
    case 'agg':
      return t.agg === 'count' || t.agg === 'sum' || t.agg === 'min' || t.agg === 'max' || t.agg === 'avg';
    default:
      return false;
  }
}

/** buf() values start with their length (a u64), then the bytes. */
export const BUFFER_HEADER = 8;

/** Bytes a value takes in a map, a record or a stack slot; undefined when it cannot be stored. */
export function storageSize(t: Type): number | undefined {
  if (isWord(t)) return 8;
  switch (t.kind) {
    case 'string':
      return align8(Math.max(1, t.size));
    case 'buffer':
      // A u64 length, then the bytes.
      return BUFFER_HEADER + align8(Math.max(1, t.size));
    case 'inet':
      // u64 address family, then 16 bytes of address (4 used for IPv4).
      return 24;
    case 'tuple': {
      let n = 0;
      for (const e of t.elems) {
        const s = storageSize(e);
        if (s === undefined) return undefined;
        n += s;
      }
      return n;
    }
    case 'array': {
      const e = elemSize(t.elem);
      return e === undefined ? undefined : align8(e * t.length);
    }
    default:
      return undefined;
  }
}

/** Natural size of an array element (arrays keep C layout). */
export function elemSize(t: Type): number | undefined {
  if (t.kind === 'int') return t.bits / 8;
  if (t.kind === 'pointer') return 8;
  if (t.kind === 'bool') return 1;
  return undefined;
}

/** Offsets of a tuple's elements. */
export function tupleOffsets(elems: readonly Type[]): number[] {
  const out: number[] = [];
  let at = 0;
  for (const e of elems) {
    out.push(at);
    at += storageSize(e) ?? 8;
  }
  return out;
}

/** Bytes of a map key made of these parts (a scalar map uses one zero u64). */
export function keySize(keys: readonly Type[]): number {
  if (keys.length === 0) return 8;
  return keys.reduce((n, k) => n + (storageSize(k) ?? 8), 0);
}
