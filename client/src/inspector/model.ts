// Turns a run result from the server into what the inspector panel shows: every number formatted,
// every byte string decoded, every histogram bucketed into bars. Pure and free of `vscode`, so it is
// unit-tested directly; the webview script only copies these strings into the DOM.
import type {
  Histogram,
  MapContents,
  MapDisplay,
  MapEntry,
  RegisterValue,
  RunResult,
  StackFrame,
  StackSlot,
  ValueFormat,
} from '../../../server/src/protocol';

export interface RegisterView {
  name: string;
  hex: string;
  /** Unsigned decimal. */
  dec: string;
  /** Signed decimal when the value is negative as an s64, else undefined. */
  signed?: string;
  type?: string;
}

export interface StackRowView {
  /** e.g. "fp-8". */
  offset: string;
  hex: string;
  ascii: string;
  annotation?: string;
}

export interface FrameView {
  title: string;
  rows: StackRowView[];
}

export interface MapView {
  name: string;
  subtitle: string;
  columns: string[];
  rows: string[][];
  /** Set when there were more entries than the panel lists. */
  truncated?: string;
}

export interface BarView {
  label: string;
  count: string;
  /** Bar length in percent of the largest bucket (0..100). */
  width: number;
}

export interface HistogramView {
  title: string;
  bars: BarView[];
}

export interface InspectorView {
  ok: boolean;
  error?: { message: string; where?: string };
  r0: { dec: string; hex: string; signed?: string; meaning?: string };
  progType?: string;
  insnCount: string;
  registers: RegisterView[];
  frames: FrameView[];
  maps: MapView[];
  histograms: HistogramView[];
  output: string[];
}

/** Most map rows / output lines / histogram buckets the panel lists; the rest is summarised. */
export const LIMITS = { mapRows: 500, outputLines: 2000, buckets: 200, stackBytes: 64 * 1024 } as const;

const U64 = (1n << 64n) - 1n;
const S64_MIN = 1n << 63n;

/** Parses "123", "0x7b" or a number into a u64, or undefined when it is not a number. */
export function parseU64(v: unknown): bigint | undefined {
  try {
    if (typeof v === 'bigint') return v & U64;
    if (typeof v === 'number' && Number.isFinite(v)) return BigInt(Math.trunc(v)) & U64;
    if (typeof v === 'string' && /^\s*-?(0[xX][0-9a-fA-F]+|\d+)\s*$/.test(v)) {
      const s = v.trim();
      const neg = s.startsWith('-');
      const n = BigInt(neg ? s.slice(1) : s);
      return (neg ? -n : n) & U64;
    }
  } catch {
    /* fall through */
  }
  return undefined;
}

export function hex64(v: bigint): string {
  return '0x' + v.toString(16).padStart(16, '0');
}

/** The signed reading of a u64, only when it differs from the unsigned one. */
export function signedIfNegative(v: bigint): string | undefined {
  return v >= S64_MIN ? (v - (1n << 64n)).toString() : undefined;
}

/** 1234567 → "1,234,567". */
export function groupDigits(n: number | bigint | string): string {
  const s = String(n);
  const neg = s.startsWith('-');
  const digits = neg ? s.slice(1) : s;
  if (!/^\d+$/.test(digits)) return s;
  return (neg ? '-' : '') + digits.replace(/\B(?=(\d{3})+(?!\d))/g, ',');
}

function cleanBytes(bytes: unknown, limit = LIMITS.stackBytes): number[] {
  if (!Array.isArray(bytes)) return [];
  return bytes.slice(0, limit).map((b) => (typeof b === 'number' && Number.isFinite(b) ? b & 0xff : 0));
}

export function bytesToHex(bytes: number[]): string {
  return bytes.map((b) => b.toString(16).padStart(2, '0')).join(' ');
}

function bytesToAscii(bytes: number[]): string {
  return bytes.map((b) => (b >= 0x20 && b < 0x7f ? String.fromCharCode(b) : '.')).join('');
}

/** Little-endian unsigned integer of up to 8 bytes. */
export function leU64(bytes: number[]): bigint {
  let v = 0n;
  for (let i = Math.min(bytes.length, 8) - 1; i >= 0; i--) v = (v << 8n) | BigInt(bytes[i] & 0xff);
  return v;
}

