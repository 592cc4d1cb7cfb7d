/**
 * The backing of one IOMMU_IOAS_MAP (struct iopt_pages, pages.c): a user VA range of the
 * process that made the mapping, pinned lazily and charged to RLIMIT_MEMLOCK once, however
 * many areas (COPY, compat cuts) and domains share it.
 *
 * Invariants:
 *  - `runs !== null` exactly while `pinRefs > 0`; the pinned range is the page-aligned span
 *    of [uva, uva + length).
 *  - while pinned, `charged` pages are counted in the account the mode names (per-UID
 *    locked_vm for 'user', the source mm's locked_vm for 'mm', nothing for 'none') and in
 *    the source mm's pinned_vm in every mode (do_update_pinned()).
 */
import { fail, okVoid, type Result } from '../../base/result.js';
import { alignDown, alignUp, PAGE_SIZE_N } from '../../base/u64.js';
import type { Kernel } from '../kernel.js';
import type { PinnedRun } from '../mm/mm-constants.js';
import type { ShmemObject } from '../mm/shmem.js';
import type { Task } from '../task.js';

/** How a source object is charged (enum iopt_pages_account_mode). */
export type AccountMode = 'none' | 'user' | 'mm';

/** Per-UID locked_vm (`Kernel.userLockedVm`, struct user_struct's count). */
export function userLockedVm(k: Kernel, uid: number): bigint {
  return k.userLockedVm.get(uid) ?? 0n;
}

function addUserLocked(k: Kernel, uid: number, delta: bigint): void {
  k.userLockedVm.set(uid, userLockedVm(k, uid) + delta);
}

/** One contiguous physical piece of an area's backing. */
export interface PhysSegment {
  readonly pa: bigint;
  readonly bytes: bigint;
}

export class IoptPages {
  pinRefs = 0;
  runs: PinnedRun[] | null = null;
  charged = 0n;

  constructor(
    readonly task: Task,
    readonly uva: bigint,
    readonly length: bigint,
    /** Mapped WRITEABLE: pinning asks for write access; COPY may hand write access on. */
    readonly writable: boolean,
    public account: AccountMode,
    /**
     * IOMMU_IOAS_MAP_FILE's source (IOPT_ADDRESS_FILE): the memfd's shmem object, or null for
     * a file that is not one (pinning then fails as memfd_pin_folios does). `uva` is then
     * the file offset. undefined: a user VA range of `task`.
     */
    readonly file?: ShmemObject | null,
  ) {}

  private pin(start: bigint, len: bigint): Result<PinnedRun[]> {
    if (this.file === undefined) return this.task.mm.pin(start, len, this.writable);
    if (this.file === null) return fail('EINVAL', 'memfd_pin_folios: not a memfd or hugetlbfs file');
    return this.file.pinRange(start, len);
  }

  private unpin(runs: readonly PinnedRun[]): void {
    if (this.file === undefined) this.task.mm.unpin(runs);
    else this.file?.unpinRuns(runs);
  }

  private get span(): [bigint, bigint] {
    return [alignDown(this.uva, PAGE_SIZE_N), alignUp(this.uva + this.length, PAGE_SIZE_N)];
  }

  /** Take a pin reference; the first one pins and charges (EFAULT, ENOMEM). */
  acquire(): Result<void> {
    if (this.pinRefs > 0) {
      this.pinRefs++;
      return okVoid();
    }
    const [s, e] = this.span;
    const r = this.pin(s, e - s);
    if (!r.ok) return fail(r.code, `iopt_pages_fill: ${r.why ?? 'pin_user_pages failed'}`);
    // iommufd pins with pin_user_pages_remote(), which refuses VM_IO | VM_PFNMAP areas such
    // as an mmap'd BAR (check_vma_flags: EFAULT); only type1's vaddr_get_pfns() follows them
    if (r.value.some((run) => run.mmio)) {
      this.unpin(r.value);
      return fail('EFAULT', 'pin_user_pages_remote: VM_IO | VM_PFNMAP mapping (a device BAR) cannot be pinned');
    }
    let pages = 0n;
    for (const run of r.value) if (!run.mmio) pages += run.bytes / PAGE_SIZE_N;
    const c = this.charge(pages);
    if (!c.ok) {
      this.unpin(r.value);
      return c;
    }
    this.runs = r.value;
    this.charged = pages;
    this.pinRefs = 1;
    return okVoid();
  }

  /** Drop a pin reference; the last one unpins and uncharges. */
  release(): void {
    if (this.pinRefs === 0) return;
    if (--this.pinRefs > 0) return;
    this.unpin(this.runs!);
    this.uncharge(this.charged);
    this.runs = null;
    this.charged = 0n;
  }

  /** do_update_pinned(): check and charge `pages` (ENOMEM past RLIMIT_MEMLOCK). */
  private charge(pages: bigint): Result<void> {
    const k = this.task.kernel;
    const limit = this.task.rlimitMemlock >> 12n;
    if (this.account === 'user') {
      const cur = userLockedVm(k, this.task.cred.uid);
      if (cur + pages > limit) return fail('ENOMEM', 'incr_user_locked_vm: RLIMIT_MEMLOCK exceeded');
      addUserLocked(k, this.task.cred.uid, pages);
    } else if (this.account === 'mm') {
      if (this.task.mm.lockedVm + pages > limit) return fail('ENOMEM', '__account_locked_vm: RLIMIT_MEMLOCK exceeded');
      this.task.mm.lockedVm += pages;
    }
    this.task.mm.pinnedVm += pages;
    return okVoid();
  }

  private uncharge(pages: bigint): void {
    if (this.account === 'user') addUserLocked(this.task.kernel, this.task.cred.uid, -pages);
    else if (this.account === 'mm') this.task.mm.lockedVm -= pages;
    this.task.mm.pinnedVm -= pages;
  }

  /** Physically contiguous pieces of [off, off + len) of the source (must be pinned). */
  segments(off: bigint, len: bigint): PhysSegment[] {
    const out: PhysSegment[] = [];
    let va = this.uva + off;
    const end = va + len;
    for (const run of this.runs ?? []) {
      if (va >= end) break;
      const runEnd = run.vaddr + run.bytes;
      if (runEnd <= va || run.vaddr >= end) continue;
      const take = (end < runEnd ? end : runEnd) - va;
      const pa = run.pa + (va - run.vaddr);
      const last = out[out.length - 1];
      if (last !== undefined && last.pa + last.bytes === pa) out[out.length - 1] = { pa: last.pa, bytes: last.bytes + take };
      else out.push({ pa, bytes: take });
      va += take;
    }
    return out;
  }
}

/** The accounting mode a new source object gets (iopt_alloc_pages + iommufd's account_mode). */
export function accountModeFor(task: Task, ctxMode: 'user' | 'mm'): AccountMode {
  if (task.capable('CAP_IPC_LOCK')) return 'none';
  return ctxMode;
}
