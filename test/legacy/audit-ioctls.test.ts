/**
 * Audit of the container and group ioctls against drivers/vfio/container.c, group.c and
 * vfio_iommu_type1.c: write-back sizes, by-value arguments, errno order (spec §1.6, §2, §4).
 */
import { describe, expect, it } from 'vitest';
import { uapi } from '../../src/index.js';
import { buffer, EDU, expectErrno, map, setup, type1Of } from './helpers.js';

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
