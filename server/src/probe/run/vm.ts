// The bridge to the VM. Programs of one script share their maps, so the runner keeps the map
// contents here and hands each run the maps its program declares; the run's final contents come
// back into the store. Per-CPU maps keep one value per simulated CPU.
import type { MapSpec, Program } from '../../core/types';
import { runProgram, type CtxInput, type MapDump, type MapInitEntry } from '../../vm';
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

const hex = (b: Uint8Array | number[]): string => Buffer.from(b).toString('hex');

export class MapStore {
  private readonly data = new Map<string, Map<string, RawEntry>>();
  readonly specs = new Map<string, MapSpec>();
  /** Stack ids seen in stack_trace maps → instruction pointers. */
  readonly stacks = new Map<number, bigint[]>();

  constructor(readonly cpus: number) {}

  declare(spec: MapSpec): void {
    if (!this.specs.has(spec.name)) {
      this.specs.set(spec.name, spec);
      this.data.set(spec.name, new Map());
    }
  }

  private perCpu(spec: MapSpec): boolean {
    return spec.type === 'percpu_hash' || spec.type === 'percpu_array' || spec.type === 'lru_percpu_hash';
  }

  entries(name: string): RawEntry[] {
    return [...(this.data.get(name)?.values() ?? [])];
  }

  set(name: string, key: Uint8Array, value: Uint8Array): void {
    const spec = this.specs.get(name);
    if (!spec) return;
    const values = this.perCpu(spec) ? Array.from({ length: this.cpus }, (_, i) => (i === 0 ? value : new Uint8Array(value.length))) : [value];
    this.data.get(name)!.set(hex(key), { key, values });
  }

  clear(name: string): void {
    this.data.get(name)?.clear();
  }

  zero(name: string): void {
    for (const e of this.data.get(name)?.values() ?? []) e.values = e.values.map((v) => new Uint8Array(v.length));
  }

  /** Deletes every entry whose key starts with `prefix` (all buckets of one hist key). */
  deletePrefix(name: string, prefix: Uint8Array): void {
    const m = this.data.get(name);
    if (!m) return;
    const p = hex(prefix);
    for (const k of [...m.keys()]) if (k.startsWith(p)) m.delete(k);
  }

  /** The initial contents of `program`'s maps, in the VM's format. */
  initFor(program: Program): Record<string, MapInitEntry[]> {
    const out: Record<string, MapInitEntry[]> = {};
    for (const spec of program.maps) {
      const m = this.data.get(spec.name);
      if (!m || spec.type === 'ringbuf' || spec.type === 'stack_trace') continue;
      out[spec.name] = [...m.values()].map((e) =>
        this.perCpu(spec) ? { key: Array.from(e.key), values: e.values.map((v) => Array.from(v)) } : { key: Array.from(e.key), value: Array.from(e.values[0]!) },
      );
    }
    return out;
  }

  /** Takes the maps' contents after a run. */
  absorb(dumps: MapDump[]): void {
    for (const d of dumps) {
      if (d.type === 'stack_trace') {
        for (const e of d.entries) {
          const id = Buffer.from(e.key).readUInt32LE(0);
          const v = Buffer.from(e.value ?? []);
          const ips: bigint[] = [];
          for (let i = 0; i + 8 <= v.length; i += 8) {
            const ip = v.readBigUInt64LE(i);
            if (ip === 0n) break;
            ips.push(ip);
          }
          this.stacks.set(id, ips);
        }
        continue;
      }
      const m = this.data.get(d.name);
      if (!m || d.type === 'ringbuf') continue;
      m.clear();
      for (const e of d.entries) {
        const key = Uint8Array.from(e.key);
        const values = e.values ? e.values.map((v) => Uint8Array.from(v)) : [Uint8Array.from(e.value ?? [])];
        m.set(hex(key), { key, values });
      }
    }
  }
}

/** Runs one program once in the VM, with the store's maps. */
export function runInVm(store: MapStore, req: RunRequest, budget: number): RunOutcome {
  for (const spec of req.program.maps) store.declare(spec);
  const result = runProgram(req.program, {
    cpus: store.cpus,
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
    maps: store.initFor(req.program),
    budget,
    engine: 'interp',
  });
  if (result.error) return { records: [], fault: result.error, insnCount: 0 };
  store.absorb(result.maps);
  const records = result.records.map((r) => Uint8Array.from(r.bytes));
  const fault = result.fault ? `${result.fault.message} (instruction ${result.fault.pc}${result.fault.line ? `, line ${result.fault.line}` : ''})` : undefined;
  return { records, fault, insnCount: result.insnCount };
}
