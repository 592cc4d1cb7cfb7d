/** The README's SystemError sample, kept runnable: if this test changes, change the README. */
import { expect, it } from 'vitest';
import { Host, SystemError, uapi } from '../../src/index.js';

it('README: a failed ioctl throws a Node-style SystemError naming the kernel check', () => {
  const sh = new Host().spawn();
  const container = sh.open('/dev/vfio/vfio', uapi.O_RDWR);
  let caught: unknown;
  try {
    sh.ioctl(container, uapi.VFIO_SET_IOMMU, uapi.VFIO_TYPE1v2_IOMMU);
  } catch (e) {
    caught = e;
  }
  expect(caught).toBeInstanceOf(SystemError);
  const err = caught as SystemError;
  expect([err.code, err.errno, err.info?.why]).toEqual(['EINVAL', -22, 'vfio_ioctl_set_iommu: no group, or an IOMMU is already set']);
});
