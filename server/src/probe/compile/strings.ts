// String comparison as straight-line byte compares (no loops for the verifier to bound).
import type * as A from '../ast';
import { off, type Gen } from './gen';

/**
 * Byte-wise string equality, stopping at the terminating NUL. Jumps to `ifEqual` / `ifDiffer`
 * (one of them may be undefined: fall through instead). A literal side is compared as
 * immediates up to and including its NUL, so it needs no loop over the other side's tail.
 */
export function stringEquals(g: Gen, a: A.Expr, b: A.Expr, ifEqual: string | undefined, ifDiffer: string | undefined, limit = Infinity): void {
  const lit = b.kind === 'Str' ? b : a.kind === 'Str' ? a : undefined;
  const other = lit === b ? a : b;
  const done = g.label('streq_end');
  const differ = ifDiffer ?? done;
  const equal = ifEqual ?? done;
  if (lit) {
    const m = g.mem(other);
    const bytes = [...Buffer.from(lit.value, 'utf8'), 0];
    const n = Math.min(bytes.length, m.size, limit);
    for (let i = 0; i < n; i++) {
      g.ins(`r1 = *(u8 *)(r10 ${off(m.off + i)})`);
      g.ins(`if r1 != ${bytes[i]} goto ${differ}`);
    }
  } else {
    const ma = g.mem(a);
    const mb = g.mem(b);
    const n = Math.min(ma.size, mb.size, limit);
    for (let i = 0; i < n; i++) {
      g.ins(`r1 = *(u8 *)(r10 ${off(ma.off + i)})`);
      g.ins(`r2 = *(u8 *)(r10 ${off(mb.off + i)})`);
      g.ins(`if r1 != r2 goto ${differ}`);
      if (i < n - 1) g.ins(`if r1 == 0 goto ${equal}`);
    }
  }
  if (ifEqual) g.ins(`goto ${ifEqual}`);
  g.place(done);
}
