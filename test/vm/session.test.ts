// Sessions: many runs of several programs against one set of maps, each run with its own CPU,
// task, clock, context and budget — the same results as separate runs with the maps carried
// across by hand, and memory that stays bounded however many runs there are.
import { describe, expect, it } from 'vitest';
import { runProgram, VmSession, type MapDump, type MapInitEntry } from '../../server/src/vm/index';
import { asmAll } from './support';

const MAPS = '.map counts percpu_hash key=4 value=8 entries=64\n.map last hash key=4 value=8 entries=4\n.map rb ringbuf key=0 value=0 entries=4096\n';

// count: counts[tgid] += 1 on this CPU; last[0] = ktime; a record with arg0 (pt_regs.di) and the CPU.
// forget: deletes last[0] and returns whether it was there.
const [count, forget] = asmAll(`${MAPS}
.section kprobe/count
  r6 = *(u64 *)(r1 + 112)
  call bpf_get_current_pid_tgid
  r0 >>= 32
  *(u32 *)(r10 - 4) = r0
  r1 = counts ll
  r2 = r10
  r2 += -4
  call bpf_map_lookup_elem
  if r0 == 0 goto create
  r1 = *(u64 *)(r0 + 0)
  r1 += 1
  *(u64 *)(r0 + 0) = r1
  goto stamp
create:
  *(u64 *)(r10 - 16) = 1
  r1 = counts ll
  r2 = r10
  r2 += -4
  r3 = r10
  r3 += -16
  r4 = 0
  call bpf_map_update_elem
stamp:
  call bpf_ktime_get_ns
  *(u64 *)(r10 - 16) = r0
  *(u32 *)(r10 - 4) = 0
  r1 = last ll
  r2 = r10
  r2 += -4
  r3 = r10
  r3 += -16
  r4 = 0
  call bpf_map_update_elem
  call bpf_get_smp_processor_id
  *(u64 *)(r10 - 24) = r0
  *(u64 *)(r10 - 32) = r6
  r1 = rb ll
  r2 = r10
  r2 += -32
  r3 = 16
  r4 = 0
  call bpf_ringbuf_output
  r0 = 0
  exit

.section kprobe/forget
  *(u32 *)(r10 - 4) = 0
  r1 = last ll
  r2 = r10
  r2 += -4
  call bpf_map_delete_elem
  exit
`);

interface Step {
  which: 'count' | 'forget';
  cpu: number;
  tgid: number;
  ts: number;
  arg: number;
}

const steps: Step[] = [
  { which: 'count', cpu: 0, tgid: 10, ts: 1000, arg: 7 },
  { which: 'count', cpu: 1, tgid: 10, ts: 2000, arg: 8 },
  { which: 'count', cpu: 1, tgid: 20, ts: 3000, arg: 9 },
  { which: 'forget', cpu: 0, tgid: 20, ts: 3500, arg: 0 },
  { which: 'count', cpu: 0, tgid: 10, ts: 4000, arg: 10 },
  { which: 'forget', cpu: 1, tgid: 20, ts: 4500, arg: 0 },
  { which: 'forget', cpu: 1, tgid: 20, ts: 4600, arg: 0 },
];

const u64le = (v: bigint): number[] => Array.from({ length: 8 }, (_, i) => Number((v >> BigInt(8 * i)) & 0xffn));

/** The old way: a fresh machine per run, the maps copied in before and out after. */
function byHand(): { dumps: MapDump[]; records: number[][]; r0s: bigint[] } {
  let dumps: MapDump[] = [];
  const records: number[][] = [];
  const r0s: bigint[] = [];
  for (const s of steps) {
    const maps: Record<string, MapInitEntry[]> = {};
    for (const d of dumps) if (d.type !== 'ringbuf') maps[d.name] = d.entries.map((e) => (e.values ? { key: e.key, values: e.values } : { key: e.key, value: e.value }));
    const r = runProgram(s.which === 'count' ? count! : forget!, { cpus: 2, cpu: s.cpu, task: { pid: s.tgid, tgid: s.tgid }, clock: { startNs: s.ts, nsPerInsn: 0 }, ctx: { args: [s.arg] }, maps, engine: 'interp' });
    expect(r.fault).toBeUndefined();
    records.push(...r.records.map((x) => x.bytes));
    r0s.push(BigInt(r.r0Signed!));
    dumps = r.maps;
  }
  return { dumps, records, r0s };
}

