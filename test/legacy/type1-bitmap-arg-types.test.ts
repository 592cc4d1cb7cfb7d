/**
 * The type1 dirty-bitmap arguments read by the kernel side, not the skin: the struct
 * vfio_bitmap after UNMAP_DMA's fixed part (unmap.ts readBitmap, vfio_iommu_type1_unmap_dma's
 * copy_from_user of the bitmap) and the struct vfio_iommu_type1_dirty_bitmap_get of
 * DIRTY_PAGES GET_BITMAP with its vfio_bitmap (dirty.ts readGet, vfio_iommu_type1_dirty_pages).
 * In C these are bytes and cannot be ill-typed; here a JS value of the wrong type at each
 * step of the read is a TypeError ERR_INVALID_ARG_TYPE (an out-of-range bigint a RangeError
 * ERR_OUT_OF_RANGE) naming the field, and the call changes nothing: the mapping stays and
 * the user bitmap is not written (a good call afterwards writes it there: every pinned page
 * is dirty to type1, so the report is never empty).
 * One test per failure return: nestedArg's (not an object) and copyFromUser's (a bad field),
 * at the top (`arg.data` or `arg.bitmap`) and, for GET_BITMAP, one level down.
 */
import { describe, expect, it } from 'vitest';
import { uapi } from '../../src/index.js';
import { map, setup, type1Of } from './helpers.js';
import { anonBuffer } from '../support/vfio.js';

const PAGE = 0x1000n;
const PAGES = 4n;
const D = uapi.VFIO_IOMMU_DIRTY_PAGES;
const GET = uapi.VFIO_IOMMU_DIRTY_PAGES_FLAG_GET_BITMAP;

/**
 * What was thrown: its class, code and message. The wrong values are booleans, numbers,
 * arrays and null, which src/base/errors.ts words exactly as Node does (a string or a large
 * bigint it words differently: Node quotes the one and puts separators and `n` in the other).
 */
function thrown(fn: () => unknown): { name: string; code: unknown; message: string } | 'ok' {
  try {
    fn();
  } catch (e) {
    const err = e as Error & { code?: unknown };
    return { name: err.constructor.name, code: err.code, message: err.message };
  }
  return 'ok';
}

const typeError = (message: string) => ({ name: 'TypeError', code: 'ERR_INVALID_ARG_TYPE', message });

/** One mapping of PAGES pages at IOVA 0 (all dirty: pinned), dirty tracking on, a zeroed bitmap page. */
function tracked() {
  const s = setup();
  const va = anonBuffer(s.p, PAGES * PAGE);
  map(s.p, s.c, va, 0n, PAGES * PAGE);
  s.p.ioctl(s.c, D, { argsz: 8, flags: uapi.VFIO_IOMMU_DIRTY_PAGES_FLAG_START });
  const bm = anonBuffer(s.p, PAGE);
  const good = { pgsize: PAGE, size: 8n, data: bm };
  const unmap = (o: Record<string, unknown>) => () =>
    s.p.ioctl(s.c, uapi.VFIO_IOMMU_UNMAP_DMA, { argsz: 48, flags: uapi.VFIO_DMA_UNMAP_FLAG_GET_DIRTY_BITMAP, iova: 0n, size: PAGES * PAGE, ...o } as never);
  const get = (o: Record<string, unknown>) => () => s.p.ioctl(s.c, D, { argsz: 48, flags: GET, ...o } as never);
  const t = type1Of(s.p, s.c);
  /** Nothing changed: the mapping is there and the bitmap unwritten, where a good GET_BITMAP then reports every page. */
  const unchanged = () => {
    expect(t.dmas.size).toBe(1);
    expect(s.p.read64(bm)).toBe(0n);
    get({ iova: 0n, size: PAGES * PAGE, bitmap: good })();
    expect(s.p.read64(bm)).toBe((1n << PAGES) - 1n);
  };
  return { ...s, bm, good, unmap, get, unchanged };
}

