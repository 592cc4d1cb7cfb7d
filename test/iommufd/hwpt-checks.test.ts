/**
 * Audit against drivers/iommu/iommufd/{hw_pagetable,ioas,viommu}.c: the order and the
 * write-back of checks the first test files did not pin down.
 */
import { describe, expect, it } from 'vitest';
import { uapi } from '../../src/index.js';
import { attach, boundDevice, expectErrno, ioasAlloc, iommufd } from './helpers.js';

describe('IOMMU_HWPT_INVALIDATE writes entry_num on every failure (iommufd_hwpt_invalidate: goto out)', () => {
  it('__reserved is EOPNOTSUPP and still writes entry_num = 0', () => {
    const { p, fd } = iommufd();
    const a = { size: 32, hwpt_id: 1, data_uptr: 1n, data_type: 0, entry_len: 8, entry_num: 5, __reserved: 1 };
    expectErrno(() => p.ioctl(fd, uapi.IOMMU_HWPT_INVALIDATE, a), 'EOPNOTSUPP');
    expect(a.entry_num).toBe(0);
  });

  it('entries without data_uptr or entry_len are EINVAL before the id lookup; a missing id is ENOENT; both write 0', () => {
    const { p, fd } = iommufd();
    const noPtr = { size: 32, hwpt_id: 99, data_uptr: 0n, entry_len: 8, entry_num: 2 };
    expectErrno(() => p.ioctl(fd, uapi.IOMMU_HWPT_INVALIDATE, noPtr), 'EINVAL');
    expect(noPtr.entry_num).toBe(0);
    const noLen = { size: 32, hwpt_id: 99, data_uptr: 1n, entry_len: 0, entry_num: 2 };
    expectErrno(() => p.ioctl(fd, uapi.IOMMU_HWPT_INVALIDATE, noLen), 'EINVAL');
    expect(noLen.entry_num).toBe(0);
    const missing = { size: 32, hwpt_id: 99, data_uptr: 1n, entry_len: 8, entry_num: 2 };
    expectErrno(() => p.ioctl(fd, uapi.IOMMU_HWPT_INVALIDATE, missing), 'ENOENT');
    expect(missing.entry_num).toBe(0);
  });

  it('an IOAS (neither a nested HWPT nor a vIOMMU) is EINVAL, also as a zero-entry probe', () => {
    const { p, fd } = iommufd();
    const ioas = ioasAlloc(p, fd);
    const a = { size: 32, hwpt_id: ioas, entry_num: 0 };
    expectErrno(() => p.ioctl(fd, uapi.IOMMU_HWPT_INVALIDATE, a), 'EINVAL');
  });
});

describe('IOMMU_HWPT_SET_DIRTY_TRACKING checks flags only (iommufd_hwpt_set_dirty_tracking)', () => {
  it('a non-zero __reserved is not looked at; unknown flags are EOPNOTSUPP before the id', () => {
    const d = boundDevice();
    const ioas = ioasAlloc(d.p, d.fd);
    const a = { size: 48, flags: uapi.IOMMU_HWPT_ALLOC_DIRTY_TRACKING, dev_id: d.devId, pt_id: ioas, out_hwpt_id: 0 };
    d.p.ioctl(d.fd, uapi.IOMMU_HWPT_ALLOC, a);
    expect(d.p.ioctl(d.fd, uapi.IOMMU_HWPT_SET_DIRTY_TRACKING, { size: 16, flags: 1, hwpt_id: a.out_hwpt_id, __reserved: 7 })).toBe(0);
    expectErrno(() => d.p.ioctl(d.fd, uapi.IOMMU_HWPT_SET_DIRTY_TRACKING, { size: 16, flags: 2, hwpt_id: 999 }), 'EOPNOTSUPP');
    expectErrno(() => d.p.ioctl(d.fd, uapi.IOMMU_HWPT_SET_DIRTY_TRACKING, { size: 16, flags: 1, hwpt_id: ioas }), 'ENOENT');
  });

  it('GET_DIRTY_BITMAP does check __reserved (EOPNOTSUPP before the id)', () => {
    const { p, fd } = iommufd();
    expectErrno(() => p.ioctl(fd, uapi.IOMMU_HWPT_GET_DIRTY_BITMAP, { size: 48, hwpt_id: 999, __reserved: 1 }), 'EOPNOTSUPP');
    expectErrno(() => p.ioctl(fd, uapi.IOMMU_HWPT_GET_DIRTY_BITMAP, { size: 48, hwpt_id: 999 }), 'ENOENT');
  });

  it('a HWPT made by an attach has no dirty ops: SET is EOPNOTSUPP', () => {
    const d = boundDevice();
    const hwpt = attach(d.p, d.dev, ioasAlloc(d.p, d.fd));
    expectErrno(() => d.p.ioctl(d.fd, uapi.IOMMU_HWPT_SET_DIRTY_TRACKING, { size: 16, flags: 1, hwpt_id: hwpt }), 'EOPNOTSUPP');
  });
});

describe('IOMMU_IOAS_MAP_FILE check order (iommufd_ioas_map_file)', () => {
  it('unknown flags are EOPNOTSUPP before an out-of-range iova or length (EOVERFLOW)', () => {
    const { p, fd } = iommufd();
    const U64 = (1n << 64n) - 1n;
    expectErrno(() => p.ioctl(fd, uapi.IOMMU_IOAS_MAP_FILE, { size: 40, flags: 1 << 3, ioas_id: 1, fd: 0, length: U64 }), 'EOPNOTSUPP');
    expectErrno(() => p.ioctl(fd, uapi.IOMMU_IOAS_MAP_FILE, { size: 40, flags: uapi.IOMMU_IOAS_MAP_READABLE, ioas_id: 1, fd: 0, length: U64 }), 'EOVERFLOW');
    expectErrno(() => p.ioctl(fd, uapi.IOMMU_IOAS_MAP_FILE, { size: 40, flags: 0, ioas_id: 1, fd: 0, length: 1n }), 'EINVAL');
    expectErrno(() => p.ioctl(fd, uapi.IOMMU_IOAS_MAP_FILE, { size: 40, flags: uapi.IOMMU_IOAS_MAP_READABLE, ioas_id: 1, fd: 0, length: 1n }), 'ENOENT');
    const ioas = ioasAlloc(p, fd);
    expectErrno(() => p.ioctl(fd, uapi.IOMMU_IOAS_MAP_FILE, { size: 40, flags: uapi.IOMMU_IOAS_MAP_READABLE, ioas_id: ioas, fd: 999, length: 1n }), 'EBADF');
  });
});
