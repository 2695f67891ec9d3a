// What every simulated map offers the helpers and the inspector.
import type { MapSpec } from '../../core/types';
import type { Memory, Region } from '../memory';

/** The kernel's errno values, as helpers return them (negated). */
export const ERRNO = {
  EPERM: 1,
  ENOENT: 2,
  E2BIG: 7,
  EAGAIN: 11,
  ENOMEM: 12,
  EFAULT: 14,
  EBUSY: 16,
  EEXIST: 17,
  EINVAL: 22,
  ENOSPC: 28,
  EOPNOTSUPP: 95,
} as const;

/** bpf_map_update_elem flags. */
export const UPDATE = { ANY: 0, NOEXIST: 1, EXIST: 2, F_LOCK: 4 } as const;

export interface MapEnv {
  mem: Memory;
  cpus: number;
  /** The CPU the program runs on now (per-CPU maps hand out its copy). */
  cpu(): number;
}

export interface MapEntryDump {
  /** Key bytes (empty for queue/stack/ringbuf records). */
  key: number[];
  /** The value, or one value per simulated CPU for per-CPU maps. */
  value?: number[];
  values?: number[][];
}

export interface MapDump {
  name: string;
  type: MapSpec['type'];
  keySize: number;
  valueSize: number;
  maxEntries: number;
  entries: MapEntryDump[];
}

export interface VmMap {
  readonly spec: MapSpec;
  /** The map object; its address is what `r1 = map ll` loads. */
  readonly handle: Region;
  /** Value of `key` for the current CPU, or undefined. */
  lookup(key: Uint8Array): Region | undefined;
  /** 0 or a negative errno. From a program, per-CPU maps update only the current CPU's copy. */
  update(key: Uint8Array, value: Uint8Array, flags: number): number;
  delete(key: Uint8Array): number;
  /** Queue and stack maps (and update on them). */
  push?(value: Uint8Array, flags: number): number;
  pop?(peek: boolean): Uint8Array | number;
  /** Sets every CPU's copy (map initialisation from the caller). */
  setAll?(key: Uint8Array, values: Uint8Array[]): number;
  /** The elements in iteration order with the current CPU's value (bpf_for_each_map_elem). */
  elements?(): { key: Uint8Array; value: Region; live(): boolean }[];
  dump(): MapDump;
}

export function bytesOf(r: Region): number[] {
  return Array.from(r.u8.subarray(r.lo, r.end));
}

export function keyString(key: Uint8Array): string {
  let s = '';
  for (let i = 0; i < key.length; i++) s += key[i].toString(16).padStart(2, '0');
  return s;
}

export function checkUpdateFlags(flags: number): number {
  const f = Number(BigInt.asUintN(64, BigInt(flags)) & 0xffffffffn);
  if ((f & ~UPDATE.F_LOCK) > UPDATE.EXIST) return -ERRNO.EINVAL;
  return 0;
}

export function dumpHeader(spec: MapSpec): Omit<MapDump, 'entries'> {
  return { name: spec.name, type: spec.type, keySize: spec.keySize, valueSize: spec.valueSize, maxEntries: spec.maxEntries };
}
