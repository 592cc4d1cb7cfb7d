/**
 * One user DMA mapping of the type1 backend (struct vfio_dma): [iova, iova+size) of the
 * container's IO address space translating to the pages behind [vaddr, vaddr+size) of the
 * owner's address space, pinned at MAP time while a hardware domain exists.
 *
 * Invariants: `runs` is non-null exactly when the pages are pinned; `locked` is the number of
 * pages charged to the owner's locked_vm (pinned non-MMIO pages); one mapping is one
 * dma_avail slot; mappings never overlap and are never merged.
 */
import type { PinnedRun } from '../../mm/mm-constants.js';
import type { Task } from '../../task.js';

export interface VfioDma {
  readonly iova: bigint;
  readonly size: bigint;
  vaddr: bigint;
  readonly read: boolean;
  readonly write: boolean;
  /** current->group_leader at MAP time (the charge goes there); moved by a VADDR update. */
  task: Task;
  /** capable(CAP_IPC_LOCK) at MAP time (frozen). */
  lockCap: boolean;
  runs: PinnedRun[] | null;
  locked: bigint;
  vaddrInvalid: boolean;
}

/** Inclusive last IOVA of a mapping. */
export function dmaLast(d: VfioDma): bigint {
  return d.iova + d.size - 1n;
}
