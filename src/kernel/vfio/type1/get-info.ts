/**
 * VFIO_IOMMU_GET_INFO (vfio_iommu_type1_get_info) and its capability chain, in the kernel's
 * order MIGRATION → DMA_AVAIL → IOVA_RANGE (the kernel skips the last for an empty IOVA list,
 * which an attached instance never has).
 *
 * argsz < 16 is EINVAL. A buffer too small for the chain is not an error: argsz is raised to
 * the size needed and cap_offset stays 0. Otherwise the chain is written to `arg.caps` as
 * parsed objects whose `next` fields carry the C offsets (from the start of the buffer;
 * each capability padded to 8 bytes) and cap_offset = 24. Write-back is minsz (16 bytes) or,
 * when argsz reaches offsetofend(cap_offset) = 20, those 20 bytes ("capsz"): a 16-byte caller
 * never sees cap_offset, and the trailing pad is never written.
 */
import { fail, ok, type Result } from '../../../base/result.js';
import {
  VFIO_IOMMU_INFO_CAPS,
  VFIO_IOMMU_INFO_PGSIZES,
  VFIO_IOMMU_TYPE1_INFO_CAP_IOVA_RANGE,
  VFIO_IOMMU_TYPE1_INFO_CAP_MIGRATION,
  VFIO_IOMMU_TYPE1_INFO_DMA_AVAIL,
} from '../../../uapi/vfio.js';
import { offsetofend, sizeofStruct } from '../../../uapi/structs.js';
import type { StructArg } from '../../ioctl-table.js';
import { DIRTY_BITMAP_SIZE_MAX } from './bitmap.js';
import type { Type1Iommu } from './vfio-iommu.js';

const CAPSZ = offsetofend('vfio_iommu_type1_info', 'cap_offset');
const INFO_SZ = sizeofStruct('vfio_iommu_type1_info');
const align8 = (n: number): number => (n + 7) & ~7;

/** The capabilities with their sizes in the chain, in chain order, `next` left to fill. */
function buildCaps(t: Type1Iommu): Array<{ size: number; cap: Record<string, unknown> }> {
  const caps: Array<{ size: number; cap: Record<string, unknown> }> = [
    {
      size: align8(sizeofStruct('vfio_iommu_type1_info_cap_migration')),
      cap: { id: VFIO_IOMMU_TYPE1_INFO_CAP_MIGRATION, version: 1, next: 0, flags: 0, pgsize_bitmap: t.pgsize, max_dirty_bitmap_size: DIRTY_BITMAP_SIZE_MAX },
    },
    { size: align8(sizeofStruct('vfio_iommu_type1_info_dma_avail')), cap: { id: VFIO_IOMMU_TYPE1_INFO_DMA_AVAIL, version: 1, next: 0, avail: t.dmaAvail } },
  ];
  // the list is never empty here: an attach that would empty it is refused
  const ranges = t.iovaList.map((r) => ({ start: r.start, end: r.end }));
  caps.push({
    size: align8(sizeofStruct('vfio_iommu_type1_info_cap_iova_range') + sizeofStruct('vfio_iova_range') * ranges.length),
    cap: { id: VFIO_IOMMU_TYPE1_INFO_CAP_IOVA_RANGE, version: 1, next: 0, nr_iovas: ranges.length, reserved: 0, iova_ranges: ranges },
  });
  return caps;
}

export function type1GetInfo(t: Type1Iommu, a: StructArg): Result<number> {
  const argsz = a.argsz;
  if (argsz < a.minsz) return fail('EINVAL', `vfio_iommu_type1_get_info: argsz < ${a.minsz}`);
  const caps = buildCaps(t);
  const chain = caps.reduce((s, c) => s + c.size, 0);
  const need = INFO_SZ + chain;
  const out = a.obj;
  let capOffset = 0;
  if (argsz < need) {
    out['argsz'] = need;
  } else {
    let off = INFO_SZ;
    caps.forEach((c, i) => {
      off += c.size;
      c.cap['next'] = i + 1 < caps.length ? off : 0;
    });
    out['caps'] = caps.map((c) => c.cap);
    capOffset = INFO_SZ;
  }
  out['flags'] = VFIO_IOMMU_INFO_PGSIZES | VFIO_IOMMU_INFO_CAPS;
  out['iova_pgsizes'] = t.pgsizeBitmap;
  if (argsz >= CAPSZ) out['cap_offset'] = capOffset;
  return ok(0);
}
