/**
 * VFIO_IOMMU_DIRTY_PAGES (vfio_iommu_type1_dirty_pages): START/STOP logging (idempotent)
 * and GET_BITMAP (report and clear). v1 instances answer EACCES before reading the arg.
 * The GET_BITMAP payload (struct vfio_iommu_type1_dirty_bitmap_get) is read from
 * `arg.data` as C places it, or from the top-level fields `iova`, `size`, `bitmap`.
 */
import { fail, ok, type Failure, type Result } from '../../../base/result.js';
import { U64_MAX } from '../../../base/u64.js';
import {
  VFIO_IOMMU_DIRTY_PAGES_FLAG_GET_BITMAP,
  VFIO_IOMMU_DIRTY_PAGES_FLAG_START,
  VFIO_IOMMU_DIRTY_PAGES_FLAG_STOP,
} from '../../../uapi/vfio.js';
import { sizeofStruct } from '../../../uapi/structs.js';
import type { SyscallContext } from '../../fs/file.js';
import type { StructArg } from '../../ioctl-table.js';
import { copyFromUser, nestedArg, u32, u64, type UserArg } from '../../uaccess.js';
import { accessOk, checkBitmapWords, pgshiftOf, verifyBitmapSize, writeDirtyBits } from './bitmap.js';
import { dmaLast } from './dma.js';
import { DIRTY_BITMAP_PAGES_MAX } from './map.js';
import type { Type1Iommu } from './vfio-iommu.js';

const GET_SZ = sizeofStruct('vfio_iommu_type1_dirty_bitmap_get');

/** v1 instances answer EACCES before the arg is copied (the dispatch row's `before`). */
export function type1DirtyV1(t: Type1Iommu): Failure | null {
  return t.v2 ? null : fail('EACCES', 'vfio_iommu_type1_dirty_pages: v1 container');
}

export function type1DirtyPages(t: Type1Iommu, a: StructArg, ctx: SyscallContext): Result<number> {
  const flags = u32(a.f, 'flags');
  const mask = VFIO_IOMMU_DIRTY_PAGES_FLAG_START | VFIO_IOMMU_DIRTY_PAGES_FLAG_STOP | VFIO_IOMMU_DIRTY_PAGES_FLAG_GET_BITMAP;
  if (a.argsz < a.minsz || flags & ~mask) return fail('EINVAL', 'vfio_iommu_type1_dirty_pages: argsz < minsz or unknown flags');
  if (flags === 0 || (flags & (flags - 1)) !== 0) return fail('EINVAL', 'vfio_iommu_type1_dirty_pages: exactly one flag must be set');
  if (flags === VFIO_IOMMU_DIRTY_PAGES_FLAG_START) return start(t);
  if (flags === VFIO_IOMMU_DIRTY_PAGES_FLAG_STOP) {
    t.dirtyTracking = false;
    return ok(0);
  }
  return getBitmap(t, a, ctx);
}

/** START (vfio_dma_bitmap_alloc_all); again while on it passes the same checks and changes nothing. */
function start(t: Type1Iommu): Result<number> {
  const pg = t.pgsize;
  for (const e of t.dmas.entries()) {
    if (e.value.size / pg > DIRTY_BITMAP_PAGES_MAX) return fail('EINVAL', 'vfio_dma_bitmap_alloc: mapping too large to track');
  }
  t.dirtyTracking = true;
  return ok(0);
}

/** struct vfio_iommu_type1_dirty_bitmap_get from `arg.data` (or the top level), and its bitmap. */
function readGet(obj: UserArg): Result<{ iova: bigint; size: bigint; pgsize: bigint; bsize: bigint; data: bigint }> {
  const nested = obj['data'] !== undefined;
  const g = nested ? nestedArg(obj, 'data') : ok(obj);
  if (!g.ok) return g;
  const prefix = nested ? 'arg.data' : 'arg';
  const gf = copyFromUser(g.value, 'vfio_iommu_type1_dirty_bitmap_get', GET_SZ, prefix);
  if (!gf.ok) return gf;
  const b = nestedArg(g.value, 'bitmap', prefix);
  if (!b.ok) return b;
  const bf = copyFromUser(b.value, 'vfio_bitmap', sizeofStruct('vfio_bitmap'), `${prefix}.bitmap`);
  if (!bf.ok) return bf;
  return ok({ iova: u64(gf.value, 'iova'), size: u64(gf.value, 'size'), pgsize: u64(bf.value, 'pgsize'), bsize: u64(bf.value, 'size'), data: u64(bf.value, 'data') });
}

function getBitmap(t: Type1Iommu, a: StructArg, ctx: SyscallContext): Result<number> {
  if (a.argsz - a.minsz < GET_SZ) return fail('EINVAL', 'vfio_iommu_type1_dirty_pages: argsz too small for dirty_bitmap_get');
  const r = readGet(a.obj);
  if (!r.ok) return r;
  const { iova, size, pgsize, bsize, data } = r.value;
  if (size === 0n) return fail('EINVAL', 'vfio_iommu_type1_dirty_pages: size 0');
  const last = iova + size - 1n;
  if (last > U64_MAX) return fail('EOVERFLOW', 'vfio_iommu_type1_dirty_pages: range wraps past 2^64');
  if (!accessOk(data, bsize)) return fail('EINVAL', 'vfio_iommu_type1_dirty_pages: bitmap not a user range');
  const shift = pgshiftOf(pgsize);
  if (shift === null) return fail('EINVAL', 'vfio_iommu_type1_dirty_pages: bitmap pgsize 0');
  const v = verifyBitmapSize(size >> shift, bsize);
  if (!v.ok) return v;
  const pg = t.pgsize;
  if (pgsize !== pg) return fail('EINVAL', 'vfio_iommu_type1_dirty_pages: bitmap pgsize is not the smallest page size');
  if (iova & (pg - 1n) || size & (pg - 1n)) return fail('EINVAL', 'vfio_iommu_type1_dirty_pages: iova or size not aligned');
  if (!t.dirtyTracking) return fail('EINVAL', 'vfio_iommu_type1_dirty_pages: dirty tracking is off');
  const head = t.findDma(iova, iova);
  if (head && head.iova !== iova) return fail('EINVAL', 'vfio_iova_dirty_bitmap: range starts inside a mapping');
  const tail = t.findDma(last, last);
  if (tail && dmaLast(tail) !== last) return fail('EINVAL', 'vfio_iova_dirty_bitmap: range ends inside a mapping');
  // no mapping starts below iova: the head check above refused any that would
  const dmas = [...t.dmas.overlapping(iova, last)].map((e) => e.value);
  const mm = ctx.task.mm;
  const c = checkBitmapWords(mm, data, iova, shift, dmas);
  if (!c.ok) return c;
  for (const d of dmas) writeDirtyBits(mm, data, iova, shift, d);
  return ok(0);
}
