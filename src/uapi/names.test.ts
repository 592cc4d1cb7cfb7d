import { describe, expect, it } from 'vitest';
import * as I from './iommufd.js';
import { formatRequest, requestName, requestNames } from './names.js';
import * as V from './vfio.js';

describe('request names', () => {
  it('a unique number has one name', () => {
    expect(requestNames(V.VFIO_GET_API_VERSION)).toEqual(['VFIO_GET_API_VERSION']);
    expect(requestName(V.VFIO_GROUP_GET_STATUS)).toBe('VFIO_GROUP_GET_STATUS');
    expect(requestName(I.IOMMU_IOAS_MAP)).toBe('IOMMU_IOAS_MAP');
  });

  it('a shared number returns every name, in header order', () => {
    expect(requestNames(0x3b70)).toEqual([
      'VFIO_DEVICE_GET_PCI_HOT_RESET_INFO',
      'VFIO_IOMMU_GET_INFO',
      'VFIO_IOMMU_SPAPR_TCE_GET_INFO',
    ]);
    expect(requestNames(0x3b79)).toEqual(['VFIO_MIG_GET_PRECOPY_INFO', 'VFIO_EEH_PE_OP']);
    expect(requestName(0x3b71)).toBe('VFIO_DEVICE_PCI_HOT_RESET | VFIO_IOMMU_MAP_DMA');
  });

  it('the fd kind picks one', () => {
    expect(requestName(0x3b71, 'container')).toBe('VFIO_IOMMU_MAP_DMA');
    expect(requestName(0x3b71, 'device')).toBe('VFIO_DEVICE_PCI_HOT_RESET');
    expect(requestName(0x3b75, 'container')).toBe('VFIO_IOMMU_DIRTY_PAGES');
    expect(requestName(0x3b75, 'device')).toBe('VFIO_DEVICE_FEATURE');
    expect(requestName(0x3b79, 'migration')).toBe('VFIO_MIG_GET_PRECOPY_INFO');
    expect(requestName(0x3b67, 'container')).toBeUndefined();
  });

  it('an iommufd fd also answers the VFIO container requests', () => {
    expect(requestName(I.IOMMU_DESTROY, 'iommufd')).toBe('IOMMU_DESTROY');
    expect(requestName(V.VFIO_IOMMU_MAP_DMA, 'iommufd')).toBe('VFIO_IOMMU_MAP_DMA');
    expect(requestName(V.VFIO_DEVICE_GET_INFO, 'iommufd')).toBeUndefined();
  });

  it('unknown numbers', () => {
    expect(requestNames(0x1234)).toEqual([]);
    expect(requestName(0x1234)).toBeUndefined();
    expect(formatRequest(0x1234)).toBe('0x1234');
    expect(formatRequest(0xc008ae88)).toBe('0xc008ae88');
    expect(formatRequest(V.VFIO_IOMMU_MAP_DMA, 'container')).toBe('VFIO_IOMMU_MAP_DMA');
  });
});