function leSigned(bytes: number[]): bigint {
  const v = leU64(bytes);
  const bits = BigInt(Math.min(bytes.length, 8) * 8);
  return bits > 0n && v >= 1n << (bits - 1n) ? v - (1n << bits) : v;
}

/** A NUL-terminated (or NUL-padded) run of printable characters, as a C string would be. */
function asCString(bytes: number[]): string | undefined {
  const end = bytes.indexOf(0);
  const text = end < 0 ? bytes : bytes.slice(0, end);
  if (text.length === 0) return undefined;
  if (!text.every((b) => b >= 0x20 && b < 0x7f)) return undefined;
  if (end >= 0 && !bytes.slice(end).every((b) => b === 0)) return undefined;
  return String.fromCharCode(...text);
}

/** Guesses how to print a key or value from its size and bytes when the server gave no format. */
export function guessFormat(bytes: number[]): ValueFormat {
  if ([1, 2, 4, 8].includes(bytes.length)) return 'int';
  if (bytes.length > 2 && asCString(bytes) !== undefined) return 'string';
  return 'bytes';
}

export function formatValue(raw: unknown, format?: ValueFormat): string {
  const bytes = cleanBytes(raw);
  const f = format ?? guessFormat(bytes);
  const formatters: Record<ValueFormat, () => string> = {
    int: () => (bytes.length <= 8 ? leU64(bytes).toString() : bytesToHex(bytes)),
    signed: () => (bytes.length <= 8 ? leSigned(bytes).toString() : bytesToHex(bytes)),
    hex: () => (bytes.length <= 8 ? '0x' + leU64(bytes).toString(16) : bytesToHex(bytes)),
    string: () => JSON.stringify(asCString(bytes) ?? bytesToAscii(bytes.filter((b) => b !== 0))),
    bytes: () => bytesToHex(bytes),
  };
  return (formatters[f] ?? formatters.bytes)();
}

function isPerCpu(value: MapEntry['value']): value is number[][] {
  return Array.isArray(value) && value.length > 0 && value.every((v) => Array.isArray(v));
}

function perCpuValues(value: unknown): number[][] {
  if (!Array.isArray(value)) return [[]];
  return isPerCpu(value as MapEntry['value']) ? (value as number[][]) : [value as number[]];
}

function registerView(r: { name?: unknown; value?: unknown; type?: unknown }): RegisterView {
  const name = text(r.name);
  const v = parseU64(r.value);
  if (v === undefined) return { name, hex: text(r.value), dec: '?', type: optString(r.type) };
  return { name, hex: hex64(v), dec: v.toString(), signed: signedIfNegative(v), type: optString(r.type) };
}

/** The objects of an untrusted array (anything else dropped). */
function objects<T>(v: unknown): T[] {
  return Array.isArray(v) ? (v.filter((x) => x !== null && typeof x === 'object' && !Array.isArray(x)) as T[]) : [];
}

/** Text of an untrusted scalar; objects (which may not even convert to a string) become '?'. */
function text(v: unknown, fallback = '?'): string {
  if (typeof v === 'string') return v;
  if (typeof v === 'number' || typeof v === 'bigint' || typeof v === 'boolean') return String(v);
  return fallback;
}

function optString(v: unknown): string | undefined {
  return typeof v === 'string' && v.length > 0 ? v : undefined;
}

function fpOffset(off: number): string {
  return off < 0 ? `fp${off}` : `fp+${off}`;
}

function frameView(f: StackFrame): FrameView {
  const slots = objects<StackSlot>(f.stack);
  slots.sort((a, b) => (Number(a.offset) || 0) - (Number(b.offset) || 0));
  const rows: StackRowView[] = [];
  let budget = LIMITS.stackBytes;
  for (const slot of slots) {
    const base = Number(slot.offset) || 0;
    const bytes = cleanBytes(slot.bytes, budget);
    budget -= bytes.length;
    // Long slots are split into 8-byte rows so the dump keeps one stack word per line.
    for (let i = 0; i < bytes.length; i += 8) {
      const chunk = bytes.slice(i, i + 8);
      rows.push({
        offset: fpOffset(base + i),
        hex: bytesToHex(chunk),
        ascii: bytesToAscii(chunk),
        annotation: i === 0 ? optString(slot.annotation) : undefined,
      });
    }
    if (budget <= 0) break;
  }
  const who = optString(f.function) ? ` (${text(f.function)})` : '';
  return { title: `Frame ${text(f.index)}${who}`, rows };
}

