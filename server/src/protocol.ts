// The custom requests and notifications between the editor client and the language server, declared
// once so both sides agree on names and shapes. Only vscode-languageserver-protocol is imported here
// (never `vscode`), so the server, the client and tests can all use it.
//
// Numbers that may exceed 2^53 (register values, r0) travel as strings; byte arrays as number[]
// (0..255) so the JSON stays plain.
import { NotificationType, RequestType } from 'vscode-languageserver-protocol';
import type { MapType, ProgType } from './core/types';

// ---------------------------------------------------------------------------------------------
// ebpf/run — run the document (asm program, .o or probe script) in the VM.

export interface RunParams {
  /** Document to run (file:, untitled: …). */
  uri: string;
  /** For .bt scripts: URI of an events file to drive the probes; the server generates events when absent. */
  events?: string;
  /** Instruction budget; the server's default (from settings) when absent. */
  budget?: number;
  /** Program type override; 'auto' or absent takes it from the section name. */
  progType?: ProgType | 'auto';
  /** Which program of a multi-program file (section name); the first when absent. */
  program?: string;
}

export interface RunError {
  message: string;
  /** 0-based position in the document, when the fault maps to a source line. */
  line?: number;
  col?: number;
  /** Instruction slot at which the fault happened. */
  insn?: number;
}

export interface RegisterValue {
  /** "r0" … "r10". */
  name: string;
  /** The 64-bit value in hex, "0x…". */
  value: string;
  /** The verifier's type at exit, e.g. "scalar", "ctx", "fp-8", "map_value_or_null". */
  type?: string;
}

export interface StackSlot {
  /** Offset of bytes[0] from the frame pointer (r10), negative, e.g. -8. */
  offset: number;
  bytes: number[];
  /** What the verifier or the VM knows lives there, e.g. "spilled r1", "key". */
  annotation?: string;
}

export interface StackFrame {
  /** 0 for the main program, 1… for nested subprogram calls. */
  index: number;
  /** Subprogram name, when known. */
  function?: string;
  stack: StackSlot[];
}

/**
 * How the inspector should present a map.
 * - 'plain': a table of keys and values.
 * - 'hist' (bpftrace log2 histogram): each key ends with an 8-byte little-endian bucket index
 *   (the bytes before it are the user key, e.g. @h[comm]); the value is a u64 count (per-CPU: summed).
 *   Bucket 0 holds negative values, bucket 1 holds 0, bucket i ≥ 2 holds [2^(i-2), 2^(i-1)).
 * - 'lhist' (linear histogram lhist(v, min, max, step)): same key layout; bucket 0 holds values
 *   below min, bucket i ≥ 1 holds [min + (i-1)·step, min + i·step), the last bucket values ≥ max.
 */
export type MapDisplay =
  | { kind: 'plain'; keyFormat?: ValueFormat; valueFormat?: ValueFormat }
  | { kind: 'hist' }
  | { kind: 'lhist'; min: number; max: number; step: number };

/** How to print a key or value; the inspector guesses from the size and bytes when absent. */
export type ValueFormat = 'int' | 'signed' | 'hex' | 'string' | 'bytes';

export interface MapEntry {
  key: number[];
  /** One value, or one value per CPU for per-CPU maps. */
  value: number[] | number[][];
}

export interface MapContents {
  name: string;
  type: MapType;
  keySize: number;
  valueSize: number;
  entries: MapEntry[];
  display?: MapDisplay;
}

/** A histogram already bucketed by the server (optional; the inspector can also derive them from maps). */
export interface Histogram {
  /** Map name, e.g. "@bytes". */
  map: string;
  /** Printed user key, e.g. "bash" for @h["bash"]; absent for a map without keys. */
  key?: string;
  buckets: { label: string; count: number }[];
}

export interface RunResult {
  /** False when the run faulted or could not start (see error). */
  ok: boolean;
  error?: RunError;
  /** r0 at exit as an unsigned 64-bit decimal string. */
  r0: string;
  /** r0's meaning for the program type, e.g. "XDP_DROP". */
  r0Meaning?: string;
  /** Program type the run used. */
  progType?: string;
  insnCount: number;
  registers: RegisterValue[];
  frames: StackFrame[];
  maps: MapContents[];
  /** printf / trace_printk / bpftrace output, one line each. */
  output: string[];
  histograms?: Histogram[];
}

export const RunRequest = new RequestType<RunParams, RunResult, void>('ebpf/run');

// ---------------------------------------------------------------------------------------------
// ebpf/verifierLog, ebpf/compiled, ebpf/disassemble — text documents for read-only views.

export interface DocumentParams {
  uri: string;
}

export interface TextResult {
  text: string;
}

/** The verifier's log for the document, in the kernel's format. */
export const VerifierLogRequest = new RequestType<DocumentParams, TextResult, void>('ebpf/verifierLog');

/** The eBPF assembly a .bt script compiles to (one section per probe). */
export const CompiledRequest = new RequestType<DocumentParams, TextResult, void>('ebpf/compiled');

export type AsmDialect = 'kernel' | 'mnemonic';

export interface DisassembleParams {
  /** File system path of an ELF object (.o). */
  path: string;
  /** Output dialect; 'kernel' (the LLVM/kernel syntax) when absent. */
  dialect?: AsmDialect;
}

export const DisassembleRequest = new RequestType<DisassembleParams, TextResult, void>('ebpf/disassemble');

// ---------------------------------------------------------------------------------------------
// ebpf/verdict — pushed by the server after each verification, for the status bar.

export type Verdict = 'accepted' | 'rejected' | 'error' | 'unknown';

export interface VerdictParams {
  uri: string;
  verdict: Verdict;
  /** One line, e.g. "accepted: 12 insns, 31 states" or "rejected at line 7: R1 invalid mem access". */
  summary: string;
}

export const VerdictNotification = new NotificationType<VerdictParams>('ebpf/verdict');

/** Names as plain strings, for clients that do not import the types above (e.g. Neovim configs). */
export const methods = {
  run: RunRequest.method,
  verifierLog: VerifierLogRequest.method,
  compiled: CompiledRequest.method,
  disassemble: DisassembleRequest.method,
  verdict: VerdictNotification.method,
} as const;
