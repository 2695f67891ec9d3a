// The values of one generated call: its arguments by name and type (a path for `filename`, the
// requested size for `count`, an fd for `fd`, ...), and its return value by what the function
// returns (fds for open/socket/accept/dup, at most the requested count for read/write, 0 or a
// negative errno for most others). Rules are data tables, tried in order.
import { isImage, type ArgValue } from './events';
import type { FieldValue, KernelObjects } from './kernel-objects';
import type { Type } from '../types';
import { COMMANDS, COMMON_PATHS, DISKS, E, ENVIRONMENT, HOSTS, MISSING_PATHS, PROCESSES, PROGRAMS, SIGNALS, SYSCALL_IDS, type Proc } from './workload';

export type Rnd = () => number;

export const pick = <T>(rnd: Rnd, list: readonly T[]): T => list[Math.floor(rnd() * list.length)]!;

const u64 = (n: number | bigint): bigint => BigInt.asUintN(64, BigInt(n));

// ------------------------------------------------------------------ return values

export type ReturnKind =
  | 'fd' // a new file descriptor
  | 'count' // bytes done: at most the requested count, sometimes 0 (end of file)
  | 'status' // 0
  | 'child' // a new process id
  | 'old-id' // the id before the change (setfsuid)
  | 'ready' // a few ready descriptors (poll, epoll_wait)
  | 'address' // a user address (mmap, brk)
  | 'offset' // a file offset (lseek)
  | 'kernel-pointer' // a kernel object, NULL on failure
  | 'one' // 1 on success (OpenSSL)
  | 'text' // a string (readline)
  | 'own-id'; // the caller's pid or uid

export interface ReturnRule {
  match: RegExp;
  kind: ReturnKind;
  /** Errno values a failure returns (negated), most common first; repeats weight them. */
  errnos?: readonly number[];
  errorRate?: number;
  /** A failure returns this instead of -errno (OpenSSL's -1/0, getaddrinfo's EAI_* codes). */
  failure?: readonly bigint[];
  /** Typical time the call takes, in ns: [shortest, longest], drawn log-uniformly. */
  ns?: [number, number];
}

