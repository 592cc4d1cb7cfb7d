/**
 * The vfio_iommu_type1 backend as the container sees it (vfio_iommu_driver_ops): the
 * extension answers, `open` for VFIO_TYPE1_IOMMU (v1) and VFIO_TYPE1v2_IOMMU (v2), and the
 * ioctl switch of vfio_iommu_type1_ioctl — unknown requests are ENOTTY.
 */
import { fail, ok, type Result } from '../../../base/result.js';
import {
  VFIO_CHECK_EXTENSION,
  VFIO_IOMMU_DIRTY_PAGES,
  VFIO_IOMMU_GET_INFO,
  VFIO_IOMMU_MAP_DMA,
  VFIO_IOMMU_UNMAP_DMA,
  VFIO_TYPE1_IOMMU,
  VFIO_TYPE1v2_IOMMU,
} from '../../../uapi/vfio.js';
import type { IommuBackend, IommuBackendInstance } from '../container.js';
import { byValue, isFailure } from './args.js';
import { type1DirtyPages } from './dirty.js';
import { type1GetInfo } from './get-info.js';
import { type1MapDma } from './map.js';
import { type1UnmapDma } from './unmap.js';
import { Type1Iommu, type1CheckExtension } from './vfio-iommu.js';

export { Type1Iommu } from './vfio-iommu.js';

export const type1Backend: IommuBackend = {
  name: 'vfio-iommu-type1',
  noiommu: false,
  checkExtension: (_k, id) => type1CheckExtension(null, id),
  open(k, type) {
    if (type !== VFIO_TYPE1_IOMMU && type !== VFIO_TYPE1v2_IOMMU) return fail('EINVAL', 'vfio_iommu_type1_open: unknown type');
    return ok(instance(new Type1Iommu(k, type === VFIO_TYPE1v2_IOMMU)));
  },
};

function instance(t: Type1Iommu): IommuBackendInstance {
  return {
    data: t,
    checkExtension: (id) => t.checkExtension(id),
    attachGroup: (g) => t.attachGroup(g),
    detachGroup: (g) => t.detachGroup(g),
    release: () => t.release(),
    ioctl(request, arg, ctx): Result<number> {
      switch (request) {
        case VFIO_CHECK_EXTENSION: {
          const id = byValue(arg);
          return isFailure(id) ? id : ok(t.checkExtension(id));
        }
        case VFIO_IOMMU_GET_INFO:
          return type1GetInfo(t, arg);
        case VFIO_IOMMU_MAP_DMA:
          return type1MapDma(t, arg, ctx);
        case VFIO_IOMMU_UNMAP_DMA:
          return type1UnmapDma(t, arg, ctx);
        case VFIO_IOMMU_DIRTY_PAGES:
          return type1DirtyPages(t, arg, ctx);
        default:
          return fail('ENOTTY', 'vfio_iommu_type1_ioctl: unknown request');
      }
    },
  };
}
