/**
 * type1 dirty bitmaps: the user buffer's pages checked before anything is written, and the
 * bitmap size rules at their edges (issue 14 item 11; vfio_iommu_type1.c:
 * verify_bitmap_size, update_user_bitmap, vfio_iova_dirty_bitmap). Each refusal breaks one
 * rule; the bitmap and the mappings are read back after it.
 */
import { describe, expect, it } from 'vitest';
import { uapi, type Process } from '../../src/index.js';
import { map, setup, type1Of } from './helpers.js';
import { anonBuffer, PROT_RW } from '../support/vfio.js';
import { failureOf } from '../support/why.js';

const PAGE = 0x1000n;
const D = uapi.VFIO_IOMMU_DIRTY_PAGES;
const GET = uapi.VFIO_IOMMU_DIRTY_PAGES_FLAG_GET_BITMAP;
const FIXED = uapi.MAP_PRIVATE | uapi.MAP_ANONYMOUS | uapi.MAP_FIXED;

/** Two mappings: pages 0..3 and 64..67 from IOVA 0 (so the report spans bitmap words 0 and 1), tracking on. */
function tracked() {
  const s = setup();
  const va = anonBuffer(s.p, 8n * PAGE);
  map(s.p, s.c, va, 0n, 4n * PAGE);
  map(s.p, s.c, va + 4n * PAGE, 64n * PAGE, 4n * PAGE);
  s.p.ioctl(s.c, D, { argsz: 8, flags: uapi.VFIO_IOMMU_DIRTY_PAGES_FLAG_START });
  const get = (data: bigint, o: Record<string, unknown> = {}) =>
    failureOf(() => s.p.ioctl(s.c, D, { argsz: 48, flags: GET, iova: 0n, size: 68n * PAGE, bitmap: { pgsize: PAGE, size: 16n, data }, ...o }));
  const unmapDirty = (data: bigint, o: Record<string, unknown> = {}) =>
    failureOf(() => s.p.ioctl(s.c, uapi.VFIO_IOMMU_UNMAP_DMA, { argsz: 48, flags: uapi.VFIO_DMA_UNMAP_FLAG_GET_DIRTY_BITMAP, iova: 0n, size: 68n * PAGE, bitmap: { pgsize: PAGE, size: 16n, data }, ...o }));
  return { ...s, get, unmapDirty, t: type1Of(s.p, s.c) };
}

/** A bitmap whose first word ends one page and whose second word starts the next, with `prot2` on the second page. */
function straddling(p: Process, prot2: number): bigint {
  const base = anonBuffer(p, 2n * PAGE);
  p.mmap(base + PAGE, PAGE, prot2, FIXED, -1, 0n);
  return base + PAGE - 8n;
}

describe('the user bitmap must be writable where the report lands (update_user_bitmap: EFAULT)', () => {
  it('a bitmap across two read-write mappings is written in both', () => {
    const { p, get } = tracked();
    const bm = straddling(p, PROT_RW);
    expect(get(bm)).toBe('ok');
    expect(p.read64(bm)).toBe(0xfn);
    expect(p.read64(bm + 8n)).toBe(0xfn);
  });

  it('a read-only page under the second word is EFAULT, for GET_BITMAP and for UNMAP with GET_DIRTY_BITMAP', () => {
    // (Linux may have written the first mapping's word, and removed that mapping, by then;
    // vfio-sim checks every word first and changes nothing: spec §5)
    const { p, get, unmapDirty } = tracked();
    const bm = straddling(p, uapi.PROT_READ);
    expect(get(bm)).toMatch(/^EFAULT update_user_bitmap/);
    expect(unmapDirty(bm)).toMatch(/^EFAULT update_user_bitmap/);
  });

  it('a read-only bitmap is EFAULT', () => {
    const { p, get } = tracked();
    const bm = anonBuffer(p, PAGE, uapi.PROT_READ);
    expect(get(bm)).toMatch(/^EFAULT update_user_bitmap/);
  });

  it('a report that touches only the first word needs only that word to be writable', () => {
    const { p, get } = tracked();
    const bm = straddling(p, uapi.PROT_NONE);
    expect(get(bm, { size: 4n * PAGE })).toBe('ok');
    expect(p.read64(bm)).toBe(0xfn);
  });
});

