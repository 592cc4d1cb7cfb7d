/**
 * HWPT_PAGING (struct iommufd_hwpt_paging, hw_pagetable.c): a hardware IOMMU domain of the
 * simulated IOMMU, built on one IOAS and mirroring every mapping of it.
 *
 * Invariants:
 *  - from creation to destruction the domain is in `ioas.iopt.domains` and the HWPT holds one
 *    reference on the IOAS;
 *  - `users - 1` is the number of attached devices; an auto domain (made by an attach to an
 *    IOAS) is destroyed as soon as that drops to zero, a manual one only by IOMMU_DESTROY.
 */
import { fail, ok, type Result } from '../../base/result.js';
import type { IommuDomain } from '../../hardware/iommu/domain.js';
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
    this.ioas.iopt.removeDomain(this);
    this.ioas.users--;
    this.domain.dirtyTracking = false;
    this.ctx.k.iommu?.freeDomain(this.domain);
  }
}

/**
 * iommufd_hwpt_paging_alloc() without the attach: a new unmanaged domain added to `ioas`
 * (iopt_table_add_domain: EINVAL, EADDRINUSE, EFAULT, ENOMEM). Not yet in the object table.
 */
export function allocHwptPaging(ctx: IommufdCtx, ioas: Ioas, opts: { auto: boolean; nestParent: boolean; dirty: boolean }): Result<HwptPaging> {
  const hw = ctx.k.iommu;
  if (hw === null) return fail('ENODEV', 'iommufd_hwpt_paging_alloc: no IOMMU');
  const domain = hw.allocDomain('unmanaged');
  const hwpt = new HwptPaging(ctx, ioas, domain, opts.auto, opts.nestParent, opts.dirty);
  const r = ioas.iopt.addDomain(hwpt);
  if (!r.ok) {
    hw.freeDomain(domain);
    return r;
  }
  ioas.users++;
  return ok(hwpt);
}

/** Put a new HWPT into the table (its id is the lowest free one, as the kernel allocates it). */
export function publishHwpt(ctx: IommufdCtx, hwpt: HwptPaging): Result<number> {
  const r = ctx.table.insert(hwpt);
  if (!r.ok) hwpt.destroy();
  return r;
}