/** System calls by name (sys_enter_X, __x64_sys_X, ksys_X, ...). */
export const SYSCALL_RETURNS: readonly ReturnRule[] = [
  { match: /^(open|openat|openat2|creat|open_by_handle_at)$/, kind: 'fd', errnos: [E.ENOENT, E.ENOENT, E.ENOENT, E.EACCES, E.ENOTDIR, E.EMFILE], errorRate: 0.2, ns: [3_000, 120_000] },
  { match: /^socket$/, kind: 'fd', errnos: [E.EAFNOSUPPORT, E.EMFILE], errorRate: 0.03, ns: [4_000, 40_000] },
  { match: /^(accept|accept4)$/, kind: 'fd', errnos: [E.EAGAIN, E.EAGAIN, E.EINTR], errorRate: 0.3, ns: [5_000, 300_000_000] },
  { match: /^(dup|dup2|dup3)$/, kind: 'fd', errnos: [E.EBADF], errorRate: 0.01, ns: [1_000, 8_000] },
  { match: /^(epoll_create1?|eventfd2?|memfd_create|timerfd_create|signalfd4?|inotify_init1?|fanotify_init|pidfd_open|perf_event_open|userfaultfd|io_uring_setup|fsopen|fspick|open_tree|bpf)$/, kind: 'fd', errnos: [E.EMFILE, E.EINVAL], errorRate: 0.02 },
  { match: /^(pipe|pipe2|socketpair)$/, kind: 'status', errnos: [E.EMFILE], errorRate: 0.01 },
  { match: /^(read|pread64|readv|preadv2?|recvfrom|recvmsg|getdents64|readlink|readlinkat|getrandom)$/, kind: 'count', errnos: [E.EAGAIN, E.EAGAIN, E.EINTR, E.EBADF], errorRate: 0.08, ns: [2_000, 3_000_000] },
  { match: /^(write|pwrite64|writev|pwritev2?|sendto|sendmsg|sendfile64|splice|copy_file_range)$/, kind: 'count', errnos: [E.EAGAIN, E.EPIPE], errorRate: 0.03, ns: [2_000, 2_000_000] },
  { match: /^connect$/, kind: 'status', errnos: [E.EINPROGRESS, E.EINPROGRESS, E.ECONNREFUSED, E.ETIMEDOUT], errorRate: 0.3, ns: [20_000, 30_000_000] },
  { match: /^(newstat|newlstat|newfstatat|statx|statfs|fstatfs|access|faccessat2?|readlinkat)$/, kind: 'status', errnos: [E.ENOENT, E.ENOENT, E.EACCES], errorRate: 0.25, ns: [2_000, 60_000] },
  { match: /^(unlink|unlinkat|rmdir|mkdir|mkdirat|rename|renameat2?|chmod|fchmodat|chown|fchownat)$/, kind: 'status', errnos: [E.ENOENT, E.EEXIST, E.EACCES], errorRate: 0.1 },
  { match: /^(kill|tkill|tgkill)$/, kind: 'status', errnos: [E.ESRCH, E.EPERM], errorRate: 0.1 },
  { match: /^(setuid|setgid|setresuid|setresgid|setreuid|setregid|setgroups)$/, kind: 'status', errnos: [E.EPERM], errorRate: 0.1 },
  { match: /^(setfsuid|setfsgid)$/, kind: 'old-id' },
  { match: /^(clone|clone3|fork|vfork)$/, kind: 'child', errnos: [E.EAGAIN], errorRate: 0.01, ns: [40_000, 400_000] },
  { match: /^(nanosleep|clock_nanosleep)$/, kind: 'status', errnos: [E.EINTR], errorRate: 0.05 },
  { match: /^(execve|execveat)$/, kind: 'status', errnos: [E.ENOENT, E.EACCES], errorRate: 0.1, ns: [200_000, 2_000_000] },
  { match: /^(mmap|brk|mremap)$/, kind: 'address' },
  { match: /^lseek$/, kind: 'offset', errnos: [E.EINVAL], errorRate: 0.01 },
  { match: /^close$/, kind: 'status', errnos: [E.EBADF], errorRate: 0.01, ns: [1_000, 20_000] },
  { match: /^futex$/, kind: 'status', errnos: [E.EAGAIN, E.ETIMEDOUT], errorRate: 0.2, ns: [2_000, 50_000_000] },
  { match: /^(epoll_wait|epoll_pwait2?|poll|ppoll|select|pselect6)$/, kind: 'ready', errnos: [E.EINTR], errorRate: 0.02, ns: [10_000, 500_000_000] },
  { match: /^(fsync|fdatasync|syncfs|sync_file_range|msync)$/, kind: 'status', errnos: [E.EBADF, E.EINVAL], errorRate: 0.02, ns: [200_000, 30_000_000] },
  { match: /^(getpid|gettid|getppid|getuid|geteuid|getgid|getegid)$/, kind: 'own-id', ns: [300, 2_000] },
  { match: /./, kind: 'status', errnos: [E.EINVAL], errorRate: 0.02 },
];

/** Kernel functions other than syscall entry points, by name. */
export const KERNEL_RETURNS: readonly ReturnRule[] = [
  { match: /^(vfs_read|vfs_readv|vfs_write|vfs_writev|ksys_read|ksys_write|\w+_file_(read|write)_iter|tcp_sendmsg|tcp_recvmsg|sock_sendmsg|sock_recvmsg|udp_sendmsg|udp_recvmsg)$/, kind: 'count', errnos: [E.EAGAIN, E.EINTR], errorRate: 0.05, ns: [2_000, 2_000_000] },
  { match: /^(do_sys_open|do_sys_openat2|do_filp_open)$/, kind: 'fd', errnos: [E.ENOENT, E.ENOENT, E.EACCES], errorRate: 0.2, ns: [3_000, 120_000] },
  { match: /^(vfs_open|vfs_fsync|vfs_fsync_range|\w+_file_open|vfs_unlink|vfs_rename|vfs_mkdir|tcp_v[46]_connect|security_\w+|cap_capable)$/, kind: 'status', errnos: [E.ENOENT, E.EACCES], errorRate: 0.05, ns: [1_000, 80_000] },
  { match: /^(inet_csk_accept|\w+_alloc\w*|alloc_\w+)$/, kind: 'kernel-pointer', errorRate: 0.01 },
  { match: /^(blk_|submit_bio|\w+_io_)/, kind: 'status', ns: [100_000, 20_000_000] },
];

