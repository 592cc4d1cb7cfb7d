/**
 * type1 rules broken one at a time (issue 14 item 11). Mutation testing showed errno tests
 * that broke several rules at once, so removing any one check still gave the same errno.
 * Here every refused call breaks exactly ONE rule and asserts the errno and the kernel check
 * (vfio_iommu_type1.c: vfio_dma_do_map, vfio_dma_do_unmap, vfio_iommu_type1_unmap_dma,
 * vfio_iommu_type1_dirty_pages; order and errnos from docs/spec §2.11–2.13). Successes are
 * read back.
 */
import { describe, expect, it } from 'vitest';
import { uapi } from '../../src/index.js';
import { map, setup, type1Of, unmap } from './helpers.js';
import { anonBuffer } from '../support/vfio.js';
import { failureOf } from '../support/why.js';
import { TASK_SIZE } from '../../src/kernel/mm/mm-constants.js';

const RW = uapi.VFIO_DMA_MAP_FLAG_READ | uapi.VFIO_DMA_MAP_FLAG_WRITE;
const V = uapi.VFIO_DMA_MAP_FLAG_VADDR;
const TOP = 1n << 64n;
const GET_DIRTY = uapi.VFIO_DMA_UNMAP_FLAG_GET_DIRTY_BITMAP;
const ALL = uapi.VFIO_DMA_UNMAP_FLAG_ALL;
const UVADDR = uapi.VFIO_DMA_UNMAP_FLAG_VADDR;
const D = uapi.VFIO_IOMMU_DIRTY_PAGES;

describe('MAP_DMA: one rule at a time (vfio_dma_do_map)', () => {
  it('an IOVA range that wraps, with a vaddr range that does not, is EOVERFLOW', () => {
    const { p, c } = setup();
    const va = anonBuffer(p, 0x2000n);
    expect(failureOf(() => map(p, c, va, TOP - 0x1000n, 0x2000n))).toMatch(/^EOVERFLOW vfio_dma_do_map/);
  });

  it('a vaddr range that wraps, with an IOVA range that does not, is EOVERFLOW', () => {
    const { p, c } = setup();
    expect(failureOf(() => map(p, c, TOP - 0x1000n, 0x10000n, 0x2000n))).toMatch(/^EOVERFLOW vfio_dma_do_map/);
  });

  it('an IOVA range ending exactly at 2^64-1 does not wrap: the IOVA list refuses it instead', () => {
    const { p, c } = setup();
    const va = anonBuffer(p, 0x1000n);
    expect(failureOf(() => map(p, c, va, TOP - 0x1000n, 0x1000n))).toMatch(/^EINVAL vfio_iommu_iova_dma_valid/);
  });

  it('a vaddr range ending exactly at 2^64-1 does not wrap: pinning refuses it instead', () => {
    const { p, c } = setup();
    expect(failureOf(() => map(p, c, TOP - 0x1000n, 0x10000n, 0x1000n))).toMatch(/^EFAULT/);
  });

  it('WRITE alone is a valid permission', () => {
    const { p, c } = setup();
    const va = anonBuffer(p, 0x1000n);
    expect(map(p, c, va, 0x10000n, 0x1000n, uapi.VFIO_DMA_MAP_FLAG_WRITE)).toBe(0);
    expect(type1Of(p, c).findDma(0x10000n, 0x10000n)).toMatchObject({ read: false, write: true });
  });

  it('VADDR together with WRITE is EINVAL', () => {
    const { p, c } = setup();
    const va = anonBuffer(p, 0x1000n);
    expect(failureOf(() => map(p, c, va, 0x10000n, 0x1000n, V | uapi.VFIO_DMA_MAP_FLAG_WRITE))).toMatch(/^EINVAL vfio_dma_do_map: need READ\/WRITE/);
  });

  it('a size that is not a page multiple is EINVAL, iova and vaddr aligned', () => {
    const { p, c } = setup();
    const va = anonBuffer(p, 0x2000n);
    expect(failureOf(() => map(p, c, va, 0x10000n, 0x1800n))).toMatch(/^EINVAL vfio_dma_do_map: size\/iova\/vaddr not aligned/);
  });

  it('a successful map takes one dma_avail slot and records what was asked', () => {
    const { p, c } = setup();
    const va = anonBuffer(p, 0x2000n);
    const t = type1Of(p, c);
    const before = t.dmaAvail;
    map(p, c, va, 0x10000n, 0x2000n, uapi.VFIO_DMA_MAP_FLAG_READ);
    expect(t.dmaAvail).toBe(before - 1);
    expect(t.findDma(0x11fffn, 0x11fffn)).toMatchObject({ iova: 0x10000n, size: 0x2000n, vaddr: va, read: true, write: false, vaddrInvalid: false });
  });
});

