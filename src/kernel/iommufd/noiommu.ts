/**
 * IOMMU_IOAS_NOIOMMU_GET_PA (7.3, ioas.c iommufd_ioas_noiommu_get_pa, io_pagetable.c
 * iopt_get_phys): the physical address behind an IOVA of an IOAS whose areas are stored in
 * iommufd's no-IOMMU software table, and how many bytes from there are physically
 * contiguous. A user driver of a no-IOMMU device maps its buffers with IOMMU_IOAS_MAP (which
 * pins them once the device is attached) and programs the device with these addresses.
 *
 * Order of checks: CAP_SYS_RAWIO (EPERM); flags or __reserved (EOPNOTSUPP); length 0
 * (EINVAL); iova >= ULONG_MAX (EOVERFLOW); the IOAS (ENOENT); no area holds iova (ENOENT);
 * the areas' storage domain is missing or not the no-IOMMU one (EOPNOTSUPP). Only success
 * writes back (`length`, `out_phys`).
 */
import { fail, ok, type Result } from '../../base/result.js';
import { PAGE_SIZE_N, U64_MAX } from '../../base/u64.js';
import { reply, type Cmd } from './cmd.js';
import type { IoPagetable } from './io-pagetable.js';
import type { Ioas } from './ioas.js';
import { u32, u64 } from '../uaccess.js';

/** iommu_iova_to_phys(): 0 for an IOVA the table does not map. */
function iovaToPhys(iopt: IoPagetable, iova: bigint): bigint {
  return iopt.storageDomain()?.domain.pageTable.iovaToPhys(iova) ?? 0n;
}

/**
 * iopt_get_phys(): the PA of `iova` and the physically contiguous length from there, walked
 * page by page inside the area holding `iova` and capped at `maxLength`. The walk starts
 * with the rest of the first page and stops at the first page that is not the next
 * physical one, or whose start would pass the area's last byte.
 */
export function ioptGetPhys(iopt: IoPagetable, iova: bigint, maxLength: bigint): Result<{ phys: bigint; length: bigint }> {
  if (maxLength === 0n) return fail('EINVAL', 'iopt_get_phys: length is 0');
  const area = iopt.areas.containing(iova);
  if (area === undefined) return fail('ENOENT', `iopt_get_phys: no mapping holds IOVA 0x${iova.toString(16)}`);
  const storage = iopt.storageDomain();
  if (storage === undefined || storage.noiommu !== true) {
    return fail('EOPNOTSUPP', 'iopt_get_phys: the area is not stored in the no-IOMMU domain (no device, or an IOMMU-backed one, holds it)');
  }
  const last = area.last;
  const phys = iovaToPhys(iopt, iova);
  const first = PAGE_SIZE_N - (iova % PAGE_SIZE_N);
  let length = first < last - iova + 1n ? first : last - iova + 1n;
  let cur = iova;
  let pa = phys;
  while (cur < last && length < maxLength) {
    const next = cur + PAGE_SIZE_N;
    if (next > U64_MAX || next > last) break; // check_add_overflow(), or past the area
    const np = iovaToPhys(iopt, next);
    if (np === 0n || np !== pa + PAGE_SIZE_N) break;
    cur = next;
    pa += PAGE_SIZE_N;
    length += PAGE_SIZE_N;
  }
  return ok({ phys, length: length > maxLength ? maxLength : length });
}

/** iommufd_ioas_noiommu_get_pa(). */
export function ioasNoiommuGetPa(c: Cmd): Result<number> {
  if (!c.task.capable('CAP_SYS_RAWIO')) return fail('EPERM', 'iommufd_ioas_noiommu_get_pa: CAP_SYS_RAWIO needed');
  if (u32(c.f, 'flags') !== 0 || u32(c.f, '__reserved') !== 0) return fail('EOPNOTSUPP', 'iommufd_ioas_noiommu_get_pa: flags or __reserved set');
  const length = u64(c.f, 'length');
  if (length === 0n) return fail('EINVAL', 'iommufd_ioas_noiommu_get_pa: length is 0');
  const iova = u64(c.f, 'iova');
  if (iova >= U64_MAX) return fail('EOVERFLOW', 'iommufd_ioas_noiommu_get_pa: iova >= ULONG_MAX');
  const io = c.ctx.table.get<Ioas>(u32(c.f, 'ioas_id'), 'ioas', 'iommufd_ioas_noiommu_get_pa');
  if (!io.ok) return io;
  const r = ioptGetPhys(io.value.iopt, iova, length);
  if (!r.ok) return r;
  reply(c, { length: r.value.length, out_phys: r.value.phys });
  return ok(0);
}
