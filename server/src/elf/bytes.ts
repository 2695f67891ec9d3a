// Bounds-checked little-endian reads over an object file. Every read names what it was reading,
// so a short or corrupt file gives "truncated ... reading <what>" instead of garbage or a RangeError.

/** A format problem in the object file; caught at the public API and turned into a Finding. */
export class ElfError extends Error {
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message);
    this.name = 'ElfError';
  }
}

export class ByteReader {
  private readonly view: DataView;

  constructor(readonly bytes: Uint8Array) {
    this.view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  }

  get length(): number {
    return this.bytes.length;
  }

  /** Throws ElfError unless [offset, offset + size) lies inside the file. */
  check(offset: number, size: number, what: string): void {
    if (!Number.isSafeInteger(offset) || !Number.isSafeInteger(size) || offset < 0 || size < 0 || offset + size > this.bytes.length) {
      throw new ElfError(
        'elf.truncated',
        `truncated object file: ${what} needs bytes ${offset}..${offset + size} but the file has ${this.bytes.length}`,
      );
    }
  }

  u8(offset: number, what: string): number {
    this.check(offset, 1, what);
    return this.view.getUint8(offset);
  }

  u16(offset: number, what: string): number {
    this.check(offset, 2, what);
    return this.view.getUint16(offset, true);
  }

  u32(offset: number, what: string): number {
    this.check(offset, 4, what);
    return this.view.getUint32(offset, true);
  }

  i32(offset: number, what: string): number {
    this.check(offset, 4, what);
    return this.view.getInt32(offset, true);
  }

  /** A 64-bit field as a number; offsets and sizes beyond 2^53 cannot be valid in a file we can hold. */
  u64(offset: number, what: string): number {
    this.check(offset, 8, what);
    const v = this.view.getBigUint64(offset, true);
    if (v > BigInt(Number.MAX_SAFE_INTEGER)) throw new ElfError('elf.bad-value', `${what} is out of range (${v})`);
    return Number(v);
  }

  /** A copy-free window of the file. */
  slice(offset: number, size: number, what: string): Uint8Array {
    this.check(offset, size, what);
    return this.bytes.subarray(offset, offset + size);
  }
}

/** A NUL-terminated string inside a string table; an unterminated one ends at the table's end. */
export function cstring(table: Uint8Array, offset: number): string {
  if (offset < 0 || offset >= table.length) return '';
  let end = offset;
  while (end < table.length && table[end] !== 0) end++;
  return new TextDecoder('utf-8', { fatal: false }).decode(table.subarray(offset, end));
}
