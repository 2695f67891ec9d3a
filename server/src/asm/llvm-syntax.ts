// The kernel/LLVM assembly syntax of each instruction form, as templates that both the parser
// and the printer read. A template is a token sequence with placeholders:
//   {D} {S}   register in the form's width (r for 64-bit, w for 32-bit); {Dr}/{Sr} always r;
//   {Dx} {Sx} r or w accepted, printed r (32-bit ldx/stx take either);
//   {I}       32-bit immediate;  {O} signed offset (`+ 4`, `- 8`);
//   {IO}      a signed immediate written like an offset (`+ 4`);
//   {T}       jump target through off;  {TI} jump/call target through imm;
//   {L}       64-bit immediate or a symbol (map, function);  {H} helper id or name;
//   {AH} {AL} the two address-space numbers of addr_space_cast.
import type { InsnForm } from '../isa/table';

export interface Template {
  /** Printed form. */
  text: string;
  /** Alternative spellings accepted when parsing (the printed one is always accepted). */
  alternatives?: string[];
}

const sizeType = (form: InsnForm, signed = false) => `${signed ? 's' : 'u'}${form.size!.bits}`;

export function templateOf(form: InsnForm): Template {
  const D = '{D}';
  const S = '{S}';
  switch (form.kind) {
    case 'alu':
      return { text: `${D} ${form.alu!.llvm} ${form.source === 'reg' ? S : '{I}'}` };
    case 'neg':
      return { text: `${D} = -${D}` };
    case 'movsx':
      return { text: `${D} = (s${form.signBits})${S}` };
    case 'addr_space_cast':
      return { text: '{D} = addr_space_cast({S}, {AH}, {AL})' };
    case 'endian':
      return { text: `{Dr} = ${form.order}${form.swapBits} {Dr}` };
    case 'bswap':
      return { text: `{Dr} = bswap${form.swapBits} {Dr}` };
    case 'ldx':
      return form.size!.bytes === 8
        ? { text: `{Dr} = *(u64 *)({Sr} {O})` }
        : { text: `{Dx} = *(${sizeType(form)} *)({Sr} {O})` };
    case 'ldxsx':
      return { text: `{Dx} = *(${sizeType(form, true)} *)({Sr} {O})` };
    case 'st':
      return { text: `*(${sizeType(form)} *)({Dr} {O}) = {I}` };
    case 'stx':
      return form.size!.bytes === 8
        ? { text: `*(u64 *)({Dr} {O}) = {Sr}` }
        : { text: `*(${sizeType(form)} *)({Dr} {O}) = {Sx}` };
    case 'atomic':
      return atomicTemplate(form);
    case 'lddw':
      return { text: '{Dr} = {L} ll' };
    case 'ldabs':
      return { text: `r0 = *(${sizeType(form)} *)skb[{I}]` };
    case 'ldind':
      return { text: `r0 = *(${sizeType(form)} *)skb[{Sr}]`, alternatives: [`r0 = *(${sizeType(form)} *)skb[{Sr} {IO}]`] };
    case 'jcond':
      return { text: `if ${D} ${form.cond!.llvm} ${form.source === 'reg' ? S : '{I}'} goto {T}` };
    case 'ja':
      return { text: 'goto {T}' };
    case 'gotol':
      return { text: 'gotol {TI}' };
    case 'may_goto':
      return { text: 'may_goto {T}' };
    case 'call':
      return { text: 'call {H}' };
    case 'call_local':
      return { text: 'call {TI}' };
    case 'kfunc':
      return { text: 'call kfunc {I}' };
    case 'callx':
      return { text: 'callx {Dr}' };
    case 'exit':
      return { text: 'exit' };
  }
}

function atomicTemplate(form: InsnForm): Template {
  const op = form.atomic!;
  const w = form.width === 64;
  const t = w ? 'u64' : 'u32';
  const S = w ? '{Sr}' : '{Sx}';
  if (!op.fetch) return { text: `lock *(${t} *)({Dr} {O}) ${op.llvm} ${S}` };
  if (op.name === 'xchg') return { text: `{S} = ${w ? 'xchg_64' : 'xchg32_32'}({Dr} {O}, {S})` };
  if (op.name === 'cmpxchg') {
    return w
      ? { text: 'r0 = cmpxchg_64({Dr} {O}, r0, {Sr})' }
      : { text: 'w0 = cmpxchg32_32({Dr} {O}, w0, {Sw})' };
  }
  return { text: `{S} = atomic_fetch_${op.name}((${t} *)({Dr} {O}), {S})` };
}