describe('VADDR update: state read back (vfio_dma_do_map, vfio_dma_do_unmap)', () => {
  function twoMappings() {
    const s = setup();
    const va = anonBuffer(s.p, 0x20000n);
    map(s.p, s.c, va, 0x10000n, 0x10000n);
    map(s.p, s.c, va + 0x10000n, 0x20000n, 0x10000n);
    return { ...s, va, t: type1Of(s.p, s.c) };
  }

  it('re-validation at a shifted IOVA with the same size is EINVAL and leaves the mapping invalid', () => {
    const { p, c, t } = twoMappings();
    unmap(p, c, 0x10000n, 0x10000n, UVADDR);
    const nv = anonBuffer(p, 0x10000n);
    expect(failureOf(() => map(p, c, nv, 0x18000n, 0x10000n, V))).toMatch(/^EINVAL vfio_dma_do_map: VADDR/);
    expect(t.vaddrInvalidCount).toBe(1);
    expect(t.findDma(0x10000n, 0x10000n)!.vaddrInvalid).toBe(true);
  });

  it('re-validating a mapping that is not invalidated is EINVAL, iova and size exact', () => {
    const { p, c, va } = twoMappings();
    expect(failureOf(() => map(p, c, va, 0x10000n, 0x10000n, V))).toMatch(/^EINVAL vfio_dma_do_map: VADDR/);
  });

  it('a successful re-validation points the mapping at the new vaddr and counts down', () => {
    const { p, c, t } = twoMappings();
    unmap(p, c, 0x10000n, 0x20000n, UVADDR);
    expect(t.vaddrInvalidCount).toBe(2);
    const nv = anonBuffer(p, 0x10000n);
    expect(map(p, c, nv, 0x20000n, 0x10000n, V)).toBe(0);
    expect(t.findDma(0x20000n, 0x20000n)).toMatchObject({ vaddr: nv, vaddrInvalid: false });
    expect(t.findDma(0x10000n, 0x10000n)!.vaddrInvalid).toBe(true);
    expect(t.vaddrInvalidCount).toBe(1);
  });

  it('invalidating an already invalid mapping is EINVAL, and a range with one invalid mapping invalidates none', () => {
    const { p, c, t } = twoMappings();
    expect(unmap(p, c, 0x10000n, 0x10000n, UVADDR)).toBe(0x10000n);
    expect(failureOf(() => unmap(p, c, 0x10000n, 0x10000n, UVADDR))).toMatch(/^EINVAL vfio_dma_do_unmap: VADDR/);
    expect(failureOf(() => unmap(p, c, 0x10000n, 0x20000n, UVADDR))).toMatch(/^EINVAL vfio_dma_do_unmap: VADDR/);
    expect(t.findDma(0x20000n, 0x20000n)!.vaddrInvalid).toBe(false);
    expect(t.vaddrInvalidCount).toBe(1);
  });

  it('unmapping an invalidated mapping counts it out, so a new group may attach again', () => {
    const { p, c, t } = twoMappings();
    unmap(p, c, 0x10000n, 0x20000n, UVADDR);
    expect(unmap(p, c, 0x10000n, 0x10000n)).toBe(0x10000n);
    expect(t.vaddrInvalidCount).toBe(1);
    expect(unmap(p, c, 0x20000n, 0x10000n)).toBe(0x10000n);
    expect(t.vaddrInvalidCount).toBe(0);
  });
});

