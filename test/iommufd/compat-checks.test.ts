/**
 * Audit of the legacy container emulation (drivers/iommu/iommufd/vfio_compat.c) and of the
 * non-atomic unmap (io_pagetable.c iopt_unmap_iova_range).
 */
import { describe, expect, it } from 'vitest';
import { uapi } from '../../src/index.js';
import { attach, boundDevice, expectErrno, ioasAlloc, mapFixed, P, unmap } from './helpers.js';
import { anonBuffer } from '../support/vfio.js';

function compat(type: number) {
  const d = boundDevice();
  const ioas = ioasAlloc(d.p, d.fd);
  attach(d.p, d.dev, ioas);
  d.p.ioctl(d.fd, uapi.IOMMU_VFIO_IOAS, { size: 12, ioas_id: ioas, op: uapi.IOMMU_VFIO_IOAS_SET });
  d.p.ioctl(d.fd, uapi.VFIO_SET_IOMMU, type);
  return { ...d, ioas };
}

describe('VFIO_IOMMU_GET_INFO, every argsz from 24 to the full size (iommufd_vfio_iommu_get_info)', () => {
  it('DMA_AVAIL is written once its 12 bytes fit; its next link once the next cap starts inside argsz; IOVA_RANGE only whole', () => {
    const c = compat(uapi.VFIO_TYPE1v2_IOMMU);
    const probe: Record<string, unknown> = { argsz: 24 };
    c.p.ioctl(c.fd, uapi.VFIO_IOMMU_GET_INFO, probe);
    const need = probe.argsz as number;
    const dmaAvail = { id: uapi.VFIO_IOMMU_TYPE1_INFO_DMA_AVAIL, version: 1, next: 0, avail: 0xffffffff };
    for (let argsz = 24; argsz <= need; argsz++) {
      const a: Record<string, unknown> = { argsz };
      c.p.ioctl(c.fd, uapi.VFIO_IOMMU_GET_INFO, a);
      expect(a.argsz, `argsz ${argsz}`).toBe(need);
      const caps = a.caps as Array<Record<string, unknown>> | undefined;
      if (argsz < 24 + 12) expect(caps, `argsz ${argsz}`).toBeUndefined();
      else if (argsz < 40) expect(caps, `argsz ${argsz}`).toEqual([dmaAvail]);
      else if (argsz < need) expect(caps, `argsz ${argsz}`).toEqual([{ ...dmaAvail, next: 40 }]);
      else expect(caps!.length).toBe(2);
      expect(a.cap_offset, `argsz ${argsz}`).toBe(argsz >= need ? 24 : 0);
    }
  });
});

describe('VFIO_IOMMU_UNMAP_DMA', () => {
  it('v1: a cut one byte into a mapping is skipped by iopt_area_split, so the unmap is ENOENT (size 0), not EINVAL', () => {
    const c = compat(uapi.VFIO_TYPE1_IOMMU);
    const va = anonBuffer(c.p, 0x10000n);
    c.p.ioctl(c.fd, uapi.VFIO_IOMMU_MAP_DMA, { argsz: 32, flags: 3, vaddr: va, iova: 0x400000n, size: 0x10000n });
    const u = { argsz: 24, flags: 0, iova: 0x400001n, size: 0x3fffn };
    expectErrno(() => c.p.ioctl(c.fd, uapi.VFIO_IOMMU_UNMAP_DMA, u), 'ENOENT');
    expect(u.size).toBe(0n);
    // the end cut (at 0x404000) was made before the unmap failed and stays
    const head = { argsz: 24, flags: 0, iova: 0x400000n, size: 0x4000n };
    c.p.ioctl(c.fd, uapi.VFIO_IOMMU_UNMAP_DMA, head);
    expect(head.size).toBe(0x4000n);
    // a cut two bytes in is a real split point and is refused as misaligned
    const two = { argsz: 24, flags: 0, iova: 0x404002n, size: 0x1ffen };
    expectErrno(() => c.p.ioctl(c.fd, uapi.VFIO_IOMMU_UNMAP_DMA, two), 'EINVAL');
    expect(two.size).toBe(0x1ffen);
  });

  it('v2: areas removed before a partly covered one stay removed, and size reports them with the ENOENT', () => {
    const c = compat(uapi.VFIO_TYPE1v2_IOMMU);
    const va = anonBuffer(c.p, 4n * P);
    c.p.ioctl(c.fd, uapi.VFIO_IOMMU_MAP_DMA, { argsz: 32, flags: 3, vaddr: va, iova: 0x100000n, size: P });
    c.p.ioctl(c.fd, uapi.VFIO_IOMMU_MAP_DMA, { argsz: 32, flags: 3, vaddr: va, iova: 0x200000n, size: 2n * P });
    const u = { argsz: 24, flags: 0, iova: 0x100000n, size: 0x101000n };
    expectErrno(() => c.p.ioctl(c.fd, uapi.VFIO_IOMMU_UNMAP_DMA, u), 'ENOENT');
    expect(u.size).toBe(P);
    const rest = { argsz: 24, flags: uapi.VFIO_DMA_UNMAP_FLAG_ALL, iova: 0n, size: 0n };
    c.p.ioctl(c.fd, uapi.VFIO_IOMMU_UNMAP_DMA, rest);
    expect(rest.size).toBe(2n * P);
  });
});

describe('IOMMU_IOAS_UNMAP is not atomic (iopt_unmap_iova_range)', () => {
  it('the lower area is gone after an ENOENT on a partly covered higher one; nothing is written back', () => {
    const d = boundDevice();
    const ioas = ioasAlloc(d.p, d.fd);
    attach(d.p, d.dev, ioas);
    const va = anonBuffer(d.p, 4n * P);
    mapFixed(d.p, d.fd, ioas, va, 0x100000n, P);
    mapFixed(d.p, d.fd, ioas, va, 0x200000n, 2n * P);
    const a = { size: 24, ioas_id: ioas, iova: 0x100000n, length: 0x101000n };
    expectErrno(() => d.p.ioctl(d.fd, uapi.IOMMU_IOAS_UNMAP, a), 'ENOENT');
    expect(a.length).toBe(0x101000n);
    expectErrno(() => unmap(d.p, d.fd, ioas, 0x100000n, P), 'ENOENT');
    expect(unmap(d.p, d.fd, ioas, 0x200000n, 2n * P)).toBe(2n * P);
  });
});
