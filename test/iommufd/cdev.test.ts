/** Device cdevs: BIND / ATTACH / DETACH, what an unbound cdev refuses, group vs cdev exclusion, replace. */
import { describe, expect, it } from 'vitest';
import { Host, uapi } from '../../src/index.js';
import { attach, boundDevice, cdevIndex, destroy, EDU, EDU2, expectErrno, ioasAlloc, ioptOf, mapFixed, P, ranges, U64_MAX } from './helpers.js';
import { iommuGroupOf } from '../support/sysfs.js';
import { anonBuffer, attachContainer } from '../support/vfio.js';
import { iommuGroup, pciDevices, pinnedVm } from '../support/kernel-state.js';

function openCdev(host: Host, bdf = EDU) {
  host.bind(bdf, 'vfio-pci');
  const p = host.spawn();
  const dev = p.open(`/dev/vfio/devices/vfio${cdevIndex(p, bdf)}`);
  return { p, dev };
}

describe('cdev before BIND', () => {
  it('every ioctl but BIND, and pread/pwrite/mmap, are EINVAL', () => {
    const host = new Host();
    const { p, dev } = openCdev(host);
    expectErrno(() => p.ioctl(dev, uapi.VFIO_DEVICE_GET_INFO, { argsz: 24 }), 'EINVAL');
    expectErrno(() => p.ioctl(dev, uapi.VFIO_DEVICE_ATTACH_IOMMUFD_PT, { argsz: 16, pt_id: 1 }), 'EINVAL');
    expectErrno(() => p.ioctl(dev, uapi.VFIO_DEVICE_DETACH_IOMMUFD_PT, { argsz: 12 }), 'EINVAL');
    expectErrno(() => p.pread(dev, 4, 0n), 'EINVAL');
    expectErrno(() => p.mmap(0n, 0x1000n, uapi.PROT_READ, uapi.MAP_SHARED, dev, 0n), 'EINVAL');
  });

  it('/dev/iommu and the cdev have Linux modes', () => {
    const host = new Host();
    host.bind(EDU, 'vfio-pci');
    const user = host.spawn({ uid: 1000, gid: 1000 });
    expectErrno(() => user.open('/dev/iommu'), 'EACCES');
    expectErrno(() => user.open(`/dev/vfio/devices/vfio${cdevIndex(user, EDU)}`), 'EACCES');
  });
});

