/**
 * Dirty tracking on a HWPT_PAGING (hw_pagetable.c, io_pagetable.c): switch it on or off,
 * and read (and by default clear) the dirty bits device writes left in the IO page table.
 * Only a HWPT allocated with IOMMU_HWPT_ALLOC_DIRTY_TRACKING has dirty ops.
 *
 * The bitmap `data` is an array of bigint u64 words (bit n of word w covers
 * [iova + (64w + n) * page_size, + page_size)); bits are only ever set, into a new array
 * written to `data`.
 */
import { fail, failType, ok, type Result } from '../../base/result.js';
import { U64_MAX } from '../../base/u64.js';
import { IOMMU_HWPT_DIRTY_TRACKING_ENABLE, IOMMU_HWPT_GET_DIRTY_BITMAP_NO_CLEAR } from '../../uapi/iommufd.js';
import { reservedSet, type Cmd } from './cmd.js';
import type { HwptPaging } from './hwpt.js';
import { u32, u64 } from '../uaccess.js';

/**
 * iommufd_hwpt_set_dirty_tracking(). Enabling clears all dirty state first. The kernel
 * checks only `flags` here: a non-zero `__reserved` is not looked at.
 */
export function setDirtyTracking(c: Cmd): Result<number> {
  const flags = u32(c.f, 'flags');
  if ((flags & ~IOMMU_HWPT_DIRTY_TRACKING_ENABLE) !== 0) return fail('EOPNOTSUPP', 'iommufd_hwpt_set_dirty_tracking: unknown flags');
  const h = c.ctx.table.get<HwptPaging>(u32(c.f, 'hwpt_id'), 'hwpt_paging', 'iommufd_hwpt_set_dirty_tracking');
  if (!h.ok) return h;
  if (!h.value.dirtyCapable) return fail('EOPNOTSUPP', 'iopt_set_dirty_tracking: domain has no dirty ops');
  const enable = (flags & IOMMU_HWPT_DIRTY_TRACKING_ENABLE) !== 0;
  if (enable) h.value.domain.pageTable.clearAllDirty();
  h.value.domain.dirtyTracking = enable;
  return ok(0);
}

/** iommufd_check_iova_range(). */
function checkRange(iova: bigint, length: bigint, pageSize: bigint, align: bigint): Result<bigint> {
  const last = iova + BigInt.asUintN(64, length - 1n);
  if (last > U64_MAX) return fail('EOVERFLOW', 'iommufd_check_iova_range: iova + length overflows');
  const end = last + 1n;
  if ((iova & (align - 1n)) !== 0n || (end & (align - 1n)) !== 0n) return fail('EINVAL', 'iommufd_check_iova_range: not aligned to iova_alignment');
  if (pageSize === 0n) return fail('EINVAL', 'iommufd_check_iova_range: page_size is 0');
  if (iova % pageSize !== 0n || end % pageSize !== 0n) return fail('EINVAL', 'iommufd_check_iova_range: not aligned to page_size');
  return ok(last);
}

/** iommufd_hwpt_get_dirty_bitmap(). */
export function getDirtyBitmap(c: Cmd): Result<number> {
  const flags = u32(c.f, 'flags');
  if ((flags & ~IOMMU_HWPT_GET_DIRTY_BITMAP_NO_CLEAR) !== 0 || reservedSet(c.f.__reserved)) return fail('EOPNOTSUPP', 'iommufd_hwpt_get_dirty_bitmap: flags or __reserved');
  const h = c.ctx.table.get<HwptPaging>(u32(c.f, 'hwpt_id'), 'hwpt_paging', 'iommufd_hwpt_get_dirty_bitmap');
  if (!h.ok) return h;
  const iova = u64(c.f, 'iova');
  const length = u64(c.f, 'length');
  const ps = u64(c.f, 'page_size');
  const r = checkRange(iova, length, ps, h.value.ioas.iopt.iovaAlignment);
  if (!r.ok) return r;
  if (!h.value.dirtyCapable) return fail('EOPNOTSUPP', 'iommu_read_and_clear_dirty: domain has no dirty ops');
  const words = Number((length / ps + 63n) / 64n);
  const raw = c.obj.data;
  if (raw === undefined || raw === null || raw === 0n) return fail('EFAULT', 'iommufd_hwpt_get_dirty_bitmap: data is NULL');
  if (!Array.isArray(raw)) return failType('arg.data', 'an array of bigint words', raw);
  if (raw.length < words) return fail('EFAULT', 'iommufd_hwpt_get_dirty_bitmap: bitmap shorter than length / page_size bits');
  const bits = raw.map((w: unknown) => (typeof w === 'bigint' ? w : 0n));
  const clear = (flags & IOMMU_HWPT_GET_DIRTY_BITMAP_NO_CLEAR) === 0;
  for (const d of h.value.domain.pageTable.readAndClearDirty(iova, length, clear)) {
    const from = d.iova > iova ? d.iova : iova;
    const to = d.iova + d.size < iova + length ? d.iova + d.size : iova + length;
    for (let b = (from - iova) / ps; b * ps < to - iova; b++) bits[Number(b / 64n)] = bits[Number(b / 64n)]! | (1n << (b % 64n));
  }
  c.obj.data = bits;
  return ok(0);
}
