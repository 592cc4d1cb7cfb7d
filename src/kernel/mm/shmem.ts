/**
 * A shmem object (mm/shmem.c): the memory behind a MAP_SHARED anonymous mapping or a memfd.
 * Every mapping of it, in whichever process (after fork), sees the same frames; its pages
 * live as long as the object, not as long as one mapping.
 *
 * Invariants:
 * - `users` counts the VMAs and open files that refer to the object; the last put frees
 *   every frame (a pinned frame when its last pin goes, through the pin table).
 * - Pages are populated lazily, one block at a time (`blockPages` frames: 1, or a hugetlb
 *   page), and only below `size`; truncation frees whole blocks at or past the new end.
 */
import { fail, ok, type Result } from '../../base/result.js';
import { alignUp } from '../../base/u64.js';
import type { PinnedRun } from './mm-constants.js';
import type { FramePool } from './frames.js';
import type { PinTable } from './pin-table.js';

export class ShmemObject {
  /** Block index → first pfn of the block's frames. */
  private readonly blocks = new Map<number, number>();
  users = 1;
  /** How many VMAs map the object (for pagemap's PM_MMAP_EXCLUSIVE). */
  maps = 0;

  constructor(
    private readonly frames: FramePool,
    /** Clears the tail of a page cut by truncation. */
    private readonly zero: (pa: bigint, len: bigint) => void,
    /** The pin table of the creating process's family: frames are freed through it. */
    readonly pins: PinTable,
    /** i_size in bytes. */
    public size: bigint,
    readonly blockPages = 1,
    /** For traces and /proc: "memfd:NAME" or "/dev/zero (deleted)". */
    readonly name = '/dev/zero (deleted)',
  ) {}

  get(): this {
    this.users++;
    return this;
  }

  put(): void {
    if (--this.users > 0) return;
    this.truncate(0n);
  }

  /** One more VMA maps the object (mmap, a split, fork). */
  mapGet(): this {
    this.maps++;
    return this.get();
  }

  /** A VMA of the object went away. */
  mapPut(): void {
    this.maps--;
    this.put();
  }

  /** Bytes per block. */
  get blockBytes(): bigint {
    return BigInt(this.blockPages) << 12n;
  }

  /** The frame of page `idx`, or undefined when never populated. */
  frameAt(idx: number): number | undefined {
    const base = this.blocks.get(Math.floor(idx / this.blockPages));
    return base === undefined ? undefined : base + (idx % this.blockPages);
  }

  /** The frame of page `idx`, allocating its block; null beyond i_size or out of memory. */
  populate(idx: number): number | null {
    if (BigInt(idx) << 12n >= this.size) return null;
    const have = this.frameAt(idx);
    if (have !== undefined) return have;
    const blk = Math.floor(idx / this.blockPages);
    const base = this.frames.alloc(this.blockPages, this.blockPages);
    if (base === null) return null;
    this.blocks.set(blk, base);
    return base + (idx % this.blockPages);
  }

  /**
   * mapping_seek_hole_data (mm/filemap.c) over the object's 4 KiB pages (hugetlbfs files seek
   * with default_llseek and never come here), from `start` (>= 0): the first byte of a present
   * page (SEEK_DATA) or of a missing one (SEEK_HOLE), never past i_size (the virtual hole at
   * the end). A page is present once allocated — written, faulted in by a store, or pinned;
   * all such pages are uptodate, so all are data (folio_seek_hole_data). read(2) of a hole
   * (SGP_READ) allocates nothing, so it stays a hole. Not modelled: Linux's shmem_fault asks
   * for SGP_CACHE, so a CPU load through a mapping allocates the page too (data); the
   * simulator's load (AddressSpace.load) reads a hole as zeros without allocating. No page lies at or past i_size (populate and
   * truncate keep that). null (ENXIO) when `start` is at or past i_size, or for SEEK_DATA when
   * no page is present from `start` on.
   */
  seekHoleData(start: bigint, seekData: boolean): bigint | null {
    if (this.size <= start) return null;
    const first = Number(start >> 12n);
    let idx = first;
    if (seekData) {
      idx = Infinity;
      for (const page of this.blocks.keys()) if (page >= first && page < idx) idx = page;
      if (idx === Infinity) return null;
    } else {
      while (this.frameAt(idx) !== undefined) idx++;
    }
    if (idx === first) return start;
    const at = BigInt(idx) << 12n;
    return at < this.size ? at : this.size;
  }

  /**
   * shmem_setattr → shmem_truncate_range: drop the blocks wholly past the new size, and
   * zero the rest of a kept block past it (truncate_inode_partial_folio), so growing the
   * file again shows zeros there.
   */
  truncate(size: bigint): void {
    const keep = Number(alignUp(size, this.blockBytes) >> 12n) / this.blockPages;
    const tail = size % this.blockBytes;
    const base = tail === 0n ? undefined : this.blocks.get(keep - 1);
    if (base !== undefined && size < this.size) this.zero((BigInt(base) << 12n) + tail, this.blockBytes - tail);
    for (const [blk, base] of [...this.blocks]) {
      if (blk < keep) continue;
      this.blocks.delete(blk);
      this.pins.dropRun(base, this.blockPages);
    }
    this.size = size;
  }

  /**
   * memfd_pin_folios(): pin the pages of [start, start + len) (page aligned), allocating
   * missing ones; EINVAL when the range reaches i_size. Runs carry file offsets as `vaddr`.
   */
  pinRange(start: bigint, len: bigint): Result<PinnedRun[]> {
    if (len <= 0n || start + len - 1n >= this.size) return fail('EINVAL', 'memfd_pin_folios: range reaches past i_size');
    const runs: PinnedRun[] = [];
    const pinned: number[] = [];
    for (let off = start; off < start + len; off += 4096n) {
      const pfn = this.populate(Number(off >> 12n));
      if (pfn === null) {
        for (const p of pinned) this.pins.unpinFrame(p);
        return fail('ENOMEM', 'memfd_alloc_folio: out of memory');
      }
      this.pins.pinFrame(pfn);
      pinned.push(pfn);
      const pa = BigInt(pfn) << 12n;
      const last = runs[runs.length - 1];
      if (last !== undefined && last.pa + last.bytes === pa) runs[runs.length - 1] = { ...last, bytes: last.bytes + 4096n };
      else runs.push({ vaddr: off, pa, bytes: 4096n, mmio: false });
    }
    return ok(runs);
  }

  /** unpin_folios(): undo pinRange. */
  unpinRuns(runs: readonly PinnedRun[]): void {
    for (const r of runs) this.pins.unpinRun(Number(r.pa >> 12n), Number(r.bytes >> 12n));
  }

  /** Populated pages (for tests and /proc). */
  residentPages(): number {
    return this.blocks.size * this.blockPages;
  }
}
