// union bpf_attr laid out by hand: one offset table per command we issue.
// Offsets follow include/uapi/linux/bpf.h (x86-64 and every other 64-bit LE target share them).
// Fields we do not set stay zero, which the kernel requires of everything past what it knows.

/** Large enough for every PROG_LOAD field up to fd_array_cnt (6.14+); the tail is zero. */
export const ATTR_SIZE = 160;

type FieldKind = 'u32' | 'u64';
type Layout = Record<string, readonly [offset: number, kind: FieldKind]>;

export const MAP_CREATE_LAYOUT = {
  mapType: [0, 'u32'],
  keySize: [4, 'u32'],
  valueSize: [8, 'u32'],
  maxEntries: [12, 'u32'],
  mapFlags: [16, 'u32'],
} as const satisfies Layout;
/** char map_name[16] in MAP_CREATE. */
export const MAP_NAME_OFFSET = 28;
export const OBJ_NAME_LEN = 16;

export const MAP_ELEM_LAYOUT = {
  mapFd: [0, 'u32'],
  key: [8, 'u64'],
  value: [16, 'u64'],
  flags: [24, 'u64'],
} as const satisfies Layout;

export const PROG_LOAD_LAYOUT = {
  progType: [0, 'u32'],
  insnCnt: [4, 'u32'],
  insns: [8, 'u64'],
  license: [16, 'u64'],
  logLevel: [24, 'u32'],
  logSize: [28, 'u32'],
  logBuf: [32, 'u64'],
  kernVersion: [40, 'u32'],
  progFlags: [44, 'u32'],
  expectedAttachType: [68, 'u32'],
  logTrueSize: [140, 'u32'],
} as const satisfies Layout;
/** char prog_name[16] in PROG_LOAD. */
export const PROG_NAME_OFFSET = 48;

export const TEST_RUN_LAYOUT = {
  progFd: [0, 'u32'],
  retval: [4, 'u32'],
  dataSizeIn: [8, 'u32'],
  dataSizeOut: [12, 'u32'],
  dataIn: [16, 'u64'],
  dataOut: [24, 'u64'],
  repeat: [32, 'u32'],
  duration: [36, 'u32'],
  ctxSizeIn: [40, 'u32'],
  ctxSizeOut: [44, 'u32'],
  ctxIn: [48, 'u64'],
  ctxOut: [56, 'u64'],
  flags: [64, 'u32'],
} as const satisfies Layout;

/** Builds a zeroed attr with the given fields set. */
export function buildAttr<L extends Layout>(layout: L, values: Partial<Record<keyof L, number | bigint>>): Buffer {
  const buf = Buffer.alloc(ATTR_SIZE);
  for (const name of Object.keys(values) as (keyof L & string)[]) {
    const v = values[name];
    if (v === undefined) continue;
    const [offset, kind] = layout[name];
    if (kind === 'u32') buf.writeUInt32LE(Number(BigInt.asUintN(32, BigInt(v))), offset);
    else buf.writeBigUInt64LE(BigInt.asUintN(64, BigInt(v)), offset);
  }
  return buf;
}

export function readU32<L extends Layout>(buf: Buffer, layout: L, name: keyof L): number {
  return buf.readUInt32LE(layout[name][0]);
}

/** Writes a NUL-terminated object name (kernel allows [A-Za-z0-9_.], at most 15 bytes). */
export function writeObjName(buf: Buffer, offset: number, name: string | undefined): void {
  if (!name) return;
  const clean = name.replace(/[^A-Za-z0-9_.]/g, '_').slice(0, OBJ_NAME_LEN - 1);
  buf.write(clean, offset, 'latin1');
}
