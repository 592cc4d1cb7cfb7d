/**
 * The memory an IOMMU driver allocates page-table pages from (Linux: iommu_alloc_pages_node_sz
 * → the page allocator, charged to the caller's memcg for iommufd and VFIO maps). One pool
 * per IOMMU unit, shared by every domain of it; its size comes from the topology
 * (`iommu.pageTablePages`) and is unlimited unless given.
 *
 * Every 4 KiB table below a domain's top-level table holds one page of the pool while it
 * exists (the top-level table, allocated with the domain, is not counted). When a map needs
 * more tables than are left, the allocation fails and iommu_map returns ENOMEM after
 * unmapping what that call had mapped (iommu_map_nosync's unroll), so the page table and
 * the pool are as before the call.
 *
 * Invariant: 0 <= used <= limit whenever no map is in progress.
 */
export class TablePages {
  /** Table pages held by every domain of the unit. */
  used = 0;

  constructor(readonly limit: number) {
    if (!Number.isSafeInteger(limit) || limit < 0) throw new RangeError(`page-table pages must be a whole number >= 0, not ${limit}`);
  }

  /** Take `n` more pages; false when that passes the limit (the caller then gives them back). */
  charge(n: number): boolean {
    this.used += n;
    return this.used <= this.limit;
  }

  /** Give `n` pages back (tables dropped, or a domain freed). */
  release(n: number): void {
    this.used -= n;
  }
}
