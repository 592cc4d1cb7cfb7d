/**
 * type1 dirty tracking refuses a mapping of more than DIRTY_BITMAP_PAGES_MAX (INT_MAX) pages
 * (vfio_iommu_type1.c: vfio_dma_bitmap_alloc). With tracking on, MAP_DMA pins and maps first
 * and then undoes it all (vfio_dma_do_map: vfio_remove_dma after the bitmap refusal); START
 * refuses when any existing mapping is that large (vfio_dma_bitmap_alloc_all) and tracking
 * stays off. 2^31 pages is 8 TiB: a machine with 9 TiB of RAM backs it with 1 GiB hugetlb
 * pages, which pin as one count per gigabyte and map as 1 GiB IOMMU leaves, so each test
 * stays well under a second. Each refusal is set beside the largest size that passes.
 */
import { describe, expect, it } from 'vitest';
import { Host, uapi } from '../../src/index.js';
import { defaultTopologyJson } from '../../src/hardware/default-machine.js';
import { map, setup, type1Of, unmap } from './helpers.js';
import { PROT_RW } from '../support/vfio.js';
import { failureOf } from '../support/why.js';
import { lockedVm, pinnedFrames } from '../support/kernel-state.js';

const PAGE = 0x1000n;
const GB = 1n << 30n;
/** 2^31 pages: one page more than DIRTY_BITMAP_PAGES_MAX. */
const TOO_BIG = (1n << 31n) * PAGE;
const FITS = TOO_BIG - PAGE;
const IOVA = 16n * 1024n * GB;
const HUGE_1G = uapi.MAP_PRIVATE | uapi.MAP_ANONYMOUS | uapi.MAP_HUGETLB | uapi.MAP_HUGE_1GB;
const D = uapi.VFIO_IOMMU_DIRTY_PAGES;
const TOO_LARGE = 'EINVAL vfio_dma_bitmap_alloc: mapping too large to track';

/** The default machine with 9 TiB of RAM, a container with EDU attached, and 8 TiB of 1 GiB hugetlb memory. */
function bigMachine() {
  const topo = { ...(structuredClone(defaultTopologyJson) as object), ramBytes: `0x${(9n * 1024n * GB).toString(16)}` };
  const s = setup({ host: new Host(topo) });
  const va = s.p.mmap(0n, TOO_BIG, PROT_RW, HUGE_1G, -1, 0n);
  const t = type1Of(s.p, s.c);
  const dirty = (flags: number) => failureOf(() => s.p.ioctl(s.c, D, { argsz: 8, flags }));
  const leaves = () => [...t.domains[0]!.hw.pageTable.leaves()].length;
  return { ...s, va, t, dirty, leaves };
}

describe('DIRTY_BITMAP_PAGES_MAX (vfio_dma_bitmap_alloc: EINVAL)', () => {
  it('MAP_DMA while tracking: 2^31 pages are pinned, mapped, then all undone; INT_MAX pages map', () => {
    const m = bigMachine();
    expect(m.dirty(uapi.VFIO_IOMMU_DIRTY_PAGES_FLAG_START)).toBe('ok');
    const avail = m.t.dmaAvail;
    expect(failureOf(() => map(m.p, m.c, m.va, IOVA, TOO_BIG))).toBe(TOO_LARGE);
    expect(m.t.findDma(IOVA, IOVA + TOO_BIG - 1n)).toBeUndefined();
    expect(m.t.dmaAvail).toBe(avail);
    expect([pinnedFrames(m.p), lockedVm(m.p), m.leaves()]).toEqual([0, 0n, 0]);
    expect(m.t.dirtyTracking).toBe(true);
    expect(failureOf(() => map(m.p, m.c, m.va, IOVA, FITS))).toBe('ok');
    expect(lockedVm(m.p)).toBe(FITS / PAGE);
    expect(unmap(m.p, m.c, IOVA, FITS)).toBe(FITS);
    expect([pinnedFrames(m.p), lockedVm(m.p), m.leaves()]).toEqual([0, 0n, 0]);
  });

  it('START with a 2^31-page mapping: EINVAL, tracking stays off, the mapping stays; INT_MAX pages start', () => {
    const m = bigMachine();
    expect(failureOf(() => map(m.p, m.c, m.va, IOVA, TOO_BIG))).toBe('ok');
    const pinned = pinnedFrames(m.p);
    expect(m.dirty(uapi.VFIO_IOMMU_DIRTY_PAGES_FLAG_START)).toBe(TOO_LARGE);
    expect(m.t.dirtyTracking).toBe(false);
    expect(m.t.findDma(IOVA, IOVA)?.size).toBe(TOO_BIG);
    expect([pinnedFrames(m.p), lockedVm(m.p)]).toEqual([pinned, TOO_BIG / PAGE]);
    // tracking is really off: GET_BITMAP refuses (vfio_iommu_type1_dirty_pages)
    const get = { argsz: 48, flags: uapi.VFIO_IOMMU_DIRTY_PAGES_FLAG_GET_BITMAP, iova: IOVA, size: PAGE, bitmap: { pgsize: PAGE, size: 8n, data: m.p.mmap(0n, PAGE, PROT_RW, uapi.MAP_PRIVATE | uapi.MAP_ANONYMOUS, -1, 0n) } };
    expect(failureOf(() => m.p.ioctl(m.c, D, get))).toBe('EINVAL vfio_iommu_type1_dirty_pages: dirty tracking is off');
    expect(unmap(m.p, m.c, IOVA, TOO_BIG)).toBe(TOO_BIG);
    expect(failureOf(() => map(m.p, m.c, m.va, IOVA, FITS))).toBe('ok');
    expect(m.dirty(uapi.VFIO_IOMMU_DIRTY_PAGES_FLAG_START)).toBe('ok');
    expect(m.t.dirtyTracking).toBe(true);
  });
});
