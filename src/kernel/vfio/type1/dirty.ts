/**
 * VFIO_IOMMU_DIRTY_PAGES (vfio_iommu_type1_dirty_pages): START/STOP logging (idempotent)
 * and GET_BITMAP (report and clear). v1 instances answer EACCES before reading the arg.
 * The GET_BITMAP payload (struct vfio_iommu_type1_dirty_bitmap_get) is read from
 * `arg.data` as C places it, or from the top-level fields `iova`, `size`, `bitmap`.
 */
import { fail, ok, type Result } from '../../../base/result.js';
import {
  VFIO_IOMMU_DIRTY_PAGES_FLAG_GET_BITMAP,
  VFIO_IOMMU_DIRTY_PAGES_FLAG_START,
  VFIO_IOMMU_DIRTY_PAGES_FLAG_STOP,
} from '../../../uapi/vfio.js';
import { offsetofend, sizeofStruct } from '../../../uapi/structs.js';
import type { SyscallContext } from '../../fs/file.js';
import { ArgReader, argObject, isFailure } from './args.js';
import { accessOk, checkBitmapWords, pgshiftOf, verifyBitmapSize, writeDirtyBits } from './bitmap.js';
import { dmaLast } from './dma.js';
import { DIRTY_BITMAP_PAGES_MAX } from './map.js';
import type { Type1Iommu } from './vfio-iommu.js';

const MINSZ = offsetofend('vfio_iommu_type1_dirty_bitmap', 'flags');
const GET_SZ = sizeofStruct('vfio_iommu_type1_dirty_bitmap_get');
const U64_MAX = (1n << 64n) - 1n;

export function type1DirtyPages(t: Type1Iommu, arg: unknown, ctx: SyscallContext): Result<number> {
  if (!t.v2) return fail('EACCES', 'vfio_iommu_type1_dirty_pages: v1 container');
  const o = argObject(arg);
  if (isFailure(o)) return o;
  const a = new ArgReader(o, 'arg');
  const argsz = a.u32('argsz');
  const flags = a.u32('flags');
  if (a.failure) return a.failure;
  const mask = VFIO_IOMMU_DIRTY_PAGES_FLAG_START | VFIO_IOMMU_DIRTY_PAGES_FLAG_STOP | VFIO_IOMMU_DIRTY_PAGES_FLAG_GET_BITMAP;
  if (argsz < MINSZ || flags & ~mask) return fail('EINVAL', 'vfio_iommu_type1_dirty_pages: argsz < minsz or unknown flags');
  if (flags === 0 || (flags & (flags - 1)) !== 0) return fail('EINVAL', 'vfio_iommu_type1_dirty_pages: exactly one flag must be set');
  if (flags === VFIO_IOMMU_DIRTY_PAGES_FLAG_START) return start(t);
  if (flags === VFIO_IOMMU_DIRTY_PAGES_FLAG_STOP) {
    t.dirtyTracking = false;
    return ok(0);
  }
  return getBitmap(t, a, argsz, ctx);
}

function start(t: Type1Iommu): Result<number> {
  if (t.dirtyTracking) return ok(0);
  const pg = t.pgsize;
  for (const e of t.dmas.entries()) {
    if (e.value.size / pg > DIRTY_BITMAP_PAGES_MAX) return fail('EINVAL', 'vfio_dma_bitmap_alloc: mapping too large to track');
  }
  t.dirtyTracking = true;
  return ok(0);
}

function getBitmap(t: Type1Iommu, a: ArgReader, argsz: number, ctx: SyscallContext): Result<number> {
  if (argsz - MINSZ < GET_SZ) return fail('EINVAL', 'vfio_iommu_type1_dirty_pages: argsz too small for dirty_bitmap_get');
  const g = a.obj['data'] !== undefined ? a.nested('data') : a;
  const iova = g.u64('iova');
  const size = g.u64('size');
  const b = g.nested('bitmap');
  const pgsize = b.u64('pgsize');
  const bsize = b.u64('size');
  const data = b.u64('data');
  const bad = a.failure ?? g.failure ?? b.failure;
  if (bad) return bad;
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
  const dmas = [...t.dmas.overlapping(iova, last)].map((e) => e.value).filter((d) => d.iova >= iova);
  const mm = ctx.task.mm;
  const c = checkBitmapWords(mm, data, iova, shift, dmas);
  if (!c.ok) return c;
  for (const d of dmas) writeDirtyBits(mm, data, iova, shift, d);
  return ok(0);
}
