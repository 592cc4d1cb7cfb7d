/**
 * A virtual memory area: one contiguous, page-aligned range of a process's address space
 * with one protection and one backing.
 *
 * Anonymous backing maps virtual page numbers to physical frames lazily, on the first store
 * or pin (a load of an untouched page reads zeros without allocating, like Linux's zero
 * page). Where a whole 2 MiB-aligned block lies inside the VMA, its frames are allocated as
 * one aligned 2 MiB block (as transparent huge pages do), so that pinned memory can be
 * mapped with huge IOMMU pages. Device backing forwards loads and stores to a driver.
 */
import type { DeviceMapping } from '../fs/file.js';

export const HUGE_SHIFT = 9; // 512 pages per 2 MiB block
export const HUGE_PAGES = 1 << HUGE_SHIFT;

export interface AnonBacking {
  readonly kind: 'anon';
  /** 2 MiB block index (vpn >> 9) → first pfn of its 512 contiguous frames. */
  readonly blocks: Map<number, number>;
  /** Single pages outside blocks: vpn → pfn. */
  readonly pages: Map<number, number>;
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
  backing: AnonBacking | DeviceBacking;
}

export function anonBacking(): AnonBacking {
  return { kind: 'anon', blocks: new Map(), pages: new Map() };
}

/** The frame behind `vpn`, or undefined when the page was never populated. */
export function anonFrame(b: AnonBacking, vpn: number): number | undefined {
  const base = b.blocks.get(Math.floor(vpn / HUGE_PAGES));
  if (base !== undefined) return base + (vpn % HUGE_PAGES);
  return b.pages.get(vpn);
}
