// The thin native layer under the kernel bridge: koffi, libc's syscall() and close().
// koffi is optional (the esbuild bundle marks it external and the packaged extension may not ship
// it), so it is loaded on first use and every failure becomes a reason string, never an exception.

/** The few koffi entry points we use, typed locally so the core does not depend on koffi's typings. */
interface KoffiLike {
  load(path: string): { func(definition: string): (...args: unknown[]) => unknown };
  address(value: unknown): bigint;
  errno(): number;
}

export interface NativeBpf {
  /**
   * Calls bpf(cmd, attr, attr.length); returns the raw result and errno when it failed.
   * `pinned` lists the buffers whose addresses attr holds, so they stay reachable during the call.
   */
  bpf(cmd: number, attr: Buffer, pinned: readonly (Buffer | null)[]): { ret: number; errno: number };
  close(fd: number): void;
  /** The address of a Buffer's bytes, to store in bpf_attr pointer fields. */
  addressOf(buf: Buffer): bigint;
}

/** bpf() syscall numbers by process.arch, little-endian targets only (attr fields are written LE); others are reported as unsupported. */
const BPF_SYSCALL_NR: Record<string, number> = {
  x64: 321,
  arm64: 280,
  riscv64: 280,
  loong64: 280,
  ia32: 357,
  arm: 386,
  ppc64: 361,
};

/** Holds the previous call's buffers: a store the optimizer cannot drop, so they outlive the syscall. */
let lastPinned: readonly unknown[] = [];
/** Exported so the store above is observable (and cannot be optimized away). */
export function pinnedCount(): number {
  return lastPinned.length;
}

let cached: { native: NativeBpf } | { reason: string } | undefined;

function requireKoffi(): KoffiLike {
  // `require` exists in the CommonJS bundle and under vitest; a missing module throws, which the caller turns into a reason.
  if (typeof require !== 'function') throw new Error('no CommonJS require() in this runtime');
  // eslint-disable-next-line @typescript-eslint/no-require-imports -- optional native module, loaded on demand
  return require('koffi') as KoffiLike;
}

function bind(): NativeBpf {
  if (process.platform !== 'linux') throw new Error(`the bpf() syscall exists only on Linux (this is ${process.platform})`);
  const nr = BPF_SYSCALL_NR[process.arch];
  if (nr === undefined) throw new Error(`unknown bpf() syscall number for architecture ${process.arch}`);
  const koffi = requireKoffi();
  const libc = koffi.load('libc.so.6');
  const syscall = libc.func('long syscall(long number, ...)');
  const closeFn = libc.func('int close(int fd)');
  return {
    bpf(cmd, attr, pinned) {
      const ret = Number(syscall(nr, 'int', cmd, 'void *', attr, 'uint32', attr.length));
      const errno = ret < 0 ? koffi.errno() : 0;
      lastPinned = pinned;
      return { ret, errno };
    },
    close(fd) {
      if (Number.isInteger(fd) && fd >= 0) closeFn(fd);
    },
    addressOf(buf) {
      return buf.length === 0 ? 0n : koffi.address(buf);
    },
  };
}

/** The native bridge, or the reason it cannot be had. Loaded once. */
export function nativeBpf(): { native: NativeBpf } | { reason: string } {
  if (!cached) {
    try {
      cached = { native: bind() };
    } catch (e) {
      // Node's "Cannot find module" carries a multi-line require stack; the first line says it all.
      const message = (e instanceof Error ? e.message : String(e)).split('\n')[0];
      cached = { reason: `kernel bridge unavailable: ${message}` };
    }
  }
  return cached;
}
