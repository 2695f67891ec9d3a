// The bridge to the VM. The programs of one script share their maps, as in the kernel, so a whole
// run is one VM session: every program run works on the same maps, with its own CPU, task, clock
// and context. The runner's user-space actions (clear, zero, delete of hist buckets) and the final
// printout act on the session's maps directly. Per-CPU maps keep one value per simulated CPU.
import type { MapSpec, Program } from '../../core/types';
import { VmSession, type CtxInput } from '../../vm';
import { HashMap, type VmMap } from '../../vm/maps/index';
import type { RawEntry } from '../output/maps';

export interface TaskState {
  pid: number;
  tid: number;
  uid: number;
  gid: number;
  comm: string;
  kernelStack: bigint[];
  userStack: bigint[];
}

export interface RunRequest {
  program: Program;
  task: TaskState;
  cpu: number;
  ts: bigint;
  ctx: CtxInput;
}

export interface RunOutcome {
  /** Ring buffer records, in order. */
  records: Uint8Array[];
  /** Why the program stopped early, when it did. */
  fault?: string;
  insnCount: number;
}

const isPerCpu = (spec: MapSpec): boolean => spec.type === 'percpu_hash' || spec.type === 'percpu_array' || spec.type === 'lru_percpu_hash';

export class MapStore {
  readonly session: VmSession;

  constructor(
    readonly cpus: number,
    seed?: number,
  ) {
    this.session = new VmSession({ cpus, seed, engine: 'auto' });
  }

  /** Creates a map; a spec the VM refuses is reported when a program using it runs. */
  declare(spec: MapSpec): void {
    try {
      this.session.declareMap(spec);
    } catch {
      // The run of a program with this map reports the problem as its fault.
    }
  }

  private map(name: string): VmMap | undefined {
    return this.session.map(name);
  }

  entries(name: string): RawEntry[] {
    const d = this.session.dump(name);
    if (!d || d.type === 'ringbuf' || d.type === 'stack_trace') return [];
    return d.entries.map((e) => ({ key: Uint8Array.from(e.key), values: e.values ? e.values.map((v) => Uint8Array.from(v)) : [Uint8Array.from(e.value ?? [])] }));
  }

  /** The addresses under a stack id, innermost first. */
  stack(id: number): readonly bigint[] | undefined {
    return this.session.stackTrace(id);
  }

  /** Sets a key's value on CPU 0 (others zero, for per-CPU maps), as user space does before a run. */
  set(name: string, key: Uint8Array, value: Uint8Array): void {
    const m = this.map(name);
    if (!m) return;
    const values = isPerCpu(m.spec) ? Array.from({ length: this.cpus }, (_, i) => (i === 0 ? value : new Uint8Array(value.length))) : [value];
    if (m.setAll) m.setAll(key, values);
    else m.update(key, value, 0);
  }

  private keys(m: VmMap): Uint8Array[] {
    return m instanceof HashMap ? m.keys() : m.dump().entries.map((e) => Uint8Array.from(e.key));
  }

  /** Empties the map; an array (whose elements always exist) is zeroed. */
  clear(name: string): void {
    const m = this.map(name);
    if (!m) return;
    for (const k of this.keys(m)) if (m.delete(k) !== 0) this.zeroKey(m, k);
  }

  private zeroKey(m: VmMap, key: Uint8Array): void {
    const copies = isPerCpu(m.spec) ? this.cpus : 1;
    const zeros = Array.from({ length: copies }, () => new Uint8Array(m.spec.valueSize));
    if (m.setAll) m.setAll(key, zeros);
    else m.update(key, zeros[0]!, 0);
  }

  zero(name: string): void {
    const m = this.map(name);
    if (!m) return;
    for (const k of this.keys(m)) this.zeroKey(m, k);
  }

  /** Deletes every entry whose key starts with `prefix` (all buckets of one hist key). */
  deletePrefix(name: string, prefix: Uint8Array): void {
    const m = this.map(name);
    if (!m) return;
    const starts = (k: Uint8Array): boolean => prefix.every((b, i) => k[i] === b);
    for (const k of this.keys(m)) if (starts(k)) m.delete(k);
  }
}

/** Runs one program once in the store's VM session. */
export function runInVm(store: MapStore, req: RunRequest, budget: number): RunOutcome {
  const result = store.session.run({
    program: req.program,
    cpu: req.cpu,
    task: {
      pid: req.task.tid,
      tgid: req.task.pid,
      uid: req.task.uid,
      gid: req.task.gid,
      comm: req.task.comm,
      kernelStack: req.task.kernelStack,
      userStack: req.task.userStack,
    },
    clock: { startNs: req.ts, nsPerInsn: 0 },
    ctx: req.ctx,
    budget,
  });
  if (result.error) return { records: [], fault: result.error, insnCount: 0 };
  const records = result.records.map((r) => Uint8Array.from(r.bytes));
  const fault = result.fault ? `${result.fault.message} (instruction ${result.fault.pc}${result.fault.line ? `, line ${result.fault.line}` : ''})` : undefined;
  return { records, fault, insnCount: result.insnCount };
}
