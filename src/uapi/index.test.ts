import { describe, expect, it } from 'vitest';
import * as uapi from './index.js';
import { _IOC_DIR, _IOC_SIZE, _IOC_TYPE } from './ioctl.js';

const entries = Object.entries(uapi);

// Constants whose C value is negative.
const NEGATIVE = new Set(['VFIO_PCI_DEVID_NOT_OWNED']);
// Constants that are strings in C.
const STRINGS = /^VFIO_DEVICE_API_[A-Z]+_STRING$/;
// Constants that are u64 masks or limits beyond 2^53.
const BIGINTS = new Set(['VFIO_PCI_OFFSET_MASK', 'RLIM_INFINITY']);
// Data tables.
const TABLES = new Set([
  'VFIO_STRUCTS',
  'IOMMUFD_STRUCTS',
  'STRUCTS',
  'VFIO_IOCTLS',
  'IOMMUFD_IOCTLS',
  'VFIO_DEVICE_FEATURES',
  'CAPABILITY_NAMES',
]);

describe('the uapi namespace', () => {
  it('gives the contract names', () => {
    expect(uapi.VFIO_GET_API_VERSION).toBe(0x3b64);
    expect(uapi.VFIO_CHECK_EXTENSION).toBe(0x3b65);
    expect(uapi.VFIO_SET_IOMMU).toBe(0x3b66);
    expect(uapi.VFIO_GROUP_GET_STATUS).toBe(0x3b67);
    expect(uapi.VFIO_IOMMU_MAP_DMA).toBe(0x3b71);
    expect(uapi.VFIO_DEVICE_BIND_IOMMUFD).toBe(0x3b76);
    expect(uapi.IOMMU_IOAS_MAP).toBe(0x3b85);
    expect(uapi.O_RDWR).toBe(2);
    expect(uapi.PCI_COMMAND_MASTER).toBe(4);
    expect(uapi.VFIO_PCI_INDEX_TO_OFFSET(uapi.VFIO_PCI_BAR0_REGION_INDEX)).toBe(0n);
  });

  it('every export is a number, bigint, string, function or table of the right kind', () => {
    for (const [name, value] of entries) {
      if (TABLES.has(name)) {
        expect(typeof value, name).toBe('object');
      } else if (BIGINTS.has(name)) {
        expect(typeof value, name).toBe('bigint');
      } else if (STRINGS.test(name)) {
        expect(typeof value, name).toBe('string');
      } else if (typeof value === 'function') {
        expect(value.length, `${name} takes arguments`).toBeGreaterThan(0);
      } else {
        expect(typeof value, name).toBe('number');
        const n = value as number;
        expect(Number.isSafeInteger(n), name).toBe(true);
        if (!NEGATIVE.has(name)) expect(n, name).toBeGreaterThanOrEqual(0);
        expect(n, name).toBeLessThan(2 ** 32);
      }
    }
  });

  it('constant names are C identifiers in upper case (bar the documented mixed-case ones)', () => {
    const mixed = new Set(['VFIO_TYPE1v2_IOMMU', 'VFIO_SPAPR_TCE_v2_IOMMU', 'PCI_PM_CAP_PME_D3hot', 'PCI_PM_CAP_PME_D3cold', 'VFIO_DEVICE_FEATURE_MIG_PRECOPY_INFOv2']);
    for (const [name, value] of entries) {
      if (typeof value !== 'number' || mixed.has(name)) continue;
      expect(name, name).toMatch(/^_?_?[A-Z][A-Z0-9_]*$/);
    }
  });

  it('every VFIO and iommufd request is an _IO(";", nr) with no size or direction', () => {
    const requests = [...uapi.VFIO_IOCTLS, ...uapi.IOMMUFD_IOCTLS].map((c) => c.request);
    for (const r of requests) {
      expect(_IOC_TYPE(r)).toBe(0x3b);
      expect(_IOC_DIR(r)).toBe(0);
      expect(_IOC_SIZE(r)).toBe(0);
    }
  });

  it('request names are unique across both tables', () => {
    const names = [...uapi.VFIO_IOCTLS, ...uapi.IOMMUFD_IOCTLS].map((c) => c.name);
    expect(new Set(names).size).toBe(names.length);
  });

  it('VFIO and iommufd request numbers never collide', () => {
    const vfio = new Set(uapi.VFIO_IOCTLS.map((c) => c.request));
    for (const c of uapi.IOMMUFD_IOCTLS) expect(vfio.has(c.request), c.name).toBe(false);
  });
});
