/**
 * The unsafe no-IOMMU backend (vfio_noiommu_ops in drivers/vfio/container.c): it exists so a
 * container of no-IOMMU groups can reach C2 and hand out device fds. It answers only
 * CHECK_EXTENSION(VFIO_NOIOMMU_IOMMU), and only while vfio.enable_unsafe_noiommu_mode is on;
 * opening it needs CAP_SYS_RAWIO; every other request is ENOTTY. It maps nothing, pins
 * nothing, isolates nothing: devices DMA to host physical addresses.
 */
import { fail, ok, okVoid } from '../../base/result.js';
import { VFIO_NOIOMMU_IOMMU } from '../../uapi/vfio.js';
import type { Kernel } from '../kernel.js';
import type { IommuBackend } from './container.js';

function answer(k: Kernel, id: number): number {
  return k.params.bool('vfio', 'enable_unsafe_noiommu_mode') && id === VFIO_NOIOMMU_IOMMU ? 1 : 0;
}

export const noiommuBackend: IommuBackend = {
  name: 'vfio-noiommu',
  noiommu: true,
  checkExtension: answer,
  open(k, type, ctx) {
    if (type !== VFIO_NOIOMMU_IOMMU) return fail('EINVAL', 'vfio_noiommu_open: not VFIO_NOIOMMU_IOMMU');
    if (!ctx.task.capable('CAP_SYS_RAWIO')) return fail('EPERM', 'vfio_noiommu_open: CAP_SYS_RAWIO needed');
    return ok({
      data: null,
      // the kernel's instance pointer is NULL, so this is the same answer as without one
      checkExtension: (id: number) => answer(k, id),
      ioctl: () => fail('ENOTTY', 'vfio_noiommu_ioctl: no IOMMU ioctls in no-IOMMU mode'),
      attachGroup: () => okVoid(),
      detachGroup: () => undefined,
      release: () => undefined,
    });
  },
};
