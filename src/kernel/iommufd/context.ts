/**
 * One open /dev/iommu (struct iommufd_ctx, main.c): the object table, the memlock
 * accounting mode, the compat IOAS pointer the legacy container ioctls use, and the
 * per-IOMMU-group bookkeeping (`igroups`) shared by the devices of one group bound here.
 *
 * Invariants:
 *  - `vfioIoas`, when set, is a live IOAS of this table and holds no reference;
 *  - an igroup exists while at least one device of its group is bound to this context;
 *    `hwpt` is non-null exactly while `attached` is non-empty, and every attached device
 *    translates through it.
 */
import type { IommuGroup } from '../iommu/iommu-group.js';
import type { Kernel } from '../kernel.js';
import type { OpenFile } from '../fs/file.js';
import type { IommufdDevice } from './device.js';
import type { HwptPaging } from './hwpt.js';
import type { Ioas } from './ioas.js';
import { ObjectTable } from './objects.js';

/**
 * struct iommufd_group: one IOMMU group as seen by one context. A no-IOMMU device gets a
 * dummy one of its own, with no group (iommufd_bind_noiommu), that is not in `igroups`.
 */
export interface IGroup {
  readonly group: IommuGroup | null;
  hwpt: HwptPaging | null;
  /** Bound devices of the group, in bind order. */
  readonly bound: IommufdDevice[];
  /** Devices attached to `hwpt`, in attach order. */
  readonly attached: IommufdDevice[];
}

export class IommufdCtx {
  readonly table = new ObjectTable();
  vfioIoas: Ioas | null = null;
  /** ictx->no_iommu_mode: a no-IOMMU group was given this context as its container. */
  noIommuMode = false;
  readonly igroups = new Map<IommuGroup, IGroup>();
  /** The struct file; device bindings hold references on it. */
  file: OpenFile<IommufdCtx> | null = null;

  constructor(
    readonly k: Kernel,
    /** IOMMU_OPTION_RLIMIT_MODE: 'user' from /dev/iommu, 'mm' from /dev/vfio/vfio. */
    public accountMode: 'user' | 'mm',
  ) {}

  /** iommufd_alloc_group(ictx, NULL): the dummy igroup of one no-IOMMU device. */
  static noiommuIgroup(): IGroup {
    return { group: null, hwpt: null, bound: [], attached: [] };
  }

  igroupOf(group: IommuGroup): IGroup {
    let g = this.igroups.get(group);
    if (g === undefined) {
      g = { group, hwpt: null, bound: [], attached: [] };
      this.igroups.set(group, g);
    }
    return g;
  }
}
