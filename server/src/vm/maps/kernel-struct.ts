// What a program reads through a map pointer: the kernel lets it load fields of the map's own
// struct (struct bpf_map, embedded first in bpf_array, bpf_htab, ...) through BTF, e.g.
// `((struct bpf_map *)&my_map)->max_entries`. The VM lays out the fields a program can know the
// value of, at the offsets of kernel 6.18 on x86-64 (read from its BTF); pointers, locks and
// counters read as zero. The size is the container struct's, so reads past it fault as the
// kernel refuses them ("access beyond struct").
import type { MapSpec, MapType } from '../../core/types';
import { MAP_TYPE_NUMBER } from '../../kernel/constants';

/** struct bpf_map offsets (kernel 6.18, x86-64): a 32-byte sha and `excl` come first. */
export const BPF_MAP_FIELDS = {
  map_type: 64,
  key_size: 68,
  value_size: 72,
  max_entries: 76,
  map_extra: 80,
  map_flags: 88,
  id: 92,
  numa_node: 104,
  name: 136,
} as const;

/** BPF_OBJ_NAME_LEN: the name and its NUL. */
const OBJ_NAME_LEN = 16;

/** struct bpf_array: elem_size and index_mask follow the embedded bpf_map. */
const BPF_ARRAY_ELEM_SIZE = 296;
const BPF_ARRAY_INDEX_MASK = 300;

/** The struct each map type's ops name as its BTF type (map_btf_id), and its size in bytes. */
const CONTAINER: Readonly<Record<MapType, { struct: string; size: number }>> = {
  array: { struct: 'bpf_array', size: 312 },
  percpu_array: { struct: 'bpf_array', size: 312 },
  prog_array: { struct: 'bpf_array', size: 312 },
  perf_event_array: { struct: 'bpf_array', size: 312 },
  hash: { struct: 'bpf_htab', size: 832 },
  percpu_hash: { struct: 'bpf_htab', size: 832 },
  lru_hash: { struct: 'bpf_htab', size: 832 },
  lru_percpu_hash: { struct: 'bpf_htab', size: 832 },
  stack_trace: { struct: 'bpf_stack_map', size: 320 },
  queue: { struct: 'bpf_queue_stack', size: 312 },
  stack: { struct: 'bpf_queue_stack', size: 312 },
  ringbuf: { struct: 'bpf_ringbuf_map', size: 304 },
};

export function mapStructName(type: MapType): string {
  return CONTAINER[type].struct;
}

/** The smallest power of two >= n, less one (array_map_alloc's index_mask). */
function indexMask(n: number): number {
  let p = 1;
  while (p < n && p < 2 ** 32) p *= 2;
  return (p - 1) >>> 0;
}

/** The bytes of the map's kernel struct as a program reads them; `id` stands in for the kernel's map id. */
export function mapStructImage(spec: MapSpec, id: number): Uint8Array {
  const c = CONTAINER[spec.type];
  const bytes = new Uint8Array(c.size);
  const dv = new DataView(bytes.buffer);
  const f = BPF_MAP_FIELDS;
  dv.setUint32(f.map_type, MAP_TYPE_NUMBER[spec.type], true);
  dv.setUint32(f.key_size, spec.keySize, true);
  dv.setUint32(f.value_size, spec.valueSize, true);
  dv.setUint32(f.max_entries, spec.maxEntries, true);
  dv.setUint32(f.map_flags, spec.flags >>> 0, true);
  dv.setUint32(f.id, id >>> 0, true);
  dv.setInt32(f.numa_node, -1, true); // NUMA_NO_NODE: no BPF_F_NUMA_NODE at creation
  const name = new TextEncoder().encode(spec.name).subarray(0, OBJ_NAME_LEN - 1);
  bytes.set(name, f.name);
  if (c.struct === 'bpf_array') {
    dv.setUint32(BPF_ARRAY_ELEM_SIZE, (spec.valueSize + 7) & ~7, true);
    dv.setUint32(BPF_ARRAY_INDEX_MASK, indexMask(spec.maxEntries), true);
  }
  return bytes;
}
