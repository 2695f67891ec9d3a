// The disassembler: instruction slots → text in either dialect, through the same templates
// and layouts the assembler reads, so that assembling the output gives back the same bytes.
import type { Insn, MapSpec, Program } from '../core/types';
import { matchForm, slotAsU64 } from '../isa/codec';
import { helperName } from '../isa/helpers';
import { PSEUDO, type InsnForm } from '../isa/table';
import type { Dialect } from './assembler';
import { templateOf } from './llvm-syntax';
import { mnemonicLayout } from './mnemonic';

export interface DisasmOptions {
  dialect?: Dialect;
  /** Name jump targets with labels (`L12`) instead of relative offsets. Call targets always get names. */
  labels?: boolean;
}

export interface DisasmLine {
  /** Slot index of the instruction, or -1 for a label, directive or blank line. */
  slot: number;
  text: string;
}

interface Context {
  insns: readonly Insn[];
  names: Map<number, string>;
  maps: readonly MapSpec[];
  mapBySlot: Map<number, string>;
  dialect: Dialect;
}

const hex = (v: bigint) => '0x' + v.toString(16);

function signedRel(n: number): string {
  return n < 0 ? `-${-n}` : `+${n}`;
}

function lddwValue(insn: Insn, slot: number, ctx: Context): string | undefined {
  const v = insn.imm64 ?? BigInt(insn.imm >>> 0);
  // An object file's map loads are plain lddw plus a relocation until a loader patches them.
  const relocated = ctx.mapBySlot.get(slot);
  if (relocated !== undefined && (insn.src === 0 || insn.src === PSEUDO.MAP_FD)) return relocated;
  switch (insn.src) {
    case 0: {
      const s = BigInt.asIntN(64, v);
      return s >= -(2n ** 31n) && s < 2n ** 31n ? s.toString() : hex(v);
    }
    case PSEUDO.MAP_FD:
      return ctx.mapBySlot.get(slot) ?? ctx.maps[insn.imm]?.name;
    case PSEUDO.FUNC:
      return ctx.names.get(slot + 1 + insn.imm);
    default:
      return undefined;
  }
}

/** The text of one instruction, or undefined when the slot encodes nothing valid (printed as raw data). */
function formatInsn(insn: Insn, form: InsnForm, slot: number, ctx: Context): string | undefined {
  const target = (rel: number) => ctx.names.get(slot + 1 + rel) ?? signedRel(rel);
  const reg = (n: number, prefix: string) => `${prefix}${n}`;
  if (ctx.dialect === 'mnemonic') {
    const parts: string[] = [];
    const mem = (r: number) => `[%r${r}${insn.off < 0 ? '-' + -insn.off : '+' + insn.off}]`;
    for (const slotKind of mnemonicLayout(form)) {
      switch (slotKind) {
        case 'D': parts.push(reg(insn.dst, '%r')); break;
        case 'S': parts.push(reg(insn.src, '%r')); break;
        case 'I': parts.push(String(insn.imm)); break;
        case 'T': parts.push(target(insn.off)); break;
        case 'TI': parts.push(target(insn.imm)); break;
        case 'H': parts.push(String(insn.imm)); break;
        case 'L': {
          const v = lddwValue(insn, slot, ctx);
          if (v === undefined) return undefined;
          parts.push(insn.src === 0 ? hex(insn.imm64 ?? 0n) : v);
          break;
        }
        case 'AH': parts.push(String((insn.imm >>> 16) & 0xffff)); break;
        case 'AL': parts.push(String(insn.imm & 0xffff)); break;
        case 'MS': parts.push(mem(insn.src)); break;
        case 'MD': parts.push(mem(insn.dst)); break;
      }
    }
    const name = form.kind === 'call_local' ? 'call local' : form.kind === 'callx' ? 'callx' : form.mnemonic;
    if (form.kind === 'lddw' && insn.src !== 0 && insn.src !== PSEUDO.MAP_FD) return undefined;
    return parts.length ? `${name} ${parts.join(', ')}` : name;
  }
  const wide = form.width === 32 ? 'w' : 'r';
  let failed = false;
  const template = templateOf(form);
  // ldind's register-plus-immediate has no LLVM spelling; print our extension only when imm is used.
  const pattern = form.kind === 'ldind' && insn.imm !== 0 ? template.alternatives![0] : template.text;
  const text = pattern.replace(/\{(\w+)\}/g, (_m, ph: string) => {
    switch (ph) {
      case 'D': return reg(insn.dst, wide);
      case 'S': return reg(insn.src, wide);
      case 'Dr': case 'Dx': return reg(insn.dst, 'r');
      case 'Sr': return reg(insn.src, 'r');
      case 'Sx': return reg(insn.src, form.size && form.size.bytes < 8 && form.kind !== 'stx' ? 'w' : 'r');
      case 'Dw': return reg(insn.dst, 'w');
      case 'Sw': return reg(insn.src, 'w');
      case 'I': return String(insn.imm);
      case 'O': return insn.off < 0 ? `- ${-insn.off}` : `+ ${insn.off}`;
      case 'IO': return insn.imm < 0 ? `- ${-insn.imm}` : `+ ${insn.imm}`;
      case 'T': return target(insn.off);
      case 'TI': return target(insn.imm);
      case 'H': return String(insn.imm);
      case 'AH': return String((insn.imm >>> 16) & 0xffff);
      case 'AL': return String(insn.imm & 0xffff);
      case 'L': {
        const v = lddwValue(insn, slot, ctx);
        if (v === undefined) failed = true;
        return v ?? '';
      }
    }
    return '';
  });
  if (failed) return undefined;
  if (form.kind === 'call') {
    const name = helperName(insn.imm);
    return name ? `${text} # ${name}` : text;
  }
  return text;
}

