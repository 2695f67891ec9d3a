// What the compiled programs ask user space to do. A program writes a record to the event ring
// buffer: a u64 action id, then the action's payload. The id indexes this table, which the
// runner reads to print printf lines, print or clear maps, and stop at exit().
import type { Type } from '../types';

export interface ArgSlot {
  type: Type;
  /** Offset of the argument in the record (after the 8-byte id). */
  offset: number;
  /** strftime() arguments: the format; the record holds the time in nanoseconds. */
  strftime?: string;
}

export type Action =
  | { kind: 'printf'; format: string; args: ArgSlot[] }
  | { kind: 'print_map'; map: string; top: number; div: number }
  | { kind: 'print_value'; arg: ArgSlot }
  | { kind: 'clear'; map: string }
  | { kind: 'zero'; map: string }
  /** delete(@h[k]) on a hist/lhist map: every bucket of the key in the payload goes. */
  | { kind: 'delete_buckets'; map: string; keySize: number }
  | { kind: 'exit' }
  /** join(argv[, sep]): the record holds JOIN_ARGS strings of JOIN_ARG_SIZE bytes after the id. */
  | { kind: 'join'; separator: string }
  | { kind: 'time'; format: string };

export const RECORD_HEADER = 8;

/** Collects actions while probes compile; identical actions share an id. */
export class ActionTable {
  readonly list: Action[] = [];
  private readonly byKey = new Map<string, number>();

  add(a: Action): number {
    const key = JSON.stringify(a, (_k, v: unknown) => (typeof v === 'bigint' ? v.toString() : v));
    const hit = this.byKey.get(key);
    if (hit !== undefined) return hit;
    this.list.push(a);
    this.byKey.set(key, this.list.length - 1);
    return this.list.length - 1;
  }
}
