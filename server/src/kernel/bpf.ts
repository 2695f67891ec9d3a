// The optional bpf() syscall bridge: load programs into the real verifier, create and poke maps,
// and run programs with PROG_TEST_RUN. Nothing is ever attached. Every call is synchronous.
//
// Error convention: progLoad never throws (a verifier rejection is an ordinary outcome and comes
// back with errno + log). The map and test-run calls throw KernelError, whose message names the
// command and errno; helpers (withProgram, withMap) close their fds in finally blocks.
import type { MapType, ProgType } from '../core/types';
import {
  buildAttr,
  MAP_CREATE_LAYOUT,
  MAP_ELEM_LAYOUT,
  MAP_NAME_OFFSET,
  PROG_LOAD_LAYOUT,
  PROG_NAME_OFFSET,
  readU32,
  TEST_RUN_LAYOUT,
  writeObjName,
} from './attr';
import { BpfCmd, errnoName, MAP_TYPE_NUMBER, PROG_TYPE_NUMBER, UpdateFlag } from './constants';
import { nativeBpf, type NativeBpf } from './ffi';

export type KernelAvailability = { ok: true } | { ok: false; reason: string };

export class KernelError extends Error {
  constructor(
    readonly op: string,
    readonly errno: number,
    readonly log = '',
  ) {
    super(`bpf(${op}) failed: ${errnoName(errno)} (${errno})${lastLogLine(log)}`);
    this.name = 'KernelError';
  }
}

function lastLogLine(log: string): string {
  // The verifier's reason is the last line before the "processed N insns" summary.
  const lines = log.split('\n').filter((l) => l.trim() !== '' && !l.startsWith('processed '));
  return lines.length > 0 ? `: ${lines[lines.length - 1]}` : '';
}

const ENOENT = 2;
const ENOSPC = 28;

const DEFAULT_LOG_SIZE = 1 << 16;
/** The kernel refuses log buffers of 2^30 bytes or more; 64 MiB is plenty for any real log. */
const MAX_LOG_SIZE = 1 << 26;
/** PROG_TEST_RUN needs room for programs that grow the packet (xdp adjust_tail/head). */
const DATA_OUT_SLACK = 4096;

let availability: KernelAvailability | undefined;

function native(): NativeBpf {
  const n = nativeBpf();
  if ('reason' in n) throw new KernelError('bridge', 38 /* ENOSYS */, n.reason);
  return n.native;
}

/**
 * Whether programs can be loaded here: tries `r0 = 0; exit` as a socket filter once and caches
 * the answer (false with a reason when koffi is missing, the OS is not Linux, or the kernel says EPERM).
 */
export function kernelAvailable(): KernelAvailability {
  if (availability) return availability;
  const n = nativeBpf();
  if ('reason' in n) return (availability = { ok: false, reason: n.reason });
  const trivial = Uint8Array.from([0xb7, 0, 0, 0, 0, 0, 0, 0, 0x95, 0, 0, 0, 0, 0, 0, 0]);
  try {
    const r = progLoad({ insns: trivial, progType: 'socket_filter', logLevel: 0 });
    if (r.fd !== undefined) {
      closeFd(r.fd);
      availability = { ok: true };
    } else {
      const why = r.errno !== undefined ? `${errnoName(r.errno)} (${r.errno})` : 'unknown error';
      availability = { ok: false, reason: `the kernel refused a trivial BPF_PROG_LOAD: ${why}${r.errno === 1 ? ' — needs CAP_BPF or root' : ''}` };
    }
  } catch (e) {
    availability = { ok: false, reason: `bpf() could not be called: ${e instanceof Error ? e.message : String(e)}` };
  }
  return availability;
}

export interface ProgLoadOptions {
  /** Instruction bytes, 8 per slot. */
  insns: Uint8Array;
  progType: ProgType | number;
  license?: string;
  /** 1 (default) logs the verifier's walk; 2 adds every state; 0 loads silently but still retries with 1 on failure. */
  logLevel?: 0 | 1 | 2;
  logSize?: number;
  expectedAttachType?: number;
  kernVersion?: number;
  /** Object name shown by bpftool (sanitized, at most 15 chars). */
  name?: string;
}

export interface ProgLoadResult {
  /** The program's fd on success; the caller must close it. */
  fd?: number;
  errno?: number;
  /** The verifier log, complete (the buffer is grown until the kernel stops truncating). */
  log: string;
}

function progTypeNumber(t: ProgType | number): number {
  return typeof t === 'number' ? t : PROG_TYPE_NUMBER[t];
}

function cString(buf: Buffer): string {
  const end = buf.indexOf(0);
  return buf.toString('utf8', 0, end < 0 ? buf.length : end);
}

