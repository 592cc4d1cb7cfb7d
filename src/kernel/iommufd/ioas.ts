/**
 * The IOAS object (struct iommufd_ioas, ioas.c): an IO address space user space fills with
 * IOMMU_IOAS_MAP/COPY and devices attach to through HWPTs.
 *
 * Invariant: `users - 1` is the number of HWPT_PAGINGs built on it; mappings hold no
 * reference, so an IOAS with mappings but no HWPT can be destroyed (its mappings vanish).
 */
import type { Iommu } from '../../hardware/iommu/iommu.js';
import type { IommufdCtx } from './context.js';
import type { HwptPaging } from './hwpt.js';
import { IoPagetable } from './io-pagetable.js';
import { IommufdObject } from './objects.js';

export class Ioas extends IommufdObject {
  readonly type = 'ioas' as const;
  readonly iopt: IoPagetable;
  /** ioas->hwpt_list: the HWPT_PAGINGs built on it, in creation order (auto-domain reuse walks it). */
  readonly hwptList: HwptPaging[] = [];

  constructor(
    readonly ctx: IommufdCtx,
    hw: Iommu | null,
  ) {
    super();
    this.iopt = new IoPagetable(hw);
  }

  destroy(): void {
    if (this.ctx.vfioIoas === this) this.ctx.vfioIoas = null;
    this.iopt.destroy();
  }
}
