// Encoding and decoding of instruction slots, through the form table.
import type { Insn } from '../core/types';
import { FORMS_BY_OPCODE, type InsnForm } from './table';

export const LDDW_OPCODE = 0x18;

/** Why a slot matches no form: the kernel distinguishes an unknown opcode from misused fields. */
export type FormMismatch =
  | { reason: 'unknown-opcode' }
  | { reason: 'bad-field'; field: 'src' | 'dst' | 'off' | 'imm'; forms: readonly InsnForm[] };

export type FormMatch = { form: InsnForm } | FormMismatch;

const FIELDS = ['dst', 'src', 'off', 'imm'] as const;

function fits(form: InsnForm, insn: Insn): 'src' | 'dst' | 'off' | 'imm' | undefined {
  for (const field of FIELDS) {
    const fixed = form.fixed[field as keyof InsnForm['fixed']];
    if (fixed !== undefined) {
      if (insn[field] !== fixed) return field;
    } else if (!form.uses[field] && insn[field] !== 0) {
      return field;
    }
  }
  return undefined;
}

/** The form a slot encodes, or why it encodes none. */
export function matchForm(insn: Insn): FormMatch {
  const candidates = FORMS_BY_OPCODE[insn.opcode & 0xff];
  if (candidates.length === 0) return { reason: 'unknown-opcode' };
  let firstBad: 'src' | 'dst' | 'off' | 'imm' = 'imm';
  for (let i = 0; i < candidates.length; i++) {
    const bad = fits(candidates[i], insn);
    if (bad === undefined) return { form: candidates[i] };
    if (i === 0) firstBad = bad;
  }
  return { reason: 'bad-field', field: firstBad, forms: candidates };
}

export function formOf(insn: Insn): InsnForm | undefined {
  const m = matchForm(insn);
  return 'form' in m ? m.form : undefined;
}

function readSlot(view: DataView, at: number): Insn {
  const regs = view.getUint8(at + 1);
  return {
    opcode: view.getUint8(at),
    dst: regs & 0x0f,
    src: regs >> 4,
    off: view.getInt16(at + 2, true),
    imm: view.getInt32(at + 4, true),
  };
}

/**
 * Splits bytes into slots. A 64-bit immediate load takes the next slot's imm as its high half;
 * a trailing partial slot is ignored by the caller's length check (see `decodeProgram`).
 */
export function decodeProgram(bytes: Uint8Array): Insn[] {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const count = Math.floor(bytes.byteLength / 8);
  const out: Insn[] = new Array(count);
  for (let i = 0; i < count; i++) {
    const insn = readSlot(view, i * 8);
    out[i] = insn;
    if (insn.opcode === LDDW_OPCODE && i + 1 < count) {
      const next = readSlot(view, (i + 1) * 8);
      insn.imm64 = (BigInt(next.imm >>> 0) << 32n) | BigInt(insn.imm >>> 0);
      next.filler = true;
      out[++i] = next;
    }
  }
  return out;
}

export function writeSlot(view: DataView, at: number, insn: Insn): void {
  view.setUint8(at, insn.opcode & 0xff);
  view.setUint8(at + 1, ((insn.src & 0x0f) << 4) | (insn.dst & 0x0f));
  view.setInt16(at + 2, insn.off, true);
  view.setInt32(at + 4, insn.imm | 0, true);
}

export function encodeProgram(insns: readonly Insn[]): Uint8Array {
  const bytes = new Uint8Array(insns.length * 8);
  const view = new DataView(bytes.buffer);
  insns.forEach((insn, i) => writeSlot(view, i * 8, insn));
  return bytes;
}

/** The two slots of a 64-bit immediate load. */
export function lddwSlots(dst: number, src: number, value: bigint): [Insn, Insn] {
  const v = BigInt.asUintN(64, value);
  const lo = Number(v & 0xffffffffn) | 0;
  const hi = Number(v >> 32n) | 0;
  return [
    { opcode: LDDW_OPCODE, dst, src, off: 0, imm: lo, imm64: v },
    { opcode: 0, dst: 0, src: 0, off: 0, imm: hi, filler: true },
  ];
}

/** Builds a one-slot instruction of a form; the form's fixed fields win over the given ones. */
export function makeInsn(form: InsnForm, fields: Partial<Pick<Insn, 'dst' | 'src' | 'off' | 'imm'>>): Insn {
  return {
    opcode: form.opcode,
    dst: fields.dst ?? 0,
    src: form.fixed.src ?? fields.src ?? 0,
    off: form.fixed.off ?? fields.off ?? 0,
    imm: form.fixed.imm ?? fields.imm ?? 0,
  };
}

/** The 64-bit little-endian value of a slot, as the conformance suite's `-- raw` lines write it. */
export function slotAsU64(insn: Insn): bigint {
  const b = encodeProgram([insn]);
  return new DataView(b.buffer).getBigUint64(0, true);
}
