/**
 * One type1 backend instance (struct vfio_iommu, drivers/vfio/vfio_iommu_type1.c): the
 * container's IO address space — its mappings (an interval tree, O(log n) per operation),
 * the hardware domains mirroring them, the valid-IOVA list and the page-size bitmap.
 *
 * Invariants:
 * - every mapping is installed in every domain, and pinned iff at least one domain exists;
 * - dmaAvail + mappings = dma_entry_limit as read at SET_IOMMU;
 * - pgsizeBitmap is the domain's bitmap (every group shares the one domain), never below 4 KiB;
 * - a failed attach changes nothing (domain freed, pins undone, list untouched).
 */
import { fail, okVoid, type Result } from '../../../base/result.js';
import { IntervalMap } from '../../../base/interval-map.js';
import type { IommuDomain } from '../../../hardware/iommu/domain.js';
import type { Kernel } from '../../kernel.js';
import type { VfioGroup } from '../group.js';
import type { VfioDma } from './dma.js';
import { unmapFromDomain } from './domain-map.js';
import { excludeReserved, type IovaRange } from './iova-list.js';
import { unpinDma } from './pinning.js';
import { VFIO_DMA_CC_IOMMU, VFIO_TYPE1_IOMMU, VFIO_TYPE1v2_IOMMU, VFIO_UNMAP_ALL, VFIO_UPDATE_VADDR } from '../../../uapi/vfio.js';

export const PAGE_MASK = 0xffff_ffff_ffff_f000n;

export interface Type1Domain {
  readonly hw: IommuDomain;
  readonly groups: VfioGroup[];
}

export class Type1Iommu {
  readonly dmas = new IntervalMap<VfioDma>();
  readonly domains: Type1Domain[] = [];
  iovaList: IovaRange[] = [];
  pgsizeBitmap = PAGE_MASK;
  dmaAvail: number;
  dirtyTracking = false;
  vaddrInvalidCount = 0;

  constructor(
    readonly k: Kernel,
    readonly v2: boolean,
  ) {
    this.dmaAvail = k.params.int('vfio_iommu_type1', 'dma_entry_limit');
  }

  /** Smallest supported page size: the alignment unit of MAP/UNMAP and the dirty bitmap. */
  get pgsize(): bigint {
    return this.pgsizeBitmap & -this.pgsizeBitmap;
  }

  /** vfio_find_dma(): the lowest mapping overlapping [iova, iova+size-1]. */
  findDma(iova: bigint, last: bigint): VfioDma | undefined {
    return this.dmas.firstOverlap(iova, last)?.value;
  }

  /** vfio_remove_dma(): out of every domain, unpinned, uncharged, slot returned. */
  removeDma(dma: VfioDma): void {
    for (const d of this.domains) unmapFromDomain(this.k, d.hw, dma);
    unpinDma(this.k, dma);
    if (dma.vaddrInvalid) this.vaddrInvalidCount--;
    this.dmas.remove(dma.iova);
    this.dmaAvail++;
  }

  private unmapUnpinAll(): void {
    for (const e of [...this.dmas.entries()]) this.removeDma(e.value);
  }

  private groupsOfDomains(): VfioGroup[] {
    return this.domains.flatMap((d) => d.groups);
  }

  /**
   * vfio_iommu_type1_attach_group(), checks in the kernel's order; all-or-nothing. As in
   * Linux the group is attached to a domain first (a new one, or the existing compatible
   * one) — iommu_attach_group can refuse it, e.g. a non-relaxable RMRR is EPERM on VT-d — and
   * only then come the aperture, reserved-region and interrupt checks; a failure there
   * detaches the group again and frees the new domain.
   */
  attachGroup(group: VfioGroup): Result<void> {
    if (this.vaddrInvalidCount > 0) return fail('EBUSY', 'vfio_iommu_type1_attach_group: a mapping has an invalidated vaddr');
    // The kernel's "group already attached" (EINVAL) and "no IOMMU" (ENODEV) answers cannot
    // happen here: a group joins one container once, and a type1 (not no-IOMMU) group exists
    // only behind the machine's IOMMU.
    const unit = this.k.iommu!;
    const iommuGroup = group.iommuGroup;
    const existing = this.domains[0];
    const hw = existing?.hw ?? unit.allocDomain('unmanaged');
    const a = iommuGroup.attachDomain(hw);
    if (!a.ok) {
      if (existing === undefined) unit.freeDomain(hw);
      return a;
    }
    const undo = (): void => {
      iommuGroup.detachDomain();
      if (existing === undefined) unit.freeDomain(hw);
    };
    const list = this.checkNewGroup(group);
    if (!list.ok) return undo(), list;
    if (existing === undefined) {
      // vfio_iommu_replay() has nothing to copy: mappings exist only while a domain does
      this.domains.push({ hw, groups: [group] });
    } else {
      existing.groups.push(group);
    }
    this.iovaList = list.value;
    // vfio_update_pgsize_bitmap() over the one domain; its sub-4K fold never applies, as the
    // topology schema requires 4K and allows only 4K, 2M and 1G
    this.pgsizeBitmap = hw.pgsizeBitmap;
    return okVoid();
  }