/** User-space library functions, by name. */
export const USER_RETURNS: readonly ReturnRule[] = [
  { match: /^getaddrinfo$/, kind: 'status', errorRate: 0.1, failure: [u64(-2), u64(-3)], ns: [300_000, 80_000_000] },
  { match: /^gethostbyname2?(_r)?$/, kind: 'address', errorRate: 0.1, failure: [0n], ns: [300_000, 80_000_000] },
  { match: /^readline$/, kind: 'text', ns: [300_000_000, 4_000_000_000] },
  { match: /^(SSL_read|SSL_write|SSL_read_ex|SSL_write_ex)$/, kind: 'count', errorRate: 0.05, failure: [u64(-1)], ns: [5_000, 2_000_000] },
  { match: /^SSL_do_handshake$/, kind: 'one', errorRate: 0.1, failure: [u64(-1), 0n], ns: [500_000, 40_000_000] },
  { match: /(RSA|rsa|ecdsa|ecdh|EVP_)/, kind: 'one', errorRate: 0.02, failure: [0n], ns: [30_000, 3_000_000] },
  { match: /^(malloc|calloc|realloc|mmap|strdup|fopen|opendir)$/, kind: 'address', errorRate: 0.005, failure: [0n], ns: [200, 20_000] },
  { match: /^(pthread_create|pthread_join|pthread_mutex_lock)$/, kind: 'status', errorRate: 0.01, failure: [11n], ns: [5_000, 200_000] },
  { match: /^(open|open64|openat|socket|accept|dup)$/, kind: 'fd', errorRate: 0.15, failure: [u64(-1)] },
  { match: /^(read|write|recv|send|fread|fwrite)$/, kind: 'count', errorRate: 0.05, failure: [u64(-1)] },
];

/** The system call a probe name stands for: sys_enter_openat, __x64_sys_openat, ksys_read → read. */
export function syscallOf(probe: string): string | undefined {
  const fn = probe.split(':').pop() ?? '';
  const m = /^(?:sys_(?:enter|exit)_|__(?:x64|ia32|arm64|se|do|riscv|s390x?)_sys_|ksys_)(\w+)$/.exec(fn);
  return m?.[1];
}

export function returnRule(fn: string, space: 'syscall' | 'kernel' | 'user'): ReturnRule | undefined {
  const table = space === 'syscall' ? SYSCALL_RETURNS : space === 'kernel' ? KERNEL_RETURNS : USER_RETURNS;
  return table.find((r) => r.match.test(fn));
}

// ------------------------------------------------------------------ arguments

/** Parameter names and C types of functions often traced, for when BTF is not there (and user functions, which have none). */
export const KNOWN_PARAMS: Readonly<Record<string, readonly (readonly [string, string])[]>> = {
  vfs_read: [['file', 'struct file *'], ['buf', 'char *'], ['count', 'size_t'], ['pos', 'loff_t *']],
  vfs_write: [['file', 'struct file *'], ['buf', 'const char *'], ['count', 'size_t'], ['pos', 'loff_t *']],
  ksys_read: [['fd', 'unsigned int'], ['buf', 'char *'], ['count', 'size_t']],
  ksys_write: [['fd', 'unsigned int'], ['buf', 'const char *'], ['count', 'size_t']],
  vfs_open: [['path', 'const struct path *'], ['file', 'struct file *']],
  vfs_fsync: [['file', 'struct file *'], ['datasync', 'int']],
  do_sys_open: [['dfd', 'int'], ['filename', 'const char *'], ['flags', 'int'], ['mode', 'umode_t']],
  do_sys_openat2: [['dfd', 'int'], ['filename', 'const char *'], ['how', 'struct open_how *']],
  tcp_sendmsg: [['sk', 'struct sock *'], ['msg', 'struct msghdr *'], ['size', 'size_t']],
  tcp_recvmsg: [['sk', 'struct sock *'], ['msg', 'struct msghdr *'], ['len', 'size_t'], ['flags', 'int'], ['addr_len', 'int *']],
  tcp_connect: [['sk', 'struct sock *']],
  tcp_set_state: [['sk', 'struct sock *'], ['state', 'int']],
  blk_account_io_start: [['req', 'struct request *']],
  __blk_account_io_start: [['req', 'struct request *']],
  blk_account_io_done: [['req', 'struct request *'], ['now', 'u64']],
  __blk_account_io_done: [['req', 'struct request *'], ['now', 'u64']],
  blk_mq_start_request: [['rq', 'struct request *']],
  blk_start_request: [['req', 'struct request *']],
  md_flush_request: [['mddev', 'struct mddev *'], ['bio', 'struct bio *']],
  lookup_fast: [['nd', 'struct nameidata *']],
  d_lookup: [['parent', 'const struct dentry *'], ['name', 'const struct qstr *']],
  tcp_retransmit_skb: [['sk', 'struct sock *'], ['skb', 'struct sk_buff *'], ['segs', 'int']],
  cap_capable: [['cred', 'const struct cred *'], ['ns', 'struct user_namespace *'], ['cap', 'int'], ['opts', 'unsigned int']],
  do_nanosleep: [['t', 'struct hrtimer_sleeper *'], ['mode', 'enum hrtimer_mode']],
  getaddrinfo: [['node', 'const char *'], ['service', 'const char *'], ['hints', 'const struct addrinfo *'], ['res', 'struct addrinfo **']],
  gethostbyname: [['name', 'const char *']],
  gethostbyname2: [['name', 'const char *'], ['af', 'int']],
  readline: [['prompt', 'const char *']],
  SSL_read: [['ssl', 'SSL *'], ['buf', 'void *'], ['num', 'int']],
  SSL_write: [['ssl', 'SSL *'], ['buf', 'const void *'], ['num', 'int']],
  SSL_do_handshake: [['ssl', 'SSL *']],
  pthread_create: [['thread', 'pthread_t *'], ['attr', 'const pthread_attr_t *'], ['start_routine', 'void *(*)(void *)'], ['arg', 'void *']],
  malloc: [['size', 'size_t']],
  free: [['ptr', 'void *']],
  system: [['command', 'const char *']],
};

