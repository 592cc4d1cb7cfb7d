/**
 * The type1 IOVA list at its edges (issue 14 item 11; vfio_iommu_type1.c:
 * vfio_iommu_resv_exclude, vfio_iommu_resv_conflict, vfio_iommu_iova_dma_valid): reserved
 * regions that touch a range's first or last byte, that fill a hole exactly, that are
 * relaxable, and a mapping touching a region by one byte. The list is read back through
 * GET_INFO's IOVA-range capability.
 */
import { describe, expect, it } from 'vitest';
import { uapi, type Process } from '../../src/index.js';
import { EDU, EDU2, groupOf, machine, map, setup } from './helpers.js';
import { anonBuffer } from '../support/vfio.js';
import { failureOf } from '../support/why.js';

function ranges(p: Process, c: number): Array<{ start: bigint; end: bigint }> {
  const a: Record<string, unknown> = { argsz: 512 };
  p.ioctl(c, uapi.VFIO_IOMMU_GET_INFO, a);
  const caps = a['caps'] as Array<Record<string, unknown>>;
  return caps.find((x) => x['id'] === uapi.VFIO_IOMMU_TYPE1_INFO_CAP_IOVA_RANGE)!['iova_ranges'] as Array<{ start: bigint; end: bigint }>;
}

/** EDU2's group, with `regions`, joins a container EDU's group already backs. */
function join(regions: Array<Record<string, string>>, before?: (p: Process, c: number) => void) {
  const host = machine({ fns: { [EDU2]: { reservedRegions: regions } } });
  const s = setup({ host, bdfs: [EDU, EDU2] });
  before?.(s.p, s.c);
  const g2 = s.p.open(`/dev/vfio/${groupOf(host, EDU2)}`);
  const joined = () => s.p.ioctl(g2, uapi.VFIO_GROUP_SET_CONTAINER, s.c);
  return { ...s, g2, joined };
}

// the default machine's list: [0, 0xfedfffff] and [0xfef00000, 2^48-1] (the MSI window cut out)
const TOP = 0xffff_ffff_ffffn;

describe('reserved regions at the edges of the IOVA list (vfio_iommu_resv_exclude)', () => {
  it('regions on a range\'s first or last page shrink it by exactly that page', () => {
    const { p, c, joined } = join([
      { start: '0x0', end: '0xfff', type: 'reserved' },
      { start: '0xfedff000', end: '0xfedfffff', type: 'reserved' },
      { start: '0xfef00000', end: '0xfef00fff', type: 'reserved' },
      { start: '0xfffffffff000', end: '0xffffffffffff', type: 'reserved' },
    ]);
    joined();
    expect(ranges(p, c)).toEqual([
      { start: 0x1000n, end: 0xfedf_efffn },
      { start: 0xfef0_1000n, end: TOP - 0x1000n },
    ]);
  });

  it('a region touching a range by one byte cuts exactly that byte', () => {
    const { p, c, joined } = join([
      { start: '0xfedfffff', end: '0xfee00fff', type: 'reserved' },
      { start: '0xfeef0000', end: '0xfef00000', type: 'reserved' },
    ]);
    joined();
    expect(ranges(p, c)).toEqual([
      { start: 0n, end: 0xfedf_fffen },
      { start: 0xfef0_0001n, end: TOP },
    ]);
  });

  it('a region filling the existing hole exactly changes nothing', () => {
    const { p, c, joined } = join([{ start: '0xfee00000', end: '0xfeefffff', type: 'reserved' }]);
    joined();
    expect(ranges(p, c)).toEqual([
      { start: 0n, end: 0xfedf_ffffn },
      { start: 0xfef0_0000n, end: TOP },
    ]);
  });

  it('a direct-relaxable region is not cut out, and may lie over a mapping', () => {
    const { p, c, joined } = join([{ start: '0x40000000', end: '0x400fffff', type: 'direct-relaxable' }], (p, c) => {
      map(p, c, anonBuffer(p, 0x1000n), 0x4000_0000n, 0x1000n);
    });
    expect(joined()).toBe(0);
    expect(ranges(p, c)).toEqual([
      { start: 0n, end: 0xfedf_ffffn },
      { start: 0xfef0_0000n, end: TOP },
    ]);
  });
});

describe('a region touching a mapping by one byte (vfio_iommu_resv_conflict)', () => {
  const mapped = (p: Process, c: number): void => void map(p, c, anonBuffer(p, 0x2000n), 0x4000_0000n, 0x2000n);

  it('a region whose first byte is the mapping\'s last is EINVAL', () => {
    const { joined } = join([{ start: '0x40001fff', end: '0x40002fff', type: 'reserved' }], mapped);
    expect(failureOf(joined)).toMatch(/^EINVAL vfio_iommu_resv_conflict/);
  });

  it('a region whose last byte is the mapping\'s first is EINVAL', () => {
    const { joined } = join([{ start: '0x3ffff000', end: '0x40000000', type: 'reserved' }], mapped);
    expect(failureOf(joined)).toMatch(/^EINVAL vfio_iommu_resv_conflict/);
  });

  it('regions just outside the mapping on both sides are fine', () => {
    const { p, c, joined } = join([
      { start: '0x3ffff000', end: '0x3fffffff', type: 'reserved' },
      { start: '0x40002000', end: '0x40002fff', type: 'reserved' },
    ], mapped);
    expect(joined()).toBe(0);
    expect(ranges(p, c)[0]).toEqual({ start: 0n, end: 0x3fff_efffn });
  });
});

describe('a mapping must lie inside one valid range (vfio_iommu_iova_dma_valid)', () => {
  it('the first and last page of a range map; one page further on either side does not', () => {
    const { p, c } = setup();
    const va = anonBuffer(p, 0x2000n);
    expect(failureOf(() => map(p, c, va, 0xfedf_f000n, 0x2000n))).toMatch(/^EINVAL vfio_iommu_iova_dma_valid/);
    expect(map(p, c, va, 0xfedf_f000n, 0x1000n)).toBe(0);
    expect(map(p, c, va, 0xfef0_0000n, 0x1000n)).toBe(0);
    expect(map(p, c, va, TOP - 0xfffn, 0x1000n)).toBe(0);
    expect(failureOf(() => map(p, c, va, 0xfee0_0000n, 0x1000n))).toMatch(/^EINVAL vfio_iommu_iova_dma_valid/);
    expect(failureOf(() => map(p, c, va, 0xfeef_f000n, 0x1000n))).toMatch(/^EINVAL vfio_iommu_iova_dma_valid/);
    expect(failureOf(() => map(p, c, va, TOP + 1n, 0x1000n))).toMatch(/^EINVAL vfio_iommu_iova_dma_valid/);
  });
});
