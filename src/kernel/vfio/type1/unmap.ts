/**
 * VFIO_IOMMU_UNMAP_DMA (vfio_iommu_type1_unmap_dma, vfio_dma_do_unmap).
 *
 * Selected mappings are those whose first byte lies in [iova, iova+size-1] (ALL: every one).
 * v2 refuses to bisect a mapping (EINVAL, nothing removed) and reports exactly what it
 * removed. v1 (approximate, as the kernel's own compatibility shim): no bisection check; the
 * walk stops successfully at a mapping that starts below iova; a selected mapping is removed
 * whole even when it extends past the end, so the reported size can exceed the request.
 * On success `size` is overwritten (possibly with 0); on any error the arg is untouched.
 */
import { fail, ok, type Result } from '../../../base/result.js';
import { U64_MAX } from '../../../base/u64.js';
import { VFIO_DMA_UNMAP_FLAG_ALL, VFIO_DMA_UNMAP_FLAG_GET_DIRTY_BITMAP, VFIO_DMA_UNMAP_FLAG_VADDR } from '../../../uapi/vfio.js';
import { sizeofStruct } from '../../../uapi/structs.js';
import type { SyscallContext } from '../../fs/file.js';
import type { StructArg } from '../../ioctl-table.js';
import { copyFromUser, nestedArg, u32, u64, type UserArg } from '../../uaccess.js';
import { accessOk, checkBitmapWords, pgshiftOf, verifyBitmapSize, writeDirtyBits } from './bitmap.js';
import { dmaLast, type VfioDma } from './dma.js';
import type { Type1Iommu } from './vfio-iommu.js';

const BITMAP_SZ = sizeofStruct('vfio_bitmap');

interface Bitmap {
  readonly pgsize: bigint;
  readonly size: bigint;
  readonly data: bigint;
}

/** The struct vfio_bitmap in data[]: `arg.data` (as C places it) or `arg.bitmap`. */
function readBitmap(obj: UserArg): Result<Bitmap> {
  const field = obj['data'] !== undefined ? 'data' : 'bitmap';
  const b = nestedArg(obj, field);
  if (!b.ok) return b;
  const f = copyFromUser(b.value, 'vfio_bitmap', BITMAP_SZ, `arg.${field}`);
  if (!f.ok) return f;
  return ok({ pgsize: u64(f.value, 'pgsize'), size: u64(f.value, 'size'), data: u64(f.value, 'data') });
}

export function type1UnmapDma(t: Type1Iommu, a: StructArg, ctx: SyscallContext): Result<number> {
  const flags = u32(a.f, 'flags');
  const iova = u64(a.f, 'iova');
  const size = u64(a.f, 'size');
  const mask = VFIO_DMA_UNMAP_FLAG_GET_DIRTY_BITMAP | VFIO_DMA_UNMAP_FLAG_ALL | VFIO_DMA_UNMAP_FLAG_VADDR;
  if (a.argsz < a.minsz || flags & ~mask) return fail('EINVAL', 'vfio_iommu_type1_unmap_dma: argsz < minsz or unknown flags');
  const getDirty = (flags & VFIO_DMA_UNMAP_FLAG_GET_DIRTY_BITMAP) !== 0;
  if (getDirty && flags & (VFIO_DMA_UNMAP_FLAG_ALL | VFIO_DMA_UNMAP_FLAG_VADDR)) return fail('EINVAL', 'vfio_iommu_type1_unmap_dma: GET_DIRTY_BITMAP with ALL or VADDR');
  let bitmap: Bitmap | null = null;
  if (getDirty) {
    if (a.argsz < a.minsz + BITMAP_SZ) return fail('EINVAL', 'vfio_iommu_type1_unmap_dma: argsz too small for struct vfio_bitmap');
    const b = readBitmap(a.obj);
    if (!b.ok) return b;
    bitmap = b.value;
    if (!accessOk(bitmap.data, bitmap.size)) return fail('EINVAL', 'vfio_iommu_type1_unmap_dma: bitmap not a user range');
    const shift = pgshiftOf(bitmap.pgsize);
    if (shift === null) return fail('EINVAL', 'vfio_iommu_type1_unmap_dma: bitmap pgsize 0');
    const v = verifyBitmapSize(size >> shift, bitmap.size);
    if (!v.ok) return v;
  }
  const r = doUnmap(t, flags, iova, size, bitmap, ctx);
  if (!r.ok) return r;
  a.obj['size'] = r.value;
  return ok(0);
}

