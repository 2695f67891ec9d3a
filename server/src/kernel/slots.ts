// Insn[] → the kernel's 8-byte instruction slots. Kept local and tiny so the bridge has no
// dependency beyond the shared types; the ISA table's encoder produces the same bytes.
import type { Insn } from '../core/types';

export function encodeSlots(insns: readonly Insn[]): Uint8Array {
  const out = Buffer.alloc(insns.length * 8);
  for (let i = 0; i < insns.length; i++) {
    const insn = insns[i];
    const at = i * 8;
    out[at] = insn.opcode & 0xff;
    out[at + 1] = (insn.dst & 0x0f) | ((insn.src & 0x0f) << 4);
    out.writeInt16LE(insn.off << 16 >> 16, at + 2);
    let imm = insn.imm;
    if (insn.imm64 !== undefined) {
      imm = Number(BigInt.asIntN(32, insn.imm64));
      // The filler slot carries the high half; write it here so a stale filler cannot disagree.
      if (i + 1 < insns.length) out.writeInt32LE(Number(BigInt.asIntN(32, insn.imm64 >> 32n)), at + 12);
    } else if (insn.filler && i > 0 && insns[i - 1].imm64 !== undefined) {
      continue;
    }
    out.writeInt32LE(imm | 0, at + 4);
  }
  return out;
}
