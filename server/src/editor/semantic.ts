// The semantic token legend both languages use, and the token shape the features return.
// Type and modifier names are the standard ones editors already colour.

export const TOKEN_TYPES = [
  'keyword', 'variable', 'number', 'string', 'label', 'function', 'namespace', 'macro', 'comment', 'type', 'property',
  'parameter', 'enumMember', 'struct', 'event', 'operator',
] as const;
export const TOKEN_MODIFIERS = ['declaration', 'readonly', 'defaultLibrary', 'static'] as const;

export type TokenType = (typeof TOKEN_TYPES)[number];
export type TokenModifier = (typeof TOKEN_MODIFIERS)[number];

export interface SemanticToken {
  line: number;
  col: number;
  length: number;
  type: TokenType;
  modifiers?: TokenModifier[];
}

/** Sorts by position and drops overlaps and empty or multi-line tokens, as the protocol requires. */
export function normalizeTokens(tokens: SemanticToken[]): SemanticToken[] {
  const sorted = tokens.filter((t) => t.length > 0).sort((a, b) => a.line - b.line || a.col - b.col);
  const out: SemanticToken[] = [];
  for (const t of sorted) {
    const prev = out[out.length - 1];
    if (prev && prev.line === t.line && prev.col + prev.length > t.col) continue;
    out.push(t);
  }
  return out;
}

/** The protocol's relative encoding: 5 integers per token. */
export function encodeTokens(tokens: SemanticToken[]): number[] {
  const data: number[] = [];
  let line = 0;
  let col = 0;
  for (const t of normalizeTokens(tokens)) {
    const dl = t.line - line;
    data.push(dl, dl === 0 ? t.col - col : t.col, t.length, TOKEN_TYPES.indexOf(t.type), modifierBits(t.modifiers));
    line = t.line;
    col = t.col;
  }
  return data;
}

function modifierBits(mods: readonly TokenModifier[] | undefined): number {
  let bits = 0;
  for (const m of mods ?? []) bits |= 1 << TOKEN_MODIFIERS.indexOf(m);
  return bits;
}