function doUnmap(t: Type1Iommu, flags: number, iova: bigint, size: bigint, bitmap: Bitmap | null, ctx: SyscallContext): Result<bigint> {
  const setVaddr = (flags & VFIO_DMA_UNMAP_FLAG_VADDR) !== 0;
  const all = (flags & VFIO_DMA_UNMAP_FLAG_ALL) !== 0;
  // VADDR while emulated (mdev) groups are attached is EBUSY; vfio-sim has none.
  const pgsize = t.pgsize;
  if (iova & (pgsize - 1n)) return fail('EINVAL', 'vfio_dma_do_unmap: iova not aligned');
  let last: bigint;
  if (all) {
    if (iova !== 0n || size !== 0n) return fail('EINVAL', 'vfio_dma_do_unmap: ALL with iova or size');
    last = U64_MAX;
  } else {
    if (size === 0n || size & (pgsize - 1n)) return fail('EINVAL', 'vfio_dma_do_unmap: size 0 or not aligned');
    last = iova + size - 1n;
    if (last > U64_MAX) return fail('EOVERFLOW', 'vfio_dma_do_unmap: range wraps past 2^64');
  }
  if (bitmap !== null && (!t.dirtyTracking || bitmap.pgsize !== pgsize)) return fail('EINVAL', 'vfio_dma_do_unmap: dirty tracking off or bitmap pgsize is not the smallest page size');
  // (the kernel skips this for ALL; it could not refuse ALL anyway: a mapping holding IOVA 0
  // starts there, and none reaches 2^64-1, as the IOVA list ends below the aperture's top)
  if (t.v2) {
    const head = t.findDma(iova, iova);
    if (head && head.iova !== iova) return fail('EINVAL', 'vfio_dma_do_unmap: range starts inside a mapping (v2)');
    const tail = t.findDma(last, last);
    if (tail && dmaLast(tail) !== last) return fail('EINVAL', 'vfio_dma_do_unmap: range ends inside a mapping (v2)');
  }
  const selected: VfioDma[] = [];
  for (const e of t.dmas.overlapping(iova, last)) {
    if (!t.v2 && iova > e.start) break;
    selected.push(e.value);
  }
  if (setVaddr) return invalidate(t, selected);
  if (bitmap !== null) {
    const shift = pgshiftOf(bitmap.pgsize)!;
    const mm = ctx.task.mm;
    const c = checkBitmapWords(mm, bitmap.data, iova, shift, selected);
    if (!c.ok) return c;
    for (const d of selected) writeDirtyBits(mm, bitmap.data, iova, shift, d);
  }
  let unmapped = 0n;
  for (const d of selected) {
    unmapped += d.size;
    t.removeDma(d);
  }
  return ok(unmapped);
}

/** UNMAP with VADDR: mark each selected mapping's vaddr invalid; all or nothing. */
function invalidate(t: Type1Iommu, selected: readonly VfioDma[]): Result<bigint> {
  if (selected.some((d) => d.vaddrInvalid)) return fail('EINVAL', 'vfio_dma_do_unmap: VADDR: a mapping is already invalidated');
  let n = 0n;
  for (const d of selected) {
    d.vaddrInvalid = true;
    t.vaddrInvalidCount++;
    n += d.size;
  }
  return ok(n);
}
