import { describe, expect, it } from 'vitest';
import { _IOC_DIR, _IOC_NR, _IOC_SIZE, _IOC_TYPE } from './ioctl.js';
import * as V from './vfio.js';

describe('vfio.h request numbers', () => {
  // The values the header's _IO(VFIO_TYPE, VFIO_BASE + n) produce on x86-64.
  const expected: Record<string, number> = {
    VFIO_GET_API_VERSION: 0x3b64,
    VFIO_CHECK_EXTENSION: 0x3b65,
    VFIO_SET_IOMMU: 0x3b66,
    VFIO_GROUP_GET_STATUS: 0x3b67,
    VFIO_GROUP_SET_CONTAINER: 0x3b68,
    VFIO_GROUP_UNSET_CONTAINER: 0x3b69,
    VFIO_GROUP_GET_DEVICE_FD: 0x3b6a,
    VFIO_DEVICE_GET_INFO: 0x3b6b,
    VFIO_DEVICE_GET_REGION_INFO: 0x3b6c,
    VFIO_DEVICE_GET_IRQ_INFO: 0x3b6d,
    VFIO_DEVICE_SET_IRQS: 0x3b6e,
    VFIO_DEVICE_RESET: 0x3b6f,
    VFIO_DEVICE_GET_PCI_HOT_RESET_INFO: 0x3b70,
    VFIO_DEVICE_PCI_HOT_RESET: 0x3b71,
    VFIO_DEVICE_QUERY_GFX_PLANE: 0x3b72,
    VFIO_DEVICE_GET_GFX_DMABUF: 0x3b73,
    VFIO_DEVICE_IOEVENTFD: 0x3b74,
    VFIO_DEVICE_FEATURE: 0x3b75,
    VFIO_DEVICE_BIND_IOMMUFD: 0x3b76,
    VFIO_DEVICE_ATTACH_IOMMUFD_PT: 0x3b77,
    VFIO_DEVICE_DETACH_IOMMUFD_PT: 0x3b78,
    VFIO_MIG_GET_PRECOPY_INFO: 0x3b79,
    VFIO_IOMMU_GET_INFO: 0x3b70,
    VFIO_IOMMU_MAP_DMA: 0x3b71,
    VFIO_IOMMU_UNMAP_DMA: 0x3b72,
    VFIO_IOMMU_ENABLE: 0x3b73,
    VFIO_IOMMU_DISABLE: 0x3b74,
    VFIO_IOMMU_DIRTY_PAGES: 0x3b75,
    VFIO_IOMMU_SPAPR_TCE_GET_INFO: 0x3b70,
    VFIO_EEH_PE_OP: 0x3b79,
    VFIO_IOMMU_SPAPR_REGISTER_MEMORY: 0x3b75,
    VFIO_IOMMU_SPAPR_UNREGISTER_MEMORY: 0x3b76,
    VFIO_IOMMU_SPAPR_TCE_CREATE: 0x3b77,
    VFIO_IOMMU_SPAPR_TCE_REMOVE: 0x3b78,
  };

  it.each(Object.entries(expected))('%s', (name, value) => {
    expect((V as Record<string, unknown>)[name]).toBe(value);
  });

  it('every request is _IO(";", 100 + n): no size, no direction', () => {
    for (const value of Object.values(expected)) {
      expect(_IOC_TYPE(value)).toBe(0x3b);
      expect(_IOC_DIR(value)).toBe(0);
      expect(_IOC_SIZE(value)).toBe(0);
      expect(_IOC_NR(value) - V.VFIO_BASE).toBeGreaterThanOrEqual(0);
    }
  });

  it('VFIO_TYPE is the character code of ";"', () => {
    expect(V.VFIO_TYPE).toBe(';'.charCodeAt(0));
  });
});

describe('vfio.h values', () => {
  it('extensions', () => {
    expect([
      V.VFIO_TYPE1_IOMMU,
      V.VFIO_SPAPR_TCE_IOMMU,
      V.VFIO_TYPE1v2_IOMMU,
      V.VFIO_DMA_CC_IOMMU,
      V.VFIO_EEH,
      V.VFIO_TYPE1_NESTING_IOMMU,
      V.VFIO_SPAPR_TCE_v2_IOMMU,
      V.VFIO_NOIOMMU_IOMMU,
      V.VFIO_UNMAP_ALL,
      V.VFIO_UPDATE_VADDR,
    ]).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
    expect(V.VFIO_API_VERSION).toBe(0);
  });

  it('flag masks combine their bits', () => {
    expect(V.VFIO_IRQ_SET_DATA_TYPE_MASK).toBe(0x07);
    expect(V.VFIO_IRQ_SET_ACTION_TYPE_MASK).toBe(0x38);
    expect(V.VFIO_DEVICE_FLAGS_CAPS).toBe(0x80);
    expect(V.VFIO_DEVICE_FLAGS_CDX).toBe(0x100);
    expect(V.VFIO_DEVICE_FEATURE_PROBE | V.VFIO_DEVICE_FEATURE_SET | V.VFIO_DEVICE_FEATURE_GET).toBe(
      0x70000,
    );
    expect(V.VFIO_REGION_TYPE_PCI_VENDOR_TYPE).toBe(2 ** 31);
  });

  it('vfio-pci fixed indexes', () => {
    expect(V.VFIO_PCI_CONFIG_REGION_INDEX).toBe(7);
    expect(V.VFIO_PCI_NUM_REGIONS).toBe(9);
    expect(V.VFIO_PCI_MSIX_IRQ_INDEX).toBe(2);
    expect(V.VFIO_PCI_NUM_IRQS).toBe(5);
  });

  it('the precopy info v2 opt-in feature and its REINIT flag', () => {
    expect(V.VFIO_DEVICE_FEATURE_MIG_PRECOPY_INFOv2).toBe(12);
    expect(V.VFIO_PRECOPY_INFO_REINIT).toBe(1);
  });

  it('migration states', () => {
    expect(V.VFIO_DEVICE_STATE_PRE_COPY_P2P).toBe(7);
    expect(V.VFIO_DEVICE_STATE_NR).toBe(8);
    expect(V.VFIO_DEVICE_STATE_MASK).toBe(7);
    expect(V.VFIO_DEVICE_STATE_VALID(V.VFIO_DEVICE_STATE_V1_RESUMING)).toBe(true);
    expect(V.VFIO_DEVICE_STATE_VALID(V.VFIO_DEVICE_STATE_V1_RESUMING | 1)).toBe(false);
    expect(V.VFIO_DEVICE_STATE_IS_ERROR(V.VFIO_DEVICE_STATE_SET_ERROR(1))).toBe(true);
    expect(V.VFIO_DEVICE_STATE_SET_ERROR(0x9)).toBe(0xe);
  });

  it('region offsets use a 40-bit shift', () => {
    expect(V.VFIO_PCI_INDEX_TO_OFFSET(V.VFIO_PCI_CONFIG_REGION_INDEX)).toBe(0x70000000000n);
    expect(V.VFIO_PCI_INDEX_TO_OFFSET(0)).toBe(0n);
    expect(V.VFIO_PCI_OFFSET_TO_INDEX(0x70000000123n)).toBe(7);
    expect(V.VFIO_PCI_OFFSET_TO_INDEX(V.VFIO_PCI_INDEX_TO_OFFSET(8) - 1n)).toBe(7);
    expect(V.VFIO_PCI_OFFSET_MASK).toBe(0xffffffffffn);
  });
});