/** Where kernel objects of one type live: a few per type, so probes on one object meet (start and done of one request). */
function kernelObject(rnd: Rnd, type: string): bigint {
  let h = 0;
  for (let i = 0; i < type.length; i++) h = (Math.imul(h, 31) + type.charCodeAt(i)) >>> 0;
  return 0xffff_8881_0000_0000n + BigInt((h % 4096) * 0x10_0000) + BigInt(Math.floor(rnd() * 6) * 0x400);
}

/** A user-space stack or heap address. */
const userAddress = (rnd: Rnd): bigint => 0x7ffd_0000_0000n + BigInt(Math.floor(rnd() * 0xfffff) * 16);

/** Sizes programs ask for: page and buffer sizes mostly, some odd ones. */
function sizeValue(rnd: Rnd): bigint {
  const r = rnd();
  if (r < 0.6) return BigInt(pick(rnd, [4096, 8192, 16384, 65536, 131072, 1024, 512, 832, 4096, 4096]));
  if (r < 0.7) return 1n;
  const base = 1 << Math.floor(rnd() * 16);
  return BigInt(base + Math.floor(rnd() * base));
}

/** Log-uniform between lo and hi. */
export const logUniform = (rnd: Rnd, lo: number, hi: number): number => Math.exp(Math.log(lo) + rnd() * (Math.log(hi) - Math.log(lo)));

const OPEN_FLAGS = [0x80000, 0x80000, 0x0, 0x241, 0x90800, 0x80241, 0x2, 0xc2]; // O_RDONLY|O_CLOEXEC, O_RDONLY, O_WRONLY|O_CREAT|O_TRUNC, directory, ...
const AT_FDCWD = u64(-100);
const CAPABILITIES = [21, 21, 12, 10, 1, 7, 6, 19, 2, 23, 24, 39, 38];

export interface CallSetup {
  rnd: Rnd;
  proc: Proc;
  tid: number;
  cpu: number;
  fn: string;
  syscall?: string;
  rule?: ReturnRule;
  nextPid: () => number;
  /** Builds struct images for pointers the script follows. */
  objects?: KernelObjects;
  /** Unique per call: names its objects. */
  serial: number;
}

/** A connection's two ends. */
export interface Connection {
  family: number;
  /** Addresses in network order: 4 bytes (AF_INET) and 16 (AF_INET6) for each end. */
  local4: Uint8Array;
  remote4: Uint8Array;
  local6: Uint8Array;
  remote6: Uint8Array;
  localPort: number;
  remotePort: number;
  state: number;
}

const AF_INET = 2;
const AF_INET6 = 10;
/** TCP states (include/net/tcp_states.h). */
const TCP = { ESTABLISHED: 1, SYN_SENT: 2, SYN_RECV: 3, FIN_WAIT1: 4, FIN_WAIT2: 5, TIME_WAIT: 6, CLOSE: 7, CLOSE_WAIT: 8, LAST_ACK: 9, LISTEN: 10, NEW_SYN_RECV: 12 } as const;
const SERVER_PORTS: Readonly<Record<string, number>> = { nginx: 443, postgres: 5432, sshd: 22, node: 3000, containerd: 10010, 'systemd-resolve': 53 };
const REMOTE_V4 = ['93.184.215.14', '140.82.112.3', '10.0.2.2', '192.168.1.20', '172.17.0.2', '151.101.1.69', '127.0.0.1'];
const REMOTE_V6 = ['2606:2800:21f:cb07:6820:80da:af6b:8b2c', '2a04:4e42::81', 'fd00::1c2a:3ff:fe4b:5d6e', '::1'];

function ipv4(text: string): Uint8Array {
  return Uint8Array.from(text.split('.').map(Number));
}

