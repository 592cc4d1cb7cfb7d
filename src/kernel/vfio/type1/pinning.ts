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
import { PROT_READ, PROT_WRITE } from '../../../uapi/posix.js';
import type { AddressSpace } from '../../mm/address-space.js';
import type { PinnedRun } from '../../mm/mm-constants.js';
import type { VfioDma } from './dma.js';

function chargeable(runs: readonly PinnedRun[]): bigint {
  let pages = 0n;
  for (const r of runs) if (!r.mmio) pages += r.bytes >> 12n;
  return pages;
}

/**
 * Ordinary (chargeable) pages of [addr, addr+len) before the first page that cannot be
 * pinned: what vfio_pin_pages_remote charges, page by page, before it meets the fault.
 */
function chargeableBeforeFault(mm: AddressSpace, addr: bigint, len: bigint, write: boolean): bigint {
  let pages = 0n;
  const end = addr + len;
  // The fault lies inside the range, so every VMA walked before it ends inside the range too.
  // (A pin that failed for want of memory has no fault: the count may then run past the
  // range, and the answer is ENOMEM either way.)
  for (let a = addr; a < end; ) {
    const v = mm.find(a);
    if (v === undefined || (v.prot & PROT_READ) === 0 || (write && (v.prot & PROT_WRITE) === 0)) break;
    if (v.backing.kind !== 'device') pages += (v.end - a) >> 12n;
    a = v.end;
  }
  return pages;
}

function overLimit(k: Kernel, dma: VfioDma): Result<void> {
  k.trace.add('kernel', 'vfio_iommu_type1', `vfio_pin_pages_remote: RLIMIT_MEMLOCK (${dma.task.rlimitMemlock}) exceeded`);
  return fail('ENOMEM', 'vfio_pin_pages_remote: RLIMIT_MEMLOCK exceeded');
}

/**
 * Pin the pages of `dma` and charge them; EFAULT for a bad vaddr, ENOMEM over RLIMIT_MEMLOCK.
 * Linux pins and checks the limit page by page in address order, so whichever comes first
 * wins: pages before a fault that already exceed the limit make it ENOMEM, not EFAULT (a pin
 * that fails for want of memory is ENOMEM either way).
 */
export function pinDma(k: Kernel, dma: VfioDma): Result<void> {
  const mm = dma.task.mm;
  const limit = dma.task.rlimitMemlock >> 12n;
  const r = mm.pin(dma.vaddr, dma.size, dma.write);
  if (!r.ok) {
    if (!dma.lockCap && mm.lockedVm + chargeableBeforeFault(mm, dma.vaddr, dma.size, dma.write) > limit) return overLimit(k, dma);
    return r;
  }
  dma.runs = r.value;
  const pages = chargeable(r.value);
  if (!dma.lockCap && mm.lockedVm + pages > limit) {
    mm.unpin(dma.runs);
    dma.runs = null;
    return overLimit(k, dma);
  }
  mm.lockedVm += pages;
  dma.locked = pages;
  return okVoid();
}

/** Unpin and uncharge a pinned mapping (every mapping is pinned once MAP_DMA succeeds). */
export function unpinDma(k: Kernel, dma: VfioDma): void {
  dma.task.mm.unpin(dma.runs!);
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