describe('UNMAP_DMA: one rule at a time (vfio_dma_do_unmap)', () => {
  function mapped() {
    const s = setup();
    const va = anonBuffer(s.p, 0x4000n);
    map(s.p, s.c, va, 0x10000n, 0x4000n);
    return { ...s, t: type1Of(s.p, s.c) };
  }

  it('ALL with iova 0 and a non-zero size is EINVAL, nothing removed', () => {
    const { p, c, t } = mapped();
    expect(failureOf(() => unmap(p, c, 0n, 0x1000n, ALL))).toMatch(/^EINVAL vfio_dma_do_unmap: ALL with iova or size/);
    expect(t.dmas.size).toBe(1);
  });

  it('ALL with size 0 and a non-zero (aligned) iova is EINVAL', () => {
    const { p, c } = mapped();
    expect(failureOf(() => unmap(p, c, 0x10000n, 0n, ALL))).toMatch(/^EINVAL vfio_dma_do_unmap: ALL with iova or size/);
  });

  it('ALL removes every mapping and reports their total size', () => {
    const { p, c, t } = mapped();
    expect(unmap(p, c, 0n, 0n, ALL)).toBe(0x4000n);
    expect(t.dmas.size).toBe(0);
  });

  it('an unaligned iova is EINVAL before the size is looked at', () => {
    const { p, c } = mapped();
    expect(failureOf(() => unmap(p, c, 0x10800n, 0x1000n))).toMatch(/^EINVAL vfio_dma_do_unmap: iova not aligned/);
  });

  it('size 0 alone, and an unaligned size alone, are EINVAL', () => {
    const { p, c } = mapped();
    expect(failureOf(() => unmap(p, c, 0x10000n, 0n))).toMatch(/^EINVAL vfio_dma_do_unmap: size 0 or not aligned/);
    expect(failureOf(() => unmap(p, c, 0x10000n, 0x1800n))).toMatch(/^EINVAL vfio_dma_do_unmap: size 0 or not aligned/);
  });

  it('a range ending exactly at 2^64-1 does not wrap; one page further does', () => {
    const { p, c } = mapped();
    expect(unmap(p, c, 0x20000n, TOP - 0x20000n)).toBe(0n);
    expect(failureOf(() => unmap(p, c, 0x20000n, TOP - 0x1f000n))).toMatch(/^EOVERFLOW vfio_dma_do_unmap/);
  });

  it('v2 refuses a range starting inside a mapping, and one ending inside a mapping, each alone', () => {
    const { p, c, t } = mapped();
    expect(failureOf(() => unmap(p, c, 0x11000n, 0x3000n))).toMatch(/^EINVAL vfio_dma_do_unmap: range starts inside/);
    expect(failureOf(() => unmap(p, c, 0x10000n, 0x3000n))).toMatch(/^EINVAL vfio_dma_do_unmap: range ends inside/);
    expect(t.dmas.size).toBe(1);
  });

  it('v1 removes a mapping that extends past the end whole, and stops at one that starts below iova', () => {
    const s = setup({ type: uapi.VFIO_TYPE1_IOMMU });
    const va = anonBuffer(s.p, 0x4000n);
    map(s.p, s.c, va, 0x10000n, 0x2000n);
    map(s.p, s.c, va + 0x2000n, 0x12000n, 0x2000n);
    expect(unmap(s.p, s.c, 0x11000n, 0x3000n)).toBe(0n);
    expect(type1Of(s.p, s.c).dmas.size).toBe(2);
    expect(unmap(s.p, s.c, 0x12000n, 0x1000n)).toBe(0x2000n);
    expect(type1Of(s.p, s.c).dmas.size).toBe(1);
  });
});

