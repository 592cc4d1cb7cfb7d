/**
 * Audit of the first attach to an IOAS (device.c iommufd_device_auto_get_domain with
 * immediate_attach, hw_pagetable.c iommufd_hwpt_paging_alloc): the device is attached —
 * group check, its reserved regions — before iopt_table_add_domain() pins the mappings, so
 * when an attach would fail both ways the kernel reports EINVAL/EADDRINUSE, not EFAULT.
 * Also the ids a failed attach consumes (none) and the replace path's order.
 */
import { describe, expect, it } from 'vitest';
import { Host, uapi } from '../../src/index.js';
import { attach, boundDevice, cdevIndex, expectErrno, ioasAlloc, ioptOf, mapFixed, P, unmap, U64_MAX } from './helpers.js';
import { iommuGroup, pciDevices } from '../support/kernel-state.js';

const MSI = 0xfee00000n;
const BOGUS_VA = 0x5000000000n;

describe('first attach to an IOAS: which failure wins', () => {
  it('an unpinnable mapping inside the MSI window: EADDRINUSE (device regions), not EFAULT (pinning)', () => {
    const d = boundDevice();
    const ioas = ioasAlloc(d.p, d.fd);
    mapFixed(d.p, d.fd, ioas, BOGUS_VA, MSI, P);
    expectErrno(() => attach(d.p, d.dev, ioas), 'EADDRINUSE');
    expect(ioptOf(d.p, d.fd, ioas).domains.length).toBe(0);
    expect(ioptOf(d.p, d.fd, ioas).reserved.length).toBe(0);
    // the same mapping outside the window: now pinning is what fails
    unmap(d.p, d.fd, ioas, 0n, U64_MAX);
    mapFixed(d.p, d.fd, ioas, BOGUS_VA, 0x100000n, P);
    expectErrno(() => attach(d.p, d.dev, ioas), 'EFAULT');
    // a failed attach leaves no id behind: the next object gets the next free id
    expect(ioasAlloc(d.p, d.fd)).toBe(ioas + 1);
  });

  it('a group already attached elsewhere: EINVAL even when the new IOAS holds an unpinnable mapping', () => {
    const host = new Host();
    const bdfs = pciDevices(host).filter((x) => x.group !== null && x.group.devices.length > 1 && x.fn.headerType === 0).map((x) => x.bdf);
    const members = iommuGroup(host, bdfs[0]!).devices.map((x) => x.bdf);
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
    attach(p, devs[0]!, a1);
    mapFixed(p, fd, a2, BOGUS_VA, 0x100000n, P);
    expectErrno(() => attach(p, devs[1]!, a2), 'EINVAL');
    expect(ioptOf(p, fd, a2).domains.length).toBe(0);
  });

  it('a replace (second ATTACH) allocates the new domain first: there pinning (EFAULT) is what fails, the old attachment stays', () => {
    const d = boundDevice();
    const a1 = ioasAlloc(d.p, d.fd);
    const h1 = attach(d.p, d.dev, a1);
    const a2 = ioasAlloc(d.p, d.fd);
    mapFixed(d.p, d.fd, a2, BOGUS_VA, MSI, P);
    expectErrno(() => attach(d.p, d.dev, a2), 'EFAULT');
    expect(ioptOf(d.p, d.fd, a1).domains.length).toBe(1);
    expect(ioptOf(d.p, d.fd, a2).domains.length).toBe(0);
    expect(attach(d.p, d.dev, a1)).toBe(h1);
  });
});
