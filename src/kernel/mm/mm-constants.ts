/**
 * The x86-64 user address-space bounds, and the shapes an address space hands out (a CPU
 * access fault, a pinned run). Values are Linux's; the PROT_* / MAP_* flags are in uapi/posix.ts.
 */
import { MAP_HUGE_MASK, MAP_HUGE_SHIFT } from '../../uapi/posix.js';

/**
 * Pages per hugetlb page for MAP_HUGETLB `flags` (hstate_sizelog): 0 picks the default
 * (2 MiB); x86-64 has hstates for 2 MiB and 1 GiB only; null for any other size.
 */
export function hugetlbPages(flags: number): number | null {
  // the same encoding serves MAP_HUGE_* and MFD_HUGE_*
  const log = (flags >>> MAP_HUGE_SHIFT) & MAP_HUGE_MASK;
  if (log === 0 || log === 21) return 512;
  if (log === 30) return 512 * 512;
  return null;
}

/** x86-64 user address space: [mmap_min_addr, TASK_SIZE). */
export const MMAP_MIN_ADDR = 0x10000n;
export const TASK_SIZE = 0x7ffffffff000n;
/** Where top-down mmap placement starts (below a notional stack). */
export const MMAP_BASE = 0x7f0000000000n;

/** What a CPU access got when it did not complete: the signal Linux would deliver. */
export interface AccessFault {
  readonly signal: 'SIGSEGV' | 'SIGBUS';
  readonly address: bigint;
  readonly why: string;
}

/** A physically contiguous run of pinned memory. */
export interface PinnedRun {
  readonly vaddr: bigint;
  readonly pa: bigint;
  readonly bytes: bigint;
  /** true when the run is device memory (a BAR mmap): not refcounted, not accounted. */
  readonly mmio: boolean;
}
