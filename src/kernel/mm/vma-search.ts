/**
 * Lookups over a process's VMA array (sorted by start, non-overlapping, page-aligned) and
 * the placement of a new mapping (get_unmapped_area). Pure functions: nothing here changes
 * the array.
 */
import { PAGE_SHIFT } from '../../base/u64.js';
import { MMAP_BASE, MMAP_MIN_ADDR, TASK_SIZE } from './mm-constants.js';
import { HUGE_PAGES, type Vma } from './vma.js';

const PAGE = 1n << BigInt(PAGE_SHIFT);
const HUGE = PAGE * BigInt(HUGE_PAGES);

/** Index of the VMA containing addr, or -1. Binary search. */
export function vmaIndexOf(vmas: readonly Vma[], addr: bigint): number {
  let lo = 0;
  let hi = vmas.length - 1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    const v = vmas[mid]!;
    if (addr < v.start) hi = mid - 1;
    else if (addr >= v.end) lo = mid + 1;
    else return mid;
  }
  return -1;
}

/** First index whose VMA ends after addr. */
export function vmaLowerBound(vmas: readonly Vma[], addr: bigint): number {
  let lo = 0;
  let hi = vmas.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (vmas[mid]!.end <= addr) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** Does any VMA intersect [start, end)? */
export function vmaOverlaps(vmas: readonly Vma[], start: bigint, end: bigint): boolean {
  const v = vmas[vmaLowerBound(vmas, start)];
  return v !== undefined && v.start < end;
}

/** The parts of [start, end) no VMA covers, in order. */
export function vmaHoles(vmas: readonly Vma[], start: bigint, end: bigint): Array<[bigint, bigint]> {
  const out: Array<[bigint, bigint]> = [];
  let a = start;
  for (let i = vmaLowerBound(vmas, start); a < end; i++) {
    const v = vmas[i];
    const stop = v === undefined || v.start > end ? end : v.start;
    if (stop > a) out.push([a, stop]);
    if (v === undefined) break;
    a = v.end;
  }
  return out;
}

/**
 * Choose where a new mapping goes (get_unmapped_area): the hint if it is free, else the
 * highest free gap below MMAP_BASE. Mappings of 2 MiB or more are 2 MiB aligned; a hugetlb
 * mapping is aligned to its page size (hugetlb_get_unmapped_area) and the caller aligned the hint.
 */
export function placeMapping(vmas: readonly Vma[], hint: bigint, len: bigint, hugeAlign?: bigint): bigint | null {
  if (hint !== 0n && hint >= MMAP_MIN_ADDR && hint + len <= TASK_SIZE && !vmaOverlaps(vmas, hint, hint + len)) return hint;
  const align = hugeAlign ?? (len >= HUGE ? HUGE : PAGE);
  let top = MMAP_BASE;
  for (let i = vmas.length - 1; i >= -1; i--) {
    const v = i >= 0 ? vmas[i]! : undefined;
    if (v !== undefined && v.start >= top) continue;
    const floor = v === undefined ? MMAP_MIN_ADDR : v.end > top ? top : v.end;
    if (top - floor >= len) {
      const s = (top - len) & ~(align - 1n);
      if (s >= floor) return s;
    }
    if (v !== undefined) top = v.start;
  }
  return null;
}
