// Numbers from the kernel's UAPI (include/uapi/linux/bpf.h, asm-generic/errno*.h) that the bridge speaks.
import type { MapType } from '../core/types';

/** enum bpf_cmd: only the commands the bridge is allowed to issue. */
export const BpfCmd = {
  MAP_CREATE: 0,
  MAP_LOOKUP_ELEM: 1,
  MAP_UPDATE_ELEM: 2,
  MAP_DELETE_ELEM: 3,
  PROG_LOAD: 5,
  PROG_TEST_RUN: 10,
} as const;

/** enum bpf_prog_type: one table, with the SEC-name rules. */
export { PROG_TYPE_IDS as PROG_TYPE_NUMBER } from '../core/sections';

/** enum bpf_map_type. */
export const MAP_TYPE_NUMBER: Record<MapType, number> = {
  hash: 1,
  array: 2,
  prog_array: 3,
  perf_event_array: 4,
  percpu_hash: 5,
  percpu_array: 6,
  stack_trace: 7,
  lru_hash: 9,
  lru_percpu_hash: 10,
  queue: 22,
  stack: 23,
  ringbuf: 27,
};

/** Flags for MAP_UPDATE_ELEM. */
export const UpdateFlag = { ANY: 0, NOEXIST: 1, EXIST: 2 } as const;

/** src_reg value of an lddw whose immediate is a map fd. */
export const BPF_PSEUDO_MAP_FD = 1;
/** src_reg value of an lddw whose first immediate is a map fd and second an offset into its value (global data). */
export const BPF_PSEUDO_MAP_VALUE = 2;

const ERRNO_NAMES: Record<number, string> = {
  1: 'EPERM',
  2: 'ENOENT',
  3: 'ESRCH',
  4: 'EINTR',
  7: 'E2BIG',
  9: 'EBADF',
  11: 'EAGAIN',
  12: 'ENOMEM',
  13: 'EACCES',
  14: 'EFAULT',
  16: 'EBUSY',
  17: 'EEXIST',
  22: 'EINVAL',
  24: 'EMFILE',
  28: 'ENOSPC',
  38: 'ENOSYS',
  95: 'EOPNOTSUPP',
  524: 'ENOTSUPP',
};

export function errnoName(errno: number): string {
  return ERRNO_NAMES[errno] ?? `errno ${errno}`;
}