describe('UNMAP_DMA with GET_DIRTY_BITMAP: each refusal alone (vfio_iommu_type1_unmap_dma, vfio_dma_do_unmap)', () => {
  function tracked() {
    const s = setup();
    const va = anonBuffer(s.p, 0x4000n);
    map(s.p, s.c, va, 0x10000n, 0x4000n);
    s.p.ioctl(s.c, D, { argsz: 8, flags: uapi.VFIO_IOMMU_DIRTY_PAGES_FLAG_START });
    const bm = anonBuffer(s.p, 0x1000n);
    const arg = (o: Record<string, unknown> = {}, b: Record<string, unknown> = {}) => ({
      argsz: 48,
      flags: GET_DIRTY,
      iova: 0x10000n,
      size: 0x4000n,
      bitmap: { pgsize: 0x1000n, size: 8n, data: bm, ...b },
      ...o,
    });
    const un = (o?: Record<string, unknown>, b?: Record<string, unknown>) => failureOf(() => s.p.ioctl(s.c, uapi.VFIO_IOMMU_UNMAP_DMA, arg(o, b)));
    return { ...s, bm, un, arg, t: type1Of(s.p, s.c) };
  }

  it('the valid request succeeds and reports every page', () => {
    const { p, c, bm, arg, t } = tracked();
    const a = arg();
    p.ioctl(c, uapi.VFIO_IOMMU_UNMAP_DMA, a);
    expect(a.size).toBe(0x4000n);
    expect(p.read64(bm)).toBe(0xfn);
    expect(t.dmas.size).toBe(0);
  });

  it('with VADDR is EINVAL', () => {
    const { un, t } = tracked();
    expect(un({ flags: GET_DIRTY | UVADDR })).toMatch(/^EINVAL vfio_iommu_type1_unmap_dma: GET_DIRTY_BITMAP with ALL or VADDR/);
    expect(t.findDma(0x10000n, 0x10000n)!.vaddrInvalid).toBe(false);
  });

  it('with ALL is EINVAL from the flag check, whatever iova and size say', () => {
    const { un } = tracked();
    expect(un({ flags: GET_DIRTY | ALL, iova: 0n, size: 0n })).toMatch(/^EINVAL vfio_iommu_type1_unmap_dma: GET_DIRTY_BITMAP with ALL or VADDR/);
  });

  it('argsz too small for struct vfio_bitmap is EINVAL', () => {
    const { un } = tracked();
    expect(un({ argsz: 47 })).toMatch(/^EINVAL vfio_iommu_type1_unmap_dma: argsz too small/);
  });

  it('a bitmap that is not a user range is EINVAL', () => {
    const { un } = tracked();
    expect(un({}, { data: TASK_SIZE - 0x1000n, size: 0x2000n })).toMatch(/^EINVAL vfio_iommu_type1_unmap_dma: bitmap not a user range/);
  });

  it('a bitmap ending exactly at the top of user space is a user range', () => {
    const { un } = tracked();
    // not mapped, so writing it faults: EFAULT, not the access_ok EINVAL
    expect(un({}, { data: TASK_SIZE - 0x1000n, size: 0x1000n })).toMatch(/^EFAULT/);
  });

  it('bitmap pgsize 0 is EINVAL', () => {
    const { un } = tracked();
    expect(un({}, { pgsize: 0n })).toMatch(/^EINVAL vfio_iommu_type1_unmap_dma: bitmap pgsize 0/);
  });

  it('a bitmap too small, of size 0, or over 256 MiB is EINVAL (verify_bitmap_size)', () => {
    const { un } = tracked();
    expect(un({ size: 0x41000n }, { size: 8n })).toMatch(/^EINVAL verify_bitmap_size/);
    expect(un({}, { size: 0n })).toMatch(/^EINVAL verify_bitmap_size/);
    expect(un({}, { size: 0x1000_0008n })).toMatch(/^EINVAL verify_bitmap_size/);
  });

  it('a bitmap of exactly the words needed, and of exactly 256 MiB, passes verify_bitmap_size', () => {
    const { p, c, un, arg } = tracked();
    expect(un({ size: 0x40000n }, { size: 8n })).toBe('ok'); // 64 pages: one word
    map(p, c, anonBuffer(p, 0x4000n), 0x10000n, 0x4000n);
    const a = arg({}, { size: 0x1000_0000n });
    p.ioctl(c, uapi.VFIO_IOMMU_UNMAP_DMA, a); // only the words the mappings touch are written
    expect(a.size).toBe(0x4000n);
  });

  it('a bitmap pgsize other than the smallest page size is EINVAL', () => {
    const { un } = tracked();
    expect(un({}, { pgsize: 0x2000n })).toMatch(/^EINVAL vfio_dma_do_unmap: dirty tracking off or bitmap pgsize/);
  });

  it('dirty tracking off (after STOP) is EINVAL, nothing removed', () => {
    const { p, c, un, t } = tracked();
    p.ioctl(c, D, { argsz: 8, flags: uapi.VFIO_IOMMU_DIRTY_PAGES_FLAG_STOP });
    expect(un()).toMatch(/^EINVAL vfio_dma_do_unmap: dirty tracking off/);
    expect(t.dmas.size).toBe(1);
  });

  it('an unwritable bitmap is EFAULT, nothing removed', () => {
    const { un, t } = tracked();
    expect(un({}, { data: 0x6000_0000n })).toMatch(/^EFAULT update_user_bitmap/);
    expect(t.dmas.size).toBe(1);
  });
});

