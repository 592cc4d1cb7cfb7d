/**
 * The backing of one IOMMU_IOAS_MAP (struct iopt_pages, pages.c): a user VA range of the
 * process that made the mapping, pinned lazily and charged to RLIMIT_MEMLOCK once, however
 * many areas (COPY, compat cuts) and domains share it.
 *
 * Invariants:
 *  - each page of the source is pinned at most once, while at least one area (or access)
 *    whose index range covers it holds it; pages no area holds are not pinned — a COPY of
 *    one page out of a large mapping pins and charges that page only.
 *  - `charged` pages are counted in the account the mode names (per-UID
 *    locked_vm for 'user', the source mm's locked_vm for 'mm', nothing for 'none') and in
 *    the source mm's pinned_vm in every mode (do_update_pinned()).
 */
import { fail, ok, okVoid, type Result } from '../../base/result.js';
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

/** A run of pages pinned together, with how many areas/accesses hold each of them. */
interface PinSpan {
  /** First and last page index (from the page holding `uva`), inclusive. */
  first: bigint;
  last: bigint;
  refs: number;
  runs: PinnedRun[];
}

/** Split `runs` (ascending by vaddr) at source address `va`: [below, at-or-above]. */
function splitRuns(runs: readonly PinnedRun[], va: bigint): [PinnedRun[], PinnedRun[]] {
  const lo: PinnedRun[] = [];
  const hi: PinnedRun[] = [];
  for (const r of runs) {
    if (r.vaddr + r.bytes <= va) lo.push(r);
    else if (r.vaddr >= va) hi.push(r);
    else {
      const cut = va - r.vaddr;
      lo.push({ ...r, bytes: cut });
      hi.push({ ...r, vaddr: va, pa: r.pa + cut, bytes: r.bytes - cut });
    }
  }
  return [lo, hi];
}

function cpuPages(runs: readonly PinnedRun[]): bigint {
  let n = 0n;
  for (const r of runs) if (!r.mmio) n += r.bytes / PAGE_SIZE_N;
  return n;
}

export class IoptPages {
  /** Pinned page spans, disjoint and ascending (the kernel's pinned-pfn interval trees). */
  private spans: PinSpan[] = [];
  /** Pages currently charged (npinned / last_npinned). */
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

  private get base(): bigint {
    return alignDown(this.uva, PAGE_SIZE_N);
  }

  /** Page index range of source bytes [off, off + len) (iopt_area_index / iopt_area_last_index). */
  private index(off: bigint, len: bigint): [bigint, bigint] {
    const s = alignDown(this.uva + off, PAGE_SIZE_N);
    const e = alignUp(this.uva + off + len, PAGE_SIZE_N);
    return [(s - this.base) / PAGE_SIZE_N, (e - this.base) / PAGE_SIZE_N - 1n];
  }

  /** Whether any page is pinned. */
  get pinned(): boolean {
    return this.spans.length > 0;
  }

  /** Make page index `at` the first page of a span when a span straddles it. */
  private splitAt(at: bigint): void {
    const i = this.spans.findIndex((s) => s.first < at && at <= s.last);
    if (i < 0) return;
    const s = this.spans[i]!;
    const [lo, hi] = splitRuns(s.runs, this.base + at * PAGE_SIZE_N);
    this.spans.splice(i, 1, { first: s.first, last: at - 1n, refs: s.refs, runs: lo }, { first: at, last: s.last, refs: s.refs, runs: hi });
  }

  /** Index ranges inside [first, last] that no span covers. */
  private holes(first: bigint, last: bigint): Array<[bigint, bigint]> {
    const out: Array<[bigint, bigint]> = [];
    let cur = first;
    for (const s of this.spans) {
      if (s.last < cur || s.first > last) continue;
      if (s.first > cur) out.push([cur, s.first - 1n]);
      cur = s.last + 1n;
    }
    if (cur <= last) out.push([cur, last]);
    return out;
  }

  /** Pin one hole; iommufd's pin_user_pages_remote() refuses VM_IO | VM_PFNMAP (EFAULT). */
  private pinHole(first: bigint, last: bigint): Result<PinnedRun[]> {
    const r = this.pin(this.base + first * PAGE_SIZE_N, (last - first + 1n) * PAGE_SIZE_N);
    if (!r.ok) return fail(r.code, `pfn_reader_fill_span: ${r.why ?? 'pin_user_pages failed'}`);
    // only type1's vaddr_get_pfns() follows a device BAR mmap (check_vma_flags: EFAULT)
    if (r.value.some((run) => run.mmio)) {
      this.unpin(r.value);
      return fail('EFAULT', 'pin_user_pages_remote: VM_IO | VM_PFNMAP mapping (a device BAR) cannot be pinned');
    }
    return ok(r.value);
  }

  /**
   * Pin the pages under source bytes [off, off + len) for one area (iopt_area_fill_domains →
   * the pfn reader over the area's index range): pages another area already holds are
   * shared, only the others are pinned and charged (EFAULT, ENOMEM). All or nothing.
   */
  acquire(off: bigint, len: bigint): Result<void> {
    const [first, last] = this.index(off, len);
    const fresh: PinSpan[] = [];
    const undo = (): void => {
      for (const f of fresh) this.unpin(f.runs);
    };
    for (const [a, b] of this.holes(first, last)) {
      const r = this.pinHole(a, b);
      if (!r.ok) {
        undo();
        return r;
      }
      fresh.push({ first: a, last: b, refs: 1, runs: r.value });
    }
    let pages = 0n;
    for (const f of fresh) pages += cpuPages(f.runs);
    const c = this.charge(pages);
    if (!c.ok) {
      undo();
      return c;
    }
    this.splitAt(first);
    this.splitAt(last + 1n);
    for (const s of this.spans) if (s.first >= first && s.last <= last) s.refs++;
    this.spans.push(...fresh);
    this.spans.sort((x, y) => (x.first < y.first ? -1 : 1));
    this.charged += pages;
    return okVoid();
  }

  /** Drop one area's hold on [off, off + len); pages nobody holds any more are unpinned and uncharged. */
  release(off: bigint, len: bigint): void {
    const [first, last] = this.index(off, len);
    this.splitAt(first);
    this.splitAt(last + 1n);
    const keep: PinSpan[] = [];
    let freed = 0n;
    for (const s of this.spans) {
      if (s.first >= first && s.last <= last && --s.refs === 0) {
        this.unpin(s.runs);
        freed += cpuPages(s.runs);
      } else keep.push(s);
    }
    this.spans = keep;
    this.uncharge(freed);
    this.charged -= freed;
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
    for (const run of this.spans.flatMap((x) => x.runs)) {
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
