// The mnemonic dialect of ubpf and the conformance suite: `ldxw %r1, [%r2+4]`, `jeq %r1, 0, +2`.
// Operand layouts are derived from the form kind, so the ISA table stays the only opcode list.
import { FORMS_BY_MNEMONIC, type FormKind, type InsnForm } from '../isa/table';
import type { Placeholder, ShapeTok } from './llvm-match';

/** One operand slot of a layout: a register, a number, a target, or a memory reference [reg±off]. */
type Slot = 'D' | 'S' | 'I' | 'T' | 'TI' | 'L' | 'H' | 'AH' | 'AL' | 'MS' | 'MD';

export function mnemonicLayout(form: InsnForm): Slot[] {
  const layouts: Record<FormKind, Slot[]> = {
    alu: form.source === 'reg' ? ['D', 'S'] : ['D', 'I'],
    neg: ['D'],
    movsx: ['D', 'S'],
    addr_space_cast: ['D', 'S', 'AH', 'AL'],
    endian: ['D'],
    bswap: ['D'],
    ldx: ['D', 'MS'],
    ldxsx: ['D', 'MS'],
    st: ['MD', 'I'],
    stx: ['MD', 'S'],
    atomic: ['MD', 'S'],
    lddw: ['D', 'L'],
    ldabs: ['I'],
    ldind: ['S', 'I'],
    jcond: form.source === 'reg' ? ['D', 'S', 'T'] : ['D', 'I', 'T'],
    ja: ['T'],
    gotol: ['TI'],
    may_goto: ['T'],
    call: ['H'],
    call_local: ['TI'],
    kfunc: ['I'],
    callx: ['D'],
    exit: [],
  };
  return layouts[form.kind];
}

const ALIASES: Record<string, string> = {
  swap16: 'bswap16',
  swap32: 'bswap32',
  swap64: 'bswap64',
  mov64: 'mov',
  add64: 'add', sub64: 'sub', mul64: 'mul', div64: 'div', or64: 'or', and64: 'and', lsh64: 'lsh', rsh64: 'rsh',
  neg64: 'neg', mod64: 'mod', xor64: 'xor', arsh64: 'arsh', sdiv64: 'sdiv', smod64: 'smod',
  'lock xchg64': 'lock xchg', 'lock cmpxchg64': 'lock cmpxchg',
};

export interface MnemonicParse {
  mnemonic: string;
  /** The tokens that spell the mnemonic. */
  head: ShapeTok[];
  candidates: InsnForm[];
  operands: ShapeTok[][];
}

/** Splits a line into its mnemonic (which may be several words: `lock fetch add32`, `call local`) and operands. */
export function splitMnemonic(toks: ShapeTok[]): MnemonicParse | undefined {
  if (toks.length === 0 || toks[0].kind !== 'ident') return undefined;
  let n = 1;
  let name = toks[0].text.toLowerCase();
  if (name === 'lock') {
    while (n < toks.length && toks[n].kind === 'ident' && n < 3) {
      name += ' ' + toks[n].text.toLowerCase();
      n++;
      if (FORMS_BY_MNEMONIC.has(ALIASES[name] ?? name)) break;
    }
  } else if (name === 'call' && toks[1]?.kind === 'ident' && (toks[1].text === 'local' || toks[1].text === 'kfunc')) {
    name += ' ' + toks[1].text;
    n = 2;
  }
  const canonical = ALIASES[name] ?? name;
  let candidates = [...(FORMS_BY_MNEMONIC.get(canonical) ?? [])];
  // `call %r2` is callx in the conformance suite's spelling.
  if (canonical === 'call' && toks[1]?.kind === 'reg') candidates = [...(FORMS_BY_MNEMONIC.get('callx') ?? [])];
  const operands: ShapeTok[][] = [];
  let cur: ShapeTok[] = [];
  let depth = 0;
  for (const t of toks.slice(n)) {
    if (t.text === '[') depth++;
    if (t.text === ']') depth--;
    if (t.text === ',' && depth === 0) {
      operands.push(cur);
      cur = [];
    } else cur.push(t);
  }
  if (cur.length > 0 || operands.length > 0) operands.push(cur);
  return { mnemonic: name, head: toks.slice(0, n), candidates, operands };
}

