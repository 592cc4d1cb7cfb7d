import { describe, expect, it } from 'vitest';
import { VFIO_DEVICE_FEATURES, vfioDeviceFeature } from './features.js';
import { IOMMUFD_IOCTLS, iommufdIoctl, VFIO_IOCTLS, vfioIoctl } from './ioctls.js';
import * as I from './iommufd.js';
import * as V from './vfio.js';

describe('VFIO minsz (offsetofend of the field each handler names)', () => {
  const expected: Record<string, number> = {
    VFIO_GROUP_GET_STATUS: 8,
    VFIO_DEVICE_GET_INFO: 16,
    VFIO_DEVICE_GET_REGION_INFO: 32,
    VFIO_DEVICE_GET_IRQ_INFO: 16,
    VFIO_DEVICE_SET_IRQS: 20,
    VFIO_DEVICE_GET_PCI_HOT_RESET_INFO: 12,
    VFIO_DEVICE_PCI_HOT_RESET: 12,
    VFIO_DEVICE_QUERY_GFX_PLANE: 60,
    VFIO_DEVICE_IOEVENTFD: 28,
    VFIO_DEVICE_FEATURE: 8,
    VFIO_DEVICE_BIND_IOMMUFD: 16,
    VFIO_DEVICE_ATTACH_IOMMUFD_PT: 12,
    VFIO_DEVICE_DETACH_IOMMUFD_PT: 8,
    VFIO_MIG_GET_PRECOPY_INFO: 24,
    VFIO_IOMMU_GET_INFO: 16,
    VFIO_IOMMU_MAP_DMA: 32,
    VFIO_IOMMU_UNMAP_DMA: 24,
    VFIO_IOMMU_DIRTY_PAGES: 8,
    VFIO_IOMMU_SPAPR_TCE_GET_INFO: 16,
    VFIO_EEH_PE_OP: 12,
    VFIO_IOMMU_SPAPR_REGISTER_MEMORY: 24,
    VFIO_IOMMU_SPAPR_TCE_CREATE: 40,
    VFIO_IOMMU_SPAPR_TCE_REMOVE: 16,
  };

  it.each(Object.entries(expected))('%s minsz = %i', (name, minsz) => {
    const c = VFIO_IOCTLS.find((x) => x.name === name);
    expect(c?.minsz).toBe(minsz);
  });

  it('requests without a struct have minsz 0', () => {
    for (const c of VFIO_IOCTLS.filter((x) => x.struct === null)) {
      expect(c.minsz).toBe(0);
      expect(c.arg).not.toBe('struct');
    }
  });

  it('every request constant of vfio.h is in the table exactly once', () => {
    // Request numbers are the only vfio.h numbers in 0x3b64..0x3b79 (VFIO_BASE + 0..21).
    const requests = Object.entries(V)
      .filter(([, v]) => typeof v === 'number' && v >= 0x3b64 && v <= 0x3b79)
      .map(([k]) => k)
      .sort();
    expect(VFIO_IOCTLS.map((c) => c.name).sort()).toEqual(requests);
    for (const c of VFIO_IOCTLS) expect((V as Record<string, unknown>)[c.name]).toBe(c.request);
  });

  it('lookup is by fd kind and number', () => {
    expect(vfioIoctl('container', 0x3b70)?.name).toBe('VFIO_IOMMU_GET_INFO');
    expect(vfioIoctl('device', 0x3b70)?.name).toBe('VFIO_DEVICE_GET_PCI_HOT_RESET_INFO');
    expect(vfioIoctl('migration', 0x3b79)?.name).toBe('VFIO_MIG_GET_PRECOPY_INFO');
    expect(vfioIoctl('group', V.VFIO_IOMMU_MAP_DMA)).toBeUndefined();
  });
});

describe('iommufd min_size and size (iommufd_ioctl_ops)', () => {
  // [request, sizeof, min_size]
  const expected: Record<string, readonly [number, number]> = {
    IOMMU_DESTROY: [8, 8],
    IOMMU_IOAS_ALLOC: [12, 12],
    IOMMU_IOAS_ALLOW_IOVAS: [24, 24],
    IOMMU_IOAS_COPY: [40, 40],
    IOMMU_IOAS_IOVA_RANGES: [32, 32],
    IOMMU_IOAS_MAP: [40, 40],
    IOMMU_IOAS_UNMAP: [24, 24],
    IOMMU_OPTION: [24, 24],
    IOMMU_VFIO_IOAS: [12, 12],
    IOMMU_HWPT_ALLOC: [48, 24],
    IOMMU_GET_HW_INFO: [40, 32],
    IOMMU_HWPT_SET_DIRTY_TRACKING: [16, 16],
    IOMMU_HWPT_GET_DIRTY_BITMAP: [48, 48],
    IOMMU_HWPT_INVALIDATE: [32, 32],
    IOMMU_FAULT_QUEUE_ALLOC: [16, 16],
    IOMMU_IOAS_MAP_FILE: [40, 40],
    IOMMU_VIOMMU_ALLOC: [40, 24],
    IOMMU_VDEVICE_ALLOC: [24, 24],
    IOMMU_IOAS_CHANGE_PROCESS: [8, 8],
    IOMMU_VEVENTQ_ALLOC: [32, 28],
    IOMMU_HW_QUEUE_ALLOC: [40, 40],
    IOMMU_IOAS_NOIOMMU_GET_PA: [40, 40],
  };

  it('covers every command, in command order', () => {
    expect(IOMMUFD_IOCTLS.map((c) => c.name)).toEqual(Object.keys(expected));
    expect(IOMMUFD_IOCTLS.map((c) => c.cmd)).toEqual(
      IOMMUFD_IOCTLS.map((_, i) => I.IOMMUFD_CMD_BASE + i),
    );
  });

  it.each(Object.entries(expected))('%s', (name, [size, minSize]) => {
    const request = (I as Record<string, unknown>)[name] as number;
    const c = iommufdIoctl(request);
    expect(c?.name).toBe(name);
    expect(c?.size).toBe(size);
    expect(c?.minSize).toBe(minSize);
  });

  it('an unknown number has no command', () => {
    expect(iommufdIoctl(0x3b96)).toBeUndefined();
    expect(iommufdIoctl(V.VFIO_IOMMU_MAP_DMA)).toBeUndefined();
  });
});

describe('VFIO_DEVICE_FEATURE payloads', () => {
  it('are indexed by feature id', () => {
    VFIO_DEVICE_FEATURES.forEach((f, i) => expect(f.id).toBe(i));
    expect(VFIO_DEVICE_FEATURES.length).toBe(V.VFIO_DEVICE_FEATURE_MIG_PRECOPY_INFOv2 + 1);
  });

  it('payload minimums', () => {
    const minsz = VFIO_DEVICE_FEATURES.map((f) => f.minsz);
    expect(minsz).toEqual([16, 8, 8, 0, 8, 0, 24, 0, 32, 8, 4, 16, 0]);
    expect(vfioDeviceFeature(V.VFIO_DEVICE_FEATURE_MIG_DEVICE_STATE)?.ops).toEqual(['GET', 'SET']);
    expect(vfioDeviceFeature(V.VFIO_DEVICE_FEATURE_MIG_PRECOPY_INFOv2)?.ops).toEqual(['SET']);
    expect(vfioDeviceFeature(13)).toBeUndefined();
  });
});