function mapView(m: MapContents): MapView {
  const entries = objects<MapEntry>(m.entries);
  const plain = displayOf(m)?.kind === 'plain' ? (m.display as { keyFormat?: ValueFormat; valueFormat?: ValueFormat }) : undefined;
  const cpus = entries.reduce((n, e) => (isPerCpu(e.value) ? Math.max(n, e.value.length) : n), 0);
  const columns = cpus > 0 ? ['key', ...Array.from({ length: cpus }, (_, i) => `cpu${i}`), 'sum'] : ['key', 'value'];
  const rows = entries.slice(0, LIMITS.mapRows).map((e) => {
    const key = formatValue(e.key, plain?.keyFormat);
    if (cpus === 0) return [key, formatValue(e.value, plain?.valueFormat)];
    const per = perCpuValues(e.value);
    const cells = Array.from({ length: cpus }, (_, i) => (per[i] ? formatValue(per[i], plain?.valueFormat ?? 'int') : ''));
    const sum = per.every((v) => v.length <= 8) ? per.reduce((s, v) => s + leU64(cleanBytes(v)), 0n).toString() : '';
    return [key, ...cells, sum];
  });
  const count = entries.length;
  const parts = [text(m.type), `key ${text(m.keySize)} B`, `value ${text(m.valueSize)} B`];
  if (cpus > 0) parts.push(`${cpus} CPUs`);
  parts.push(`${count} ${count === 1 ? 'entry' : 'entries'}`);
  return {
    name: text(m.name),
    subtitle: parts.join(', '),
    columns,
    rows,
    truncated: count > LIMITS.mapRows ? `${count - LIMITS.mapRows} more entries not shown` : undefined,
  };
}

// --- histograms -------------------------------------------------------------------------------

const SUFFIXES = ['', 'K', 'M', 'G', 'T', 'P', 'E'];

/** Powers of two printed as bpftrace does: 1024 → "1K", 3 → "3". */
export function shortPow(v: bigint): string {
  let i = 0;
  while (v >= 1024n && v % 1024n === 0n && i < SUFFIXES.length - 1) {
    v /= 1024n;
    i++;
  }
  return `${v}${SUFFIXES[i]}`;
}

/** Label of bucket i of a log2 histogram (see MapDisplay in the protocol). */
export function log2Label(i: number): string {
  if (i <= 0) return '(..., 0)';
  if (i === 1) return '[0]';
  if (i === 2) return '[1]';
  const lo = 1n << BigInt(i - 2);
  return `[${shortPow(lo)}, ${shortPow(lo * 2n)})`;
}

/** Label of bucket i of lhist(min, max, step). */
export function lhistLabel(i: number, min: number, max: number, step: number): string {
  if (i <= 0) return `(..., ${min})`;
  const lo = min + (i - 1) * step;
  if (lo >= max) return `[${max}, ...)`;
  return `[${lo}, ${Math.min(lo + step, max)})`;
}

function bars(counts: Map<number, bigint>, label: (i: number) => string): BarView[] {
  const used = [...counts.entries()].filter(([, c]) => c > 0n).map(([i]) => i);
  if (used.length === 0) return [];
  const lo = Math.min(...used);
  const hi = Math.min(Math.max(...used), lo + LIMITS.buckets - 1);
  let max = 0n;
  for (const [, c] of counts) if (c > max) max = c;
  const out: BarView[] = [];
  // Empty buckets between the first and the last used one are shown, as bpftrace prints them.
  for (let i = lo; i <= hi; i++) {
    const c = counts.get(i) ?? 0n;
    out.push({ label: label(i), count: groupDigits(c), width: max > 0n ? Number((c * 1000n) / max) / 10 : 0 });
  }
  return out;
}

function displayOf(m: MapContents): MapDisplay | undefined {
  const d = m.display as unknown;
  return d !== null && typeof d === 'object' ? (d as MapDisplay) : undefined;
}

