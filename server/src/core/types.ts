// The shared types every part of eBPF Studio speaks. One definition each (see DESIGN.md).

/** A position in a source text: 0-based line and column (LSP convention); printed 1-based. */
export interface Pos {
  line: number;
  col: number;
}

export interface Range {
  start: Pos;
  end: Pos;
}

/**
 * One 8-byte instruction slot, decoded. A 64-bit immediate load (lddw) occupies two slots:
 * the first carries `imm64` (the whole value) and the second is a `filler` slot, so slot
 * indices match the kernel's instruction numbering.
 */
export interface Insn {
  opcode: number; // 8 bits
  dst: number; // 4 bits
  src: number; // 4 bits
  off: number; // signed 16 bits
  imm: number; // signed 32 bits
  /** Present on the first slot of a 64-bit immediate load: the full value (low imm | next imm << 32). */
  imm64?: bigint;
  /** True on the second slot of a 64-bit immediate load. */
  filler?: boolean;
}

export type MapType =
  | 'hash'
  | 'array'
  | 'percpu_hash'
  | 'percpu_array'
  | 'lru_hash'
  | 'lru_percpu_hash'
  | 'ringbuf'
  | 'perf_event_array'
  | 'prog_array'
  | 'stack_trace'
  | 'queue'
  | 'stack';

export interface MapSpec {
  name: string;
  type: MapType;
  keySize: number;
  valueSize: number;
  maxEntries: number;
  flags: number;
  /** Initial bytes of the single value of a global-data map (.data/.rodata from an object file). */
  initialValue?: Uint8Array;
  /** Where it was declared, when it came from source. */
  range?: Range;
}

export type ProgType =
  | 'socket_filter'
  | 'kprobe'
  | 'sched_cls'
  | 'sched_act'
  | 'tracepoint'
  | 'xdp'
  | 'perf_event'
  | 'cgroup_skb'
  | 'raw_tracepoint';

/**
 * A load of a map's address or a call to a subprogram, tied to a name. Whatever a program came
 * from (assembler, ELF, probe compiler), map loads are written as a loader sees them: lddw with
 * src = BPF_PSEUDO_MAP_FD (1) and imm = the map's index in `Program.maps`, or for global data
 * src = BPF_PSEUDO_MAP_VALUE (2), imm = index and the second slot's imm = offset into the value.
 */
export interface Reloc {
  /** Slot index of the instruction. */
  insn: number;
  kind: 'map' | 'map_value' | 'call' | 'func';
  /** Map name or function/label name. */
  symbol: string;
}

export interface Symbol {
  name: string;
  /** Slot index. */
  insn: number;
  kind: 'label' | 'function';
  range?: Range;
}

export interface Program {
  /** Program (section) name, e.g. "xdp", "kprobe/vfs_read". */
  name: string;
  section: string;
  type: ProgType;
  /** For kprobe/tracepoint sections: the attach target (function, "cat/name"). */
  attachTo?: string;
  insns: Insn[];
  maps: MapSpec[];
  relocs: Reloc[];
  symbols: Symbol[];
  license?: string;
  /** Source range of each slot, where known (filler slots share the lddw's range). */
  sourceMap?: (Range | undefined)[];
  /** The file the program came from, for messages. */
  file?: string;
  /**
   * The loader supplies BTF func_info for every subprogram (as libbpf and bpftrace do), so a
   * subprogram may be passed as a callback (lddw src=4) to bpf_loop, bpf_for_each_map_elem and
   * the like. Without it the kernel refuses such a load with "missing btf func_info".
   */
  funcInfo?: boolean;
}

export type Severity = 'error' | 'warning' | 'info' | 'hint';

export interface RelatedInfo {
  range: Range;
  message: string;
}

export interface TextEdit {
  range: Range;
  newText: string;
}

export interface Fix {
  title: string;
  edits: TextEdit[];
}

/** A problem found in a program, editor-neutral; turned into an LSP Diagnostic only at the edge. */
export interface Finding {
  range: Range;
  severity: Severity;
  /** Plain words first. */
  message: string;
  /** The kernel's text, kept so people can search for it. */
  kernelText?: string;
  /** A short stable code, e.g. "asm.unknown-mnemonic" or "verifier.invalid-mem-access". */
  code?: string;
  /** Instruction slot index, when the finding is about one instruction. */
  insn?: number;
  related?: RelatedInfo[];
  fixes?: Fix[];
}

export const zeroRange: Range = { start: { line: 0, col: 0 }, end: { line: 0, col: 0 } };

export function rangeOnLine(line: number, startCol: number, endCol: number): Range {
  return { start: { line, col: startCol }, end: { line, col: endCol } };
}

/** "file:line:col: severity: message", 1-based as compilers print it. */
export function formatFinding(file: string, f: Finding): string {
  const where = `${file}:${f.range.start.line + 1}:${f.range.start.col + 1}`;
  const kernel = f.kernelText && f.kernelText !== f.message ? `\n    kernel: ${f.kernelText}` : '';
  return `${where}: ${f.severity}: ${f.message}${kernel}`;
}
