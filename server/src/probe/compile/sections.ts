// Attach point → the eBPF program section and type the kernel would load it as.
// BEGIN and END become uprobe-type (kprobe) programs, as bpftrace itself attaches them as uprobes
// on its own binary: the kernel accepts a kprobe program with every tracing helper we use
// (ktime, current task, ring buffer), which a socket filter would not have.
import type { ProgType, Range } from '../../core/types';
import type { AttachInfo } from '../checker';
import type { AttachTarget, ProbeKind } from '../probes';
import type { TracepointFormat } from '../tracepoints';
import { CompileError } from './errors';

export interface AttachSpec {
  kind: ProbeKind;
  target: AttachTarget;
  /** Canonical name, as the `probe` builtin prints it: `kprobe:vfs_read`. */
  name: string;
  section: string;
  progType: ProgType;
  /** The tracepoint's record layout, for tracepoint probes. */
  tracepoint?: TracepointFormat;
  range: Range;
}

const UNSUPPORTED: Record<string, string> = {
  fentry: 'fentry/fexit programs need the kernel BTF id of their target at load time; use kprobe:FUNC (arguments as arg0..argN) instead',
  fexit: 'fentry/fexit programs need the kernel BTF id of their target at load time; use kretprobe:FUNC (retval) instead',
  iter: 'iterators walk live kernel objects, which the simulation does not have',
  self: 'self probes react to signals sent to bpftrace itself',
  test: 'test probes only exist inside bpftrace --test',
  bench: 'bench probes only exist inside bpftrace --bench',
  asyncwatchpoint: 'watchpoints need hardware debug registers',
};

/** Canonical `provider:parts` for a kind and its parts (aliases such as `k:` spelled out). */
export function canonicalName(kind: ProbeKind, parts: readonly string[]): string {
  return parts.length ? `${kind.name}:${parts.join(':')}` : kind.name;
}

function sectionFor(kind: ProbeKind, t: AttachTarget, parts: readonly string[]): { section: string; progType: ProgType } {
  switch (kind.name) {
    case 'BEGIN':
      return { section: 'uprobe/BEGIN_trigger', progType: 'kprobe' };
    case 'END':
      return { section: 'uprobe/END_trigger', progType: 'kprobe' };
    case 'kprobe':
      return { section: `kprobe/${t.func ?? parts.join(':')}${t.offset ? `+${t.offset}` : ''}`, progType: 'kprobe' };
    case 'kretprobe':
      return { section: `kretprobe/${t.func ?? parts.join(':')}`, progType: 'kprobe' };
    case 'uprobe':
    case 'usdt':
      return { section: `uprobe/${parts.join(':')}`, progType: 'kprobe' };
    case 'uretprobe':
      return { section: `uretprobe/${parts.join(':')}`, progType: 'kprobe' };
    case 'tracepoint':
      return { section: `tracepoint/${t.category}/${t.event}`, progType: 'tracepoint' };
    case 'rawtracepoint':
      return { section: `raw_tracepoint/${t.event}`, progType: 'raw_tracepoint' };
    default:
      // interval, profile, software, hardware, watchpoint
      return { section: 'perf_event', progType: 'perf_event' };
  }
}

/**
 * The program(s) one attach point becomes. A wildcard tracepoint expands to each tracepoint it
 * matches (their records differ); other wildcards stay one program, matched against events by name.
 */
export function attachSpecs(ai: AttachInfo, limit = 64): AttachSpec[] {
  const kind = ai.kind;
  const t = ai.target;
  if (!kind || !t) return [];
  const why = UNSUPPORTED[kind.name];
  if (why) throw new CompileError(ai.node.range, `${kind.name} probes are not supported by the eBPF Studio compiler: ${why}.`);
  const parts = ai.node.parts;
  if (kind.name === 'tracepoint') {
    const formats = (ai.tracepoints ?? []).slice(0, limit);
    if (!formats.length) {
      return [{ kind, target: t, name: canonicalName(kind, parts), ...sectionFor(kind, t, parts), range: ai.node.range }];
    }
    return formats.map((f) => {
      const concrete = { ...t, category: f.category, event: f.event, wildcard: false };
      const cparts = [f.category, f.event];
      return { kind, target: concrete, name: canonicalName(kind, cparts), ...sectionFor(kind, concrete, cparts), tracepoint: f, range: ai.node.range };
    });
  }
  return [{ kind, target: t, name: canonicalName(kind, parts), ...sectionFor(kind, t, parts), range: ai.node.range }];
}