describe('VFIO_DEVICE_BIND_IOMMUFD', () => {
  it('argument checks in kernel order; older 16-byte struct accepted; trailing bytes E2BIG', () => {
    const host = new Host();
    const { p, dev } = openCdev(host);
    const fd = p.open('/dev/iommu');
    const bind = (o: Record<string, unknown>): number => p.ioctl(dev, uapi.VFIO_DEVICE_BIND_IOMMUFD, { argsz: 24, flags: 0, iommufd: fd, ...o });
    expectErrno(() => p.ioctl(dev, uapi.VFIO_DEVICE_BIND_IOMMUFD), 'EFAULT');
    expectErrno(() => bind({ argsz: 15 }), 'EINVAL');
    expectErrno(() => bind({ argsz: 32, __trailing: [0, 1] }), 'E2BIG');
    expectErrno(() => bind({ iommufd: -1 }), 'EINVAL');
    expectErrno(() => bind({ flags: 2 }), 'EINVAL');
    // a readable token for a function that is neither PF nor VF (without token_uuid_ptr it is EFAULT first: vfio_df_check_token)
    expectErrno(() => bind({ flags: uapi.VFIO_DEVICE_BIND_FLAG_TOKEN, token_uuid_ptr: new Uint8Array(16) }), 'EINVAL');
    expectErrno(() => bind({ iommufd: 77 }), 'EBADF');
    const ev = p.eventfd();
    expectErrno(() => bind({ iommufd: ev }), 'EBADFD');
    const a = { argsz: 16, flags: 0, iommufd: fd, out_devid: 0 };
    p.ioctl(dev, uapi.VFIO_DEVICE_BIND_IOMMUFD, a);
    expect(a.out_devid).toBe(1);
    expectErrno(() => bind({}), 'EINVAL');
    // bound: the device ioctls work now
    const info = { argsz: 24, flags: 0, num_regions: 0, num_irqs: 0 };
    p.ioctl(dev, uapi.VFIO_DEVICE_GET_INFO, info);
    expect(info.num_regions).toBeGreaterThan(0);
  });

  it('only one fd per device is bound; a closed cdev frees the binding (and the DEVICE id)', () => {
    const d = boundDevice();
    const dev2 = d.p.open(`/dev/vfio/devices/vfio${cdevIndex(d.p, EDU)}`);
    expectErrno(() => d.p.ioctl(dev2, uapi.VFIO_DEVICE_BIND_IOMMUFD, { argsz: 24, iommufd: d.fd }), 'EINVAL');
    d.p.close(d.dev);
    const b = { argsz: 24, flags: 0, iommufd: d.fd, out_devid: 0 };
    d.p.ioctl(dev2, uapi.VFIO_DEVICE_BIND_IOMMUFD, b);
    expect(b.out_devid).toBe(1);
  });

  it('a sibling owned by another iommufd, or by a kernel driver, is EPERM (iommu_device_claim_dma_owner)', () => {
    const host = new Host();
    const multi = pciDevices(host).find((x) => x.group !== null && x.group.devices.length > 1 && x.fn.headerType === 0)!;
    const members = multi.group!.devices.map((x) => x.bdf);
    host.bind(members[0]!, 'vfio-pci');
    const p = host.spawn();
    const f1 = p.open('/dev/iommu');
    const f2 = p.open('/dev/iommu');
    const a = p.open(`/dev/vfio/devices/vfio${cdevIndex(p, members[0]!)}`);
    // the sibling is still on its host driver (or none): a kernel driver that uses the DMA API refuses
    expect(multi.group!.kernelDriverBound).toBe(true);
    expectErrno(() => p.ioctl(a, uapi.VFIO_DEVICE_BIND_IOMMUFD, { argsz: 24, iommufd: f1 }), 'EPERM');
    for (const m of members.slice(1)) host.bind(m, 'vfio-pci');
    p.ioctl(a, uapi.VFIO_DEVICE_BIND_IOMMUFD, { argsz: 24, iommufd: f1 });
    const b = p.open(`/dev/vfio/devices/vfio${cdevIndex(p, members[1]!)}`);
    expectErrno(() => p.ioctl(b, uapi.VFIO_DEVICE_BIND_IOMMUFD, { argsz: 24, iommufd: f2 }), 'EPERM');
    p.ioctl(b, uapi.VFIO_DEVICE_BIND_IOMMUFD, { argsz: 24, iommufd: f1 });
  });

  it('group node and cdev exclude each other: EBUSY both ways, keyed on bind', () => {
    const host = new Host();
    host.bind(EDU, 'vfio-pci');
    const p = host.spawn();
    const g = iommuGroupOf(p, EDU);
    const fd = p.open('/dev/iommu');
    const dev = p.open(`/dev/vfio/devices/vfio${cdevIndex(p, EDU)}`);
    const grp = p.open(`/dev/vfio/${g}`); // an open cdev alone does not block the group
    expectErrno(() => p.ioctl(dev, uapi.VFIO_DEVICE_BIND_IOMMUFD, { argsz: 24, iommufd: fd }), 'EBUSY');
    p.close(grp);
    p.ioctl(dev, uapi.VFIO_DEVICE_BIND_IOMMUFD, { argsz: 24, iommufd: fd });
    expectErrno(() => p.open(`/dev/vfio/${g}`), 'EBUSY');
    p.close(dev);
    p.close(p.open(`/dev/vfio/${g}`));
  });

  it('BIND on a device fd obtained from a group is EINVAL; ATTACH there falls through to the driver (ENOTTY)', () => {
    const host = new Host();
    host.bind(EDU, 'vfio-pci');
    const p = host.spawn();
    const c = p.open('/dev/vfio/vfio');
    const g = p.open(`/dev/vfio/${iommuGroupOf(p, EDU)}`);
    attachContainer(p, g, c);
    const dev = p.ioctl(g, uapi.VFIO_GROUP_GET_DEVICE_FD, EDU);
    const fd = p.open('/dev/iommu');
    expectErrno(() => p.ioctl(dev, uapi.VFIO_DEVICE_BIND_IOMMUFD, { argsz: 24, iommufd: fd }), 'EINVAL');
    expectErrno(() => p.ioctl(dev, uapi.VFIO_DEVICE_ATTACH_IOMMUFD_PT, { argsz: 16, pt_id: 1 }), 'ENOTTY');
    // and the cdev of a device whose group is open is refused at BIND
    const cd = p.open(`/dev/vfio/devices/vfio${cdevIndex(p, EDU)}`);
    expectErrno(() => p.ioctl(cd, uapi.VFIO_DEVICE_BIND_IOMMUFD, { argsz: 24, iommufd: fd }), 'EBUSY');
  });

  it('closing the iommufd first does not unbind: the device keeps the context alive', () => {
    const d = boundDevice();
    const ioas = ioasAlloc(d.p, d.fd);
    attach(d.p, d.dev, ioas);
    mapFixed(d.p, d.fd, ioas, anonBuffer(d.p, P), 0x1000n, P);
    d.p.close(d.fd);
    const rid = iommuGroup(d.host, EDU).rids[0]!;
    expect(d.host.iommu!.dmaRead(rid, 0x1000n, 4).ok).toBe(true);
    // DETACH still works on the live context, and blocks DMA
    d.p.ioctl(d.dev, uapi.VFIO_DEVICE_DETACH_IOMMUFD_PT, { argsz: 8, flags: 0 });
    expect(d.host.iommu!.dmaRead(rid, 0x1000n, 4).ok).toBe(false);
    // the last reference goes with the cdev: everything is torn down and unpinned
    d.p.close(d.dev);
    expect(pinnedVm(d.p)).toBe(0n);
    expect(iommuGroup(d.host, EDU).owner).toBeNull();
  });
});