function histogramsFromMap(m: MapContents): HistogramView[] {
  const d = displayOf(m);
  if (!d || (d.kind !== 'hist' && d.kind !== 'lhist')) return [];
  const groups = new Map<string, { title: string; counts: Map<number, bigint> }>();
  for (const e of objects<MapEntry>(m.entries)) {
    const key = cleanBytes(e.key);
    if (key.length < 8) continue;
    const user = key.slice(0, key.length - 8);
    const bucket = Number(leU64(key.slice(key.length - 8)));
    if (!Number.isSafeInteger(bucket) || bucket > 1_000_000) continue;
    const count = perCpuValues(e.value).reduce((s, v) => s + leU64(cleanBytes(v)), 0n);
    const id = bytesToHex(user);
    let g = groups.get(id);
    if (!g) {
      const title = user.length ? `${text(m.name)}[${formatValue(user)}]` : text(m.name);
      g = { title, counts: new Map() };
      groups.set(id, g);
    }
    g.counts.set(bucket, (g.counts.get(bucket) ?? 0n) + count);
  }
  const label = d.kind === 'hist' ? log2Label : (i: number) => lhistLabel(i, d.min, d.max, d.step);
  return [...groups.values()].map((g) => ({ title: g.title, bars: bars(g.counts, label) }));
}

function histogramFromServer(h: Histogram): HistogramView {
  const buckets = objects<Histogram['buckets'][number]>(h.buckets).slice(0, LIMITS.buckets);
  const max = buckets.reduce((m, b) => Math.max(m, Number(b.count) || 0), 0);
  return {
    title: h.key !== undefined ? `${text(h.map)}[${text(h.key)}]` : text(h.map),
    bars: buckets.map((b) => {
      const c = Math.max(0, Number(b.count) || 0);
      return { label: text(b.label), count: groupDigits(c), width: max > 0 ? Math.round((c / max) * 1000) / 10 : 0 };
    }),
  };
}

// --- the whole view ---------------------------------------------------------------------------

/** Turns a run result into the inspector's view model. Never throws on malformed input. */
export function renderModel(result: RunResult): InspectorView {
  const r = (result !== null && typeof result === 'object' ? result : {}) as Partial<RunResult>;
  const r0 = parseU64(r.r0) ?? 0n;
  const maps = objects<MapContents>(r.maps);
  const serverHists = objects<Histogram>(r.histograms).map(histogramFromServer);
  const histMaps = new Set(maps.filter((m) => displayOf(m)?.kind === 'hist' || displayOf(m)?.kind === 'lhist'));
  const derivedHists = serverHists.length ? [] : [...histMaps].flatMap(histogramsFromMap);
  const output = Array.isArray(r.output) ? r.output.map((l) => text(l, '')) : [];
  const err = r.error !== null && typeof r.error === 'object' ? r.error : undefined;
  return {
    ok: r.ok === true,
    error: err
      ? {
          message: text(err.message, 'error'),
          where:
            typeof err.line === 'number'
              ? `line ${err.line + 1}${typeof err.col === 'number' ? `, col ${err.col + 1}` : ''}`
              : typeof err.insn === 'number'
                ? `insn ${err.insn}`
                : undefined,
        }
      : undefined,
    r0: { dec: r0.toString(), hex: hex64(r0), signed: signedIfNegative(r0), meaning: optString(r.r0Meaning) },
    progType: optString(r.progType),
    insnCount: groupDigits(typeof r.insnCount === 'number' ? r.insnCount : 0),
    registers: objects<RegisterValue>(r.registers).slice(0, 16).map(registerView),
    frames: objects<StackFrame>(r.frames).slice(0, 16).map(frameView),
    // Histogram maps are drawn as bar charts instead of raw tables (when bars could be derived).
    maps: maps.filter((m) => !(histMaps.has(m) && (serverHists.length || derivedHists.length))).map(mapView),
    histograms: [...serverHists, ...derivedHists],
    output:
      output.length > LIMITS.outputLines
        ? [...output.slice(0, LIMITS.outputLines), `… ${output.length - LIMITS.outputLines} more lines`]
        : output,
  };
}
