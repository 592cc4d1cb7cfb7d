/**
 * The pieces of an io_pagetable that touch hardware: an area (a user mapping) and the domain
 * it is mirrored into, and the walk that maps an area's pinned segments into one domain.
 * What must always hold: an area with neither read nor write maps nothing; with large pages
 * disabled every IOMMU leaf is one PAGE_SIZE page.
 */
import { okVoid, type Result } from '../../base/result.js';
import { PAGE_SIZE_N } from '../../base/u64.js';
import type { IommuDomain } from '../../hardware/iommu/domain.js';
import type { Iommu } from '../../hardware/iommu/iommu.js';
import type { IoptPages } from './pages.js';

export interface Area {
  readonly pages: IoptPages;
  /** Byte offset of the area's first byte in its pages' source range. */
  readonly off: bigint;
  readonly read: boolean;
  readonly write: boolean;
}

/** A piece of source memory to place (one MAP, or one piece of a COPY). */
export interface PagePiece {
  readonly pages: IoptPages;
  readonly off: bigint;
  readonly length: bigint;
}

/** Anything that carries a paging domain (a HWPT_PAGING). */
export interface IoptDomain {
  readonly domain: IommuDomain;
  /**
   * domain->owner is iommufd_noiommu_ops (hwpt_noiommu.c): a software-only table no IOMMU
   * unit walks; it is mapped and unmapped directly and only answers IOVA → PA lookups.
   */
  readonly noiommu?: boolean;
}

/** iommu_map() into one domain: through the IOMMU unit, or straight into a software-only table. */
function mapOne(hw: Iommu | null, d: IoptDomain, iova: bigint, pa: bigint, size: bigint, prot: { read: boolean; write: boolean }): Result<void> {
  return d.noiommu === true ? d.domain.pageTable.map(iova, pa, size, prot) : hw!.map(d.domain, iova, pa, size, prot);
}

/** iommu_unmap() from one domain (the IOMMU unit also invalidates its IOTLB). */
export function unmapFrom(hw: Iommu | null, d: IoptDomain, iova: bigint, length: bigint): void {
  if (d.noiommu === true) d.domain.pageTable.unmap(iova, length);
  else hw?.unmap(d.domain, iova, length);
}

/** Map `length` bytes of area `a` at `iova` into one domain (PAGE_SIZE leaves when large pages are disabled). */
export function mapAreaInto(hw: Iommu | null, d: IoptDomain, iova: bigint, a: Area, length: bigint, disableLargePages: boolean): Result<void> {
  if (!a.read && !a.write) return okVoid();
  const prot = { read: a.read, write: a.write };
  let at = iova;
  for (const seg of a.pages.segments(a.off, length)) {
    const step = disableLargePages ? PAGE_SIZE_N : seg.bytes;
    for (let done = 0n; done < seg.bytes; done += step) {
      const r = mapOne(hw, d, at + done, seg.pa + done, step, prot);
      if (!r.ok) return r;
    }
    at += seg.bytes;
  }
  return okVoid();
}
