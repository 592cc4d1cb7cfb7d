/**
 * VFIO_IOMMU_MAP_DMA (vfio_iommu_type1_map_dma, vfio_dma_do_map). Checks run in the kernel's
 * order: argsz/flags EINVAL, size 0 EINVAL, u64 wrap EOVERFLOW (newest mainline; EINVAL
 * before the v6.19-cycle overflow rework), permissions EINVAL, page alignment EINVAL, VADDR
 * update (ENOENT/EINVAL/ENOMEM), overlap EEXIST, dma_entry_limit ENOSPC, IOVA list EINVAL,
 * then pin (EFAULT), RLIMIT_MEMLOCK (ENOMEM) and the page-table update. All-or-nothing;
 * nothing is written back.
 */
import { fail, ok, type Result } from '../../../base/result.js';
import { U64_MAX } from '../../../base/u64.js';
import { VFIO_DMA_MAP_FLAG_READ, VFIO_DMA_MAP_FLAG_VADDR, VFIO_DMA_MAP_FLAG_WRITE } from '../../../uapi/vfio.js';
import type { SyscallContext } from '../../fs/file.js';
import type { StructArg } from '../../ioctl-table.js';
import { u32, u64 } from '../../uaccess.js';
import type { VfioDma } from './dma.js';
import { mapIntoDomain, unmapFromDomain } from './domain-map.js';
import { dmaValid } from './iova-list.js';
import { changeDmaOwner, pinDma, unpinDma } from './pinning.js';
import type { Type1Iommu } from './vfio-iommu.js';

/** DIRTY_BITMAP_PAGES_MAX: INT_MAX pages per tracked mapping. */
export const DIRTY_BITMAP_PAGES_MAX = 0x7fff_ffffn;

export function type1MapDma(t: Type1Iommu, a: StructArg, ctx: SyscallContext): Result<number> {
  const flags = u32(a.f, 'flags');
  const vaddr = u64(a.f, 'vaddr');
  const iova = u64(a.f, 'iova');
  const size = u64(a.f, 'size');
  const mask = VFIO_DMA_MAP_FLAG_READ | VFIO_DMA_MAP_FLAG_WRITE | VFIO_DMA_MAP_FLAG_VADDR;
  if (a.argsz < a.minsz || flags & ~mask) return fail('EINVAL', 'vfio_iommu_type1_map_dma: argsz < minsz or unknown flags');
  if (size === 0n) return fail('EINVAL', 'vfio_dma_do_map: size is 0');
  if (iova + size - 1n > U64_MAX || vaddr + size - 1n > U64_MAX) return fail('EOVERFLOW', 'vfio_dma_do_map: iova or vaddr range wraps past 2^64');
  const read = (flags & VFIO_DMA_MAP_FLAG_READ) !== 0;
  const write = (flags & VFIO_DMA_MAP_FLAG_WRITE) !== 0;
  const setVaddr = (flags & VFIO_DMA_MAP_FLAG_VADDR) !== 0;
  if ((read || write) === setVaddr) return fail('EINVAL', 'vfio_dma_do_map: need READ/WRITE, or VADDR alone');
  const pgsize = t.pgsize;
  if ((size | iova | vaddr) & (pgsize - 1n)) return fail('EINVAL', `vfio_dma_do_map: size/iova/vaddr not aligned to 0x${pgsize.toString(16)}`);
  const last = iova + size - 1n;
  const found = t.findDma(iova, last);
  if (setVaddr) return updateVaddr(t, found, iova, size, vaddr, ctx);
  if (found) return fail('EEXIST', 'vfio_dma_do_map: range overlaps an existing mapping');
  if (t.dmaAvail === 0) return fail('ENOSPC', 'vfio_dma_do_map: dma_entry_limit reached');
  if (!dmaValid(t.iovaList, iova, last)) return fail('EINVAL', 'vfio_iommu_iova_dma_valid: range not inside one valid IOVA range');
  const task = ctx.task;
  const dma: VfioDma = { iova, size, vaddr, read, write, task, lockCap: task.capable('CAP_IPC_LOCK'), runs: null, locked: 0n, vaddrInvalid: false };
  // a type1 instance exists only with a group attached, so there is always a domain to map into
  const r = pinAndMap(t, dma);
  if (!r.ok) return r;
  if (t.dirtyTracking && size / pgsize > DIRTY_BITMAP_PAGES_MAX) {
    for (const d of t.domains) unmapFromDomain(t.k, d.hw, dma);
    unpinDma(t.k, dma);
    return fail('EINVAL', 'vfio_dma_bitmap_alloc: mapping too large to track');
  }
  t.dmas.insert(iova, last, dma);
  t.dmaAvail--;
  return ok(0);
}

/** vfio_pin_map_dma(): pin, charge, then install in every domain; undone on failure. */
function pinAndMap(t: Type1Iommu, dma: VfioDma): Result<void> {
  const p = pinDma(t.k, dma);
  if (!p.ok) return p;
  const done = [];
  for (const d of t.domains) {
    const m = mapIntoDomain(t.k, d.hw, dma);
    if (!m.ok) {
      for (const x of done) unmapFromDomain(t.k, x.hw, dma);
      unpinDma(t.k, dma);
      return m;
    }
    done.push(d);
  }
  return p;
}

/** MAP with VFIO_DMA_MAP_FLAG_VADDR: re-point an invalidated mapping at a new vaddr. */
function updateVaddr(t: Type1Iommu, dma: VfioDma | undefined, iova: bigint, size: bigint, vaddr: bigint, ctx: SyscallContext): Result<number> {
  if (dma === undefined) return fail('ENOENT', 'vfio_dma_do_map: VADDR: no mapping in range');
  if (!dma.vaddrInvalid || dma.iova !== iova || dma.size !== size) return fail('EINVAL', 'vfio_dma_do_map: VADDR: mapping not invalidated or iova/size differ');
  const r = changeDmaOwner(t.k, dma, ctx.task);
  if (!r.ok) return r;
  dma.vaddr = vaddr;
  dma.vaddrInvalid = false;
  t.vaddrInvalidCount--;
  return ok(0);
}
