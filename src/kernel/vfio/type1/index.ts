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
import { dispatch, rawOp, structOp, type IoctlOp } from '../../ioctl-table.js';
import { byValue } from '../../uaccess.js';
import { type1DirtyPages, type1DirtyV1 } from './dirty.js';
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
    ioctl: (request, arg, ctx): Result<number> => dispatch(TYPE1_IOCTLS, t, request, arg, ctx, 'vfio_iommu_type1_ioctl'),
  };
}

/** vfio_iommu_type1_ioctl(), as a table. */
export const TYPE1_IOCTLS: readonly IoctlOp<Type1Iommu>[] = [
  rawOp(VFIO_CHECK_EXTENSION, (t, arg) => {
    const id = byValue(arg);
    return id.ok ? ok(t.checkExtension(id.value)) : id;
  }),
  structOp(VFIO_IOMMU_GET_INFO, 'vfio_iommu_type1_info', 'iova_pgsizes', type1GetInfo),
  structOp(VFIO_IOMMU_MAP_DMA, 'vfio_iommu_type1_dma_map', 'size', type1MapDma),
  structOp(VFIO_IOMMU_UNMAP_DMA, 'vfio_iommu_type1_dma_unmap', 'size', type1UnmapDma),
  structOp(VFIO_IOMMU_DIRTY_PAGES, 'vfio_iommu_type1_dirty_bitmap', 'flags', type1DirtyPages, type1DirtyV1),
];
