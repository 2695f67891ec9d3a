import { describe, expect, it } from 'vitest';
import { tokenize } from '../../server/src/probe/lexer';

const kinds = (s: string): string[] => tokenize(s).tokens.map((t) => `${t.kind}:${t.text}`);

describe('bpftrace lexer', () => {
  it('splits operators longest first', () => {
    expect(kinds('a <<= b >>= c << d -> e ++ -- != == <= >= && || ..')).toEqual([
      'ident:a', 'punct:<<=', 'ident:b', 'punct:>>=', 'ident:c', 'punct:<<', 'ident:d', 'punct:->', 'ident:e',
      'punct:++', 'punct:--', 'punct:!=', 'punct:==', 'punct:<=', 'punct:>=', 'punct:&&', 'punct:||', 'punct:..',
    ]);
  });

  it('reads variables, maps, positional parameters', () => {
    expect(kinds('$x @m @ $1 $# $12')).toEqual(['var:$x', 'map:@m', 'map:@', 'param:$1', 'param:$#', 'param:$12']);
  });

  it('reads integers in every notation', () => {
    const vals = tokenize('0x1F 017 1_000_000 1e6 2e3 123UL 10LL 5u 0').tokens.map((t) => t.value);
    expect(vals).toEqual([31n, 15n, 1000000n, 1000000n, 2000n, 123n, 10n, 5n, 0n]);
  });

  it('turns duration suffixes into nanoseconds', () => {
    const toks = tokenize('1ns 2us 3ms 4s 5m 1h 1d').tokens;
    expect(toks.map((t) => t.value)).toEqual([1n, 2000n, 3000000n, 4000000000n, 300000000000n, 3600000000000n, 86400000000000n]);
    expect(toks.map((t) => t.unit)).toEqual(['ns', 'us', 'ms', 's', 'm', 'h', 'd']);
  });

  it('does not swallow a dot after a number (tuple access, ranges)', () => {
    expect(kinds('$kv.0.1 0..10')).toEqual(['var:$kv', 'punct:.', 'int:0', 'punct:.', 'int:1', 'int:0', 'punct:..', 'int:10']);
  });

  it('decodes string escapes', () => {
    const t = tokenize('"a\\n\\t\\"b\\x41\\101\\\\"').tokens[0]!;
    expect(t.str).toBe('a\n\t"bAA\\');
  });

  it('skips comments and reports an unclosed one at its start', () => {
    expect(kinds('a // x\n/* y */ b')).toEqual(['ident:a', 'ident:b']);
    const r = tokenize('a /* never');
    expect(r.errors).toHaveLength(1);
    expect(r.errors[0]!.start).toBe(2);
    expect(r.errors[0]!.message).toMatch(/never closed/);
  });

  it('reads a # at line start as a directive, elsewhere as an error', () => {
    const r = tokenize('#include <linux/sched.h>\n  #define X 1\nfoo # bar');
    expect(r.tokens.slice(0, 2).map((t) => t.kind)).toEqual(['directive', 'directive']);
    expect(r.tokens[0]!.text).toBe('#include <linux/sched.h>');
    expect(r.errors.map((e) => e.message)).toEqual(["Unexpected character '#'."]);
  });

  it('reports bad numbers, unclosed strings and stray characters with offsets', () => {
    const r = tokenize('12abc "open\n`');
    expect(r.errors.map((e) => [e.start, e.code])).toEqual([
      [0, 'probe.bad-number'],
      [6, 'probe.unterminated-string'],
      [12, 'probe.bad-char'],
    ]);
  });

  it('explains character literals', () => {
    expect(tokenize("'A'").errors[0]!.message).toMatch(/character literals are not supported/);
  });
});
