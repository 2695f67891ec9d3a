// printf-style format strings as bpftrace reads them: which conversions there are and what kind
// of value each one takes.

export type ConvKind = 'int' | 'string' | 'pointer' | 'char' | 'buffer';

export interface Conversion {
  /** The whole specifier, e.g. `%-10.3lu`. */
  text: string;
  /** Offset of the `%` in the format string. */
  offset: number;
  conv: string;
  kind: ConvKind;
}

export interface FormatParse {
  conversions: Conversion[];
  /** Specifiers bpftrace does not know (`%q`): printed literally by bpftrace. */
  unknown: { text: string; offset: number }[];
}

const CONV_KIND: Record<string, ConvKind> = {
  d: 'int', i: 'int', u: 'int', x: 'int', X: 'int', o: 'int', c: 'char', p: 'pointer', s: 'string', r: 'buffer', rx: 'buffer', rh: 'buffer',
};

const SPEC = /%([-+ #0]*)(\d+|\*)?(?:\.(\d+|\*))?(hh|h|ll|l|j|z|t)?(rx|rh|[a-zA-Z%])/y;

export function parseFormat(fmt: string): FormatParse {
  const conversions: Conversion[] = [];
  const unknown: FormatParse['unknown'] = [];
  for (let i = 0; i < fmt.length; i++) {
    if (fmt[i] !== '%') continue;
    SPEC.lastIndex = i;
    const m = SPEC.exec(fmt);
    if (!m) {
      unknown.push({ text: fmt.slice(i, i + 2), offset: i });
      continue;
    }
    const conv = m[5]!;
    if (conv === '%') {
      i += m[0].length - 1;
      continue;
    }
    const kind = CONV_KIND[conv];
    if (!kind) unknown.push({ text: m[0], offset: i });
    else conversions.push({ text: m[0], offset: i, conv, kind });
    i += m[0].length - 1;
  }
  return { conversions, unknown };
}
