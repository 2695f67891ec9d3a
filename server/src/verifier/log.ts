// The kernel's verifier-log formats: instructions as print_bpf_insn writes them
// (`(b7) r0 = 0`, `if r1 > 0x5 goto pc+2`) and register states as print_verifier_state does.
import type { Insn, MapSpec } from '../core/types';
import { helperName } from '../isa/helpers';
import type { InsnForm } from '../isa/table';
import { formatRegKernel, type RegState } from './reg';
import { STACK, type Frame, type VState } from './state';

const SIZE_NAME: Record<number, string> = { 1: 'u8', 2: 'u16', 4: 'u32', 8: 'u64' };
const SSIZE_NAME: Record<number, string> = { 1: 's8', 2: 's16', 4: 's32' };
const ALU_SYM: Record<string, string> = {
  add: '+=', sub: '-=', mul: '*=', div: '/=', sdiv: 's/=', or: '|=', and: '&=', lsh: '<<=', rsh: '>>=', mod: '%=',
  smod: 's%=', xor: '^=', mov: '=', arsh: 's>>=',
};
const JMP_SYM: Record<string, string> = {
  jeq: '==', jgt: '>', jge: '>=', jset: '&', jne: '!=', jsgt: 's>', jsge: 's>=', jlt: '<', jle: '<=', jslt: 's<', jsle: 's<=',
};

const off = (n: number): string => (n >= 0 ? `+${n}` : `${n}`);
const hex32 = (n: number): string => `0x${(n >>> 0).toString(16)}`;

/** The text after `(op) ` in a kernel log line. */
export function kernelInsnText(insn: Insn, form: InsnForm | undefined, maps: readonly MapSpec[]): string {
  if (!form) return `BUG_${insn.opcode.toString(16).padStart(2, '0')}`;
  const is32 = form.width === 32 && (form.kind === 'alu' || form.kind === 'neg' || form.kind === 'movsx' || form.kind === 'jcond');
  const p = is32 ? 'w' : 'r';
  const d = `${p}${insn.dst}`;
  const s = `${p}${insn.src}`;
  const size = form.size?.bytes ?? 8;
  switch (form.kind) {
    case 'alu': {
      const sym = ALU_SYM[form.alu!.name];
      return `${d} ${sym} ${form.source === 'reg' ? s : insn.imm}`;
    }
    case 'neg': return `${d} = -${d}`;
    case 'movsx': return `${d} = (s${form.signBits})${s}`;
    case 'endian': return `r${insn.dst} = ${form.order}${form.swapBits} r${insn.dst}`;
    case 'bswap': return `r${insn.dst} = bswap${form.swapBits} r${insn.dst}`;
    case 'addr_space_cast': return `r${insn.dst} = addr_space_cast(r${insn.src}, ${insn.imm >>> 16}, ${insn.imm & 0xffff})`;
    case 'ldx': return `r${insn.dst} = *(${SIZE_NAME[size]} *)(r${insn.src} ${off(insn.off)})`;
    case 'ldxsx': return `r${insn.dst} = *(${SSIZE_NAME[size]} *)(r${insn.src} ${off(insn.off)})`;
    case 'st': return `*(${SIZE_NAME[size]} *)(r${insn.dst} ${off(insn.off)}) = ${insn.imm}`;
    case 'stx': return `*(${SIZE_NAME[size]} *)(r${insn.dst} ${off(insn.off)}) = r${insn.src}`;
    case 'atomic': {
      const a = form.atomic!;
      const w = size === 8 ? '64' : '';
      const mem = `(${SIZE_NAME[size]} *)(r${insn.dst} ${off(insn.off)})`;
      if (a.name === 'cmpxchg') return `r0 = atomic${w}_cmpxchg(${mem}, r0, r${insn.src})`;
      if (a.name === 'xchg') return `r${insn.src} = atomic${w}_xchg(${mem}, r${insn.src})`;
      if (a.fetch) return `r${insn.src} = atomic${w}_fetch_${a.name}(${mem}, r${insn.src})`;
      const sym = { add: '+=', and: '&=', or: '|=', xor: '^=' }[a.name as 'add'];
      return `lock *${mem} ${sym} r${insn.src}`;
    }
    case 'lddw': {
      if (insn.src === 1) return `r${insn.dst} = map[id:${insn.imm}]${maps[insn.imm] ? ` (${maps[insn.imm].name})` : ''}`;
      if (insn.src === 2) return `r${insn.dst} = map[id:${insn.imm}][0]+${Number((insn.imm64 ?? 0n) >> 32n)}`;
      return `r${insn.dst} = 0x${(insn.imm64 ?? BigInt(insn.imm >>> 0)).toString(16)}`;
    }
    case 'ldabs': return `r0 = *(${SIZE_NAME[size]} *)skb[${insn.imm}]`;
    case 'ldind': return `r0 = *(${SIZE_NAME[size]} *)skb[r${insn.src} + ${insn.imm}]`;
    case 'jcond': {
      const rhs = form.source === 'reg' ? s : hex32(insn.imm);
      return `if ${d} ${JMP_SYM[form.cond!.name]} ${rhs} goto pc${off(insn.off)}`;
    }
    case 'ja': return `goto pc${off(insn.off)}`;
    case 'gotol': return `gotol pc${off(insn.imm)}`;
    case 'may_goto': return `may_goto pc${off(insn.off)}`;
    case 'call': {
      const name = insn.imm === 0 ? 'bpf_unspec' : helperName(insn.imm);
      return name ? `call ${name}#${insn.imm}` : `call unknown#${insn.imm}`;
    }
    case 'call_local': return `call pc${off(insn.imm)}`;
    case 'kfunc': return `call kernel-function#${insn.imm}`;
    case 'callx': return `callx r${insn.dst}`;
    case 'exit': return 'exit';
  }
}

