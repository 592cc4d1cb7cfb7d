/**
 * A legacy group given an iommufd as its container (drivers/vfio/group.c,
 * vfio_group_ioctl_set_container with CONFIG_IOMMUFD): the device binds to the iommufd on
 * first open and DMA goes through the compat IOAS the type1-style ioctls on /dev/iommu fill.
 */
import { describe, expect, it } from 'vitest';
import { Host, uapi } from '../../src/index.js';
import { errnoOf } from '../support/errno.js';
import { anonBuffer } from '../support/vfio.js';
import { iommuGroup } from '../support/kernel-state.js';

const EDU = '0000:06:00.0';
const RID = 0x0600;

function world() {
  const host = new Host();
  host.bind(EDU, 'vfio-pci');
  const p = host.spawn();
  const group = Number(p.readlink(`/sys/bus/pci/devices/${EDU}/iommu_group`).split('/').pop());
  const g = p.open(`/dev/vfio/${group}`);
  const ifd = p.open('/dev/iommu');
  return { host, p, g, ifd };
}

describe('VFIO_GROUP_SET_CONTAINER with an iommufd', () => {
  it('attaches the group, reports CONTAINER_SET, and DMA follows the compat mappings', () => {
    const { host, p, g, ifd } = world();
    expect(p.ioctl(g, uapi.VFIO_GROUP_SET_CONTAINER, ifd)).toBe(0);
    const st = { argsz: 8, flags: 0 };
    p.ioctl(g, uapi.VFIO_GROUP_GET_STATUS, st);
    expect(st.flags).toBe(uapi.VFIO_GROUP_FLAGS_VIABLE | uapi.VFIO_GROUP_FLAGS_CONTAINER_SET);
    // a second SET_CONTAINER is EINVAL, as with a container
    expect(errnoOf(() => p.ioctl(g, uapi.VFIO_GROUP_SET_CONTAINER, ifd))).toBe('EINVAL');

    const dev = p.ioctl(g, uapi.VFIO_GROUP_GET_DEVICE_FD, EDU);
    const buf = anonBuffer(p, 0x1000n);
    p.write32(buf, 0xcafef00d);
    p.ioctl(ifd, uapi.VFIO_IOMMU_MAP_DMA, {
      argsz: 32,
      flags: uapi.VFIO_DMA_MAP_FLAG_READ | uapi.VFIO_DMA_MAP_FLAG_WRITE,
      vaddr: buf,
      iova: 0x100000n,
      size: 0x1000n,
    });
    const r = host.iommu!.dmaRead(RID, 0x100000n, 4);
    expect(r.ok).toBe(true);
    expect(r.ok && [...r.data!]).toEqual([0x0d, 0xf0, 0xfe, 0xca]);

    p.ioctl(ifd, uapi.VFIO_IOMMU_UNMAP_DMA, { argsz: 32, flags: 0, iova: 0x100000n, size: 0x1000n });
    expect(host.iommu!.dmaRead(RID, 0x100000n, 4).ok).toBe(false);

    // closing the device unbinds it from the iommufd; the group can then be unset
    p.close(dev);
    expect(p.ioctl(g, uapi.VFIO_GROUP_UNSET_CONTAINER)).toBe(0);
    p.ioctl(g, uapi.VFIO_GROUP_GET_STATUS, st);
    expect(st.flags).toBe(uapi.VFIO_GROUP_FLAGS_VIABLE);
  });

  it('an fd that is neither a container nor an iommufd is EBADFD', () => {
    const { p, g } = world();
    const efd = p.eventfd();
    expect(errnoOf(() => p.ioctl(g, uapi.VFIO_GROUP_SET_CONTAINER, efd))).toBe('EBADFD');
  });

  it('closing the iommufd fd first keeps the group attached until the group lets go', () => {
    const { host, p, g, ifd } = world();
    p.ioctl(g, uapi.VFIO_GROUP_SET_CONTAINER, ifd);
    const dev = p.ioctl(g, uapi.VFIO_GROUP_GET_DEVICE_FD, EDU);
    p.close(ifd);
    const st = { argsz: 8, flags: 0 };
    p.ioctl(g, uapi.VFIO_GROUP_GET_STATUS, st);
    expect(st.flags & uapi.VFIO_GROUP_FLAGS_CONTAINER_SET).toBeTruthy();
    p.close(dev);
    p.close(g);
    host.bind(EDU, null);
    expect(iommuGroup(host, 17).ownerCount).toBe(0);
  });
});
