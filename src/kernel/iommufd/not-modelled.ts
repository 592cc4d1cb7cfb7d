/**
 * The iommufd commands whose objects vfio-sim does not model (fault queues, vIOMMU,
 * vDEVICE, vEVENTQ, HW queues). Each runs the checks the kernel makes before it would need
 * such an object, so sizes, flags and ids fail as Linux fails them; past those it answers
 * EOPNOTSUPP (the simulated IOMMU driver has no PRI fault path and no vIOMMU) or ENOENT
 * (no vIOMMU can exist, so every viommu_id is missing).
 */
import { fail, type Result } from '../../base/result.js';
import { reservedSet, type Cmd } from './cmd.js';
import type { IommufdDevice } from './device.js';
import type { HwptPaging } from './hwpt.js';
import { u32 } from './ucmd.js';

/** iommufd_fault_alloc(). */
export function faultQueueAlloc(c: Cmd): Result<number> {
  if (u32(c.f, 'flags') !== 0) return fail('EOPNOTSUPP', 'iommufd_fault_alloc: flags must be 0');
  return fail('EOPNOTSUPP', 'iommufd_fault_alloc: vfio-sim models no I/O page fault queues');
}

/** iommufd_viommu_alloc_ioctl(). */
export function viommuAlloc(c: Cmd): Result<number> {
  if (u32(c.f, 'flags') !== 0 || u32(c.f, 'type') === 0) return fail('EOPNOTSUPP', 'iommufd_viommu_alloc_ioctl: flags or default type');
  const d = c.ctx.table.get<IommufdDevice>(u32(c.f, 'dev_id'), 'device', 'iommufd_viommu_alloc_ioctl');
  if (!d.ok) return d;
  const h = c.ctx.table.get<HwptPaging>(u32(c.f, 'hwpt_id'), 'hwpt_paging', 'iommufd_viommu_alloc_ioctl');
  if (!h.ok) return h;
  if (!h.value.nestParent) return fail('EINVAL', 'iommufd_viommu_alloc_ioctl: HWPT is not a nest parent');
  return fail('EOPNOTSUPP', 'iommufd_viommu_alloc_ioctl: the IOMMU driver has no vIOMMU');
}

/** iommufd_vdevice_alloc_ioctl(): no vIOMMU exists. */
export function vdeviceAlloc(c: Cmd): Result<number> {
  return fail('ENOENT', `iommufd_vdevice_alloc_ioctl: no vIOMMU ${u32(c.f, 'viommu_id')}`);
}

/** iommufd_veventq_alloc(). */
export function veventqAlloc(c: Cmd): Result<number> {
  if (u32(c.f, 'flags') !== 0 || reservedSet(c.f.__reserved) || u32(c.f, 'type') === 0) return fail('EOPNOTSUPP', 'iommufd_veventq_alloc: flags, __reserved or type');
  if (u32(c.f, 'veventq_depth') === 0) return fail('EINVAL', 'iommufd_veventq_alloc: depth 0');
  return fail('ENOENT', `iommufd_veventq_alloc: no vIOMMU ${u32(c.f, 'viommu_id')}`);
}

/** iommufd_hw_queue_alloc_ioctl(). */
export function hwQueueAlloc(c: Cmd): Result<number> {
  if (u32(c.f, 'flags') !== 0) return fail('EOPNOTSUPP', 'iommufd_hw_queue_alloc_ioctl: flags');
  return fail('ENOENT', `iommufd_hw_queue_alloc_ioctl: no vIOMMU ${u32(c.f, 'viommu_id')}`);
}
