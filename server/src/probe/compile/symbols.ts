// The simulated symbol tables: every kernel or user symbol a script names (func, kaddr, uaddr,
// frames of simulated stacks) gets a made-up address the first time it is named, and user space
// resolves addresses back to names through the same table (ksym, usym, stacks).

const KERNEL_TEXT = 0xffffffff81000000n;
const USER_TEXT = 0x0000555555554000n;
const SYMBOL_STRIDE = 0x1000n;

/** The simulated address of a symbol, assigned on first use: 4 KiB apart in kernel or user text. */
export function symbolAddress(table: Map<string, bigint>, name: string, space: 'kernel' | 'user' = 'kernel'): bigint {
  let a = table.get(name);
  if (a === undefined) {
    a = (space === 'kernel' ? KERNEL_TEXT : USER_TEXT) + BigInt(table.size) * SYMBOL_STRIDE;
    table.set(name, a);
  }
  return a;
}