function ipv6(text: string): Uint8Array {
  const [head, tail] = text.includes('::') ? text.split('::') : [text, undefined];
  const h = head ? head.split(':') : [];
  const t = tail ? tail.split(':') : [];
  const groups = [...h, ...Array<string>(8 - h.length - t.length).fill('0'), ...t];
  const out = new Uint8Array(16);
  groups.slice(0, 8).forEach((g, i) => {
    const n = parseInt(g || '0', 16);
    out[2 * i] = n >> 8;
    out[2 * i + 1] = n & 0xff;
  });
  return out;
}

const be16 = (port: number): bigint => BigInt(((port & 0xff) << 8) | (port >> 8));

/** Struct fields by name (the path's last part, with its parents for context), for generated kernel objects. */
const KERNEL_FIELDS: readonly [RegExp, (c: CallValues, t: Type) => FieldValue][] = [
  [/(^|\.)(skc_|sk_|sa_|sin_|sin6_)?family$/, (c) => BigInt(c.connection.family)],
  [/v6_daddr/, (c) => c.connection.remote6],
  [/v6_rcv_saddr|v6_saddr/, (c) => c.connection.local6],
  [/(^|\.)(skc_daddr|daddr|inet_daddr)$/, (c) => c.connection.remote4],
  [/(^|\.)(skc_rcv_saddr|rcv_saddr|saddr|inet_saddr)$/, (c) => c.connection.local4],
  [/(^|\.)(skc_num|inet_num|num)$/, (c) => BigInt(c.connection.localPort)],
  [/(^|\.)(inet_sport|sport)$/, (c) => be16(c.connection.localPort)],
  [/(^|\.)(skc_dport|inet_dport|dport)$/, (c) => be16(c.connection.remotePort)],
  [/(^|\.)(skc_state|sk_state)$/, (c) => BigInt(c.connection.state)],
  [/sk_max_ack_backlog$/, (c) => BigInt(pick(c.random, [128, 511, 4096]))],
  [/sk_ack_backlog$/, (c) => BigInt(Math.floor(c.random() ** 3 * 12))],
  [/(^|\.)(sk_protocol|protocol)$/, () => 6n],
  [/(^|\.)sk_type$/, () => 1n],
  [/bytes_(acked|received|sent)$/, (c) => BigInt(Math.round(logUniform(c.random, 200, 50_000_000)))],
  [/disk_name$/, (c) => c.disk],
  [/(^|\.)comm$/, (c) => c.proc.comm],
  [/(^|\.)(pid|tgid)$/, (c) => BigInt(c.proc.pid)],
  [/(^|\.)name$/, (c, t) => (t.kind === 'pointer' || t.kind === 'string' ? c.path.slice(c.path.lastIndexOf('/') + 1) : undefined)],
  [/(^|\.)data$/, (c, t) => (t.kind === 'pointer' ? c.payload : undefined)],
  [/(^|\.)len$/, (c) => BigInt(c.payload.length)],
  [/(__data_len|bi_size|nr_bytes|data_len|truesize|(^|\.)size)$/, (c) => c.requested],
  [/tv_sec$/, (c) => c.sleepNs / 1_000_000_000n],
  [/tv_nsec$/, (c) => c.sleepNs % 1_000_000_000n],
];

/** One call (or one firing): who makes it, what it is, and how it ends, decided once for its entry and its return. */
export class CallValues {
  readonly errno?: number;
  /** A failure's value when the function does not return -errno. */
  readonly failure?: bigint;
  readonly requested: bigint;
  private readonly cache = new Map<string, unknown>();

  private readonly rnd: Rnd;
  readonly proc: Proc;
  readonly tid: number;
  readonly cpu: number;
  /** The function or syscall name. */
  readonly fn: string;
  readonly syscall: string | undefined;
  readonly rule: ReturnRule | undefined;
  private readonly setup: CallSetup;
  /** Which firing of a repeated probe this is (a socket's state changes), when it is one. */
  stage?: number;

  constructor(setup: CallSetup) {
    this.setup = setup;
    ({ rnd: this.rnd, proc: this.proc, tid: this.tid, cpu: this.cpu, fn: this.fn, syscall: this.syscall, rule: this.rule } = setup);
    const { rnd, rule } = setup;
    const fails = rule?.errorRate !== undefined && rnd() < rule.errorRate;
    if (fails && rule?.failure) this.failure = pick(rnd, rule.failure);
    else if (fails && rule?.errnos?.length) this.errno = pick(rnd, rule.errnos);
    this.requested = sizeValue(rnd);
  }

  private once<T>(key: string, make: () => T): T {
    if (!this.cache.has(key)) this.cache.set(key, make());
    return this.cache.get(key) as T;
  }

