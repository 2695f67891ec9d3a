// .BTF.ext: only counted, to warn that CO-RE relocations are not applied (offsets stay as compiled).
import { ByteReader, ElfError } from './bytes';

const BTF_MAGIC = 0xeb9f;
/** Headers shorter than this predate CO-RE and carry no core_relo part. */
const HDR_WITH_CORE = 32;
const SEC_HEADER = 8;

/** Number of CO-RE relocation records in a .BTF.ext section. */
export function countCoreRelocations(bytes: Uint8Array): number {
  const r = new ByteReader(bytes);
  if (r.u16(0, '.BTF.ext magic') !== BTF_MAGIC) throw new ElfError('elf.bad-btf', '.BTF.ext has the wrong magic (expected 0xeb9f)');
  const hdrLen = r.u32(4, '.BTF.ext header');
  if (hdrLen < HDR_WITH_CORE) return 0;
  const off = r.u32(24, '.BTF.ext header');
  const len = r.u32(28, '.BTF.ext header');
  if (len === 0) return 0;
  const part = new ByteReader(r.slice(hdrLen + off, len, '.BTF.ext CO-RE relocations'));
  const recSize = part.u32(0, 'CO-RE record size');
  if (recSize === 0) throw new ElfError('elf.bad-btf', '.BTF.ext CO-RE record size is 0');
  let count = 0;
  // Each step consumes a section header plus its records, so the walk ends within len bytes.
  for (let at = 4; at + SEC_HEADER <= part.length; ) {
    const n = part.u32(at + 4, 'CO-RE section');
    part.check(at + SEC_HEADER, n * recSize, 'CO-RE records');
    count += n;
    at += SEC_HEADER + n * recSize;
  }
  return count;
}
