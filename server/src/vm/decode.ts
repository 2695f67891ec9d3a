// Pre-decoding: each slot of a Program becomes an Op once, through the ISA table, with its jump
// target, map reference and block-leader flag worked out, so that neither engine looks at opcodes.
import type { Program } from '../core/types';
import { matchForm } from '../isa/codec';
import { PSEUDO, type FormKind, type InsnForm } from '../isa/table';

export interface Op {
  slot: number;
  kind: FormKind | 'invalid' | 'filler';
  form?: InsnForm;
  dst: number;
  src: number;
  off: number;
  imm: number;
  /** Operation width (ALU/jumps) — 32 or 64. */
  width: 32 | 64;
  /** The second operand is a register. */
  reg: boolean;
  /** Access size in bytes for memory forms. */
  size: 1 | 2 | 4 | 8;
  /** Jump or local-call target slot (may be out of range: checked when executed). */
  target: number;
  /** lddw: the value for plain loads; map references resolve at load time (see `mapRef`). */
  imm64: bigint;
  /** lddw of a map (value=false) or of a map value at `offset` (value=true). */
  mapRef?: { map: number; value: boolean; offset: number; symbol?: string };
  /** Why an invalid slot is invalid. */
  invalid?: string;
}

export interface Decoded {
  ops: Op[];
  /** Slots where a basic block starts: entry, jump targets, after jumps, calls and exits. */
  leaders: Uint8Array;
  /** Slots that start functions (entry and bpf-to-bpf call targets), for frame names. */
  functions: Set<number>;
}

export function decode(program: Program): Decoded {
  const insns = program.insns;
  const n = insns.length;
  const ops: Op[] = new Array<Op>(n);
  const leaders = new Uint8Array(n + 1);
  const functions = new Set<number>([0]);
  leaders[0] = 1;
  for (let i = 0; i < n; i++) {
    const insn = insns[i];
    const base: Op = {
      slot: i, kind: 'invalid', dst: insn.dst, src: insn.src, off: insn.off, imm: insn.imm,
      width: 64, reg: false, size: 8, target: -1, imm64: 0n,
    };
    ops[i] = base;
    if (insn.filler) {
      base.kind = 'filler';
      continue;
    }
    const m = matchForm(insn);
    if (!('form' in m)) {
      base.invalid = m.reason === 'unknown-opcode'
        ? `unknown opcode 0x${insn.opcode.toString(16).padStart(2, '0')}`
        : `invalid ${m.field} field for ${m.forms[0].mnemonic} (opcode 0x${insn.opcode.toString(16).padStart(2, '0')})`;
      continue;
    }
    const f = m.form;
    base.form = f;
    base.kind = f.kind;
    base.width = f.width;
    base.reg = f.source === 'reg';
    if (f.size) base.size = f.size.bytes;
    switch (f.kind) {
      case 'jcond':
      case 'ja':
      case 'may_goto':
        base.target = i + 1 + insn.off;
        break;
      case 'gotol':
        base.target = i + 1 + insn.imm;
        break;
      case 'call_local':
        base.target = i + 1 + insn.imm;
        functions.add(base.target);
        break;
      case 'lddw': {
        if (i + 1 >= n || !insns[i + 1].filler) {
          base.kind = 'invalid';
          base.invalid = 'a 64-bit immediate load (lddw) without its second slot';
          break;
        }
        const full = insn.imm64 ?? BigInt.asUintN(32, BigInt(insn.imm));
        base.imm64 = full;
        const lo = Number(full & 0xffffffffn);
        const hi = Number(BigInt.asIntN(32, full >> 32n));
        const reloc = program.relocs.find((r) => r.insn === i && (r.kind === 'map' || r.kind === 'map_value'));
        // One representation (assembler and object reader alike): src = MAP_FD or MAP_VALUE, imm = the
        // map's index in program.maps, the second imm = the offset into the value; a relocation, when
        // present, names the map. A bare src=0 load with a relocation carries the offset in imm.
        const byName = reloc ? program.maps.findIndex((mm) => mm.name === reloc.symbol) : -1;
        if (insn.src === PSEUDO.MAP_FD || insn.src === PSEUDO.MAP_IDX) {
          base.mapRef = { map: byName >= 0 ? byName : lo, value: false, offset: 0, symbol: reloc?.symbol };
        } else if (insn.src === PSEUDO.MAP_VALUE || insn.src === PSEUDO.MAP_IDX_VALUE) {
          base.mapRef = { map: byName >= 0 ? byName : lo, value: true, offset: hi, symbol: reloc?.symbol };
        } else if (reloc && insn.src === 0) {
          base.mapRef = { map: byName, value: reloc.kind === 'map_value', offset: reloc.kind === 'map_value' ? Number(BigInt.asIntN(32, full)) : 0, symbol: reloc.symbol };
        } else if (insn.src === PSEUDO.FUNC) {
          base.target = i + 1 + insn.imm;
          functions.add(base.target);
        } else if (insn.src === PSEUDO.BTF_ID) {
          base.kind = 'invalid';
          base.invalid = 'lddw of a kernel variable by BTF id (src=3) is not modelled by the VM';
        }
        break;
      }
    }
  }
  for (let i = 0; i < n; i++) {
    const op = ops[i];
    switch (op.kind) {
      case 'jcond':
      case 'ja':
      case 'gotol':
      case 'may_goto':
        if (op.target >= 0 && op.target < n) leaders[op.target] = 1;
        leaders[i + 1] = 1;
        break;
      case 'exit':
      case 'call':
      case 'call_local':
      case 'callx':
      case 'kfunc':
      case 'ldabs':
      case 'ldind':
      case 'invalid':
        if (op.kind === 'call_local' && op.target >= 0 && op.target < n) leaders[op.target] = 1;
        leaders[i + 1] = 1;
        break;
      case 'lddw':
        if (op.target >= 0 && op.target < n) leaders[op.target] = 1;
        break;
    }
  }
  for (const f of functions) if (f >= 0 && f < n) leaders[f] = 1;
  return { ops, leaders, functions };
}