  get path(): string {
    return this.once('path', () => (this.errno === E.ENOENT ? pick(this.rnd, MISSING_PATHS) : this.proc.paths.length && this.rnd() < 0.7 ? pick(this.rnd, this.proc.paths) : pick(this.rnd, COMMON_PATHS)));
  }

  get fd(): bigint {
    return this.once('fd', () => BigInt(this.rnd() < 0.1 ? Math.floor(this.rnd() * 3) : 3 + Math.floor(this.rnd() ** 2 * 60)));
  }

  /** A program this process would start. */
  get program(): (typeof PROGRAMS)[number] {
    return this.once('program', () => {
      const mine = PROGRAMS.filter((p) => p.by.includes(this.proc.comm));
      return pick(this.rnd, mine.length ? mine : PROGRAMS);
    });
  }

  /** Another process: the one signalled, woken or switched to. */
  get other(): Proc {
    return this.once('other', () => {
      const others = PROCESSES.filter((p) => p !== this.proc && !p.kernel);
      return pick(this.rnd, others);
    });
  }

  get host(): string {
    return this.once('host', () => pick(this.rnd, HOSTS));
  }

  get childPid(): number {
    return this.once('child', () => this.setup.nextPid());
  }

  get sleepNs(): bigint {
    return this.once('sleep', () => BigInt(Math.round(logUniform(this.rnd, 1_000_000, 1_500_000_000))));
  }

  /** The random source, for the field rules. */
  get random(): Rnd {
    return this.rnd;
  }

  get disk(): string {
    return this.once('disk', () => pick(this.rnd, DISKS));
  }

  /** Bytes a socket carries. */
  get payload(): string {
    return this.once('payload', () => pick(this.rnd, ['{"jsonrpc":"2.0","method":"ping","id":7}', 'GET /metrics HTTP/1.1\r\nHost: localhost\r\n\r\n', '<30>Jul  4 12:00:01 cron[731]: (root) CMD (run-parts /etc/cron.hourly)', 'READY=1']));
  }

  /** The connection a socket call is about: a client's to a service, or a server's from a client. */
  get connection(): Connection {
    return this.once('connection', () => {
      const rnd = this.rnd;
      const served = SERVER_PORTS[this.proc.comm];
      // A socket that went through SYN_SENT is a client's.
      const server = this.stage === TCP.SYN_SENT ? false : /accept|syn_recv|listen/.test(this.fn) || (served !== undefined && !/connect/.test(this.fn) && (this.stage !== undefined || rnd() < 0.7));
      const ephemeral = 32768 + Math.floor(rnd() * 28000);
      const service = pick(rnd, [443, 443, 443, 80, 5432, 53, 6379]);
      const state = /connect/.test(this.fn) ? TCP.SYN_SENT : /accept/.test(this.fn) ? TCP.ESTABLISHED : pick(rnd, [TCP.ESTABLISHED, TCP.ESTABLISHED, TCP.ESTABLISHED, TCP.SYN_RECV, TCP.CLOSE_WAIT, TCP.FIN_WAIT1]);
      // Loopback talks to loopback; otherwise the host's own address.
      const remote4 = pick(rnd, REMOTE_V4);
      const remote6 = pick(rnd, REMOTE_V6);
      return {
        family: rnd() < 0.2 ? AF_INET6 : AF_INET,
        local4: ipv4(remote4 === '127.0.0.1' ? remote4 : '10.0.2.15'),
        remote4: ipv4(remote4),
        local6: ipv6(remote6 === '::1' ? remote6 : 'fd00::a00:20f'),
        remote6: ipv6(remote6),
        localPort: server ? (served ?? 8080) : ephemeral,
        remotePort: server ? ephemeral : service,
        state: this.stage ?? state,
      };
    });
  }

  /** A kernel object of `struct X` for a pointer the script follows, or undefined to pass a plain address. */
  object(record: string, name: string): ArgValue | undefined {
    const objects = this.setup.objects;
    if (!objects?.wants(record)) return undefined;
    // One object per type and call: a request's start and its completion (whatever they name it) see one.
    return this.once(`image ${record}`, () => objects.build(record, (path, t) => this.kernelField(path, t), `${record}#${this.setup.serial}.${name}`));
  }

  /**
   * Argument `slot` as an earlier firing of this call passed it, when that was an object and this
   * one knows no better (an untyped arg0 at the completion of a request typed at its start).
   */
  sameAs(slot: string, v: ArgValue): ArgValue {
    const key = `slot ${slot}`;
    const prior = this.cache.get(key) as ArgValue | undefined;
    const objectLike = isImage(v) || (typeof v === 'bigint' && v >= 0xffff_8000_0000_0000n);
    if (!objectLike) return prior ?? v;
    if (prior === undefined) this.cache.set(key, v);
    return v;
  }

