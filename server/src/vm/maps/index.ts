// Creating the simulated map for a MapSpec, by type.
import type { MapSpec, MapType } from '../../core/types';
import type { Region } from '../memory';
import { ArrayMap } from './array';
import { HashMap } from './hash';
import { QueueMap } from './queue';
import { PerfEventArrayMap, ProgArrayMap, RingbufMap, StackTraceMap } from './streams';
import type { MapEnv, VmMap } from './types';

export * from './types';
export { ArrayMap, HashMap, QueueMap, PerfEventArrayMap, ProgArrayMap, RingbufMap, StackTraceMap };

/** The most memory the VM gives all of one map's values together. */
export const MAX_MAP_BYTES = 64 << 20;

type Factory = (spec: MapSpec, handle: Region, env: MapEnv) => VmMap;

const FACTORIES: Readonly<Record<MapType, Factory>> = {
  hash: (s, h, e) => new HashMap(s, h, e, false, false),
  percpu_hash: (s, h, e) => new HashMap(s, h, e, true, false),
  lru_hash: (s, h, e) => new HashMap(s, h, e, false, true),
  lru_percpu_hash: (s, h, e) => new HashMap(s, h, e, true, true),
  array: (s, h, e) => new ArrayMap(s, h, e, false),
  percpu_array: (s, h, e) => new ArrayMap(s, h, e, true),
  queue: (s, h) => new QueueMap(s, h, false),
  stack: (s, h) => new QueueMap(s, h, true),
  ringbuf: (s, h, e) => new RingbufMap(s, h, e),
  perf_event_array: (s, h, e) => new PerfEventArrayMap(s, h, e),
  prog_array: (s, h) => new ProgArrayMap(s, h),
  stack_trace: (s, h, e) => new StackTraceMap(s, h, e),
};

/** Checks a spec the way BPF_MAP_CREATE would; returns the reason it is refused, if it is. */
export function mapSpecProblem(spec: MapSpec, cpus: number): string | undefined {
  const { type, keySize: k, valueSize: v, maxEntries: n } = spec;
  const name = `map '${spec.name}' (${type})`;
  if (!(type in FACTORIES)) return `${name}: the VM does not model this map type`;
  if (type === 'ringbuf') {
    if (k !== 0 || v !== 0) return `${name}: key and value size must be 0`;
    if (n < 4096 || (n & (n - 1)) !== 0) return `${name}: max_entries must be a power of 2 and a multiple of the page size (4096), got ${n}`;
    return undefined;
  }
  if (type === 'queue' || type === 'stack') {
    if (k !== 0) return `${name}: key size must be 0`;
  } else if (k <= 0) {
    return `${name}: key size must be positive`;
  }
  if (['array', 'percpu_array', 'prog_array', 'perf_event_array', 'stack_trace'].includes(type) && k !== 4) return `${name}: key size must be 4`;
  if ((type === 'prog_array' || type === 'perf_event_array') && v !== 4) return `${name}: value size must be 4`;
  if (type === 'stack_trace' && (v <= 0 || v % 8 !== 0)) return `${name}: value size must be a multiple of 8`;
  if (type !== 'perf_event_array' && n <= 0) return `${name}: max_entries must be positive`;
  if (v <= 0 && type !== 'perf_event_array') return `${name}: value size must be positive`;
  const copies = type.startsWith('percpu') || type === 'lru_percpu_hash' ? cpus : 1;
  if (type.includes('array') && type !== 'prog_array' && type !== 'perf_event_array' && n * v * copies > MAX_MAP_BYTES) {
    return `${name}: ${n} entries of ${v} bytes is more than the VM's ${MAX_MAP_BYTES >> 20} MiB per map`;
  }
  return undefined;
}

export function createMap(spec: MapSpec, handle: Region, env: MapEnv): VmMap {
  return FACTORIES[spec.type](spec, handle, env);
}
