/**
 * /proc/<pid>/pagemap entries (fs/proc/task_mmu.c pagemap_read, pte_to_pagemap_entry,
 * pagemap_pte_hole): one little-endian u64 per virtual page.
 *
 * - bit 63 PM_PRESENT: the page is in memory (a populated anonymous or shmem page, or a
 *   device page behind a PFN map); bits 0–54 its PFN, zero unless the reader opened the
 *   file with CAP_SYS_ADMIN (pm->show_pfn).
 * - bit 61 PM_FILE: the page is not anonymous (shmem: MAP_SHARED anonymous memory, a memfd).
 * - bit 56 PM_MMAP_EXCLUSIVE: a present page mapped exactly once (private anonymous pages;
 *   shmem pages mapped by one VMA). A device page has no struct page: neither bit.
 * - bit 55 PM_SOFT_DIRTY: every page inside a VMA, since a new VMA carries VM_SOFTDIRTY and
 *   nothing here clears soft-dirty (no clear_refs).
 * Outside every VMA an entry is 0.
 *
 * Not modelled: a never-written anonymous page that was read maps Linux's zero page (present,
 * the zero page's PFN); here it stays not present, since a load allocates nothing.
 */
import type { AddressSpace } from './address-space.js';

export const PM_PFRAME_MASK = (1n << 55n) - 1n;
export const PM_SOFT_DIRTY = 1n << 55n;
export const PM_MMAP_EXCLUSIVE = 1n << 56n;
export const PM_FILE = 1n << 61n;
export const PM_PRESENT = 1n << 63n;
export const PM_ENTRY_BYTES = 8;

/** The entry for the page at `addr` (page aligned). */
export function pagemapEntry(mm: AddressSpace, addr: bigint, showPfn: boolean): bigint {
  const v = mm.find(addr);
  if (v === undefined) return 0n;
  let e = PM_SOFT_DIRTY;
  const pa = mm.virtToPhys(addr);
  if (pa !== null) {
    e |= PM_PRESENT;
    if (showPfn) e |= (pa >> 12n) & PM_PFRAME_MASK;
    if (v.backing.kind === 'anon') e |= PM_MMAP_EXCLUSIVE;
    if (v.backing.kind === 'shmem') {
      const copied = v.backing.cow !== null && v.backing.cow.pages.has(Number(addr >> 12n));
      e |= copied ? PM_MMAP_EXCLUSIVE : PM_FILE | (v.backing.obj.maps === 1 ? PM_MMAP_EXCLUSIVE : 0n);
    }
  }
  return e;
}

/** `count` entries from virtual page `vpn` on, as bytes; pages at or past `limit` (TASK_SIZE) are not reported. */
export function pagemapBytes(mm: AddressSpace, vpn: bigint, count: number, limit: bigint, showPfn: boolean): Uint8Array {
  const last = limit >> 12n;
  const n = vpn >= last ? 0 : Math.min(count, Number(last - vpn));
  const out = new Uint8Array(n * PM_ENTRY_BYTES);
  const dv = new DataView(out.buffer);
  for (let i = 0; i < n; i++) dv.setBigUint64(i * PM_ENTRY_BYTES, pagemapEntry(mm, (vpn + BigInt(i)) << 12n, showPfn), true);
  return out;
}