  /** A field of a generated kernel object. */
  kernelField(path: readonly string[], t: Type): FieldValue {
    const key = path.join('.');
    const rule = KERNEL_FIELDS.find(([re]) => re.test(key));
    if (rule) return rule[1](this, t);
    if (t.kind === 'int') return BigInt(Math.floor(this.rnd() * 100));
    return undefined;
  }

  get syscallId(): bigint {
    return this.once('id', () => BigInt(pick(this.rnd, SYSCALL_IDS)));
  }

  /** The return value. */
  get ret(): ArgValue {
    return this.once('ret', () => this.returnValue());
  }

  /** How long the call takes, in ns. */
  get durationNs(): number {
    if (/sleep/.test(this.fn)) return Number(this.sleepNs) + 60_000;
    const [lo, hi] = this.rule?.ns ?? [1_000, 400_000];
    return logUniform(this.rnd, lo, hi);
  }

  private returnValue(): ArgValue {
    if (this.failure !== undefined) return this.failure;
    if (this.errno !== undefined) return u64(-this.errno);
    const rnd = this.rnd;
    switch (this.rule?.kind) {
      case 'fd':
        return BigInt(3 + Math.floor(rnd() ** 2 * 60));
      case 'count': {
        // Often all of it; else part, or nothing at the end of a file.
        const r = rnd();
        return r < 0.55 ? this.requested : r < 0.65 ? 0n : BigInt(Math.floor(rnd() * Number(this.requested)));
      }
      case 'child':
        return BigInt(this.childPid);
      case 'old-id':
        return BigInt(this.proc.uid);
      case 'own-id':
        return BigInt(/uid/.test(this.fn) ? this.proc.uid : /gid/.test(this.fn) ? this.proc.uid : this.proc.pid);
      case 'ready':
        return BigInt(rnd() < 0.2 ? 0 : 1 + Math.floor(rnd() * 4));
      case 'address':
        return 0x7f3a_0000_0000n + BigInt(Math.floor(rnd() * 0xffff) * 0x1000);
      case 'offset':
        return BigInt(Math.floor(rnd() * (1 << 20)));
      case 'kernel-pointer':
        return kernelObject(rnd, this.fn);
      case 'one':
        return 1n;
      case 'text':
        return pick(rnd, COMMANDS);
      default:
        return 0n;
    }
  }

  /** Whose pid/comm a field names: the caller, or the other task (next_, target, a woken task). */
  private subject(name: string, event: string): Proc {
    if (/^(next_|target)/.test(name)) return this.other;
    if (/^(prev_|parent_)/.test(name)) return this.proc;
    if (/wakeup|waking|migrate|kill|signal|stat_/.test(event) || /^(kill|tkill|tgkill)$/.test(this.syscall ?? '')) return this.other;
    return this.proc;
  }

