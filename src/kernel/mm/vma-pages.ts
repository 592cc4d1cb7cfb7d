/**
 * The pages behind memory VMAs: which frame backs a page (without or with allocating it),
 * and the release of anonymous pages when part of a VMA goes. An anonymous page's frame is
 * allocated with its whole block when the block lies inside the VMA (a hugetlb VMA: always,
 * and never a single page); a shmem VMA's frames belong to its object.
 */
import type { FramePool, PhysAccess } from './frames.js';
import { anonFrame, type AnonBacking, type Vma } from './vma.js';

/**
 * Free (or orphan, when pinned: `drop` decides) the frames of anonymous pages in [start, end);
 * a block wholly inside the range goes as one run.
 */
export function releaseAnon(b: AnonBacking, start: bigint, end: bigint, drop: (pfn: number, n: number) => void): void {
  const first = Number(start >> 12n);
  const last = Number(end >> 12n);
  const bp = b.blockPages;
  for (const [blk, base] of [...b.blocks]) {
    const bs = blk * bp;
    if (bs + bp <= first || bs >= last) continue;
    b.blocks.delete(blk);
    if (bs >= first && bs + bp <= last) {
      drop(base, bp);
      continue;
    }
    for (let k = 0; k < bp; k++) {
      const vpn = bs + k;
      if (vpn >= first && vpn < last) drop(base + k, 1);
      else b.pages.set(vpn, base + k);
    }
  }
  if (b.pages.size > 0) {
    for (const [vpn, pfn] of [...b.pages]) {
      if (vpn >= first && vpn < last) {
        b.pages.delete(vpn);
        drop(pfn, 1);
      }
    }
  }
}

/**
 * The frame behind a memory page, allocating it: a shmem object's page, or an anonymous
 * page (with its whole block when the block fits in the VMA; a hugetlb page always).
 */
export function populatePage(v: Vma, vpn: number, frames: FramePool, phys: PhysAccess, write: boolean): number | null {
  if (v.backing.kind === 'shmem') return populateShmem(v, vpn, frames, phys, write);
  if (v.backing.kind !== 'anon') return null;
  const b = v.backing;
  const have = anonFrame(b, vpn);
  if (have !== undefined) return have;
  const bp = b.blockPages;
  const blk = Math.floor(vpn / bp);
  const bs = BigInt(blk * bp) << 12n;
  if (b.hugetlb || (bs >= v.start && bs + (BigInt(bp) << 12n) <= v.end && !blockTouched(b.pages, blk, bp))) {
    const base = frames.alloc(bp, bp);
    if (base !== null) {
      b.blocks.set(blk, base);
      return base + (vpn - blk * bp);
    }
    if (b.hugetlb) return null;
  }
  const pfn = frames.alloc(1, 1);
  if (pfn === null) return null;
  b.pages.set(vpn, pfn);
  return pfn;
}

/**
 * populatePage for `vpn` and, when it lies in an anonymous block, the pages after it up to
 * `limit` (exclusive) in the same block: returns the first pfn and sets `run.n` to the pages.
 * One call per block instead of one per page; null when memory runs out.
 */
export function populateRun(v: Vma, vpn: number, limit: number, frames: FramePool, phys: PhysAccess, write: boolean, run: { n: number }): number | null {
  if (v.backing.kind === 'anon') {
    const b = v.backing;
    const blk = Math.floor(vpn / b.blockPages);
    let base = b.blocks.get(blk);
    if (base === undefined) {
      const pfn = populatePage(v, vpn, frames, phys, write);
      base = b.blocks.get(blk);
      if (pfn === null || base === undefined) {
        run.n = 1;
        return pfn;
      }
    }
    run.n = Math.min(limit, (blk + 1) * b.blockPages) - vpn;
    return base + (vpn - blk * b.blockPages);
  }
  run.n = 1;
  return populatePage(v, vpn, frames, phys, write);
}

/**
 * A shmem VMA's page: the object's, or — a write to a MAP_PRIVATE mapping (do_cow_fault) —
 * a private copy of it, allocated once and kept in the VMA's overlay.
 */
function populateShmem(v: Vma, vpn: number, frames: FramePool, phys: PhysAccess, write: boolean): number | null {
  if (v.backing.kind !== 'shmem') return null;
  const { obj, cow, pgoff } = v.backing;
  const idx = objIndex(v.start, pgoff, vpn);
  if (cow !== null) {
    const mine = anonFrame(cow, vpn);
    if (mine !== undefined || !write) return mine ?? obj.populate(idx);
  }
  const src = obj.populate(idx);
  if (cow === null || src === null) return src;
  const pfn = frames.alloc(1, 1);
  if (pfn === null) return null;
  phys.copy(BigInt(pfn) << 12n, BigInt(src) << 12n, 4096);
  cow.pages.set(vpn, pfn);
  return pfn;
}

/** The object page behind `vpn` of a shmem VMA starting at `start` with offset `pgoff`. */
function objIndex(start: bigint, pgoff: bigint, vpn: number): number {
  return Number((pgoff + (BigInt(vpn) << 12n) - start) >> 12n);
}

function blockTouched(pages: Map<number, number>, blk: number, bp: number): boolean {
  if (pages.size === 0) return false;
  for (let k = 0; k < bp; k++) if (pages.has(blk * bp + k)) return true;
  return false;
}

/** The frame behind a memory page without allocating, or undefined. */
export function frameOf(v: Vma, a: bigint): number | undefined {
  if (v.backing.kind === 'anon') return anonFrame(v.backing, Number(a >> 12n));
  if (v.backing.kind === 'shmem') {
    const mine = v.backing.cow === null ? undefined : anonFrame(v.backing.cow, Number(a >> 12n));
    return mine ?? v.backing.obj.frameAt(Number((v.backing.pgoff + a - v.start) >> 12n));
  }
  return undefined;
}

/** Is `a` beyond the end of the shmem object behind `v` (an access there is SIGBUS)? */
export function beyondObject(v: Vma, a: bigint): boolean {
  return v.backing.kind === 'shmem' && v.backing.pgoff + (a - v.start) >= v.backing.obj.size;
}

/** A run of populated pages contiguous both virtually and physically. */
export interface FrameRun {
  readonly vpn: number;
  readonly pfn: number;
  readonly n: number;
}

/**
 * The populated frames behind pages [vpn, limit) of a memory VMA, as runs (no allocation);
 * an anonymous block is looked up once, not page by page.
 */
export function frameRunsOf(v: Vma, vpn: number, limit: number, out: FrameRun[]): void {
  const push = (at: number, pfn: number, n: number): void => {
    const last = out[out.length - 1];
    if (last !== undefined && last.vpn + last.n === at && last.pfn + last.n === pfn) out[out.length - 1] = { vpn: last.vpn, pfn: last.pfn, n: last.n + n };
    else out.push({ vpn: at, pfn, n });
  };
  while (vpn < limit) {
    const b = v.backing.kind === 'anon' ? v.backing : null;
    const base = b === null ? undefined : b.blocks.get(Math.floor(vpn / b.blockPages));
    if (b !== null && base !== undefined) {
      const n = Math.min(limit, (Math.floor(vpn / b.blockPages) + 1) * b.blockPages) - vpn;
      push(vpn, base + (vpn % b.blockPages), n);
      vpn += n;
      continue;
    }
    const pfn = frameOf(v, BigInt(vpn) << 12n);
    if (pfn !== undefined) push(vpn, pfn, 1);
    vpn++;
  }
}
