/**
 * A no-IOMMU group given an iommufd as its container (the compat no-IOMMU mode): group.c
 * vfio_group_ioctl_set_container() → vfio_compat.c iommufd_vfio_compat_set_no_iommu(), the
 * compat CHECK_EXTENSION / SET_IOMMU of that mode (iommufd_vfio_check_extension(),
 * iommufd_vfio_set_iommu()), and vfio_df_group_open()'s rule that the device opens only with
 * CAP_SYS_RAWIO and no compat IOAS, with no DEVICE object (vfio_df_iommufd_bind()).
 */
import { describe, expect, it } from 'vitest';
import { Host, uapi } from '../../src/index.js';
import { expectErrno, ioasAlloc } from './helpers.js';
import { shareFd } from '../support/kernel-state.js';
import { noIommuMachine } from '../support/vfio.js';

const EDU = '0000:00:03.0';
const machine = noIommuMachine();

function setup() {
  const host = new Host(machine);
  host.bind(EDU, 'vfio-pci');
  const p = host.spawn();
  const fd = p.open('/dev/iommu');
  const g = p.open(`/dev/vfio/${p.readdir('/dev/vfio').find((n) => n.startsWith('noiommu-'))!}`);
  return { host, p, fd, g };
}

function setVfioIoas(p: ReturnType<typeof setup>['p'], fd: number, ioas: number): void {
  p.ioctl(fd, uapi.IOMMU_VFIO_IOAS, { size: 12, ioas_id: ioas, op: uapi.IOMMU_VFIO_IOAS_SET });
}

describe('compat no-IOMMU mode on an iommufd', () => {
  it('SET_CONTAINER puts the context in no-IOMMU mode: type1 is gone, VFIO_NOIOMMU_IOMMU is the only type', () => {
    const { p, fd, g } = setup();
    expect(p.ioctl(fd, uapi.VFIO_CHECK_EXTENSION, uapi.VFIO_TYPE1v2_IOMMU)).toBe(1);
    p.ioctl(g, uapi.VFIO_GROUP_SET_CONTAINER, fd);
    for (const t of [uapi.VFIO_TYPE1_IOMMU, uapi.VFIO_TYPE1v2_IOMMU, uapi.VFIO_UNMAP_ALL]) expect(p.ioctl(fd, uapi.VFIO_CHECK_EXTENSION, t)).toBe(0);
    expect(p.ioctl(fd, uapi.VFIO_CHECK_EXTENSION, uapi.VFIO_NOIOMMU_IOMMU)).toBe(1);
    expectErrno(() => p.ioctl(fd, uapi.VFIO_SET_IOMMU, uapi.VFIO_TYPE1v2_IOMMU), 'EINVAL');
    expect(p.ioctl(fd, uapi.VFIO_SET_IOMMU, uapi.VFIO_NOIOMMU_IOMMU)).toBe(0);
  });

  it('SET_IOMMU(VFIO_NOIOMMU_IOMMU) needs CAP_SYS_RAWIO (EPERM)', () => {
    const { host, p, fd, g } = setup();
    p.ioctl(g, uapi.VFIO_GROUP_SET_CONTAINER, fd);
    const weak = host.spawn({ caps: ['CAP_DAC_OVERRIDE'] });
    const wfd = shareFd(p, fd, weak);
    expectErrno(() => weak.ioctl(wfd, uapi.VFIO_SET_IOMMU, uapi.VFIO_NOIOMMU_IOMMU), 'EPERM');
  });

  it('SET_CONTAINER is EINVAL when the iommufd already has a compat IOAS', () => {
    const { p, fd, g } = setup();
    setVfioIoas(p, fd, ioasAlloc(p, fd));
    expectErrno(() => p.ioctl(g, uapi.VFIO_GROUP_SET_CONTAINER, fd), 'EINVAL');
  });

  it('the device opens without a DEVICE object; a compat IOAS made afterwards makes the open EPERM', () => {
    const { p, fd, g } = setup();
    p.ioctl(g, uapi.VFIO_GROUP_SET_CONTAINER, fd);
    const d = p.ioctl(g, uapi.VFIO_GROUP_GET_DEVICE_FD, EDU);
    expect(d).toBeGreaterThan(2);
    expect(ioasAlloc(p, fd)).toBe(1); // id 1 was free: the open bound nothing
    p.close(d);
    setVfioIoas(p, fd, 1);
    expectErrno(() => p.ioctl(g, uapi.VFIO_GROUP_GET_DEVICE_FD, EDU), 'EPERM');
  });
});