function loadOnce(n: NativeBpf, o: ProgLoadOptions, logLevel: number, logSize: number) {
  const insns = Buffer.from(o.insns.buffer, o.insns.byteOffset, o.insns.byteLength);
  const license = Buffer.from(`${o.license ?? 'GPL'}\0`, 'latin1');
  const log = Buffer.alloc(logLevel > 0 ? logSize : 0);
  const attr = buildAttr(PROG_LOAD_LAYOUT, {
    progType: progTypeNumber(o.progType),
    insnCnt: Math.floor(insns.length / 8),
    insns: n.addressOf(insns),
    license: n.addressOf(license),
    logLevel,
    logSize: log.length,
    logBuf: n.addressOf(log),
    kernVersion: o.kernVersion ?? 0,
    expectedAttachType: o.expectedAttachType ?? 0,
  });
  writeObjName(attr, PROG_NAME_OFFSET, o.name);
  const { ret, errno } = n.bpf(BpfCmd.PROG_LOAD, attr, [insns, license, log]);
  return { ret, errno, log: cString(log), trueSize: readU32(attr, PROG_LOAD_LAYOUT, 'logTrueSize') };
}

/** BPF_PROG_LOAD. Never throws: an unavailable bridge comes back as errno ENOSYS with the reason as log. */
export function progLoad(o: ProgLoadOptions): ProgLoadResult {
  const n = nativeBpf();
  if ('reason' in n) return { errno: 38, log: n.reason };
  if (o.insns.length === 0 || o.insns.length % 8 !== 0) {
    return { errno: 22, log: `instruction bytes must be a non-empty multiple of 8 (got ${o.insns.length})` };
  }
  let level: number = o.logLevel ?? 1;
  let size = Math.min(Math.max(o.logSize ?? DEFAULT_LOG_SIZE, 128), MAX_LOG_SIZE);
  // Bounded: each retry either turns the log on once or grows the buffer towards MAX_LOG_SIZE.
  for (let attempt = 0; attempt < 8; attempt++) {
    const r = loadOnce(n.native, o, level, size);
    if (r.ret >= 0) return { fd: r.ret, log: r.log };
    if (level === 0) {
      level = 1;
      continue;
    }
    if (r.errno === ENOSPC && size < MAX_LOG_SIZE) {
      // The kernel reports how much it wanted (6.4+); otherwise double.
      size = Math.min(MAX_LOG_SIZE, Math.max(size * 2, r.trueSize + 1));
      continue;
    }
    return { errno: r.errno, log: r.log };
  }
  return { errno: ENOSPC, log: 'verifier log kept growing; gave up' };
}

export interface MapCreateOptions {
  type: MapType | number;
  keySize: number;
  valueSize: number;
  maxEntries: number;
  flags?: number;
  name?: string;
}

/** BPF_MAP_CREATE → fd (caller closes). Throws KernelError. */
export function mapCreate(o: MapCreateOptions): number {
  const n = native();
  const attr = buildAttr(MAP_CREATE_LAYOUT, {
    mapType: typeof o.type === 'number' ? o.type : MAP_TYPE_NUMBER[o.type],
    keySize: o.keySize,
    valueSize: o.valueSize,
    maxEntries: o.maxEntries,
    mapFlags: o.flags ?? 0,
  });
  writeObjName(attr, MAP_NAME_OFFSET, o.name);
  const { ret, errno } = n.bpf(BpfCmd.MAP_CREATE, attr, []);
  if (ret < 0) throw new KernelError('MAP_CREATE', errno);
  return ret;
}

function elemCall(op: keyof typeof BpfCmd, fd: number, key: Uint8Array | null, value: Buffer | null, flags: number) {
  const n = native();
  const keyBuf = key ? Buffer.from(key) : Buffer.alloc(0);
  const attr = buildAttr(MAP_ELEM_LAYOUT, {
    mapFd: fd,
    key: n.addressOf(keyBuf),
    value: value ? n.addressOf(value) : 0n,
    flags,
  });
  return n.bpf(BpfCmd[op], attr, [keyBuf, value]);
}

/** BPF_MAP_LOOKUP_ELEM: the value bytes, or undefined when the key is absent. Throws KernelError otherwise. */
export function mapLookup(fd: number, key: Uint8Array, valueSize: number): Uint8Array | undefined {
  const value = Buffer.alloc(valueSize);
  const { ret, errno } = elemCall('MAP_LOOKUP_ELEM', fd, key, value, 0);
  if (ret < 0) {
    if (errno === ENOENT) return undefined;
    throw new KernelError('MAP_LOOKUP_ELEM', errno);
  }
  return new Uint8Array(value);
}

