/**
 * Audit of lifetimes and the remaining §1.6 rows: every close order of device, group and
 * container ends in the same state (spec §1.7), and errno rows no other test pins.
 */
import { describe, expect, it } from 'vitest';
import { Host, uapi } from '../../src/index.js';
import type { VfioContainer } from '../../src/kernel/vfio/container.js';
import { EDU, expectErrno, map, setup } from './helpers.js';
import { anonBuffer, noIommuMachine } from '../support/vfio.js';
import { iommuGroup, lockedVm, openFile, pinnedFrames, shareFd, vfioDevice } from '../support/kernel-state.js';

const ORDERS = [
  ['d', 'g', 'c'],
  ['d', 'c', 'g'],
  ['g', 'd', 'c'],
  ['g', 'c', 'd'],
  ['c', 'g', 'd'],
  ['c', 'd', 'g'],
] as const;

describe('every close order of device, group and container leaves nothing behind (§1.7)', () => {
  for (const order of ORDERS) {
    it(order.join(' → '), () => {
      const s = setup();
      const va = anonBuffer(s.p, 0x2000n);
      map(s.p, s.c, va, 0x1000n, 0x2000n);
      const d = s.p.ioctl(s.g, uapi.VFIO_GROUP_GET_DEVICE_FD, EDU);
      const container = openFile(s.p, s.c)!.priv as VfioContainer;
      const fds = { d, g: s.g, c: s.c };
      const hw = s.host.iommu!;
      for (const [i, k] of order.entries()) {
        s.p.close(fds[k]);
        // the mapping lives exactly while the device or the group fd still holds the group file
        const groupHeld = order.slice(i + 1).some((x) => x === 'd' || x === 'g');
        expect(hw.dmaRead(0x0600, 0x1000n, 1).ok).toBe(groupHeld);
        expect(lockedVm(s.p)).toBe(groupHeld ? 2n : 0n);
      }
      expect(container.freed).toBe(true);
      expect(iommuGroup(s.host, s.group).ownerCount).toBe(0);
      expect(pinnedFrames(s.p)).toBe(0);
      expect(hw.domainsList().filter((x) => x.type === 'unmanaged').length).toBe(0);
      expect(s.p.open(`/dev/vfio/${s.group}`)).toBeGreaterThanOrEqual(0);
    });
  }

  it('container → group (no device): the group close detaches and frees the container', () => {
    const s = setup();
    const container = openFile(s.p, s.c)!.priv as VfioContainer;
    s.p.close(s.c);
    expect(container.freed).toBe(false);
    s.p.close(s.g);
    expect(container.freed).toBe(true);
  });
});

describe('§1.6 rows pinned here', () => {
  it('SET_CONTAINER: omitted arg EFAULT before EBADF; a group whose IOMMU group is gone ENODEV', () => {
    const s = setup({ attach: false });
    expectErrno(() => s.p.ioctl(s.g, uapi.VFIO_GROUP_SET_CONTAINER), 'EFAULT');
    s.host.bind(EDU, null);
    expectErrno(() => s.p.ioctl(s.g, uapi.VFIO_GROUP_SET_CONTAINER, 99), 'EBADF');
    expectErrno(() => s.p.ioctl(s.g, uapi.VFIO_GROUP_SET_CONTAINER, s.c), 'ENODEV');
    expectErrno(() => s.p.ioctl(s.g, uapi.VFIO_GROUP_UNSET_CONTAINER), 'EINVAL');
  });

  it('a group request on a container fd is EINVAL in C0 and C1 (no backend), ENOTTY once type1 answers', () => {
    const s = setup({ attach: false });
    expectErrno(() => s.p.ioctl(s.c, uapi.VFIO_GROUP_GET_STATUS, { argsz: 8 }), 'EINVAL');
    s.p.ioctl(s.g, uapi.VFIO_GROUP_SET_CONTAINER, s.c);
    expectErrno(() => s.p.ioctl(s.c, uapi.VFIO_GROUP_UNSET_CONTAINER), 'EINVAL');
    s.p.ioctl(s.c, uapi.VFIO_SET_IOMMU, uapi.VFIO_TYPE1_IOMMU);
    expectErrno(() => s.p.ioctl(s.c, uapi.VFIO_GROUP_UNSET_CONTAINER), 'ENOTTY');
    expectErrno(() => s.p.ioctl(s.c, uapi.VFIO_IOMMU_DISABLE), 'ENOTTY');
  });

  it('dma_entry_limit is read when SET_IOMMU creates the instance, not later', () => {
    const s = setup({ type: null });
    s.p.writeFile('/sys/module/vfio_iommu_type1/parameters/dma_entry_limit', '1');
    s.p.ioctl(s.c, uapi.VFIO_SET_IOMMU, uapi.VFIO_TYPE1v2_IOMMU);
    s.p.writeFile('/sys/module/vfio_iommu_type1/parameters/dma_entry_limit', '65535');
    const va = anonBuffer(s.p, 0x2000n);
    map(s.p, s.c, va, 0n, 0x1000n);
    expectErrno(() => map(s.p, s.c, va, 0x1000n, 0x1000n), 'ENOSPC');
    const a: Record<string, unknown> = { argsz: 256 };
    s.p.ioctl(s.c, uapi.VFIO_IOMMU_GET_INFO, a);
    expect((a['caps'] as Array<Record<string, unknown>>)[1]!['avail']).toBe(0);
  });
});

describe('no-IOMMU: the first device open needs CAP_SYS_RAWIO too (vfio_group_use_container)', () => {
  it('GET_DEVICE_FD through a handed-over group fd is EPERM without it, and counts nothing', () => {
    const host = new Host(noIommuMachine());
    host.bind('0000:00:03.0', 'vfio-pci');
    const root = host.spawn();
    const node = root.readdir('/dev/vfio').find((n) => n.startsWith('noiommu-'))!;
    const g = root.open(`/dev/vfio/${node}`);
    const c = root.open('/dev/vfio/vfio');
    root.ioctl(g, uapi.VFIO_GROUP_SET_CONTAINER, c);
    root.ioctl(c, uapi.VFIO_SET_IOMMU, uapi.VFIO_NOIOMMU_IOMMU);
    const weak = host.spawn({ caps: ['CAP_DAC_OVERRIDE'] });
    const wg = shareFd(root, g, weak);
    expectErrno(() => weak.ioctl(wg, uapi.VFIO_GROUP_GET_DEVICE_FD, '0000:00:03.0'), 'EPERM');
    expect(vfioDevice(host, '0000:00:03.0')!.openCount).toBe(0);
    expect(root.ioctl(g, uapi.VFIO_GROUP_GET_DEVICE_FD, '0000:00:03.0')).toBeGreaterThan(0);
  });
});
