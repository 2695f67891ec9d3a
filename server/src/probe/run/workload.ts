// The cast of the generated workload: the processes of a small server (daemons, a shell, a web
// server, a database, interpreters, kernel threads), what they open, run, look up and type, and
// the errno values syscalls fail with. Data only; generate.ts draws from it.

export interface Proc {
  pid: number;
  comm: string;
  uid: number;
  /** Threads besides the main one (tids pid+1, pid+2, ...). */
  threads: number;
  /** How busy it is, relative to the others. */
  weight: number;
  /** Files it typically opens. */
  paths: readonly string[];
  /** A kernel thread: never in user space (no uprobes, no syscalls). */
  kernel?: boolean;
  /** Libraries or binaries it runs code from, for uprobes (besides libc). */
  runs?: readonly string[];
}

export const PROCESSES: readonly Proc[] = [
  { pid: 1, comm: 'systemd', uid: 0, threads: 0, weight: 2, paths: ['/proc/1/cgroup', '/sys/fs/cgroup/system.slice/nginx.service/memory.current', '/run/systemd/notify', '/etc/systemd/system/multi-user.target.wants'] },
  { pid: 389, comm: 'systemd-journal', uid: 0, threads: 0, weight: 3, paths: ['/var/log/journal/3f1c2a7e/system.journal', '/proc/2210/cmdline', '/proc/3150/status', '/run/log/journal'] },
  { pid: 612, comm: 'systemd-resolve', uid: 101, threads: 0, weight: 1, paths: ['/etc/hosts', '/etc/resolv.conf', '/run/systemd/resolve/stub-resolv.conf'] },
  { pid: 731, comm: 'cron', uid: 0, threads: 0, weight: 1, paths: ['/etc/crontab', '/var/spool/cron/crontabs/user', '/etc/cron.d'] },
  { pid: 842, comm: 'sshd', uid: 0, threads: 0, weight: 2, paths: ['/etc/ssh/sshd_config', '/etc/passwd', '/etc/shadow', '/var/log/auth.log'], runs: ['libcrypto', 'libssl'] },
  { pid: 1204, comm: 'bash', uid: 1000, threads: 0, weight: 3, paths: ['/home/user/.bashrc', '/home/user/.bash_history', '/etc/profile', '/dev/tty', '/usr/share/bash-completion/bash_completion'], runs: ['bash', 'libreadline'] },
  { pid: 1630, comm: 'containerd', uid: 0, threads: 7, weight: 3, paths: ['/var/lib/containerd/io.containerd.metadata.v1.bolt/meta.db', '/run/containerd/containerd.sock', '/sys/fs/cgroup/cpu.stat'], runs: ['containerd', 'libpthread'] },
  { pid: 2210, comm: 'nginx', uid: 33, threads: 3, weight: 5, paths: ['/var/www/html/index.html', '/var/www/html/static/app.js', '/etc/nginx/nginx.conf', '/var/log/nginx/access.log'], runs: ['nginx', 'libssl', 'libcrypto'] },
  { pid: 3150, comm: 'postgres', uid: 112, threads: 0, weight: 4, paths: ['/var/lib/postgresql/16/main/base/16384/2619', '/var/lib/postgresql/16/main/pg_wal/000000010000000000000007', '/var/lib/postgresql/16/main/global/pg_control'], runs: ['postgres', 'libssl', 'libcrypto'] },
  { pid: 4518, comm: 'python3', uid: 1000, threads: 2, weight: 4, paths: ['/usr/lib/python3.12/json/__init__.py', '/home/user/app/config.yaml', '/home/user/app/data.csv', '/usr/lib/python3.12/__pycache__/os.cpython-312.pyc'], runs: ['python3', 'libpython3.12', 'libssl', 'libcrypto', 'libpthread'] },
  { pid: 5023, comm: 'node', uid: 1000, threads: 6, weight: 4, paths: ['/home/user/web/package.json', '/home/user/web/node_modules/express/index.js', '/home/user/web/dist/server.js'], runs: ['node', 'libssl', 'libcrypto', 'libpthread'] },
  { pid: 6120, comm: 'curl', uid: 1000, threads: 0, weight: 1, paths: ['/etc/ssl/certs/ca-certificates.crt', '/home/user/.curlrc'], runs: ['curl', 'libcurl', 'libssl', 'libcrypto'] },
  { pid: 955, comm: 'rsyslogd', uid: 104, threads: 2, weight: 2, paths: ['/var/log/syslog', '/var/log/kern.log', '/dev/log'], runs: ['rsyslogd', 'libpthread'] },
  { pid: 14, comm: 'ksoftirqd/0', uid: 0, threads: 0, weight: 1, paths: [], kernel: true },
  { pid: 87, comm: 'kworker/u4:2', uid: 0, threads: 0, weight: 2, paths: [], kernel: true },
  { pid: 201, comm: 'jbd2/sda1-8', uid: 0, threads: 0, weight: 1, paths: [], kernel: true },
  { pid: 72, comm: 'kswapd0', uid: 0, threads: 0, weight: 1, paths: [], kernel: true },
];