describe('DIRTY_PAGES: state after START/STOP, bitmaps past the first word (vfio_iommu_type1_dirty_pages)', () => {
  function tracking() {
    const s = setup();
    const va = anonBuffer(s.p, 0x100000n);
    const bm = anonBuffer(s.p, 0x1000n);
    s.p.ioctl(s.c, D, { argsz: 8, flags: uapi.VFIO_IOMMU_DIRTY_PAGES_FLAG_START });
    const get = (o: Record<string, unknown> = {}, b: Record<string, unknown> = {}) =>
      failureOf(() => s.p.ioctl(s.c, D, { argsz: 48, flags: uapi.VFIO_IOMMU_DIRTY_PAGES_FLAG_GET_BITMAP, iova: 0n, size: 0x100000n, bitmap: { pgsize: 0x1000n, size: 32n, data: bm, ...b }, ...o }));
    return { ...s, va, bm, get, t: type1Of(s.p, s.c) };
  }

  it('STOP then GET_BITMAP is EINVAL: tracking is off', () => {
    const { p, c, get, t } = tracking();
    expect(t.dirtyTracking).toBe(true);
    expect(get()).toBe('ok');
    p.ioctl(c, D, { argsz: 8, flags: uapi.VFIO_IOMMU_DIRTY_PAGES_FLAG_STOP });
    expect(t.dirtyTracking).toBe(false);
    expect(get()).toMatch(/^EINVAL vfio_iommu_type1_dirty_pages: dirty tracking is off/);
    p.ioctl(c, D, { argsz: 8, flags: uapi.VFIO_IOMMU_DIRTY_PAGES_FLAG_START });
    expect(get()).toBe('ok');
  });

  it('a mapping past the first 64 pages lands in a later word; one straddling words 0 and 1 ORs into word 0 only', () => {
    const { p, c, va, bm, get } = tracking();
    p.write64(bm, 0b101n); // bits already set below the straddling mapping survive
    map(p, c, va, 60n * 0x1000n, 8n * 0x1000n); // pages 60..67
    map(p, c, va + 0x10000n, 130n * 0x1000n, 3n * 0x1000n); // pages 130..132
    expect(get()).toBe('ok');
    expect(p.read64(bm)).toBe(0xf000_0000_0000_0005n);
    expect(p.read64(bm + 8n)).toBe(0xfn);
    expect(p.read64(bm + 16n)).toBe(0b11100n);
  });

  it('GET_BITMAP refusals, each alone', () => {
    const { p, c, va, get } = tracking();
    map(p, c, va, 0x10000n, 0x4000n);
    expect(get({ argsz: 47 })).toMatch(/^EINVAL vfio_iommu_type1_dirty_pages: argsz too small/);
    expect(get({ size: 0n })).toMatch(/^EINVAL vfio_iommu_type1_dirty_pages: size 0/);
    expect(get({ iova: 0x2000n, size: TOP - 0x1000n }, { size: 0x1000_0000n })).toMatch(/^EOVERFLOW/);
    expect(get({}, { data: TASK_SIZE - 16n })).toMatch(/^EINVAL vfio_iommu_type1_dirty_pages: bitmap not a user range/);
    expect(get({}, { pgsize: 0n })).toMatch(/^EINVAL vfio_iommu_type1_dirty_pages: bitmap pgsize 0/);
    expect(get({}, { size: 0n })).toMatch(/^EINVAL verify_bitmap_size/);
    expect(get({}, { pgsize: 0x2000n })).toMatch(/^EINVAL vfio_iommu_type1_dirty_pages: bitmap pgsize is not/);
    expect(get({ iova: 0x800n })).toMatch(/^EINVAL vfio_iommu_type1_dirty_pages: iova or size not aligned/);
    expect(get({ size: 0xff800n })).toMatch(/^EINVAL vfio_iommu_type1_dirty_pages: iova or size not aligned/);
    expect(get({ iova: 0x11000n, size: 0x3000n })).toMatch(/^EINVAL vfio_iova_dirty_bitmap: range starts inside/);
    expect(get({ iova: 0x10000n, size: 0x3000n })).toMatch(/^EINVAL vfio_iova_dirty_bitmap: range ends inside/);
    expect(get({}, { data: 0x6000_0000n })).toMatch(/^EFAULT update_user_bitmap/);
  });

  it('a GET range ending exactly at 2^64-1 does not wrap', () => {
    const { get } = tracking();
    expect(get({ iova: 0x1000n, size: TOP - 0x1000n }, { size: 0x1000_0000n })).toMatch(/^EINVAL verify_bitmap_size/);
  });
});
