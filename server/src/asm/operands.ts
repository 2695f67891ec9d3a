// Turning matched operands (from either dialect) into instruction fields, with range checks.
import type { InsnForm } from '../isa/table';
import type { Placeholder, ShapeTok } from './llvm-match';

export interface OperandError {
  tok: ShapeTok;
  message: string;
}

/** A reference to a name resolved after all labels are known. */
export interface SymbolRef {
  name: string;
  tok: ShapeTok;
  /** jump: a label through off; jump32/call: a label through imm; value: lddw of a map or function; helper: call by name. */
  use: 'jump' | 'jump32' | 'call' | 'value';
}

export interface ParsedInsn {
  form: InsnForm;
  dst: number;
  src: number;
  off: number;
  imm: number;
  imm64?: bigint;
  symbol?: SymbolRef;
}

const I32_MIN = -(2n ** 31n);
const U32_MAX = 2n ** 32n - 1n;
const I64_MIN = -(2n ** 63n);
const U64_MAX = 2n ** 64n - 1n;

function reg(tok: ShapeTok, errors: OperandError[]): number {
  const n = Number(tok.value ?? 0n);
  if (n > 10) errors.push({ tok, message: `invalid register '${tok.text}': eBPF has r0-r10` });
  return n & 0x0f;
}

function imm32(tok: ShapeTok, errors: OperandError[], what = 'immediate'): number {
  const v = tok.value!;
  if (v < I32_MIN || v > U32_MAX) {
    errors.push({ tok, message: `${what} ${tok.text} is out of the 32-bit range [-2147483648, 4294967295]` });
    return 0;
  }
  return Number(BigInt.asIntN(32, v));
}

function off16(tok: ShapeTok, errors: OperandError[], what = 'offset'): number {
  const v = tok.value!;
  if (v < -32768n || v > 32767n) {
    errors.push({ tok, message: `${what} ${tok.text} is out of the 16-bit range [-32768, 32767]` });
    return 0;
  }
  return Number(v);
}

function addrSpace(tok: ShapeTok, errors: OperandError[]): number {
  const v = tok.value!;
  if (v < 0n || v > 0xffffn) {
    errors.push({ tok, message: `address space ${tok.text} is out of the range [0, 65535]` });
    return 0;
  }
  return Number(v);
}

/** Fills an instruction from placeholder values; a repeated placeholder must repeat the same register. */
export function buildInsn(
  form: InsnForm,
  values: { ph: Placeholder; tok: ShapeTok }[],
  errors: OperandError[],
): ParsedInsn {
  const p: ParsedInsn = { form, dst: 0, src: 0, off: form.fixed.off ?? 0, imm: form.fixed.imm ?? 0 };
  const seen = new Map<string, number>();
  let asHigh = 0;
  for (const { ph, tok } of values) {
    switch (ph) {
      case 'D': case 'Dr': case 'Dw': case 'Dx':
      case 'S': case 'Sr': case 'Sw': case 'Sx': {
        const r = reg(tok, errors);
        const which = ph[0];
        const prev = seen.get(which);
        if (prev !== undefined && prev !== r) {
          errors.push({ tok, message: `this instruction needs the same register here as before (${which === 'D' ? 'dst' : 'src'} r${prev})` });
        }
        seen.set(which, r);
        if (which === 'D') p.dst = r;
        else p.src = r;
        break;
      }
      case 'I':
      case 'H':
        if (tok.shape === 'L') p.symbol = { name: tok.text, tok, use: 'call' };
        else p.imm = imm32(tok, errors);
        break;
      case 'IO':
        p.imm = imm32(tok, errors);
        break;
      case 'O':
        p.off = off16(tok, errors);
        break;
      case 'T':
        if (tok.shape === 'L') p.symbol = { name: tok.text, tok, use: 'jump' };
        else p.off = off16(tok, errors, 'jump offset');
        break;
      case 'TI':
        if (tok.shape === 'L') p.symbol = { name: tok.text, tok, use: form.kind === 'call_local' ? 'call' : 'jump32' };
        else p.imm = imm32(tok, errors, 'jump offset');
        break;
      case 'L':
        if (tok.shape === 'L') {
          p.symbol = { name: tok.text, tok, use: 'value' };
        } else if (tok.value! < I64_MIN || tok.value! > U64_MAX) {
          errors.push({ tok, message: `immediate ${tok.text} is out of the 64-bit range` });
        } else {
          p.imm64 = BigInt.asUintN(64, tok.value!);
        }
        break;
      case 'AH':
        asHigh = addrSpace(tok, errors);
        break;
      case 'AL':
        p.imm = (asHigh << 16) | addrSpace(tok, errors);
        break;
    }
  }
  return p;
}
