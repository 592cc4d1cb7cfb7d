/**
 * Found by `npm run test:deep` (seed 4100): a group given an iommufd as its container
 * claims no DMA ownership until a device binds, as vfio_group_ioctl_set_container() does;
 * the invariant checker must not call that a broken container.
 */
import { expect, it } from 'vitest';
import { Host, uapi } from '../../src/index.js';
import { checkInvariants } from '../../src/testing/invariants.js';
import { iommuGroup } from '../support/kernel-state.js';

it('a group attached to an iommufd with no device open breaks no invariant', () => {
  const host = new Host();
  host.bind('0000:06:00.0', 'vfio-pci');
  const p = host.spawn();
  const g = p.open('/dev/vfio/17');
  const ifd = p.open('/dev/iommu');
  p.ioctl(g, uapi.VFIO_GROUP_SET_CONTAINER, ifd);
  expect(iommuGroup(host, 17).owner).toBeNull();
  expect(checkInvariants(host).violations).toEqual([]);
});
