import { describe, expect, it } from 'vitest';
import { _IO } from './ioctl.js';
import * as I from './iommufd.js';

describe('iommufd.h request numbers', () => {
  const expected: Record<string, number> = {
    IOMMU_DESTROY: 0x3b80,
    IOMMU_IOAS_ALLOC: 0x3b81,
    IOMMU_IOAS_ALLOW_IOVAS: 0x3b82,
    IOMMU_IOAS_COPY: 0x3b83,
    IOMMU_IOAS_IOVA_RANGES: 0x3b84,
    IOMMU_IOAS_MAP: 0x3b85,
    IOMMU_IOAS_UNMAP: 0x3b86,
    IOMMU_OPTION: 0x3b87,
    IOMMU_VFIO_IOAS: 0x3b88,
    IOMMU_HWPT_ALLOC: 0x3b89,
    IOMMU_GET_HW_INFO: 0x3b8a,
    IOMMU_HWPT_SET_DIRTY_TRACKING: 0x3b8b,
    IOMMU_HWPT_GET_DIRTY_BITMAP: 0x3b8c,
    IOMMU_HWPT_INVALIDATE: 0x3b8d,
    IOMMU_FAULT_QUEUE_ALLOC: 0x3b8e,
    IOMMU_IOAS_MAP_FILE: 0x3b8f,
    IOMMU_VIOMMU_ALLOC: 0x3b90,
    IOMMU_VDEVICE_ALLOC: 0x3b91,
    IOMMU_IOAS_CHANGE_PROCESS: 0x3b92,
    IOMMU_VEVENTQ_ALLOC: 0x3b93,
    IOMMU_HW_QUEUE_ALLOC: 0x3b94,
  };

  it.each(Object.entries(expected))('%s', (name, value) => {
    expect((I as Record<string, unknown>)[name]).toBe(value);
  });

  it('IOMMU_IOAS_MAP is _IO(";", 0x85)', () => {
    expect(I.IOMMU_IOAS_MAP).toBe(_IO(';', 0x85));
  });

  it('command numbers run contiguously from IOMMUFD_CMD_BASE', () => {
    expect(I.IOMMUFD_CMD_BASE).toBe(0x80);
    expect(I.IOMMUFD_CMD_DESTROY).toBe(I.IOMMUFD_CMD_BASE);
    expect(I.IOMMUFD_CMD_HW_QUEUE_ALLOC - I.IOMMUFD_CMD_BASE + 1).toBe(
      Object.keys(expected).length,
    );
  });
});

describe('7.3: IOMMU_IOAS_NOIOMMU_GET_PA', () => {
  it('is _IO(";", 0x95), the command after IOMMU_HW_QUEUE_ALLOC', () => {
    expect(I.IOMMU_IOAS_NOIOMMU_GET_PA).toBe(0x3b95);
    expect(I.IOMMUFD_CMD_IOAS_NOIOMMU_GET_PA).toBe(I.IOMMUFD_CMD_HW_QUEUE_ALLOC + 1);
  });
});

describe('iommufd.h enums and flags', () => {
  it('map flags', () => {
    expect([I.IOMMU_IOAS_MAP_FIXED_IOVA, I.IOMMU_IOAS_MAP_WRITEABLE, I.IOMMU_IOAS_MAP_READABLE]).toEqual([
      1, 2, 4,
    ]);
  });

  it('options and ops', () => {
    expect(I.IOMMU_OPTION_RLIMIT_MODE).toBe(0);
    expect(I.IOMMU_OPTION_HUGE_PAGES).toBe(1);
    expect(I.IOMMU_OPTION_OP_SET).toBe(0);
    expect(I.IOMMU_OPTION_OP_GET).toBe(1);
    expect(I.IOMMU_VFIO_IOAS_CLEAR).toBe(2);
  });

  it('hwpt alloc flags and data types', () => {
    expect(I.IOMMU_HWPT_ALLOC_PASID).toBe(8);
    expect(I.IOMMU_HWPT_FAULT_ID_VALID).toBe(4);
    expect(I.IOMMU_HWPT_DATA_ARM_SMMUV3).toBe(2);
    expect(I.IOMMU_HW_INFO_TYPE_DEFAULT).toBe(I.IOMMU_HW_INFO_TYPE_NONE);
    expect(I.IOMMU_HWPT_GET_DIRTY_BITMAP_NO_CLEAR).toBe(1);
  });

  it('7.x additions: AMD hw info and guest data types, the ATS-not-supported capability', () => {
    expect(I.IOMMU_HWPT_DATA_AMD_GUEST).toBe(3);
    expect(I.IOMMU_HW_INFO_TYPE_AMD).toBe(4);
    expect(I.IOMMU_HW_CAP_PCI_ATS_NOT_SUPPORTED).toBe(8);
  });
});