/** BPF_MAP_UPDATE_ELEM with BPF_ANY (0), BPF_NOEXIST (1) or BPF_EXIST (2). Throws KernelError. */
export function mapUpdate(fd: number, key: Uint8Array, value: Uint8Array, flags: number = UpdateFlag.ANY): void {
  const { ret, errno } = elemCall('MAP_UPDATE_ELEM', fd, key, Buffer.from(value), flags);
  if (ret < 0) throw new KernelError('MAP_UPDATE_ELEM', errno);
}

/** BPF_MAP_DELETE_ELEM: true if deleted, false if the key was absent. Throws KernelError otherwise. */
export function mapDelete(fd: number, key: Uint8Array): boolean {
  const { ret, errno } = elemCall('MAP_DELETE_ELEM', fd, key, null, 0);
  if (ret < 0) {
    if (errno === ENOENT) return false;
    throw new KernelError('MAP_DELETE_ELEM', errno);
  }
  return true;
}

export interface TestRunOptions {
  fd: number;
  /** The packet (data_in); at least 14 bytes for skb and xdp programs. */
  data: Uint8Array;
  ctxIn?: Uint8Array;
  /** Bytes to reserve for ctx_out (default: the size of ctxIn, 0 when absent). */
  ctxOutSize?: number;
  repeat?: number;
}

export interface TestRunResult {
  /** The program's return value (r0, as u32). */
  retval: number;
  /** The packet after the run. */
  dataOut: Uint8Array;
  ctxOut?: Uint8Array;
  /** Average run time in ns as the kernel measured it. */
  duration: number;
}

/** BPF_PROG_TEST_RUN. Throws KernelError. */
export function progTestRun(o: TestRunOptions): TestRunResult {
  const n = native();
  const dataIn = Buffer.from(o.data);
  const ctxIn = o.ctxIn ? Buffer.from(o.ctxIn) : Buffer.alloc(0);
  let outSize = dataIn.length + DATA_OUT_SLACK;
  for (let attempt = 0; attempt < 3; attempt++) {
    const dataOut = Buffer.alloc(outSize);
    const ctxOut = Buffer.alloc(o.ctxOutSize ?? ctxIn.length);
    const attr = buildAttr(TEST_RUN_LAYOUT, {
      progFd: o.fd,
      dataSizeIn: dataIn.length,
      dataSizeOut: dataOut.length,
      dataIn: n.addressOf(dataIn),
      dataOut: n.addressOf(dataOut),
      repeat: o.repeat ?? 1,
      ctxSizeIn: ctxIn.length,
      ctxSizeOut: ctxOut.length,
      ctxIn: n.addressOf(ctxIn),
      ctxOut: n.addressOf(ctxOut),
    });
    const { ret, errno } = n.bpf(BpfCmd.PROG_TEST_RUN, attr, [dataIn, dataOut, ctxIn, ctxOut]);
    const written = readU32(attr, TEST_RUN_LAYOUT, 'dataSizeOut');
    if (ret < 0 && errno === ENOSPC && written > outSize) {
      outSize = written;
      continue;
    }
    if (ret < 0) throw new KernelError('PROG_TEST_RUN', errno);
    const ctxWritten = readU32(attr, TEST_RUN_LAYOUT, 'ctxSizeOut');
    return {
      retval: readU32(attr, TEST_RUN_LAYOUT, 'retval'),
      dataOut: new Uint8Array(dataOut.subarray(0, Math.min(written, dataOut.length))),
      ctxOut: ctxOut.length > 0 ? new Uint8Array(ctxOut.subarray(0, Math.min(ctxWritten, ctxOut.length))) : undefined,
      duration: readU32(attr, TEST_RUN_LAYOUT, 'duration'),
    };
  }
  throw new KernelError('PROG_TEST_RUN', ENOSPC);
}

/** Closes an fd the bridge handed out; ignores negatives and does nothing when the bridge is unavailable. */
export function closeFd(fd: number | undefined): void {
  if (fd === undefined || fd < 0) return;
  const n = nativeBpf();
  if ('native' in n) n.native.close(fd);
}

/**
 * Loads a program, hands its fd to `fn`, and closes it afterwards whatever happens.
 * Throws KernelError (with the verifier log) when the load is refused.
 */
export function withProgram<T>(
  insns: Uint8Array,
  progType: ProgType | number,
  fn: (fd: number, log: string) => T,
  options: Omit<ProgLoadOptions, 'insns' | 'progType'> = {},
): T {
  const r = progLoad({ ...options, insns, progType });
  if (r.fd === undefined) throw new KernelError('PROG_LOAD', r.errno ?? 0, r.log);
  try {
    return fn(r.fd, r.log);
  } finally {
    closeFd(r.fd);
  }
}

/** Creates a map, hands its fd to `fn`, and closes it afterwards. */
export function withMap<T>(o: MapCreateOptions, fn: (fd: number) => T): T {
  const fd = mapCreate(o);
  try {
    return fn(fd);
  } finally {
    closeFd(fd);
  }
}
