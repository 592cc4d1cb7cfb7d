/**
 * Audit of the remaining rows of the selftest table and §7 points not pinned elsewhere:
 * IOMMU_OPTION's write-back and ids, CHANGE_PROCESS, the compat SET_IOMMU/CHECK_EXTENSION
 * rules (main.c iommufd_option, ioas.c, vfio_compat.c).
 */
import { describe, expect, it } from 'vitest';
import { uapi } from '../../src/index.js';
import { attach, boundDevice, expectErrno, ioasAlloc, iommufd, mapFixed, P } from './helpers.js';
import { anonBuffer } from '../support/vfio.js';

describe('IOMMU_OPTION', () => {
  it('HUGE_PAGES with object_id 0 is ENOENT for GET and SET; an unknown op is EOPNOTSUPP after the IOAS lookup', () => {
    const { p, fd } = iommufd();
    const o = (op: number, object_id: number, val64 = 0n) => p.ioctl(fd, uapi.IOMMU_OPTION, { size: 24, option_id: uapi.IOMMU_OPTION_HUGE_PAGES, op, object_id, val64 });
    expectErrno(() => o(uapi.IOMMU_OPTION_OP_GET, 0), 'ENOENT');
    expectErrno(() => o(uapi.IOMMU_OPTION_OP_SET, 0, 1n), 'ENOENT');
    expectErrno(() => o(5, 0), 'ENOENT');
    const ioas = ioasAlloc(p, fd);
    expectErrno(() => o(5, ioas), 'EOPNOTSUPP');
    expectErrno(() => p.ioctl(fd, uapi.IOMMU_OPTION, { size: 24, option_id: 0, op: 0, __reserved: 1 }), 'EOPNOTSUPP');
  });

  it('only val64 is written back, also for SET; a failed call writes nothing', () => {
    const { p, fd } = iommufd();
    const ioas = ioasAlloc(p, fd);
    const set = { size: 24, option_id: uapi.IOMMU_OPTION_HUGE_PAGES, op: uapi.IOMMU_OPTION_OP_SET, object_id: ioas, val64: 0n, __reserved: 0 };
    p.ioctl(fd, uapi.IOMMU_OPTION, set);
    expect(set).toEqual({ size: 24, option_id: 1, op: 0, object_id: ioas, val64: 0n, __reserved: 0 });
    const bad = { size: 24, option_id: uapi.IOMMU_OPTION_HUGE_PAGES, op: uapi.IOMMU_OPTION_OP_SET, object_id: ioas, val64: 2n };
    expectErrno(() => p.ioctl(fd, uapi.IOMMU_OPTION, bad), 'EINVAL');
    expect(bad.val64).toBe(2n);
  });

  it('RLIMIT_MODE SET on a context holding only a bound device is EBUSY (any object counts)', () => {
    const d = boundDevice();
    expectErrno(() => d.p.ioctl(d.fd, uapi.IOMMU_OPTION, { size: 24, option_id: uapi.IOMMU_OPTION_RLIMIT_MODE, op: uapi.IOMMU_OPTION_OP_SET, val64: 1n }), 'EBUSY');
  });
});

describe('IOMMU_IOAS_CHANGE_PROCESS (change_process, basic)', () => {
  it('a plain IOAS_MAP anywhere in the context is EINVAL; __reserved is EOPNOTSUPP first', () => {
    const d = boundDevice();
    const ioas = ioasAlloc(d.p, d.fd);
    attach(d.p, d.dev, ioas);
    expect(d.p.ioctl(d.fd, uapi.IOMMU_IOAS_CHANGE_PROCESS, { size: 8 })).toBe(0);
    mapFixed(d.p, d.fd, ioas, anonBuffer(d.p, P), 0x100000n, P);
    expectErrno(() => d.p.ioctl(d.fd, uapi.IOMMU_IOAS_CHANGE_PROCESS, { size: 8, __reserved: 1 }), 'EOPNOTSUPP');
    expectErrno(() => d.p.ioctl(d.fd, uapi.IOMMU_IOAS_CHANGE_PROCESS, { size: 8 }), 'EINVAL');
  });
});

describe('compat SET_IOMMU and CHECK_EXTENSION (iommufd_vfio_set_iommu, iommufd_vfio_check_extension)', () => {
  it('SET_IOMMU is repeatable; NOIOMMU outside no-IOMMU mode is EINVAL; TYPE1 after domain + mapping is EINVAL', () => {
    const d = boundDevice();
    const ioas = ioasAlloc(d.p, d.fd);
    attach(d.p, d.dev, ioas);
    d.p.ioctl(d.fd, uapi.IOMMU_VFIO_IOAS, { size: 12, ioas_id: ioas, op: uapi.IOMMU_VFIO_IOAS_SET });
    expect(d.p.ioctl(d.fd, uapi.VFIO_SET_IOMMU, uapi.VFIO_TYPE1v2_IOMMU)).toBe(0);
    expect(d.p.ioctl(d.fd, uapi.VFIO_SET_IOMMU, uapi.VFIO_TYPE1v2_IOMMU)).toBe(0);
    expectErrno(() => d.p.ioctl(d.fd, uapi.VFIO_SET_IOMMU, uapi.VFIO_NOIOMMU_IOMMU), 'EINVAL');
    d.p.ioctl(d.fd, uapi.VFIO_IOMMU_MAP_DMA, { argsz: 32, flags: 3, vaddr: anonBuffer(d.p, P), iova: 0x100000n, size: P });
    expectErrno(() => d.p.ioctl(d.fd, uapi.VFIO_SET_IOMMU, uapi.VFIO_TYPE1_IOMMU), 'EINVAL');
    expect(d.p.ioctl(d.fd, uapi.VFIO_CHECK_EXTENSION, uapi.VFIO_DMA_CC_IOMMU)).toBe(1);
  });

  it('DMA_CC without a compat IOAS is ENODEV; the retired nesting type and UPDATE_VADDR are 0; UNMAP_ALL is 1', () => {
    const { p, fd } = iommufd();
    expectErrno(() => p.ioctl(fd, uapi.VFIO_CHECK_EXTENSION, uapi.VFIO_DMA_CC_IOMMU), 'ENODEV');
    expect(p.ioctl(fd, uapi.VFIO_CHECK_EXTENSION, 6)).toBe(0);
    expect(p.ioctl(fd, uapi.VFIO_CHECK_EXTENSION, uapi.VFIO_UPDATE_VADDR)).toBe(0);
    expect(p.ioctl(fd, uapi.VFIO_CHECK_EXTENSION, uapi.VFIO_UNMAP_ALL)).toBe(1);
    expect(p.ioctl(fd, uapi.VFIO_CHECK_EXTENSION, uapi.VFIO_TYPE1_IOMMU)).toBe(1);
  });
});
