// Matching LLVM-syntax lines against the form templates, through a signature index:
// each line is reduced to a shape (registers → r/w, numbers → N, other names → L) and
// looked up once, so parsing costs one map access per line whatever the table's size.
import { FORMS, type InsnForm } from '../isa/table';
import { lexLine, type Tok } from './lexer';
import { templateOf } from './llvm-syntax';

export type Placeholder = 'D' | 'Dr' | 'Dw' | 'Dx' | 'S' | 'Sr' | 'Sw' | 'Sx' | 'I' | 'IO' | 'O' | 'T' | 'TI' | 'L' | 'H' | 'AH' | 'AL';

type Atom = { lit: string; reg?: number } | { ph: Placeholder };

interface CompiledTemplate {
  form: InsnForm;
  atoms: Atom[];
}

const PH_PREFIX = '__ph_';

function templateAtoms(text: string): Atom[] {
  const { toks } = lexLine(text.replace(/\{(\w+)\}/g, (_m, p: string) => ` ${PH_PREFIX}${p} `));
  return toks.map((t) => {
    if (t.kind === 'ident' && t.text.startsWith(PH_PREFIX)) return { ph: t.text.slice(PH_PREFIX.length) as Placeholder };
    if (t.kind === 'reg') return { lit: t.prefix!, reg: Number(t.value) };
    return { lit: t.text };
  });
}

/** The shape letters a placeholder accepts. */
function accepts(ph: Placeholder, form: InsnForm): string[] {
  switch (ph) {
    case 'D':
    case 'S':
      return [form.width === 32 ? 'w' : 'r'];
    case 'Dr':
    case 'Sr':
      return ['r'];
    case 'Dw':
    case 'Sw':
      return ['w'];
    case 'Dx':
    case 'Sx':
      return ['r', 'w'];
    case 'I':
    case 'IO':
    case 'O':
    case 'AH':
    case 'AL':
      return ['N'];
    case 'T':
    case 'TI':
    case 'L':
    case 'H':
      return ['N', 'L'];
  }
}

/** Names that are part of the syntax; any other name in a line is a label or symbol (L). */
const KEYWORDS = new Set<string>();

export interface ShapeTok extends Tok {
  shape: string;
}

const INDEX = new Map<string, CompiledTemplate[]>();

function addShapes(form: InsnForm, text: string): void {
  const atoms = templateAtoms(text);
  for (const a of atoms) if ('lit' in a && a.reg === undefined && /^[A-Za-z_]/.test(a.lit)) KEYWORDS.add(a.lit);
  let shapes: string[][] = [[]];
  for (const a of atoms) {
    const opts = 'ph' in a ? accepts(a.ph, form) : [a.lit];
    shapes = shapes.flatMap((s) => opts.map((o) => [...s, o]));
  }
  for (const s of shapes) {
    const key = s.join(' ');
    const list = INDEX.get(key) ?? [];
    // A numeric `call N` is a helper call, as llvm-mc reads it; the local call takes labels only.
    if (form.kind === 'call_local' && key === 'call N') continue;
    if (!list.some((c) => c.form === form)) list.push({ form, atoms });
    INDEX.set(key, list);
  }
}

for (const form of FORMS) {
  const t = templateOf(form);
  for (const text of [t.text, ...(t.alternatives ?? [])]) addShapes(form, text);
}

/** Folds a sign into the number after it (`- 8` → -8), and gives each token its shape letter. Mutates the tokens. */
export function shapeTokens(toks: Tok[]): ShapeTok[] {
  const out: ShapeTok[] = [];
  for (let i = 0; i < toks.length; i++) {
    const t = toks[i] as ShapeTok;
    const next = toks[i + 1] as ShapeTok | undefined;
    if (t.kind === 'op' && (t.text === '-' || t.text === '+') && next !== undefined && next.kind === 'num') {
      next.value = t.text === '-' ? -next.value! : next.value!;
      next.text = t.text + next.text;
      next.col = t.col;
      next.shape = 'N';
      out.push(next);
      i++;
      continue;
    }
    if (t.kind === 'reg') t.shape = t.prefix!;
    else if (t.kind === 'num') t.shape = 'N';
    else if (t.kind === 'ident') t.shape = KEYWORDS.has(t.text) ? t.text : 'L';
    else t.shape = t.text;
    out.push(t);
  }
  return out;
}

export interface TemplateMatch {
  form: InsnForm;
  /** Placeholder values in template order. */
  values: { ph: Placeholder; tok: ShapeTok }[];
  /** Literal registers the template fixes (r0 in cmpxchg), for checking. */
  literalRegs: { want: number; tok: ShapeTok }[];
}

export function matchLine(toks: ShapeTok[]): TemplateMatch[] {
  const key = toks.map((t) => t.shape).join(' ');
  const candidates = INDEX.get(key);
  if (!candidates) return [];
  return candidates.map(({ form, atoms }) => {
    const values: TemplateMatch['values'] = [];
    const literalRegs: TemplateMatch['literalRegs'] = [];
    atoms.forEach((a, i) => {
      if ('ph' in a) values.push({ ph: a.ph, tok: toks[i] });
      else if (a.reg !== undefined) literalRegs.push({ want: a.reg, tok: toks[i] });
    });
    return { form, values, literalRegs };
  });
}

/** The leading words of every template, for "did you mean" and completion. */
export function llvmKeywords(): ReadonlySet<string> {
  return KEYWORDS;
}

export function compiledTemplateText(form: InsnForm): string {
  return templateOf(form).text;
}
