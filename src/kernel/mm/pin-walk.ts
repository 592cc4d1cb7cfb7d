/**
 * The second half of pin_user_pages for an address space (the first, in AddressSpace.pin,
 * checked every VMA): each page's frame is populated and pinned, and the result is folded
 * into physically contiguous runs (a populated block is pinned as one run, not page by page); device (PFN map) pages become MMIO runs, which are not
 * refcounted. Page numbers stay `number`s inside a run (a 1 GiB hugetlb page is 262144
 * pages); bigint only at run boundaries. On failure every pin taken is dropped.
 */
import { fail, ok, type Result } from '../../base/result.js';
import type { PinnedRun } from './mm-constants.js';
import type { Vma } from './vma.js';

const PAGE = 0x1000n;

export interface PinOps {
  find(a: bigint): Vma | undefined;
  /** The frame of `vpn`; `run.n` gets how many pages from it on (below `limit`) are backed contiguously. */
  populate(v: Vma, vpn: number, limit: number, run: { n: number }): number | null;
  /** One pin on each frame of [pfn, pfn + n). */
  pin(pfn: number, n: number): void;
  /** Undo pins taken: pfn, n, pfn, n, ... */
  unpin(pinned: readonly number[]): void;
}

export function pinWalk(ops: PinOps, addr: bigint, end: bigint): Result<PinnedRun[]> {
  const runs: PinnedRun[] = [];
  const pinned: number[] = []; // pfn, n pairs, flat
  const run = { n: 0 };
  // the open run of memory pages, in page numbers (bigint only at run boundaries: a 1 GiB
  // hugetlb page is 262144 pages); openN 0: none open. Plain locals, not an object and a
  // closure: a MAP_DMA of one page walks this once, and it is on every pin's path.
  let openVpn = 0;
  let openPfn = 0;
  let openN = 0;
  for (let a = addr; a < end; ) {
    const v = ops.find(a)!;
    const stop = v.end < end ? v.end : end;
    if (v.backing.kind === 'device') {
      if (openN > 0) runs.push(memoryRun(openVpn, openPfn, openN));
      openN = 0;
      if (!deviceRuns(v, a, stop, runs)) {
        ops.unpin(pinned);
        return fail('EFAULT', 'vaddr_get_pfns: no pfn behind the mapping');
      }
      a = stop;
      continue;
    }
    const lastVpn = Number(stop >> 12n);
    for (let vpn = Number(a >> 12n); vpn < lastVpn; ) {
      const pfn = ops.populate(v, vpn, lastVpn, run);
      if (pfn === null) {
        ops.unpin(pinned);
        return fail('ENOMEM', 'pin_user_pages: out of memory');
      }
      const n = run.n;
      ops.pin(pfn, n);
      const k = pinned.length;
      if (k > 0 && pinned[k - 2]! + pinned[k - 1]! === pfn) pinned[k - 1] = pinned[k - 1]! + n;
      else pinned.push(pfn, n);
      if (openN > 0 && openVpn + openN === vpn && openPfn + openN === pfn) openN += n;
      else {
        if (openN > 0) runs.push(memoryRun(openVpn, openPfn, openN));
        openVpn = vpn;
        openPfn = pfn;
        openN = n;
      }
      vpn += n;
    }
    a = stop;
  }
  if (openN > 0) runs.push(memoryRun(openVpn, openPfn, openN));
  return ok(runs);
}

function memoryRun(vpn: number, pfn: number, n: number): PinnedRun {
  return { vaddr: BigInt(vpn) << 12n, pa: BigInt(pfn) << 12n, bytes: BigInt(n) << 12n, mmio: false };
}

/** MMIO runs for the device pages [a, stop) of `v` (follow_pfnmap); false when one has no pfn. */
function deviceRuns(v: Vma, a: bigint, stop: bigint, runs: PinnedRun[]): boolean {
  if (v.backing.kind !== 'device') return false;
  for (; a < stop; a += PAGE) {
    const pa = v.backing.mapping.physAddr!(v.backing.pgoff + (a - v.start));
    if (pa === null) return false;
    const last = runs[runs.length - 1];
    if (last && last.mmio && last.pa + last.bytes === pa && last.vaddr + last.bytes === a) runs[runs.length - 1] = { ...last, bytes: last.bytes + PAGE };
    else runs.push({ vaddr: a, pa, bytes: PAGE, mmio: true });
  }
  return true;
}