/** Files every process opens now and then. */
export const COMMON_PATHS: readonly string[] = ['/etc/ld.so.cache', '/lib/x86_64-linux-gnu/libc.so.6', '/etc/localtime', '/etc/nsswitch.conf', '/proc/self/stat', '/dev/null', '/etc/passwd'];

/** Paths that are not there (what a failed open with ENOENT looked for). */
export const MISSING_PATHS: readonly string[] = ['/usr/lib/locale/C.UTF-8/LC_ALL', '/etc/ld.so.preload', '/home/user/.config/app/settings.json', '/usr/lib/x86_64-linux-gnu/libgtk3-nocsd.so.0', '/run/nginx.pid.lock'];

/** Every path the workload may pass (for tests that check what a script printed). */
export const PATHS: readonly string[] = [...new Set([...PROCESSES.flatMap((p) => p.paths), ...COMMON_PATHS, ...MISSING_PATHS])];

/** Programs started with exec: the file, its argv, and who usually starts them. */
export const PROGRAMS: readonly { file: string; argv: readonly string[]; by: readonly string[] }[] = [
  { file: '/usr/bin/ls', argv: ['ls', '--color=auto', '-la'], by: ['bash'] },
  { file: '/usr/bin/git', argv: ['git', 'status', '--short'], by: ['bash'] },
  { file: '/usr/bin/grep', argv: ['grep', '-rn', 'TODO', 'src'], by: ['bash'] },
  { file: '/usr/bin/cat', argv: ['cat', '/etc/os-release'], by: ['bash', 'python3'] },
  { file: '/usr/bin/make', argv: ['make', '-j2'], by: ['bash'] },
  { file: '/bin/sh', argv: ['/bin/sh', '-c', 'test -x /usr/sbin/anacron || run-parts --report /etc/cron.daily'], by: ['cron'] },
  { file: '/usr/sbin/logrotate', argv: ['/usr/sbin/logrotate', '/etc/logrotate.conf'], by: ['cron', 'systemd'] },
  { file: '/usr/bin/bash', argv: ['-bash'], by: ['sshd'] },
  { file: '/usr/bin/uname', argv: ['uname', '-r'], by: ['python3', 'bash'] },
  { file: '/usr/bin/curl', argv: ['curl', '-s', 'https://api.github.com/repos'], by: ['bash', 'python3'] },
  { file: '/usr/lib/postgresql/16/bin/postgres', argv: ['postgres', '-D', '/var/lib/postgresql/16/main'], by: ['systemd'] },
];

/** The environment a started program gets. */
export const ENVIRONMENT: readonly string[] = ['PATH=/usr/local/bin:/usr/bin:/bin', 'HOME=/home/user', 'LANG=C.UTF-8', 'TERM=xterm-256color'];

/** Host names programs look up. */
export const HOSTS: readonly string[] = ['api.github.com', 'deb.debian.org', 'db.internal', 'localhost', 'registry-1.docker.io', 'example.com', 'pool.ntp.org'];

/** Lines typed at the shell (readline's return). */
export const COMMANDS: readonly string[] = ['ls -la', 'cd /var/log', 'git status', 'vim notes.txt', 'make -j2', 'grep -rn TODO src', 'sudo systemctl restart nginx', 'tail -f /var/log/syslog', 'ps aux | grep python'];

/** Errno values (positive); syscalls return them negated. */
export const E = {
  EPERM: 1, ENOENT: 2, ESRCH: 3, EINTR: 4, EBADF: 9, EAGAIN: 11, EACCES: 13, EEXIST: 17, ENOTDIR: 20, EINVAL: 22, EMFILE: 24, EPIPE: 32,
  EAFNOSUPPORT: 97, ECONNRESET: 104, ETIMEDOUT: 110, ECONNREFUSED: 111, EINPROGRESS: 115,
} as const;

/** Signals kill() sends, most common first. */
export const SIGNALS: readonly number[] = [15, 15, 0, 9, 1, 10, 2];

/** x86-64 syscall numbers of busy syscalls, for raw_syscalls (read, write, close, mmap, openat, futex, epoll_wait, ...). */
export const SYSCALL_IDS: readonly number[] = [0, 1, 3, 9, 257, 202, 232, 7, 45, 44, 4, 5, 262, 72, 318, 228];

/** Block devices. */
export const DISKS: readonly string[] = ['sda', 'nvme0n1', 'vda'];