function inSession(engine: 'auto' | 'jit' | 'interp'): { dumps: MapDump[]; records: number[][]; r0s: bigint[] } {
  const session = new VmSession({ cpus: 2, engine });
  const records: number[][] = [];
  const r0s: bigint[] = [];
  for (const s of steps) {
    const r = session.run({ program: s.which === 'count' ? count! : forget!, cpu: s.cpu, task: { pid: s.tgid, tgid: s.tgid }, clock: { startNs: s.ts, nsPerInsn: 0 }, ctx: { args: [s.arg] } });
    expect(r.fault).toBeUndefined();
    expect(r.ok).toBe(true);
    records.push(...r.records.map((x) => x.bytes));
    r0s.push(BigInt.asIntN(64, r.r0!));
  }
  return { dumps: ['counts', 'last'].map((n) => session.dump(n)!), records, r0s };
}

describe('VM session', () => {
  it('shares maps across runs and programs; each run has its own CPU, task, clock and context', () => {
    const got = inSession('interp');
    // tgid 10 counted on CPU 0 twice and CPU 1 once; tgid 20 once on CPU 1.
    expect(got.dumps[0]!.entries).toEqual([
      { key: [10, 0, 0, 0], values: [u64le(2n), u64le(1n)] },
      { key: [20, 0, 0, 0], values: [u64le(0n), u64le(1n)] },
    ]);
    // last[0]: stamped at 3000, deleted, stamped again at 4000, deleted, then not there (-ENOENT).
    expect(got.dumps[1]!.entries).toEqual([]);
    expect(got.r0s).toEqual([0n, 0n, 0n, 0n, 0n, 0n, -2n]);
    // One record per count run: arg0 then the CPU.
    expect(got.records).toEqual([[...u64le(7n), ...u64le(0n)], [...u64le(8n), ...u64le(1n)], [...u64le(9n), ...u64le(1n)], [...u64le(10n), ...u64le(0n)]]);
  });

  it('gives what separate machines give with the maps copied in and out, on every engine', () => {
    const want = byHand();
    for (const engine of ['interp', 'auto', 'jit'] as const) {
      const got = inSession(engine);
      expect(got.r0s).toEqual(want.r0s);
      expect(got.records).toEqual(want.records);
      for (const d of got.dumps) expect(d.entries).toEqual(want.dumps.find((x) => x.name === d.name)!.entries);
    }
  });

  it('keeps memory bounded: contexts, strings, records and deleted elements are freed between runs', () => {
    const session = new VmSession({ cpus: 2 });
    const ctx = { memory: [{ name: 's', text: 'a string argument' }], args: ['&s'] };
    const runOnce = (i: number): void => {
      const s = steps[i % steps.length]!;
      const r = session.run({ program: s.which === 'count' ? count! : forget!, cpu: s.cpu, task: { tgid: s.tgid }, ctx });
      expect(r.fault).toBeUndefined();
    };
    for (let i = 0; i < 50; i++) runOnce(i);
    const settled = session.regionCount;
    for (let i = 50; i < 2000; i++) runOnce(i);
    expect(session.regionCount).toBe(settled);
  });

  it('reports a bad context as an error of that run only; a budget is per run', () => {
    const session = new VmSession();
    const bad = session.run({ program: count!, ctx: { args: [1, 2, 3, 4, 5, 6, 7] } });
    expect(bad.ok).toBe(false);
    expect(bad.error).toMatch(/at most 6 arguments/); // the VM context itself takes registers only
    const short = session.run({ program: count!, budget: 3, task: { tgid: 5 } });
    expect(short.fault?.kind).toBe('budget');
    const fine = session.run({ program: count!, task: { tgid: 5 } });
    expect(fine.ok).toBe(true);
    expect(session.dump('counts')!.entries).toEqual([{ key: [5, 0, 0, 0], values: [u64le(1n), u64le(0n)] }]);
  });

  it('declares maps before any run; a conflicting declaration is an error, not a crash', () => {
    const session = new VmSession({ maps: [{ name: 'counts', type: 'percpu_hash', keySize: 4, valueSize: 8, maxEntries: 64, flags: 0 }] });
    session.map('counts')!.setAll!(Uint8Array.of(3, 0, 0, 0), [Uint8Array.from(u64le(40n)), Uint8Array.from(u64le(0n))]);
    expect(session.run({ program: count!, task: { tgid: 3 } }).ok).toBe(true);
    expect(session.dump('counts')!.entries).toEqual([{ key: [3, 0, 0, 0], values: [u64le(41n), u64le(0n)] }]);
    const other = new VmSession({ maps: [{ name: 'last', type: 'hash', keySize: 4, valueSize: 16, maxEntries: 4, flags: 0 }] });
    const r = other.run({ program: count! });
    expect(r.ok).toBe(false);
    expect(r.error).toMatch(/declared twice with different shapes/);
  });
});
