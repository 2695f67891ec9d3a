// Names of things in the running kernel that completion offers: functions (for kprobe/fentry)
// and tracepoints. Read from BTF and tracefs when this machine lets us, else a small bundled list,
// so completion works on any machine. Callers pass a `KernelNames` so tests can supply their own.
import { readFileSync } from 'node:fs';
import { loadBtf } from '../probe/btf';
import { knownTracepoints, tracefsEventsDir } from '../probe/tracepoints';

export interface KernelNames {
  /** Kernel function names, sorted. */
  functions(): readonly string[];
  /** Tracepoints as `category:event`, sorted. */
  tracepoints(): readonly string[];
  /** Where the function names came from, for completion details. */
  functionSource(): 'btf' | 'tracefs' | 'bundled';
}

/** Frequently traced kernel functions, for machines where neither BTF nor tracefs is readable. */
export const BUNDLED_KERNEL_FUNCTIONS: readonly string[] = [
  'do_sys_openat2', 'do_nanosleep', 'do_exit', 'do_unlinkat', 'do_fork', 'kernel_clone', 'vfs_read', 'vfs_write', 'vfs_open',
  'vfs_fsync', 'vfs_unlink', 'vfs_rename', 'vfs_create', 'vfs_mkdir', 'tcp_connect', 'tcp_v4_connect', 'tcp_v6_connect',
  'tcp_sendmsg', 'tcp_recvmsg', 'tcp_close', 'tcp_set_state', 'tcp_retransmit_skb', 'inet_csk_accept', 'udp_sendmsg',
  'udp_recvmsg', 'ip_output', 'dev_queue_xmit', 'netif_receive_skb', '__netif_receive_skb_core', 'kfree_skb_reason',
  'schedule', 'finish_task_switch', 'wake_up_new_task', 'try_to_wake_up', 'handle_mm_fault', 'exc_page_fault',
  'kmem_cache_alloc', 'kmalloc', 'kfree', '__kmalloc', 'security_file_open', 'cap_capable', 'blk_mq_start_request',
  'blk_account_io_start', 'blk_account_io_done', 'submit_bio', 'ext4_file_write_iter', 'ext4_file_open',
  'ksys_read', 'ksys_write', '__x64_sys_read', '__x64_sys_write', '__x64_sys_openat', '__x64_sys_execve',
  '__x64_sys_clone', '__x64_sys_kill', 'do_execveat_common', 'bprm_execve', 'signal_generate', 'oom_kill_process',
].slice().sort();

function readFilterFunctions(): string[] | undefined {
  const dir = tracefsEventsDir();
  if (!dir) return undefined;
  try {
    const text = readFileSync(dir.replace(/\/events$/, '') + '/available_filter_functions', 'utf8');
    const names = new Set<string>();
    for (const line of text.split('\n')) {
      const name = line.split(/\s/, 1)[0];
      if (name) names.add(name);
    }
    return [...names].sort();
  } catch {
    return undefined;
  }
}

/** The machine's kernel names, read once on first use. */
export function systemKernelNames(): KernelNames {
  let fns: string[] | undefined;
  let source: 'btf' | 'tracefs' | 'bundled' = 'bundled';
  let tps: string[] | undefined;
  const load = (): string[] => {
    if (fns) return fns;
    const btf = loadBtf();
    if (btf) {
      fns = [...btf.funcNames()].sort();
      source = 'btf';
    } else {
      const live = readFilterFunctions();
      if (live) {
        fns = live;
        source = 'tracefs';
      } else fns = [...BUNDLED_KERNEL_FUNCTIONS];
    }
    return fns;
  };
  return {
    functions: load,
    tracepoints: () => (tps ??= knownTracepoints()),
    functionSource: () => {
      load();
      return source;
    },
  };
}

/** Names starting with `prefix` (case-sensitive, as kernel symbols are), at most `limit`, in order. */
export function withPrefix(names: readonly string[], prefix: string, limit: number): { names: string[]; more: boolean } {
  // The lists are sorted: find the first candidate by binary search, then walk.
  let lo = 0;
  let hi = names.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (names[mid] < prefix) lo = mid + 1;
    else hi = mid;
  }
  const out: string[] = [];
  for (let i = lo; i < names.length && names[i].startsWith(prefix); i++) {
    if (out.length === limit) return { names: out, more: true };
    out.push(names[i]);
  }
  return { names: out, more: false };
}