describe('verify_bitmap_size at its edges', () => {
  it('a range of less than one bitmap page is EINVAL for GET_BITMAP and for UNMAP with GET_DIRTY_BITMAP', () => {
    const { p, get, unmapDirty, t } = tracked();
    const bm = anonBuffer(p, PAGE);
    // the range is then also unaligned, but verify_bitmap_size answers first
    expect(get(bm, { size: 0x800n })).toMatch(/^EINVAL verify_bitmap_size/);
    expect(unmapDirty(bm, { size: 0x800n })).toMatch(/^EINVAL verify_bitmap_size/);
    expect(t.dmas.size).toBe(2);
  });

  it('65 pages need two words: 8 bytes is EINVAL, 16 is enough', () => {
    const { p, get } = tracked();
    const bm = anonBuffer(p, PAGE);
    expect(get(bm, { size: 65n * PAGE, bitmap: { pgsize: PAGE, size: 8n, data: bm } })).toMatch(/^EINVAL verify_bitmap_size/);
    expect(get(bm, { size: 68n * PAGE, bitmap: { pgsize: PAGE, size: 16n, data: bm } })).toBe('ok');
  });
});

describe('the payload in data[], as C places it (struct vfio_bitmap / vfio_iommu_type1_dirty_bitmap_get)', () => {
  it('GET_BITMAP reads iova, size and the bitmap from arg.data', () => {
    const { p, c } = tracked();
    const bm = anonBuffer(p, PAGE);
    const arg = { argsz: 48, flags: GET, data: { iova: 0n, size: 68n * PAGE, bitmap: { pgsize: PAGE, size: 16n, data: bm } } };
    expect(p.ioctl(c, D, arg)).toBe(0);
    expect(p.read64(bm)).toBe(0xfn);
    expect(p.read64(bm + 8n)).toBe(0xfn);
    const bad = { argsz: 48, flags: GET, data: { iova: 0n, size: 68n * PAGE, bitmap: { pgsize: 2n * PAGE, size: 16n, data: bm } } };
    expect(failureOf(() => p.ioctl(c, D, bad))).toMatch(/^EINVAL vfio_iommu_type1_dirty_pages: bitmap pgsize is not/);
  });

  it('UNMAP with GET_DIRTY_BITMAP reads struct vfio_bitmap from arg.data', () => {
    const { p, c, t } = tracked();
    const bm = anonBuffer(p, PAGE);
    const arg = { argsz: 48, flags: uapi.VFIO_DMA_UNMAP_FLAG_GET_DIRTY_BITMAP, iova: 64n * PAGE, size: 4n * PAGE, data: { pgsize: PAGE, size: 8n, data: bm } };
    expect(p.ioctl(c, uapi.VFIO_IOMMU_UNMAP_DMA, arg)).toBe(0);
    expect(arg.size).toBe(4n * PAGE);
    expect(p.read64(bm)).toBe(0xfn);
    expect(t.dmas.size).toBe(1);
    const bad = { argsz: 48, flags: uapi.VFIO_DMA_UNMAP_FLAG_GET_DIRTY_BITMAP, iova: 0n, size: 4n * PAGE, data: { pgsize: 2n * PAGE, size: 8n, data: bm } };
    expect(failureOf(() => p.ioctl(c, uapi.VFIO_IOMMU_UNMAP_DMA, bad))).toMatch(/^EINVAL vfio_dma_do_unmap: dirty tracking off or bitmap pgsize/);
  });
});

describe('DIRTY_PAGES flags: exactly one (vfio_iommu_type1_dirty_pages)', () => {
  it('no flag, two flags, or three flags are EINVAL from the one-flag rule', () => {
    const { p, c } = tracked();
    const bm = anonBuffer(p, PAGE);
    const d = (flags: number) => failureOf(() => p.ioctl(c, D, { argsz: 48, flags, iova: 0n, size: 4n * PAGE, bitmap: { pgsize: PAGE, size: 8n, data: bm } }));
    for (const flags of [0, 3, 5, 6, 7]) expect(d(flags)).toMatch(/^EINVAL vfio_iommu_type1_dirty_pages: exactly one flag/);
    expect(d(GET)).toBe('ok');
  });
});

describe('a mapping that starts inside a bitmap word ORs only below its first bit (update_user_bitmap)', () => {
  it('a stale bit below the mapping\'s first bit survives in that word and reaches no later word', () => {
    const s = setup();
    const va = anonBuffer(s.p, 8n * PAGE);
    map(s.p, s.c, va, 60n * PAGE, 6n * PAGE); // pages 60..65: word 0 bits 60-63, word 1 bits 0-1
    s.p.ioctl(s.c, D, { argsz: 8, flags: uapi.VFIO_IOMMU_DIRTY_PAGES_FLAG_START });
    const bm = anonBuffer(s.p, PAGE);
    s.p.write64(bm, 0x10n);
    s.p.ioctl(s.c, D, { argsz: 48, flags: GET, iova: 0n, size: 66n * PAGE, bitmap: { pgsize: PAGE, size: 16n, data: bm } });
    expect(s.p.read64(bm)).toBe(0xf000_0000_0000_0010n);
    expect(s.p.read64(bm + 8n)).toBe(0b11n);
  });
});
