/**
 * Audit of the container and group ioctls against drivers/vfio/container.c, group.c and
 * vfio_iommu_type1.c: write-back sizes, by-value arguments, errno order (spec §1.6, §2, §4).
 */
import { describe, expect, it } from 'vitest';
import { Host, uapi } from '../../src/index.js';
import { EDU, EDU2, expectErrno, groupOf, machine, setup } from './helpers.js';
import { anonBuffer } from '../support/vfio.js';
import { lockedVm, pinnedFrames, vfioDevice } from '../support/kernel-state.js';

describe('VFIO_IOMMU_GET_INFO write-back (vfio_iommu_type1_get_info: minsz 16, capsz = offsetofend(cap_offset) = 20)', () => {
  it('argsz 20..23 gets cap_offset (0, chain not delivered); the pad is never written', () => {
    const { p, c } = setup();
    for (const argsz of [20, 23]) {
      const a: Record<string, unknown> = { argsz };
      p.ioctl(c, uapi.VFIO_IOMMU_GET_INFO, a);
      expect(a).toEqual({ argsz: 120, flags: 3, iova_pgsizes: 0x40201000n, cap_offset: 0 });
    }
    const b: Record<string, unknown> = { argsz: 19, cap_offset: 7 };
    p.ioctl(c, uapi.VFIO_IOMMU_GET_INFO, b);
    expect(b['cap_offset']).toBe(7);
    const full: Record<string, unknown> = { argsz: 120 };
    p.ioctl(c, uapi.VFIO_IOMMU_GET_INFO, full);
    expect(full['cap_offset']).toBe(24);
    expect('pad' in full).toBe(false);
  });

  it('a failed GET_INFO writes nothing back', () => {
    const { p, c } = setup();
    const a = { argsz: 15, flags: 9 };
    expectErrno(() => p.ioctl(c, uapi.VFIO_IOMMU_GET_INFO, a), 'EINVAL');
    expect(a).toEqual({ argsz: 15, flags: 9 });
  });
});

describe('by-value arguments are the whole unsigned long (vfio_container_ioctl_check_extension, vfio_ioctl_set_iommu)', () => {
  it('2^32 + 1 is not VFIO_TYPE1_IOMMU: CHECK_EXTENSION 0, SET_IOMMU ENODEV', () => {
    const { p, c } = setup({ type: null });
    expect(p.ioctl(c, uapi.VFIO_CHECK_EXTENSION, 0x1_0000_0001n)).toBe(0);
    expect(p.ioctl(c, uapi.VFIO_CHECK_EXTENSION, 1n)).toBe(1);
    expectErrno(() => p.ioctl(c, uapi.VFIO_SET_IOMMU, 0x1_0000_0003n), 'ENODEV');
    expectErrno(() => p.ioctl(c, uapi.VFIO_SET_IOMMU, -1), 'ENODEV');
    expect(p.ioctl(c, uapi.VFIO_SET_IOMMU, 3n)).toBe(0);
  });
});

