// .BTF.ext: CO-RE relocations are only counted, to warn that they are not applied (offsets stay
// as compiled); function info is only detected, since with it a loader like libbpf passes BTF
// func_info with the programs, which the verifier needs for callbacks.
import { ByteReader, ElfError } from './bytes';

const BTF_MAGIC = 0xeb9f;
/** Headers shorter than this predate CO-RE and carry no core_relo part. */
const HDR_WITH_CORE = 32;
const SEC_HEADER = 8;
/** bpf_func_info: insn_off and type_id. */
const MIN_FUNC_INFO_RECORD = 8;

/** Whether a .BTF.ext section carries at least one function info record. */
export function hasFuncInfo(bytes: Uint8Array): boolean {
  const r = new ByteReader(bytes);
  if (r.u16(0, '.BTF.ext magic') !== BTF_MAGIC) throw new ElfError('elf.bad-btf', '.BTF.ext has the wrong magic (expected 0xeb9f)');
  const hdrLen = r.u32(4, '.BTF.ext header');
  const off = r.u32(8, '.BTF.ext header');
  const len = r.u32(12, '.BTF.ext header');
  if (len === 0) return false;
  const part = new ByteReader(r.slice(hdrLen + off, len, '.BTF.ext function info'));
  const recSize = part.u32(0, 'function info record size');
  if (recSize < MIN_FUNC_INFO_RECORD) throw new ElfError('elf.bad-btf', `.BTF.ext function info records of ${recSize} bytes are too short`);
  // Each step consumes a section header plus its records, so the walk ends within len bytes.
  for (let at = 4; at + SEC_HEADER <= part.length; ) {
    const n = part.u32(at + 4, 'function info section');
    part.check(at + SEC_HEADER, n * recSize, 'function info records');
    if (n > 0) return true;
    at += SEC_HEADER + n * recSize;
  }
  return false;
}

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
