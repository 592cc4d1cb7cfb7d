/**
 * Pinning and locked-memory accounting (vfio_pin_pages_remote, vfio_lock_acct,
 * vfio_unpin_pages_remote): a mapping's pages are pinned through the owner's address space
 * and charged, one per ordinary 4 KiB page, to that process's locked_vm. MMIO pages (a peer
 * device's BAR) are mapped but never charged (is_invalid_reserved_pfn).
 *
 * Invariants: a failed pin leaves nothing pinned and locked_vm unchanged; the uncharge of a
 * mapping whose owner has exited is skipped (vfio_lock_acct's ESRCH).
 */
import { fail, okVoid, type Result } from '../../../base/result.js';
import type { Kernel } from '../../kernel.js';
import type { VfioDma } from './dma.js';

function chargeable(dma: VfioDma): bigint {
  let pages = 0n;
  for (const r of dma.runs ?? []) if (!r.mmio) pages += r.bytes >> 12n;
  return pages;
}

/** Pin the pages of `dma` and charge them; EFAULT for a bad vaddr, ENOMEM over RLIMIT_MEMLOCK. */
export function pinDma(k: Kernel, dma: VfioDma): Result<void> {
  const mm = dma.task.mm;
  const r = mm.pin(dma.vaddr, dma.size, dma.write);
  if (!r.ok) return r;
  dma.runs = r.value;
  const pages = chargeable(dma);
  const limit = dma.task.rlimitMemlock >> 12n;
  if (!dma.lockCap && mm.lockedVm + pages > limit) {
    mm.unpin(dma.runs);
    dma.runs = null;
    k.trace.add('kernel', 'vfio_iommu_type1', `vfio_pin_pages_remote: RLIMIT_MEMLOCK (${dma.task.rlimitMemlock}) exceeded`);
    return fail('ENOMEM', 'vfio_pin_pages_remote: RLIMIT_MEMLOCK exceeded');
  }
  mm.lockedVm += pages;
  dma.locked = pages;
  return okVoid();
}

/** Unpin and uncharge (nothing when not pinned). */
export function unpinDma(k: Kernel, dma: VfioDma): void {
  if (dma.runs === null) return;
  dma.task.mm.unpin(dma.runs);
  if (k.tasks.get(dma.task.pid) === dma.task) dma.task.mm.lockedVm -= dma.locked;
  dma.runs = null;
  dma.locked = 0n;
}

/**
 * VADDR re-validation by another process (vfio_change_dma_owner): charge the new owner first
 * (its limit, unless it has CAP_IPC_LOCK), then uncharge the old one if it still exists.
 */
export function changeDmaOwner(k: Kernel, dma: VfioDma, task: VfioDma['task']): Result<void> {
  if (task === dma.task) return okVoid();
  const pages = dma.locked;
  const lockCap = task.capable('CAP_IPC_LOCK');
  if (!lockCap && task.mm.lockedVm + pages > task.rlimitMemlock >> 12n) return fail('ENOMEM', 'vfio_change_dma_owner: RLIMIT_MEMLOCK of the new owner exceeded');
  task.mm.lockedVm += pages;
  if (k.tasks.get(dma.task.pid) === dma.task) dma.task.mm.lockedVm -= pages;
  dma.task = task;
  dma.lockCap = lockCap;
  return okVoid();
}
