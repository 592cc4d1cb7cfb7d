/**
 * A virtual memory area: one contiguous, page-aligned range of a process's address space
 * with one protection and one backing.
 *
 * Anonymous backing maps virtual page numbers to physical frames lazily, on the first store
 * or pin (a load of an untouched page reads zeros without allocating, like Linux's zero
 * page). Where a whole 2 MiB-aligned block lies inside the VMA, its frames are allocated as
 * one aligned 2 MiB block (as transparent huge pages do), so that pinned memory can be
 * mapped with huge IOMMU pages. A MAP_HUGETLB mapping is backed by blocks only (2 MiB or
 * 1 GiB, as its MAP_HUGE_* size says). Shared backing (MAP_SHARED anonymous memory, a
 * memfd) is a shmem object that every mapping of it, in any process, refers to. Device
 * backing forwards loads and stores to a driver.
 */
import type { DeviceMapping } from '../fs/file.js';
import type { ShmemObject } from './shmem.js';

export const HUGE_SHIFT = 9; // 512 pages per 2 MiB block
export const HUGE_PAGES = 1 << HUGE_SHIFT;

export interface AnonBacking {
  readonly kind: 'anon';
  /** Block index (vpn / blockPages) → first pfn of its contiguous frames. */
  readonly blocks: Map<number, number>;
  /** Single pages outside blocks: vpn → pfn (never used by hugetlb). */
  readonly pages: Map<number, number>;
  /** Pages per block: 512 (2 MiB, THP-like) or the hugetlb page size. */
  readonly blockPages: number;
  /** A MAP_HUGETLB mapping: every page lives in a block; no fallback to small pages. */
  readonly hugetlb: boolean;
}

export interface ShmemBacking {
  readonly kind: 'shmem';
  readonly obj: ShmemObject;
  /** Byte offset into the object of this VMA's first page. */
  pgoff: bigint;
  /**
   * A MAP_PRIVATE mapping of the file: the private copies its written pages got (keyed by
   * vpn, as anonymous pages are); reads of other pages see the file. null for MAP_SHARED.
   */
  readonly cow: AnonBacking | null;
}

export interface DeviceBacking {
  readonly kind: 'device';
  readonly mapping: DeviceMapping;
  /** Byte offset into the mapping of this VMA's first page (changes when a VMA is split). */
  pgoff: bigint;
}

export interface Vma {
  start: bigint;
  end: bigint;
  prot: number;
  flags: number;
  backing: AnonBacking | ShmemBacking | DeviceBacking;
}

export function anonBacking(blockPages = HUGE_PAGES, hugetlb = false): AnonBacking {
  return { kind: 'anon', blocks: new Map(), pages: new Map(), blockPages, hugetlb };
}

/** The frame behind `vpn`, or undefined when the page was never populated. */
export function anonFrame(b: AnonBacking, vpn: number): number | undefined {
  const base = b.blocks.get(Math.floor(vpn / b.blockPages));
  if (base !== undefined) return base + (vpn % b.blockPages);
  return b.pages.get(vpn);
}

/** Pages per backing block of a VMA (1 for device memory and small-page shmem). */
export function vmaBlockPages(v: Vma): number {
  if (v.backing.kind === 'anon') return v.backing.hugetlb ? v.backing.blockPages : 1;
  if (v.backing.kind === 'shmem') return v.backing.obj.blockPages;
  return 1;
}