export interface LayoutMatch {
  form: InsnForm;
  values: { ph: Placeholder; tok: ShapeTok }[];
}

export type LayoutResult = { ok: LayoutMatch } | { error: string; tok?: ShapeTok };

function isReg(op: ShapeTok[]): boolean {
  return op.length === 1 && op[0].kind === 'reg';
}

function single(op: ShapeTok[], shapes: string[]): ShapeTok | undefined {
  return op.length === 1 && shapes.includes(op[0].shape) ? op[0] : undefined;
}

/** `[%r2+4]`, `[%r2-4]`, `[%r2]` (after sign folding: `[ reg N ]` or `[ reg ]`). */
function memRef(op: ShapeTok[]): { reg: ShapeTok; off?: ShapeTok } | undefined {
  if (op[0]?.text !== '[' || op[op.length - 1]?.text !== ']') return undefined;
  const inner = op.slice(1, -1);
  if (inner[0]?.kind !== 'reg') return undefined;
  if (inner.length === 1) return { reg: inner[0] };
  if (inner.length === 2 && inner[1].shape === 'N') return { reg: inner[0], off: inner[1] };
  return undefined;
}

const SLOT_WORDS: Record<Slot, string> = {
  D: 'a destination register', S: 'a source register', I: 'an immediate', T: 'a jump target (+N, -N or a label)',
  TI: 'a jump target (+N, -N or a label)', L: 'a 64-bit immediate or a map name', H: 'a helper id or name',
  AH: 'an address space number', AL: 'an address space number', MS: 'a memory operand [%rN+off]', MD: 'a memory operand [%rN+off]',
};

export function matchLayout(parse: MnemonicParse): LayoutResult {
  let firstError: LayoutResult | undefined;
  for (const form of parse.candidates) {
    const layout = mnemonicLayout(form);
    const r = tryLayout(form, layout, parse.operands);
    if ('ok' in r) return r;
    firstError ??= r;
  }
  return firstError ?? { error: 'no operands fit' };
}

function tryLayout(form: InsnForm, layout: Slot[], ops: ShapeTok[][]): LayoutResult {
  if (ops.length !== layout.length) {
    return { error: `'${form.mnemonic}' takes ${layout.length} operand${layout.length === 1 ? '' : 's'} (${layout.map((s) => SLOT_WORDS[s]).join(', ') || 'none'}), found ${ops.length}`, tok: ops[layout.length]?.[0] };
  }
  const values: LayoutMatch['values'] = [];
  for (let i = 0; i < layout.length; i++) {
    const slot = layout[i];
    const op = ops[i];
    const bad = (): LayoutResult => ({ error: `operand ${i + 1} of '${form.mnemonic}' should be ${SLOT_WORDS[slot]}`, tok: op[0] });
    switch (slot) {
      case 'D':
      case 'S':
        if (!isReg(op)) return bad();
        values.push({ ph: slot, tok: op[0] });
        break;
      case 'I':
      case 'AH':
      case 'AL': {
        const t = single(op, ['N']);
        if (!t) return bad();
        values.push({ ph: slot, tok: t });
        break;
      }
      case 'T':
      case 'TI':
      case 'L':
      case 'H': {
        // Any name is a symbol here, even one that is a keyword of the other dialect (`ja exit`).
        const t = op.length === 1 && op[0].kind === 'ident' ? { ...op[0], shape: 'L' } : single(op, ['N']);
        if (!t) return bad();
        values.push({ ph: slot, tok: t });
        break;
      }
      case 'MS':
      case 'MD': {
        const m = memRef(op);
        if (!m) return bad();
        values.push({ ph: slot === 'MS' ? 'S' : 'D', tok: m.reg });
        if (m.off) values.push({ ph: 'O', tok: m.off });
        break;
      }
    }
  }
  return { ok: { form, values } };
}
