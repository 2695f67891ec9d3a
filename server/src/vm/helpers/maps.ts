// Map helpers: lookup, update, delete, push, pop, peek, lookup_percpu.
import { fault } from '../faults';
import { ERRNO } from '../maps/types';
import { ArrayMap, HashMap } from '../maps/index';
import type { Machine } from '../machine';
import { neg, u32, type Helper } from './types';

function keyOf(m: Machine, keyPtr: bigint, size: number, helper: string): Uint8Array {
  return m.mem.readBytes(keyPtr, size, `${helper} key read`);
}

export const MAP_HELPERS: Helper[] = [
  {
    id: 1,
    name: 'bpf_map_lookup_elem',
    run(m) {
      const map = m.mapArg(m.arg(1), 'bpf_map_lookup_elem map');
      const r = map.lookup(keyOf(m, m.arg(2), map.spec.keySize, 'bpf_map_lookup_elem'));
      if (r) m.mem.recache(r);
      return r ? r.base : 0n;
    },
  },
  {
    id: 2,
    name: 'bpf_map_update_elem',
    run(m) {
      const map = m.mapArg(m.arg(1), 'bpf_map_update_elem map');
      const key = map.spec.keySize > 0 ? keyOf(m, m.arg(2), map.spec.keySize, 'bpf_map_update_elem') : new Uint8Array(0);
      const value = m.mem.readBytes(m.arg(3), map.spec.valueSize, 'bpf_map_update_elem value read');
      return BigInt(map.update(key, value, Number(BigInt.asUintN(32, m.arg(4)))));
    },
  },
  {
    id: 3,
    name: 'bpf_map_delete_elem',
    run(m) {
      const map = m.mapArg(m.arg(1), 'bpf_map_delete_elem map');
      return BigInt(map.delete(keyOf(m, m.arg(2), map.spec.keySize, 'bpf_map_delete_elem')));
    },
  },
  {
    id: 87,
    name: 'bpf_map_push_elem',
    run(m) {
      const map = m.mapArg(m.arg(1), 'bpf_map_push_elem map');
      if (!map.push) fault('helper', `bpf_map_push_elem needs a queue or stack map, got '${map.spec.name}' (${map.spec.type})`);
      const value = m.mem.readBytes(m.arg(2), map.spec.valueSize, 'bpf_map_push_elem value read');
      return BigInt(map.push(value, Number(BigInt.asUintN(32, m.arg(3)))));
    },
  },
  ...(['pop', 'peek'] as const).map((which, i): Helper => ({
    id: 88 + i,
    name: `bpf_map_${which}_elem`,
    run(m) {
      const map = m.mapArg(m.arg(1), `bpf_map_${which}_elem map`);
      if (!map.pop) fault('helper', `bpf_map_${which}_elem needs a queue or stack map, got '${map.spec.name}' (${map.spec.type})`);
      const out = m.mem.writableBytes(m.arg(2), map.spec.valueSize, `bpf_map_${which}_elem value write`);
      const v = map.pop(which === 'peek');
      if (typeof v === 'number') return BigInt(v);
      out.set(v);
      return 0n;
    },
  })),
  {
    id: 195,
    name: 'bpf_map_lookup_percpu_elem',
    run(m) {
      const map = m.mapArg(m.arg(1), 'bpf_map_lookup_percpu_elem map');
      const cpu = u32(m.arg(3));
      if (!(map instanceof ArrayMap || map instanceof HashMap)) return 0n;
      if (cpu >= m.cpus) return 0n;
      const key = keyOf(m, m.arg(2), map.spec.keySize, 'bpf_map_lookup_percpu_elem');
      const saved = m.cpuId;
      m.cpuId = cpu;
      try {
        const r = map.lookup(key);
        return r ? r.base : 0n;
      } finally {
        m.cpuId = saved;
      }
    },
  },
];

export { ERRNO, neg };