describe('VFIO_GROUP_GET_DEVICE_FD name handling (strndup_user, vfio_device_get_from_name)', () => {
  it('the name ends at the first NUL, as C reads it; the 4096-byte limit counts up to that NUL', () => {
    const { p, g } = setup();
    const d = p.ioctl(g, uapi.VFIO_GROUP_GET_DEVICE_FD, `${EDU}\0trailing junk`);
    expect(d).toBeGreaterThan(0);
    expect(p.ioctl(g, uapi.VFIO_GROUP_GET_DEVICE_FD, `${EDU}\0${'x'.repeat(5000)}`)).toBeGreaterThan(0);
    expectErrno(() => p.ioctl(g, uapi.VFIO_GROUP_GET_DEVICE_FD, `${'x'.repeat(4096)}\0`), 'EINVAL');
    expect(p.ioctl(g, uapi.VFIO_GROUP_GET_DEVICE_FD, `${EDU}${' '.repeat(0)}`)).toBeGreaterThan(0);
  });

  it('a device whose unbind is waiting for its fds cannot be opened again (ENODEV)', () => {
    const s = setup();
    const d = s.p.ioctl(s.g, uapi.VFIO_GROUP_GET_DEVICE_FD, EDU);
    s.host.spawn().writeFile(`/sys/bus/pci/devices/${EDU}/driver/unbind`, EDU);
    expectErrno(() => s.p.ioctl(s.g, uapi.VFIO_GROUP_GET_DEVICE_FD, EDU), 'ENODEV');
    s.p.close(d);
    expectErrno(() => s.p.ioctl(s.g, uapi.VFIO_GROUP_GET_DEVICE_FD, EDU), 'ENODEV');
  });

  it('a failed GET_DEVICE_FD consumes no fd number and leaves open_count alone', () => {
    const { p, c, g } = setup({ type: null });
    expectErrno(() => p.ioctl(g, uapi.VFIO_GROUP_GET_DEVICE_FD, EDU), 'EINVAL');
    expect(vfioDevice(p, EDU)!.openCount).toBe(0);
    p.ioctl(c, uapi.VFIO_SET_IOMMU, uapi.VFIO_TYPE1v2_IOMMU);
    const next = p.open('/dev/vfio/vfio');
    p.close(next);
    expect(p.ioctl(g, uapi.VFIO_GROUP_GET_DEVICE_FD, EDU)).toBe(next);
  });

  it('an omitted name is EFAULT (strndup_user of NULL)', () => {
    const { p, g } = setup();
    expectErrno(() => p.ioctl(g, uapi.VFIO_GROUP_GET_DEVICE_FD), 'EFAULT');
  });
});

describe('VFIO_SET_IOMMU attaches the groups newest first (list_add in vfio_container_attach_group)', () => {
  it('with two failing groups the later-joined group decides the errno; the container stays C1', () => {
    const host = machine({
      fns: {
        [EDU]: { reservedRegions: [{ start: '0x0', end: '0xffffffffffff', type: 'reserved' }] },
        [EDU2]: { reservedRegions: [{ start: '0x40000000', end: '0x400fffff', type: 'direct' }] },
      },
    });
    const s = setup({ host, bdfs: [EDU, EDU2], type: null });
    const g2 = s.p.open(`/dev/vfio/${groupOf(host, EDU2)}`);
    s.p.ioctl(g2, uapi.VFIO_GROUP_SET_CONTAINER, s.c);
    expectErrno(() => s.p.ioctl(s.c, uapi.VFIO_SET_IOMMU, uapi.VFIO_TYPE1v2_IOMMU), 'EPERM');
    s.p.close(g2);
    expectErrno(() => s.p.ioctl(s.c, uapi.VFIO_SET_IOMMU, uapi.VFIO_TYPE1v2_IOMMU), 'EINVAL');
    expectErrno(() => s.p.ioctl(s.c, uapi.VFIO_IOMMU_GET_INFO, { argsz: 24 }), 'EINVAL');
  });
});

describe('MAP_DMA pinning: limit and fault are met page by page (vfio_pin_pages_remote)', () => {
  it('pages before an unmapped hole that already exceed RLIMIT_MEMLOCK make it ENOMEM; within the limit the hole is EFAULT', () => {
    const host = new Host();
    const small = host.spawn({ caps: [], rlimitMemlock: 0x1000n });
    const { p, c } = setup({ host, proc: small });
    const va = anonBuffer(p, 0x3000n);
    p.munmap(va + 0x2000n, 0x1000n);
    expectErrno(() => p.ioctl(c, uapi.VFIO_IOMMU_MAP_DMA, { argsz: 32, flags: 3, vaddr: va, iova: 0n, size: 0x3000n }), 'ENOMEM');
    expectErrno(() => p.ioctl(c, uapi.VFIO_IOMMU_MAP_DMA, { argsz: 32, flags: 3, vaddr: va + 0x1000n, iova: 0n, size: 0x2000n }), 'EFAULT');
    expect(lockedVm(p)).toBe(0n);
    expect(pinnedFrames(p)).toBe(0);
  });
});
