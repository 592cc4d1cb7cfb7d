/**
 * HWPT_PAGING (struct iommufd_hwpt_paging, hw_pagetable.c): a paging domain built on one IOAS
 * and mirroring every mapping of it — an unmanaged domain of the simulated IOMMU, or, for a
 * no-IOMMU device, iommufd's software-only table (hwpt_noiommu.c).
 *
 * Invariants:
 *  - from creation to destruction the domain is in `ioas.iopt.domains`, the HWPT is in
 *    `ioas.hwptList` and holds one reference on the IOAS;
 *  - `users - 1` is the number of attached devices; an auto domain (made by an attach to an
 *    IOAS) is destroyed as soon as that drops to zero, a manual one only by IOMMU_DESTROY.
 */
import { fail, ok, type Result } from '../../base/result.js';
import { IommuDomain } from '../../hardware/iommu/domain.js';
import { PGSIZES_4K_2M_1G } from '../../hardware/iommu/io-pgtable.js';
import type { IommufdCtx } from './context.js';
import type { FaultQueue } from './fault.js';
import type { Ioas } from './ioas.js';
import type { IoptDomain } from './area-mirror.js';
import { IommufdObject } from './objects.js';

export class HwptPaging extends IommufdObject implements IoptDomain {
  readonly type = 'hwpt_paging' as const;

  constructor(
    readonly ctx: IommufdCtx,
    readonly ioas: Ioas,
    readonly domain: IommuDomain,
    /** Created implicitly by an attach to an IOAS (iommufd_device_auto_get_domain). */
    readonly auto: boolean,
    readonly nestParent: boolean,
    /** Allocated with IOMMU_HWPT_ALLOC_DIRTY_TRACKING (dirty ops enforced). */
    readonly dirtyCapable: boolean,
    /** The domain's owner is iommufd_noiommu_ops: a software-only table, no IOMMU unit. */
    readonly noiommu = false,
  ) {
    super();
  }

  /** The FAULT object its page faults go to (IOMMU_HWPT_FAULT_ID_VALID), holding one reference on it. */
  fault: FaultQueue | null = null;

  /** Route the domain's page faults to `fault` (hwpt->fault, domain->iopf_handler/fault_data). */
  setFault(fault: FaultQueue): void {
    this.fault = fault;
    fault.users++;
    this.domain.faultData = this;
  }

  destroy(): void {
    if (this.fault !== null) {
      this.fault.users--;
      this.domain.faultData = null;
    }
    const list = this.ioas.hwptList;
    const i = list.indexOf(this);
    if (i >= 0) list.splice(i, 1);
    this.ioas.iopt.removeDomain(this);
    this.ioas.users--;
    this.domain.dirtyTracking = false;
    if (!this.noiommu) this.ctx.k.iommu?.freeDomain(this.domain);
  }
}

/** A software-only domain has no domain id: nothing tags an IOTLB with it. */
const NO_DOMAIN_ID = -1;

/**
 * noiommu_alloc_paging_flags(): the AMDv1-format software table of iommufd's no-IOMMU mode —
 * a 64-bit IOVA space (aperture [0, U64_MAX]), 4 KiB minimum page. It is never attached to
 * hardware: DMA of a no-IOMMU device goes to physical addresses untranslated. (AMDv1 offers
 * every power-of-two size; the simulated table keeps 4K/2M/1G, which no lookup can tell apart.)
 */
function noiommuDomain(): IommuDomain {
  return new IommuDomain(NO_DOMAIN_ID, 'unmanaged', 64, PGSIZES_4K_2M_1G, false);
}

/**
 * iommufd_hwpt_paging_alloc() without the attach: a new paging domain added to `ioas`
 * (iopt_table_add_domain: EINVAL, EADDRINUSE, EFAULT, ENOMEM) — an unmanaged domain of the
 * IOMMU, or the no-IOMMU software table when `noiommu`. Not yet in the object table.
 */
export function allocHwptPaging(ctx: IommufdCtx, ioas: Ioas, opts: { auto: boolean; nestParent: boolean; dirty: boolean; noiommu?: boolean }): Result<HwptPaging> {
  const hw = ctx.k.iommu;
  const noiommu = opts.noiommu === true;
  if (hw === null && !noiommu) return fail('ENODEV', 'iommufd_hwpt_paging_alloc: no IOMMU');
  const domain = noiommu ? noiommuDomain() : hw!.allocDomain('unmanaged');
  const hwpt = new HwptPaging(ctx, ioas, domain, opts.auto, opts.nestParent, opts.dirty, noiommu);
  const r = ioas.iopt.addDomain(hwpt);
  if (!r.ok) {
    if (!noiommu) hw!.freeDomain(domain);
    return r;
  }
  ioas.hwptList.push(hwpt);
  ioas.users++;
  return ok(hwpt);
}

/** Put a new HWPT into the table (its id is the lowest free one, as the kernel allocates it). */
export function publishHwpt(ctx: IommufdCtx, hwpt: HwptPaging): Result<number> {
  const r = ctx.table.insert(hwpt);
  if (!r.ok) hwpt.destroy();
  return r;
}
