// A small JSON parser that remembers where each value starts, so an events file's mistakes can be
// reported at their line and column. Integers stay exact (BigInt); depth and length are bounded.

export type JsonNode =
  | { kind: 'object'; col: number; entries: { key: string; keyCol: number; value: JsonNode }[] }
  | { kind: 'array'; col: number; items: JsonNode[] }
  | { kind: 'string'; col: number; value: string }
  | { kind: 'number'; col: number; text: string; int?: bigint }
  | { kind: 'bool'; col: number; value: boolean }
  | { kind: 'null'; col: number };

export class JsonError extends Error {
  constructor(
    message: string,
    /** 0-based column in the line. */
    readonly col: number,
  ) {
    super(message);
  }
}

const MAX_DEPTH = 32;
const NUMBER = /-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?/y;

class Reader {
  i = 0;
  constructor(private readonly s: string) {}

  ws(): void {
    while (this.i < this.s.length && /\s/.test(this.s[this.i]!)) this.i++;
  }

  fail(message: string, col = this.i): never {
    throw new JsonError(message, col);
  }

  value(depth: number): JsonNode {
    if (depth > MAX_DEPTH) this.fail(`nested more than ${MAX_DEPTH} levels deep`);
    this.ws();
    const c = this.s[this.i];
    const col = this.i;
    if (c === undefined) this.fail('the line ends where a value was expected');
    if (c === '{') return this.object(depth);
    if (c === '[') return this.array(depth);
    if (c === '"') return { kind: 'string', col, value: this.string() };
    if (c === 't' && this.s.startsWith('true', this.i)) {
      this.i += 4;
      return { kind: 'bool', col, value: true };
    }
    if (c === 'f' && this.s.startsWith('false', this.i)) {
      this.i += 5;
      return { kind: 'bool', col, value: false };
    }
    if (c === 'n' && this.s.startsWith('null', this.i)) {
      this.i += 4;
      return { kind: 'null', col };
    }
    NUMBER.lastIndex = this.i;
    const m = NUMBER.exec(this.s);
    if (m && m[0].length) {
      this.i += m[0].length;
      const text = m[0];
      return /^-?\d+$/.test(text) ? { kind: 'number', col, text, int: BigInt(text) } : { kind: 'number', col, text };
    }
    const word = /^[^\s,:{}[\]"]+/.exec(this.s.slice(this.i))?.[0] ?? c;
    return this.fail(`unexpected "${word.slice(0, 20)}": expected a JSON value (a number, "string", true, false, null, [list] or {object})`);
  }

  string(): string {
    const start = this.i;
    this.i++;
    let out = '';
    while (this.i < this.s.length) {
      const c = this.s[this.i]!;
      if (c === '"') {
        this.i++;
        return out;
      }
      if (c === '\\') {
        const e = this.s[this.i + 1];
        const map: Record<string, string> = { '"': '"', '\\': '\\', '/': '/', b: '\b', f: '\f', n: '\n', r: '\r', t: '\t' };
        if (e !== undefined && map[e] !== undefined) {
          out += map[e];
          this.i += 2;
          continue;
        }
        if (e === 'u' && /^[0-9a-fA-F]{4}$/.test(this.s.slice(this.i + 2, this.i + 6))) {
          out += String.fromCharCode(parseInt(this.s.slice(this.i + 2, this.i + 6), 16));
          this.i += 6;
          continue;
        }
        this.fail(`bad escape "\\${e ?? ''}" in a string`);
      }
      if (c.charCodeAt(0) < 0x20) this.fail('a control character inside a string (write it as \\n, \\t, ...)');
      out += c;
      this.i++;
    }
    return this.fail('the string is not closed: a " is missing', start);
  }

  object(depth: number): JsonNode {
    const col = this.i;
    this.i++;
    const entries: { key: string; keyCol: number; value: JsonNode }[] = [];
    this.ws();
    if (this.s[this.i] === '}') {
      this.i++;
      return { kind: 'object', col, entries };
    }
    for (;;) {
      this.ws();
      if (this.s[this.i] !== '"') this.fail(this.s[this.i] === undefined ? 'the object is not closed: a } is missing' : 'expected a "key" in double quotes');
      const keyCol = this.i;
      const key = this.string();
      if (entries.some((e) => e.key === key)) this.fail(`"${key}" is given twice`, keyCol);
      this.ws();
      if (this.s[this.i] !== ':') this.fail(`expected ":" after "${key}"`);
      this.i++;
      entries.push({ key, keyCol, value: this.value(depth + 1) });
      this.ws();
      const c = this.s[this.i];
      if (c === ',') {
        this.i++;
        continue;
      }
      if (c === '}') {
        this.i++;
        return { kind: 'object', col, entries };
      }
      this.fail(c === undefined ? 'the object is not closed: a } is missing' : `expected "," or "}" but found "${c}"`);
    }
  }

  array(depth: number): JsonNode {
    const col = this.i;
    this.i++;
    const items: JsonNode[] = [];
    this.ws();
    if (this.s[this.i] === ']') {
      this.i++;
      return { kind: 'array', col, items };
    }
    for (;;) {
      items.push(this.value(depth + 1));
      this.ws();
      const c = this.s[this.i];
      if (c === ',') {
        this.i++;
        continue;
      }
      if (c === ']') {
        this.i++;
        return { kind: 'array', col, items };
      }
      this.fail(c === undefined ? 'the list is not closed: a ] is missing' : `expected "," or "]" but found "${c}"`);
    }
  }
}

/** Parses one line of JSON. Throws JsonError with the column of the problem. */
export function parseJsonLine(line: string): JsonNode {
  const r = new Reader(line);
  const v = r.value(0);
  r.ws();
  if (r.i < line.length) r.fail(`unexpected text after the JSON value: "${line.slice(r.i, r.i + 20)}"`);
  return v;
}

/** A plain JS value (objects, arrays, strings, booleans, null, numbers as bigint when whole) from a node. */
export function toPlain(n: JsonNode): unknown {
  switch (n.kind) {
    case 'object':
      return Object.fromEntries(n.entries.map((e) => [e.key, toPlain(e.value)]));
    case 'array':
      return n.items.map(toPlain);
    case 'string':
    case 'bool':
      return n.value;
    case 'number':
      return n.int ?? Number(n.text);
    case 'null':
      return null;
  }
}
