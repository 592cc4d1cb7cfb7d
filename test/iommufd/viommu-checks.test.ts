/**
 * Audit against drivers/iommu/iommufd/viommu.c and eventq.c for a driver with no vIOMMU
 * and no nesting (the simulated IOMMU): which check answers first.
 */
import { describe, it } from 'vitest';
import { uapi } from '../../src/index.js';
import { boundDevice, expectErrno, ioasAlloc, iommufd } from './helpers.js';

const U64 = (1n << 64n) - 1n;

describe('IOMMU_VIOMMU_ALLOC (iommufd_viommu_alloc_ioctl)', () => {
  it('flags or the default type are EOPNOTSUPP before the device; a missing device is ENOENT', () => {
    const { p, fd } = iommufd();
    expectErrno(() => p.ioctl(fd, uapi.IOMMU_VIOMMU_ALLOC, { size: 40, flags: 1, type: 1, dev_id: 99 }), 'EOPNOTSUPP');
    expectErrno(() => p.ioctl(fd, uapi.IOMMU_VIOMMU_ALLOC, { size: 40, type: 0, dev_id: 99 }), 'EOPNOTSUPP');
    expectErrno(() => p.ioctl(fd, uapi.IOMMU_VIOMMU_ALLOC, { size: 40, type: 1, dev_id: 99 }), 'ENOENT');
  });

  it('a driver without vIOMMU ops answers EOPNOTSUPP before hwpt_id is looked up (hwpt 0, a non-parent, a parent)', () => {
    const d = boundDevice();
    const ioas = ioasAlloc(d.p, d.fd);
    const v = (hwpt_id: number) => d.p.ioctl(d.fd, uapi.IOMMU_VIOMMU_ALLOC, { size: 40, type: 0xdead, dev_id: d.devId, hwpt_id });
    expectErrno(() => v(0), 'EOPNOTSUPP');
    const plain = { size: 48, flags: 0, dev_id: d.devId, pt_id: ioas, out_hwpt_id: 0 };
    d.p.ioctl(d.fd, uapi.IOMMU_HWPT_ALLOC, plain);
    expectErrno(() => v(plain.out_hwpt_id), 'EOPNOTSUPP');
    const parent = { size: 48, flags: uapi.IOMMU_HWPT_ALLOC_NEST_PARENT, dev_id: d.devId, pt_id: ioas, out_hwpt_id: 0 };
    d.p.ioctl(d.fd, uapi.IOMMU_HWPT_ALLOC, parent);
    expectErrno(() => v(parent.out_hwpt_id), 'EOPNOTSUPP');
  });
});

describe('IOMMU_HW_QUEUE_ALLOC (iommufd_hw_queue_alloc_ioctl)', () => {
  it('default type EOPNOTSUPP, length 0 EINVAL, address overflow EOVERFLOW, all before the vIOMMU (ENOENT)', () => {
    const { p, fd } = iommufd();
    const q = (o: Record<string, unknown>) => p.ioctl(fd, uapi.IOMMU_HW_QUEUE_ALLOC, { size: 40, viommu_id: 7, type: 1, length: 0x1000n, ...o });
    expectErrno(() => q({ flags: 1 }), 'EOPNOTSUPP');
    expectErrno(() => q({ type: 0 }), 'EOPNOTSUPP');
    expectErrno(() => q({ length: 0n }), 'EINVAL');
    expectErrno(() => q({ nesting_parent_iova: U64 - 0xffen }), 'EOVERFLOW');
    expectErrno(() => q({ nesting_parent_iova: U64 - 0xfffn }), 'ENOENT');
  });
});

describe('IOMMU_VEVENTQ_ALLOC and IOMMU_VDEVICE_ALLOC', () => {
  it('VEVENTQ: flags/__reserved/type EOPNOTSUPP, depth 0 EINVAL, then the vIOMMU (ENOENT); VDEVICE: ENOENT', () => {
    const { p, fd } = iommufd();
    const e = (o: Record<string, unknown>) => p.ioctl(fd, uapi.IOMMU_VEVENTQ_ALLOC, { size: 32, viommu_id: 7, type: 1, veventq_depth: 4, ...o });
    expectErrno(() => e({ flags: 1 }), 'EOPNOTSUPP');
    expectErrno(() => e({ __reserved: 1 }), 'EOPNOTSUPP');
    expectErrno(() => e({ type: 0 }), 'EOPNOTSUPP');
    expectErrno(() => e({ veventq_depth: 0 }), 'EINVAL');
    expectErrno(() => e({}), 'ENOENT');
    expectErrno(() => p.ioctl(fd, uapi.IOMMU_VDEVICE_ALLOC, { size: 24, viommu_id: 7, dev_id: 1, virt_id: 0n }), 'ENOENT');
  });
});