function labelTargets(insns: readonly Insn[], jumps: boolean): Map<number, 'call' | 'jump'> {
  const out = new Map<number, 'call' | 'jump'>();
  for (let i = 0; i < insns.length; i++) {
    const insn = insns[i];
    if (insn.filler) continue;
    const m = matchForm(insn);
    if (!('form' in m)) continue;
    const f = m.form;
    let t: number | undefined;
    let kind: 'call' | 'jump' = 'jump';
    if (f.kind === 'call_local' || (f.kind === 'lddw' && insn.src === PSEUDO.FUNC)) {
      t = i + 1 + insn.imm;
      kind = 'call';
    } else if (jumps && (f.kind === 'jcond' || f.kind === 'ja' || f.kind === 'may_goto')) t = i + 1 + insn.off;
    else if (jumps && f.kind === 'gotol') t = i + 1 + insn.imm;
    if (t !== undefined && t >= 0 && t < insns.length && !insns[t].filler) {
      if (out.get(t) !== 'call') out.set(t, kind);
    }
  }
  return out;
}

/** Disassembles slots; returns one line per instruction (labels and raw data as extra lines). */
export function disassembleInsns(
  insns: readonly Insn[],
  options: DisasmOptions & { symbols?: Program['symbols']; relocs?: Program['relocs']; maps?: readonly MapSpec[] } = {},
): DisasmLine[] {
  const dialect = options.dialect ?? 'llvm';
  const names = new Map<number, string>();
  for (const s of options.symbols ?? []) if (!names.has(s.insn)) names.set(s.insn, s.name);
  const targets = labelTargets(insns, options.labels ?? false);
  const used = new Set(names.values());
  for (const [slot, kind] of targets) {
    if (names.has(slot)) continue;
    let name = kind === 'call' ? `fn_${slot}` : `L${slot}`;
    while (used.has(name)) name += '_';
    used.add(name);
    names.set(slot, name);
  }
  const mapBySlot = new Map<number, string>();
  for (const r of options.relocs ?? []) if (r.kind === 'map') mapBySlot.set(r.insn, r.symbol);
  const ctx: Context = { insns, names, maps: options.maps ?? [], mapBySlot, dialect };
  const shownNames = new Set<number>([...targets.keys(), ...(options.symbols ?? []).map((s) => s.insn)]);
  const out: DisasmLine[] = [];
  for (let i = 0; i < insns.length; i++) {
    const insn = insns[i];
    if (shownNames.has(i) && names.has(i)) out.push({ slot: -1, text: `${names.get(i)}:` });
    const m = insn.filler ? undefined : matchForm(insn);
    const form = m && 'form' in m ? m.form : undefined;
    const complete = form?.kind !== 'lddw' || (i + 1 < insns.length && isFiller(insns[i + 1]));
    const text = form && complete ? formatInsn(insn, form, i, ctx) : undefined;
    if (text !== undefined) {
      out.push({ slot: i, text });
      if (form!.slots === 2) i++;
      continue;
    }
    const why = !m ? 'second half of a 64-bit load without its first' : 'reason' in m ? m.reason === 'unknown-opcode' ? `unknown opcode 0x${insn.opcode.toString(16).padStart(2, '0')}` : `invalid ${m.field} field` : 'pseudo load with no name';
    out.push({ slot: i, text: `.quad ${hex(slotAsU64(insn))} # ${why}` });
    if (form?.kind === 'lddw' && complete) {
      i++;
      out.push({ slot: i, text: `.quad ${hex(slotAsU64(insns[i]))}` });
    }
  }
  return out;
}

function isFiller(insn: Insn): boolean {
  return insn.opcode === 0 && insn.dst === 0 && insn.src === 0 && insn.off === 0;
}

/** A program as re-assemblable text: its section, its maps, then its code. */
export function disassembleProgram(program: Program, options: DisasmOptions = {}): string {
  const lines: string[] = [];
  if (program.section && program.section !== '.text') lines.push(`.section ${program.section}`);
  if (program.funcInfo) lines.push('.func_info');
  for (const m of program.maps) {
    lines.push(`.map ${m.name} ${m.type} key=${m.keySize} value=${m.valueSize} entries=${m.maxEntries}${m.flags ? ` flags=${m.flags}` : ''}`);
  }
  const body = disassembleInsns(program.insns, {
    labels: true,
    ...options,
    symbols: program.symbols,
    relocs: program.relocs,
    maps: program.maps,
  });
  for (const l of body) lines.push(l.slot < 0 ? l.text : `    ${l.text}`);
  return lines.join('\n') + '\n';
}
