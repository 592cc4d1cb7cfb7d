/**
 * IOMMU_HWPT_ALLOC and IOMMU_HWPT_INVALIDATE (hw_pagetable.c).
 *
 * The simulated IOMMU driver allocates paging domains with NEST_PARENT and DIRTY_TRACKING
 * (as intel-iommu does) but has no nested (stage-1) domains and no vIOMMU, so a nested
 * allocation is EOPNOTSUPP, as for any driver without domain_alloc_nested.
 */
import { fail, ok, type Result } from '../../base/result.js';
import {
  IOMMU_HWPT_ALLOC_DIRTY_TRACKING,
  IOMMU_HWPT_ALLOC_NEST_PARENT,
  IOMMU_HWPT_ALLOC_PASID,
  IOMMU_HWPT_DATA_NONE,
  IOMMU_HWPT_FAULT_ID_VALID,
} from '../../uapi/iommufd.js';
import { reply, reservedSet, type Cmd } from './cmd.js';
import { dirtySupported, IommufdDevice } from './device.js';
import type { FaultQueue } from './fault.js';
import { allocHwptPaging, HwptPaging, publishHwpt } from './hwpt.js';
import { Ioas } from './ioas.js';
import { u32 } from '../uaccess.js';

const CORE_PAGING_FLAGS = IOMMU_HWPT_ALLOC_NEST_PARENT | IOMMU_HWPT_ALLOC_DIRTY_TRACKING | IOMMU_HWPT_FAULT_ID_VALID | IOMMU_HWPT_ALLOC_PASID;
/** What the simulated driver's domain_alloc_paging_flags() accepts. */
const DRIVER_PAGING_FLAGS = IOMMU_HWPT_ALLOC_NEST_PARENT | IOMMU_HWPT_ALLOC_DIRTY_TRACKING;

/**
 * iommufd_hwpt_paging_alloc() for IOMMU_HWPT_ALLOC on an IOAS. A no-IOMMU device's domain
 * comes from iommufd_noiommu_ops (get_iommu_ops()), whose noiommu_alloc_paging_flags()
 * takes no flag and no data.
 */
function allocPaging(c: Cmd, idev: IommufdDevice, ioas: Ioas): Result<HwptPaging> {
  const flags = u32(c.f, 'flags');
  const data = u32(c.f, 'data_type') !== IOMMU_HWPT_DATA_NONE;
  if ((flags & ~CORE_PAGING_FLAGS) !== 0) return fail('EOPNOTSUPP', 'iommufd_hwpt_paging_alloc: unknown flags');
  if (flags & IOMMU_HWPT_ALLOC_DIRTY_TRACKING && !dirtySupported(idev)) return fail('EOPNOTSUPP', 'iommufd_hwpt_paging_alloc: no dirty tracking');
  if (flags & IOMMU_HWPT_FAULT_ID_VALID && flags & IOMMU_HWPT_ALLOC_NEST_PARENT) return fail('EOPNOTSUPP', 'iommufd_hwpt_paging_alloc: FAULT_ID_VALID with NEST_PARENT');
  // the driver is asked with IOMMU_HWPT_FAULT_ID_VALID stripped: the fault is iommufd's business
  const driverFlags = idev.noiommu ? 0 : DRIVER_PAGING_FLAGS;
  if ((flags & ~IOMMU_HWPT_FAULT_ID_VALID & ~driverFlags) !== 0 || data) return fail('EOPNOTSUPP', 'domain_alloc_paging_flags: flags or data the driver does not take');
  return allocHwptPaging(c.ctx, ioas, {
    noiommu: idev.noiommu,
    auto: false,
    nestParent: (flags & IOMMU_HWPT_ALLOC_NEST_PARENT) !== 0,
    dirty: (flags & IOMMU_HWPT_ALLOC_DIRTY_TRACKING) !== 0,
  });
}

/** iommufd_hwpt_alloc(). */
export function hwptAlloc(c: Cmd): Result<number> {
  if (reservedSet(c.f.__reserved)) return fail('EOPNOTSUPP', 'iommufd_hwpt_alloc: __reserved');
  const none = u32(c.f, 'data_type') === IOMMU_HWPT_DATA_NONE;
  if (none === (u32(c.f, 'data_len') !== 0)) return fail('EINVAL', 'iommufd_hwpt_alloc: data_type and data_len disagree');
  const d = c.ctx.table.get<IommufdDevice>(u32(c.f, 'dev_id'), 'device', 'iommufd_hwpt_alloc');
  if (!d.ok) return d;
  const pt = c.ctx.table.any(u32(c.f, 'pt_id'));
  if (pt === undefined) return fail('EINVAL', 'iommufd_hwpt_alloc: pt_id does not exist');
  let r: Result<HwptPaging>;
  if (pt instanceof Ioas) r = allocPaging(c, d.value, pt);
  else if (pt instanceof HwptPaging) return fail('EOPNOTSUPP', 'iommufd_hwpt_nested_alloc: the IOMMU driver has no nested domains');
  else return fail('EINVAL', `iommufd_hwpt_alloc: pt_id is a ${pt.type}`);
  if (!r.ok) return r;
  if (u32(c.f, 'flags') & IOMMU_HWPT_FAULT_ID_VALID) {
    const fault = c.ctx.table.get<FaultQueue>(u32(c.f, 'fault_id'), 'fault', 'iommufd_get_fault');
    if (!fault.ok) {
      r.value.destroy(); // iommufd_object_abort_and_destroy
      return fault;
    }
    r.value.setFault(fault.value);
  }
  const id = publishHwpt(c.ctx, r.value);
  if (!id.ok) return id;
  reply(c, { out_hwpt_id: id.value });
  return ok(0);
}

/**
 * iommufd_hwpt_invalidate(): only nested HWPTs and vIOMMUs take invalidations and none
 * exist here, so every existing object is EINVAL. Every failure, the __reserved one
 * included, leaves through the kernel's `out:` label, which writes `entry_num` back (the
 * number handled: 0).
 */
export function hwptInvalidate(c: Cmd): Result<number> {
  const res = ((): Result<number> => {
    if (reservedSet(c.f.__reserved)) return fail('EOPNOTSUPP', 'iommufd_hwpt_invalidate: __reserved');
    if (u32(c.f, 'entry_num') !== 0 && (c.f.data_uptr === 0n || u32(c.f, 'entry_len') === 0)) {
      return fail('EINVAL', 'iommufd_hwpt_invalidate: entries without data_uptr or entry_len');
    }
    const pt = c.ctx.table.any(u32(c.f, 'hwpt_id'));
    if (pt === undefined) return fail('ENOENT', 'iommufd_hwpt_invalidate: no such object');
    return fail('EINVAL', `iommufd_hwpt_invalidate: a ${pt.type} takes no invalidation`);
  })();
  reply(c, { entry_num: 0 });
  return res;
}
