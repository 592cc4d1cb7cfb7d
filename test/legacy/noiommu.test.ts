import { describe, expect, it } from 'vitest';
import { Host, uapi } from '../../src/index.js';
import { expectErrno } from './helpers.js';
import { shareFd } from '../support/kernel-state.js';
import { noIommuMachine as noIommuMachineOf } from '../support/vfio.js';

const noIommuMachine = noIommuMachineOf();

describe('no-IOMMU mode', () => {
  it('needs CAP_SYS_RAWIO, answers only VFIO_NOIOMMU_IOMMU, refuses type1 and every IOMMU ioctl', () => {
    const host = new Host(noIommuMachine);
    host.bind('0000:00:03.0', 'vfio-pci');
    const root = host.spawn();
    const nodes = root.readdir('/dev/vfio');
    const node = nodes.find((n) => n.startsWith('noiommu-'))!;
    expect(node).toBeDefined();
    const weak = host.spawn({ caps: [] });
    expectErrno(() => weak.open(`/dev/vfio/${node}`), 'EPERM');
    const c = root.open('/dev/vfio/vfio');
    expect(root.ioctl(c, uapi.VFIO_CHECK_EXTENSION, uapi.VFIO_NOIOMMU_IOMMU)).toBe(1);
    expect(root.ioctl(c, uapi.VFIO_CHECK_EXTENSION, uapi.VFIO_TYPE1v2_IOMMU)).toBe(1);
    const g = root.open(`/dev/vfio/${node}`);
    const st = { argsz: 8, flags: 0 };
    root.ioctl(g, uapi.VFIO_GROUP_GET_STATUS, st);
    expect(st.flags).toBe(uapi.VFIO_GROUP_FLAGS_VIABLE);
    root.ioctl(g, uapi.VFIO_GROUP_SET_CONTAINER, c);
    expect(root.ioctl(c, uapi.VFIO_CHECK_EXTENSION, uapi.VFIO_TYPE1v2_IOMMU)).toBe(0);
    expectErrno(() => root.ioctl(c, uapi.VFIO_SET_IOMMU, uapi.VFIO_TYPE1v2_IOMMU), 'ENODEV');
    root.ioctl(c, uapi.VFIO_SET_IOMMU, uapi.VFIO_NOIOMMU_IOMMU);
    expect(root.ioctl(c, uapi.VFIO_CHECK_EXTENSION, uapi.VFIO_NOIOMMU_IOMMU)).toBe(1);
    expect(root.ioctl(c, uapi.VFIO_CHECK_EXTENSION, uapi.VFIO_TYPE1_IOMMU)).toBe(0);
    for (const r of [uapi.VFIO_IOMMU_GET_INFO, uapi.VFIO_IOMMU_MAP_DMA, uapi.VFIO_IOMMU_UNMAP_DMA, uapi.VFIO_IOMMU_DIRTY_PAGES]) {
      expectErrno(() => root.ioctl(c, r, { argsz: 32 }), 'ENOTTY');
    }
    const d = root.ioctl(g, uapi.VFIO_GROUP_GET_DEVICE_FD, '0000:00:03.0');
    expect(d).toBeGreaterThan(0);
    root.writeFile('/sys/module/vfio/parameters/enable_unsafe_noiommu_mode', 'N');
    expect(root.ioctl(c, uapi.VFIO_CHECK_EXTENSION, uapi.VFIO_NOIOMMU_IOMMU)).toBe(0);
  });

  it('without CAP_SYS_RAWIO: SET_CONTAINER and SET_IOMMU are EPERM; with the mode off nothing is advertised', () => {
    const host = new Host(noIommuMachine);
    host.bind('0000:00:03.0', 'vfio-pci');
    const root = host.spawn();
    const node = root.readdir('/dev/vfio').find((n) => n.startsWith('noiommu-'))!;
    const g = root.open(`/dev/vfio/${node}`);
    const rawless = host.spawn({ caps: ['CAP_DAC_OVERRIDE'] });
    const c = rawless.open('/dev/vfio/vfio');
    // hand the group fd's container question to the unprivileged task through its own fd table
    const g2 = shareFd(root, g, rawless);
    expectErrno(() => rawless.ioctl(g2, uapi.VFIO_GROUP_SET_CONTAINER, c), 'EPERM');
    const c2 = root.open('/dev/vfio/vfio');
    root.ioctl(g, uapi.VFIO_GROUP_SET_CONTAINER, c2);
    const c3 = shareFd(root, c2, rawless);
    expectErrno(() => rawless.ioctl(c3, uapi.VFIO_SET_IOMMU, uapi.VFIO_NOIOMMU_IOMMU), 'EPERM');
    const off = new Host({ ...noIommuMachine, kernel: { params: {} } });
    const p = off.spawn();
    expect(p.ioctl(p.open('/dev/vfio/vfio'), uapi.VFIO_CHECK_EXTENSION, uapi.VFIO_NOIOMMU_IOMMU)).toBe(0);
  });
});