describe('UNMAP_DMA with GET_DIRTY_BITMAP: the struct vfio_bitmap (readBitmap)', () => {
  it('`arg.data` or `arg.bitmap` that is not an object (nestedArg)', () => {
    for (const [o, message] of [
      [{ data: 5 }, 'The "arg.data" property must be of type object. Received type number (5)'],
      [{ bitmap: true }, 'The "arg.bitmap" property must be of type object. Received type boolean (true)'],
      [{ bitmap: [] }, 'The "arg.bitmap" property must be of type object. Received an instance of Array'],
      [{ bitmap: null }, 'The "arg.bitmap" property must be of type object. Received null'],
    ] as const) {
      const s = tracked();
      expect(thrown(s.unmap(o))).toEqual(typeError(message));
      s.unchanged();
    }
  });

  it('a field of the bitmap of the wrong type or out of range (copyFromUser)', () => {
    for (const [o, want] of [
      [{ data: { pgsize: true } }, typeError('The "arg.data.pgsize" property must be of type bigint. Received type boolean (true)')],
      [{ bitmap: { size: 1 } }, typeError('The "arg.bitmap.size" property must be of type bigint. Received type number (1)')],
      [{ bitmap: { data: true } }, typeError('The "arg.bitmap.data" property must be an array, object or bigint (a user pointer). Received type boolean (true)')],
      [{ bitmap: { pgsize: 1n << 70n } }, { name: 'RangeError', code: 'ERR_OUT_OF_RANGE', message: expect.stringMatching(/^The value of "arg\.bitmap\.pgsize" is out of range\. It must be >= -\(2n \*\* 63n\) and <= 2n \*\* 64n - 1n\. Received 1_?180/) }],
    ] as const) {
      const s = tracked();
      const field = Object.keys(o)[0]!;
      const bad = (o as Record<string, Record<string, unknown>>)[field]!;
      expect(thrown(s.unmap({ [field]: { ...s.good, ...bad } }))).toEqual(want);
      s.unchanged();
    }
  });

  it('the bitmap is read before the range is checked (a misaligned iova still answers the TypeError)', () => {
    const s = tracked();
    expect(thrown(s.unmap({ iova: 1n, bitmap: 7 }))).toEqual(typeError('The "arg.bitmap" property must be of type object. Received type number (7)'));
    s.unchanged();
  });
});

describe('DIRTY_PAGES GET_BITMAP: struct vfio_iommu_type1_dirty_bitmap_get and its vfio_bitmap (readGet)', () => {
  it('`arg.data` that is not an object (nestedArg of the payload)', () => {
    const s = tracked();
    expect(thrown(s.get({ data: 5 }))).toEqual(typeError('The "arg.data" property must be of type object. Received type number (5)'));
    s.unchanged();
  });

  it('a payload field of the wrong type, in `arg.data` or at the top (copyFromUser of the payload)', () => {
    let s = tracked();
    expect(thrown(s.get({ data: { iova: true, size: PAGES * PAGE, bitmap: s.good } }))).toEqual(typeError('The "arg.data.iova" property must be of type bigint. Received type boolean (true)'));
    s.unchanged();
    s = tracked();
    expect(thrown(s.get({ iova: 0n, size: 4, bitmap: s.good }))).toEqual(typeError('The "arg.size" property must be of type bigint. Received type number (4)'));
    s.unchanged();
  });

  it('a `bitmap` that is not an object, in `arg.data` or at the top (nestedArg of the bitmap)', () => {
    let s = tracked();
    expect(thrown(s.get({ data: { iova: 0n, size: PAGES * PAGE, bitmap: 5 } }))).toEqual(typeError('The "arg.data.bitmap" property must be of type object. Received type number (5)'));
    s.unchanged();
    s = tracked();
    expect(thrown(s.get({ iova: 0n, size: PAGES * PAGE, bitmap: [s.bm] }))).toEqual(typeError('The "arg.bitmap" property must be of type object. Received an instance of Array'));
    s.unchanged();
  });

  it('a field of the bitmap of the wrong type, in `arg.data` or at the top (copyFromUser of the bitmap)', () => {
    let s = tracked();
    expect(thrown(s.get({ data: { iova: 0n, size: PAGES * PAGE, bitmap: { ...s.good, data: true } } }))).toEqual(
      typeError('The "arg.data.bitmap.data" property must be an array, object or bigint (a user pointer). Received type boolean (true)'),
    );
    s.unchanged();
    s = tracked();
    expect(thrown(s.get({ iova: 0n, size: PAGES * PAGE, bitmap: { ...s.good, size: 8 } }))).toEqual(typeError('The "arg.bitmap.size" property must be of type bigint. Received type number (8)'));
    s.unchanged();
  });

  it('the payload is read before its values are checked (size 0 still answers the TypeError)', () => {
    const s = tracked();
    expect(thrown(s.get({ iova: 0n, size: 0n, bitmap: { ...s.good, pgsize: true } }))).toEqual(typeError('The "arg.bitmap.pgsize" property must be of type bigint. Received type boolean (true)'));
    s.unchanged();
  });
});
