/**
 * The iommufd commands whose objects vfio-sim does not model (vIOMMU, vDEVICE, vEVENTQ,
 * HW queues; fault queues are fault.ts). Each runs the checks the kernel makes before it would need
 * such an object, so sizes, flags and ids fail as Linux fails them; past those it answers
 * EOPNOTSUPP (the simulated IOMMU driver has no vIOMMU) or ENOENT
 * (no vIOMMU can exist, so every viommu_id is missing).
 */
import { fail, type Result } from '../../base/result.js';
import { U64_MAX } from '../../base/u64.js';
import { reservedSet, type Cmd } from './cmd.js';
import type { IommufdDevice } from './device.js';
import { u32, u64 } from '../uaccess.js';

/**
 * iommufd_viommu_alloc_ioctl(): the driver's vIOMMU ops are asked right after the device
 * lookup, before `hwpt_id` is looked at; the simulated driver has none (EOPNOTSUPP).
 */
export function viommuAlloc(c: Cmd): Result<number> {
  if (u32(c.f, 'flags') !== 0 || u32(c.f, 'type') === 0) return fail('EOPNOTSUPP', 'iommufd_viommu_alloc_ioctl: flags or default type');
  const d = c.ctx.table.get<IommufdDevice>(u32(c.f, 'dev_id'), 'device', 'iommufd_viommu_alloc_ioctl');
  if (!d.ok) return d;
  return fail('EOPNOTSUPP', 'iommufd_viommu_alloc_ioctl: the IOMMU driver has no get_viommu_size/viommu_init');
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

/** iommufd_hw_queue_alloc_ioctl(): flags/default type, zero length, overflow, then the vIOMMU. */
export function hwQueueAlloc(c: Cmd): Result<number> {
  if (u32(c.f, 'flags') !== 0 || u32(c.f, 'type') === 0) return fail('EOPNOTSUPP', 'iommufd_hw_queue_alloc_ioctl: flags or default type');
  const length = u64(c.f, 'length');
  if (length === 0n) return fail('EINVAL', 'iommufd_hw_queue_alloc_ioctl: length 0');
  if (u64(c.f, 'nesting_parent_iova') + length - 1n > U64_MAX) return fail('EOVERFLOW', 'iommufd_hw_queue_alloc_ioctl: nesting_parent_iova + length overflows');
  return fail('ENOENT', `iommufd_hw_queue_alloc_ioctl: no vIOMMU ${u32(c.f, 'viommu_id')}`);
}
