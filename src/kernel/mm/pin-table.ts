/**
 * Page pin counts for one address space (Linux's page refcount as pin_user_pages uses it).
 *
 * What must always hold: a frame with a positive count stays allocated; a frame whose page
 * was unmapped while pinned (an orphan) is freed by its last unpin, and only then.
 *
 * The counts are per page, as Linux's are, but kept in chunks of CHUNK frames (a typed
 * array each, made on the first pin in the chunk; emptied chunks are dropped in bulk, as
 * re-creating one per pin of a lone page would cost more than the pin), and the operations
 * take runs of frames: pinning 1 GiB is 256 array loops, not 262,144 map
 * updates. The orphan mark is the count's top bit, so unmapping a pinned gigabyte costs no
 * set either. Frees are handed to the pool as contiguous runs.
 */
import type { FramePool } from './frames.js';

const CHUNK_SHIFT = 10;
/** Frames per chunk (4 MiB of memory; the array is 4 KiB). */
const CHUNK = 1 << CHUNK_SHIFT;
const ORPHAN = 0x80000000;
const COUNT = 0x7fffffff;

interface Chunk {
  readonly counts: Uint32Array;
  /** Frames of the chunk with a positive count. */
  live: number;
}

export class PinTable {
  private chunks = new Map<number, Chunk>();
  private pinnedNow = 0;
  /** Chunks whose every count is 0 (kept until there are many: see pruneChunks). */
  private emptyChunks = 0;

  constructor(private readonly frames: FramePool) {}

  /** Pin count of one frame (0 when unpinned). */
  count(pfn: number): number {
    const c = this.chunks.get(pfn >>> CHUNK_SHIFT);
    return c === undefined ? 0 : c.counts[pfn & (CHUNK - 1)]! & COUNT;
  }

  /** A page's frame leaves its mapping: free it now, or on its last unpin when pinned. */
  dropFrame(pfn: number): void {
    this.dropRun(pfn, 1);
  }

  /** dropFrame for the frames [pfn, pfn + n): the unpinned ones are freed in contiguous runs. */
  dropRun(pfn: number, n: number): void {
    let freeFrom = -1;
    for (let f = pfn; f < pfn + n; ) {
      const ci = f >>> CHUNK_SHIFT;
      const stop = Math.min(pfn + n, (ci + 1) * CHUNK);
      const c = this.chunks.get(ci);
      if (c === undefined) {
        if (freeFrom < 0) freeFrom = f;
        f = stop;
        continue;
      }
      for (; f < stop; f++) {
        const i = f & (CHUNK - 1);
        if ((c.counts[i]! & COUNT) === 0) {
          if (freeFrom < 0) freeFrom = f;
          continue;
        }
        c.counts[i] = c.counts[i]! | ORPHAN;
        if (freeFrom >= 0) this.frames.free(freeFrom, f - freeFrom);
        freeFrom = -1;
      }
    }
    if (freeFrom >= 0) this.frames.free(freeFrom, pfn + n - freeFrom);
  }

  pinFrame(pfn: number): void {
    this.pinRun(pfn, 1);
  }

  /** One more pin on each frame of [pfn, pfn + n). */
  pinRun(pfn: number, n: number): void {
    for (let f = pfn; f < pfn + n; ) {
      const ci = f >>> CHUNK_SHIFT;
      const stop = Math.min(pfn + n, (ci + 1) * CHUNK);
      let c = this.chunks.get(ci);
      if (c === undefined) {
        c = { counts: new Uint32Array(CHUNK), live: 0 };
        this.chunks.set(ci, c);
      } else if (c.live === 0) this.emptyChunks--;
      const counts = c.counts;
      let fresh = 0;
      for (let i = f & (CHUNK - 1), e = i + (stop - f); i < e; i++) {
        const v = counts[i]!;
        if ((v & COUNT) === 0) fresh++;
        counts[i] = v + 1;
      }
      c.live += fresh;
      this.pinnedNow += fresh;
      f = stop;
    }
  }

  unpinFrame(pfn: number): void {
    this.unpinRun(pfn, 1);
  }

  /** Drop one pin of each frame of [pfn, pfn + n) (unpinned frames are skipped); orphans reaching 0 are freed. */
  unpinRun(pfn: number, n: number): void {
    let freeFrom = -1;
    let f = pfn;
    const flush = (): void => {
      if (freeFrom >= 0) this.frames.free(freeFrom, f - freeFrom);
      freeFrom = -1;
    };
    while (f < pfn + n) {
      const ci = f >>> CHUNK_SHIFT;
      const stop = Math.min(pfn + n, (ci + 1) * CHUNK);
      const c = this.chunks.get(ci);
      if (c === undefined) {
        flush();
        f = stop;
        continue;
      }
      const counts = c.counts;
      const wasLive = c.live > 0;
      for (; f < stop; f++) {
        const i = f & (CHUNK - 1);
        const v = counts[i]!;
        if ((v & COUNT) === 0) {
          flush();
          continue;
        }
        if ((v & COUNT) > 1) {
          counts[i] = v - 1;
          flush();
          continue;
        }
        counts[i] = 0;
        c.live--;
        this.pinnedNow--;
        if (v & ORPHAN) {
          if (freeFrom < 0) freeFrom = f;
        } else flush();
      }
      if (wasLive && c.live === 0 && ++this.emptyChunks > 64 && this.emptyChunks > this.chunks.size / 2) this.pruneChunks();
    }
    flush();
  }

  /** Drop the empty chunks: O(chunks) once per many emptied ones, so amortised O(1). */
  private pruneChunks(): void {
    const live = new Map<number, Chunk>();
    for (const [ci, c] of this.chunks) if (c.live > 0) live.set(ci, c);
    this.chunks = live;
    this.emptyChunks = 0;
  }

  unpinFrames(pfns: number[]): void {
    for (const p of pfns) this.unpinRun(p, 1);
  }

  /** Number of frames currently pinned at least once. */
  get pinnedFrames(): number {
    return this.pinnedNow;
  }
}
