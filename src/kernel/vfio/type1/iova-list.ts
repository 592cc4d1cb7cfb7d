/**
 * The type1 valid-IOVA list (vfio_iommu->iova_list): ascending, disjoint, inclusive ranges
 * where mapping is allowed; never empty while a group is attached (an attach that would
 * empty it is refused).
 * Built from the domain aperture minus the groups' reserved regions (every type but
 * direct-relaxable): vfio_iommu_aper_resize, vfio_iommu_resv_exclude.
 */
import type { ReservedRegion } from '../../../hardware/topology/model.js';

export interface IovaRange {
  readonly start: bigint;
  readonly end: bigint;
}

/** Cut every non-relaxable reserved region out of `list`. */
export function excludeReserved(list: readonly IovaRange[], regions: readonly ReservedRegion[]): IovaRange[] {
  let cur = [...list];
  for (const rg of regions) {
    if (rg.type === 'direct-relaxable') continue;
    const next: IovaRange[] = [];
    for (const r of cur) {
      if (rg.end < r.start || rg.start > r.end) {
        next.push(r);
        continue;
      }
      if (rg.start > r.start) next.push({ start: r.start, end: rg.start - 1n });
      if (rg.end < r.end) next.push({ start: rg.end + 1n, end: r.end });
    }
    cur = next;
  }
  return cur;
}

/**
 * vfio_iommu_iova_dma_valid(): [start, end] inside one range. (The kernel lets anything
 * through an empty list; an instance that can map always has a non-empty one.)
 */
export function dmaValid(list: readonly IovaRange[], start: bigint, end: bigint): boolean {
  return list.some((r) => start >= r.start && end <= r.end);
}