  /**
   * The value of an argument or a tracepoint field, by its name and C type. `asText`: the script
   * reads it with str(); `asList`: with join(). `event` names the tracepoint or function.
   */
  value(name: string, type: string, event: string, how: { asText?: boolean; asList?: boolean; kernel?: boolean } = {}): ArgValue {
    const rnd = this.rnd;
    const t = type.replace(/\b(const|volatile|__user)\b/g, '').replace(/\s+/g, ' ').trim();
    if (how.asList || /^argv$/.test(name)) return [...(/env/.test(name) ? ENVIRONMENT : this.program.argv)];
    if (/^envp$/.test(name)) return [...ENVIRONMENT];
    if (/comm$/.test(name)) return name.startsWith('child_') ? this.proc.comm : this.subject(name, event).comm;
    if (/^rwbs$/.test(name)) return pick(rnd, ['R', 'W', 'WS', 'RA', 'FWS', 'RM']);
    if (/(disk|disk_name)$/.test(name)) return pick(rnd, DISKS);
    const textual = /^(unsigned )?char ?(\*|\[\d*\])$/.test(t) || t.startsWith('__data_loc');
    if (how.asText || textual) return this.text(name, event);
    if (/^child_pid$/.test(name)) return BigInt(this.childPid);
    if (/pid$/.test(name) && !/^(old_)/.test(name)) return BigInt(this.subject(name, event).pid);
    if (/^(old_pid)$/.test(name)) return BigInt(this.proc.pid);
    if (/^(dfd|olddfd|newdfd)$/.test(name)) return rnd() < 0.85 ? AT_FDCWD : this.fd;
    if (/(^|_)fd$|^fildes$|^newfd$|^oldfd$/.test(name)) return this.fd;
    if (/^(count|len|size|bufsiz|nbytes|num|length|nr_bytes|bytes)$/.test(name)) return this.requested;
    if (name === 'ret') return this.ret;
    if (name === 'id' && /sys_(enter|exit)$/.test(event)) return this.syscallId;
    if (name === 'flags' && /open/.test(event)) return BigInt(pick(rnd, OPEN_FLAGS));
    if (name === 'mode') return BigInt(pick(rnd, [0o644, 0o600, 0o755, 0]));
    if (name === 'sig') return BigInt(pick(rnd, SIGNALS));
    if (name === 'cap') return BigInt(pick(rnd, CAPABILITIES));
    if (name === 'opts' && /capable/.test(event)) return BigInt(pick(rnd, [0, 0, 0, 2])); // CAP_OPT_NOAUDIT
    if (name === 'reason') return BigInt(/skb/.test(event) ? pick(rnd, [2, 2, 3, 5, 16, 38]) : pick(rnd, [0, 0, 3, 3, 2, 1]));
    if (/^nr_pages$/.test(name)) return BigInt(1 + Math.floor(logUniform(rnd, 1, 4096)));
    if (/^(uid|ruid|euid|suid|fsuid)$/.test(name)) return BigInt(pick(rnd, [0, 0, 1000, 33, 65534]));
    if (/^(gid|rgid|egid|sgid|fsgid)$/.test(name)) return BigInt(pick(rnd, [0, 1000, 33, 65534]));
    if (/timespec ?\*$/.test(t) && /^(rqtp|req|request|tsp|utime)$/.test(name)) return [this.sleepNs / 1_000_000_000n, this.sleepNs % 1_000_000_000n];
    if (/prio$/.test(name)) return BigInt(rnd() < 0.8 ? 120 : 100 + Math.floor(rnd() * 40));
    if (/state$/.test(name)) return BigInt(this.stage ?? pick(rnd, [0, 1, 1, 2, 0x80]));
    if (/cpu$/.test(name)) return BigInt(this.cpu);
    if (/^(sector|sec)$/.test(name)) return BigInt(Math.floor(rnd() * 2e8)) & ~7n;
    if (/^nr_sector$/.test(name)) return BigInt(8 * 2 ** Math.floor(rnd() * 6));
    if (/(^|_)dev$/.test(name)) return this.once(`dev ${name}`, () => BigInt((pick(rnd, [8, 8, 259, 253]) << 20) | pick(rnd, [0, 1, 16])));
    const struct = /^(struct \w+) ?\*$/.exec(t)?.[1];
    const image = struct ? this.object(struct, name) : undefined;
    if (image) return image;
    if (struct || /(skbaddr|skaddr|^sk|^skb|^file|^inode|^dentry|^page|^folio|^bio|^rq|^req|^task)$/.test(name)) {
      // One object per call and type: the entry, the return and the completion see the same one.
      return this.once(`object ${struct ?? name}`, () => (how.kernel === false ? userAddress(rnd) : kernelObject(rnd, struct ?? name)));
    }
    if (/\*/.test(t)) return this.once(`pointer ${t} ${name}`, () => (how.kernel ? kernelObject(rnd, t) : userAddress(rnd)));
    if (/(flags|mask)$/.test(name)) return BigInt(Math.floor(rnd() * 4) * 0x40);
    if (/(ns|nsec|delay|time|runtime)$/.test(name)) return BigInt(Math.round(logUniform(rnd, 1_000, 20_000_000)));
    return BigInt(Math.floor(rnd() * 100));
  }

  /** Text for a string argument, by what it names. */
  private text(name: string, event: string): string {
    if (name === 'name' && /writeback|bdi/.test(event)) return this.once('bdi', () => pick(this.rnd, ['8:0', '259:0', '253:1']));
    if (/getaddrinfo|gethostbyname|resolv|dns/.test(event) || /^(node|host|hostname)$/.test(name)) return this.host;
    if (/readline|system|popen/.test(event) || /^(command|cmd|line)$/.test(name)) return pick(this.rnd, COMMANDS);
    if (/exec/.test(event) && /^(filename|path|pathname)$/.test(name)) return this.program.file;
    if (/comm$/.test(name)) return this.subject(name, event).comm;
    if (/^(buf|ubuf|buff|data)$/.test(name)) return pick(this.rnd, ['GET /index.html HTTP/1.1\r\n', '{"status":"ok"}\n', 'SELECT 1;\n', 'hello\n']);
    return this.path;
  }
}