describe('VFIO_DEVICE_ATTACH_IOMMUFD_PT / DETACH', () => {
  it('argsz, flags and pt_id checks; the auto HWPT id is written back', () => {
    const d = boundDevice();
    const ioas = ioasAlloc(d.p, d.fd);
    const at = (o: Record<string, unknown>): number => d.p.ioctl(d.dev, uapi.VFIO_DEVICE_ATTACH_IOMMUFD_PT, { argsz: 12, flags: 0, pt_id: ioas, ...o });
    expectErrno(() => at({ argsz: 11 }), 'EINVAL');
    expectErrno(() => at({ flags: 2 }), 'EINVAL');
    expectErrno(() => at({ flags: uapi.VFIO_DEVICE_ATTACH_PASID }), 'EINVAL');
    expectErrno(() => at({ pt_id: 0 }), 'ENOENT');
    expectErrno(() => at({ pt_id: d.devId }), 'EINVAL');
    const a = { argsz: 12, flags: 0, pt_id: ioas };
    d.p.ioctl(d.dev, uapi.VFIO_DEVICE_ATTACH_IOMMUFD_PT, a);
    expect(a.pt_id).toBe(3);
    const det = (o: Record<string, unknown>): number => d.p.ioctl(d.dev, uapi.VFIO_DEVICE_DETACH_IOMMUFD_PT, { argsz: 8, flags: 0, ...o });
    expectErrno(() => det({ argsz: 7 }), 'EINVAL');
    expectErrno(() => det({ flags: 2 }), 'EINVAL');
    det({});
    det({}); // not attached: still success
  });

  it('the IOAS ranges narrow while a device is attached and widen at detach; mappings are kept', () => {
    const d = boundDevice();
    const ioas = ioasAlloc(d.p, d.fd);
    mapFixed(d.p, d.fd, ioas, anonBuffer(d.p, P), 0x100000n, P);
    expect(ranges(d.p, d.fd, ioas).ranges.length).toBe(1);
    attach(d.p, d.dev, ioas);
    expect(ranges(d.p, d.fd, ioas).ranges.length).toBe(2);
    d.p.ioctl(d.dev, uapi.VFIO_DEVICE_DETACH_IOMMUFD_PT, { argsz: 8 });
    expect(ranges(d.p, d.fd, ioas)).toEqual({ ranges: [{ start: 0n, last: U64_MAX }], align: 1n });
    expect(ioptOf(d.p, d.fd, ioas).areas.size).toBe(1);
  });

  it('a second ATTACH replaces: to a new IOAS, the old auto HWPT is freed (ENOENT to go back)', () => {
    const d = boundDevice();
    const a1 = ioasAlloc(d.p, d.fd);
    const a2 = ioasAlloc(d.p, d.fd);
    const h1 = attach(d.p, d.dev, a1);
    expect(attach(d.p, d.dev, h1)).toBe(h1);
    const h2 = attach(d.p, d.dev, a2);
    expect(h2).not.toBe(h1);
    expectErrno(() => attach(d.p, d.dev, h1), 'ENOENT');
    destroy(d.p, d.fd, a1);
  });

  it('a manual HWPT keeps its IOAS busy and is never picked automatically; replace onto it then DESTROY is EBUSY', () => {
    const d = boundDevice();
    const ioas = ioasAlloc(d.p, d.fd);
    const h = { size: 48, flags: 0, dev_id: d.devId, pt_id: ioas, out_hwpt_id: 0 };
    d.p.ioctl(d.fd, uapi.IOMMU_HWPT_ALLOC, h);
    expectErrno(() => destroy(d.p, d.fd, ioas), 'EBUSY');
    // the manual HWPT narrows the IOAS at once
    expect(ranges(d.p, d.fd, ioas).align).toBe(P);
    const auto = attach(d.p, d.dev, ioas);
    expect(auto).not.toBe(h.out_hwpt_id);
    attach(d.p, d.dev, h.out_hwpt_id);
    expectErrno(() => destroy(d.p, d.fd, h.out_hwpt_id), 'EBUSY');
    expectErrno(() => destroy(d.p, d.fd, auto), 'ENOENT');
    d.p.ioctl(d.dev, uapi.VFIO_DEVICE_DETACH_IOMMUFD_PT, { argsz: 8 });
    destroy(d.p, d.fd, h.out_hwpt_id);
    destroy(d.p, d.fd, ioas);
  });

  it('a group attaches as a whole: a second device of the group cannot attach elsewhere (EINVAL)', () => {
    const host = new Host();
    const bdfs = pciDevices(host).filter((x) => x.group !== null && x.group.devices.length > 1 && x.fn.headerType === 0).map((x) => x.bdf);
    const g = iommuGroup(host, bdfs[0]!);
    const members = g.devices.map((x) => x.bdf);
    for (const m of members) host.bind(m, 'vfio-pci');
    const p = host.spawn();
    const fd = p.open('/dev/iommu');
    const devs = members.slice(0, 2).map((m) => {
      const dv = p.open(`/dev/vfio/devices/vfio${cdevIndex(p, m)}`);
      p.ioctl(dv, uapi.VFIO_DEVICE_BIND_IOMMUFD, { argsz: 24, iommufd: fd });
      return dv;
    });
    const a1 = ioasAlloc(p, fd);
    const a2 = ioasAlloc(p, fd);
    const h = attach(p, devs[0]!, a1);
    expectErrno(() => attach(p, devs[1]!, a2), 'EINVAL');
    expect(attach(p, devs[1]!, a1)).toBe(h);
  });
});