/** `N: (op) text`. */
export function kernelInsnLine(idx: number, insn: Insn, form: InsnForm | undefined, maps: readonly MapSpec[]): string {
  return `${idx}: (${insn.opcode.toString(16).padStart(2, '0')}) ${kernelInsnText(insn, form, maps)}`;
}

/** A stack slot as the kernel prints it: the spilled register, or one character per byte. */
function formatSlot(frame: Frame, spi: number, maps: readonly MapSpec[]): string | undefined {
  const s = frame.stack[spi];
  if (!s || s.types === '????????') return undefined;
  if (s.types[7] === STACK.SPILL && s.spill) {
    const k = s.types.indexOf(STACK.SPILL);
    return `${k > 0 ? s.types.slice(0, k) : ''}${formatRegKernel(s.spill, maps, frame.frameno)}`;
  }
  return s.types;
}

/** Registers (and stack slots) of the current frame, as `R1=ctx() R10=fp0 fp-8=mmmmmmmm`. */
export function formatFrameKernel(frame: Frame, maps: readonly MapSpec[], onlyRegs?: ReadonlySet<number>, onlySlots?: ReadonlySet<number>, precise = 0): string {
  const parts: string[] = [];
  frame.regs.forEach((r: RegState, i) => {
    if (r.type === 'not_init') return;
    if (onlyRegs && !onlyRegs.has(i)) return;
    parts.push(`R${i}=${formatRegKernel(r, maps, frame.frameno, (precise & (1 << i)) !== 0)}`);
  });
  for (let spi = 0; spi < frame.stack.length; spi++) {
    if (onlySlots && !onlySlots.has(spi)) continue;
    const t = formatSlot(frame, spi, maps);
    if (t !== undefined) parts.push(`fp${-(spi + 1) * 8}=${t}`);
  }
  return parts.join(' ');
}

/** `precise`: registers of the current frame whose exact value matters (printed with a P prefix). */
export function formatStateKernel(st: VState, maps: readonly MapSpec[], precise = 0): string {
  // print_verifier_state(..., curframe, ...): the current frame only, named when it is not the main one.
  const f = st.frames[st.frames.length - 1];
  const text = formatFrameKernel(f, maps, undefined, undefined, precise);
  const refs = st.refs.length ? ` refs=${st.refs.map((r) => r.id).join(',')}` : '';
  return (f.frameno > 0 ? `frame${f.frameno}: ${text}` : text) + refs + (f.callback ? ' cb' : '');
}