  /**
   * The checks Linux runs after the domain attach: reserved regions (vfio_iommu_resv_conflict,
   * vfio_iommu_resv_exclude), interrupt isolation. Returns the IOVA list the instance will
   * have if the attach succeeds. vfio_iommu_aper_conflict() cannot fail here: every domain
   * comes from the one IOMMU, so the aperture is always [0, 2^width - 1] and the current list
   * and every mapping already lie inside it (mappings exist only while a domain does).
   */
  private checkNewGroup(group: VfioGroup): Result<IovaRange[]> {
    const k = this.k;
    const aperture: IovaRange = { start: 0n, end: (1n << BigInt(k.iommu!.addressWidth)) - 1n };
    const regions = group.iommuGroup.reservedRegions;
    for (const rg of regions) {
      if (rg.type !== 'direct-relaxable' && this.findDma(rg.start, rg.end)) return fail('EINVAL', 'vfio_iommu_resv_conflict: a reserved region overlaps a mapping');
    }
    const list = excludeReserved(this.iovaList.length > 0 ? this.iovaList : [aperture], regions);
    if (list.length === 0) return fail('EINVAL', 'vfio_iommu_resv_exclude: no valid IOVA range left');
    if (k.iommu!.irt === null && !k.params.bool('vfio_iommu_type1', 'allow_unsafe_interrupts')) {
      k.trace.add('kernel', 'vfio_iommu_type1', 'vfio_iommu_type1_attach_group: No interrupt remapping support.  Use the module param "allow_unsafe_interrupts" to enable VFIO IOMMU support on this platform');
      return fail('EPERM', 'vfio_iommu_type1_attach_group: no interrupt remapping and allow_unsafe_interrupts=N');
    }
    return { ok: true, value: list };
  }

  /**
   * vfio_iommu_type1_detach_group(): never fails. Only attached groups are detached (the
   * container's own list) and every group shares the one domain. When the last group leaves,
   * the container releases the instance at once (vfio_group_detach_container, or the unwind
   * of a failed SET_IOMMU), and release() unmaps, unpins and frees the domain, as the
   * kernel's vfio_iommu_unmap_unpin_all would here.
   */
  detachGroup(group: VfioGroup): void {
    const d = this.domains[0]!;
    group.iommuGroup.detachDomain();
    d.groups.splice(d.groups.indexOf(group), 1);
    this.refreshIovaList();
  }

  /** vfio_iommu_aper_expand + vfio_iommu_resv_refresh: the list from the remaining groups. */
  private refreshIovaList(): void {
    let list: IovaRange[] = [{ start: 0n, end: (1n << BigInt(this.k.iommu!.addressWidth)) - 1n }];
    for (const g of this.groupsOfDomains()) list = excludeReserved(list, g.iommuGroup.reservedRegions);
    // never empty: the groups left were all accepted together with more regions cut out
    this.iovaList = list;
  }

  /** vfio_iommu_type1_release(): every mapping gone, domains freed; the instance is dropped after. */
  release(): void {
    this.unmapUnpinAll();
    for (const d of this.domains) {
      for (const g of d.groups) g.iommuGroup.detachDomain();
      this.k.iommu!.freeDomain(d.hw);
    }
    this.domains.length = 0;
  }

  /** vfio_iommu_type1_check_extension() with an instance. */
  checkExtension(id: number): number {
    return type1CheckExtension(this, id);
  }
}

/** VFIO_CHECK_EXTENSION as type1 answers it; `iommu` null when no instance exists yet. */
export function type1CheckExtension(iommu: Type1Iommu | null, id: number): number {
  switch (id) {
    case VFIO_TYPE1_IOMMU:
    case VFIO_TYPE1v2_IOMMU:
    case VFIO_UNMAP_ALL:
      return 1;
    case VFIO_UPDATE_VADDR: // needs an instance and no emulated (mdev) groups
      return iommu === null ? 0 : 1;
    case VFIO_DMA_CC_IOMMU: // every domain enforces cache coherency (VT-d snoop control)
      return iommu === null ? 0 : 1;
    default:
      return 0;
  }
}
