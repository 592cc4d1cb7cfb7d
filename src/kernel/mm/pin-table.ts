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
 * updates. A chunk that a run covers whole keeps one count for all its frames (no array)
 * until a partial run or an unmap needs them apart; and a run covering a whole aligned
 * gigabyte with no chunk in it keeps one count for the gigabyte (a "big" entry, split into
 * uniform chunks when touched otherwise), so pinning terabytes of 1 GiB pages costs a step
 * per gigabyte, not per page. The orphan mark is the count's top bit, so unmapping a pinned gigabyte costs no
 * set either. Frees are handed to the pool as contiguous runs.
 */
import type { FramePool } from './frames.js';

const CHUNK_SHIFT = 10;
/** Frames per chunk (4 MiB of memory; the array is 4 KiB). */
const CHUNK = 1 << CHUNK_SHIFT;
/** Chunks per big entry: 256, one gigabyte of frames. */
const BIG_CHUNKS_SHIFT = 8;
const BIG_SHIFT = CHUNK_SHIFT + BIG_CHUNKS_SHIFT;
const BIG = 1 << BIG_SHIFT;
const ORPHAN = 0x80000000;
const COUNT = 0x7fffffff;

interface Chunk {
  /** Per-frame counts; null while every frame has the count `uniform` (and none is an orphan). */
  counts: Uint32Array | null;
  uniform: number;
  /** Frames of the chunk with a positive count. */
  live: number;
}

/** The chunk's per-frame counts, made from its uniform count when it has none yet. */
function countsOf(c: Chunk): Uint32Array {
  if (c.counts === null) c.counts = new Uint32Array(CHUNK).fill(c.uniform);
  return c.counts;
}

export class PinTable {
  private chunks = new Map<number, Chunk>();
  /** Pin counts (> 0) of whole gigabytes that have no chunk, by frame >> BIG_SHIFT. */
  private readonly bigs = new Map<number, number>();
  private pinnedNow = 0;
  /** Chunks whose every count is 0 (kept until there are many: see pruneChunks). */
  private emptyChunks = 0;

  constructor(private readonly frames: FramePool) {}

  /** Pin count of one frame (0 when unpinned). */
  count(pfn: number): number {
    // a read changes nothing: a big entry answers for its gigabyte without being split
    const big = this.bigs.size === 0 ? undefined : this.bigs.get(pfn >>> BIG_SHIFT);
    if (big !== undefined) return big;
    const c = this.chunks.get(pfn >>> CHUNK_SHIFT);
    if (c === undefined) return 0;
    return c.counts === null ? c.uniform : c.counts[pfn & (CHUNK - 1)]! & COUNT;
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
      const c = this.chunkAt(ci);
      if (c === undefined || (c.counts === null && c.uniform === 0)) {
        if (freeFrom < 0) freeFrom = f;
        f = stop;
        continue;
      }
      const counts = countsOf(c);
      for (; f < stop; f++) {
        const i = f & (CHUNK - 1);
        if ((counts[i]! & COUNT) === 0) {
          if (freeFrom < 0) freeFrom = f;
          continue;
        }
        counts[i] = counts[i]! | ORPHAN;
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
      if ((f & (BIG - 1)) === 0 && pfn + n - f >= BIG && this.pinBig(f >>> BIG_SHIFT)) {
        f += BIG;
        continue;
      }
      const ci = f >>> CHUNK_SHIFT;
      const stop = Math.min(pfn + n, (ci + 1) * CHUNK);
      const whole = stop - f === CHUNK;
      let c = this.chunkAt(ci);
      if (c === undefined) {
        c = { counts: whole ? null : new Uint32Array(CHUNK), uniform: 0, live: 0 };
        this.chunks.set(ci, c);
      } else if (c.live === 0) this.emptyChunks--;
      if (whole && c.counts === null) {
        if (c.uniform++ === 0) {
          c.live = CHUNK;
          this.pinnedNow += CHUNK;
        }
        f = stop;
        continue;
      }
      const counts = countsOf(c);
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
      if ((f & (BIG - 1)) === 0 && pfn + n - f >= BIG && this.bigs.has(f >>> BIG_SHIFT)) {
        flush(); // a big entry has no orphan either
        this.unpinBig(f >>> BIG_SHIFT);
        f += BIG;
        continue;
      }
      const ci = f >>> CHUNK_SHIFT;
      const stop = Math.min(pfn + n, (ci + 1) * CHUNK);
      const c = this.chunkAt(ci);
      if (c === undefined || (c.counts === null && (c.uniform === 0 || stop - f === CHUNK))) {
        flush(); // no orphan in a chunk without per-frame counts, so nothing of it is freed
        if (c !== undefined && c.uniform > 0 && --c.uniform === 0) this.emptied(c, CHUNK);
        f = stop;
        continue;
      }
      const counts = countsOf(c);
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

  /** Chunk `ci`, after splitting the big entry over it (if any) into uniform chunks. */
  private chunkAt(ci: number): Chunk | undefined {
    if (this.bigs.size !== 0) {
      const bi = ci >>> BIG_CHUNKS_SHIFT;
      const u = this.bigs.get(bi);
      if (u !== undefined) {
        this.bigs.delete(bi);
        for (let k = 0; k < 1 << BIG_CHUNKS_SHIFT; k++) this.chunks.set((bi << BIG_CHUNKS_SHIFT) + k, { counts: null, uniform: u, live: CHUNK });
      }
    }
    return this.chunks.get(ci);
  }

  /** One more pin on the gigabyte `bi` as a big entry; false when it has chunks (pin those instead). */
  private pinBig(bi: number): boolean {
    const u = this.bigs.get(bi);
    if (u === undefined) {
      for (let k = 0; k < 1 << BIG_CHUNKS_SHIFT; k++) if (this.chunks.has((bi << BIG_CHUNKS_SHIFT) + k)) return false;
      this.pinnedNow += BIG;
    }
    this.bigs.set(bi, (u ?? 0) + 1);
    return true;
  }

  private unpinBig(bi: number): void {
    const u = this.bigs.get(bi)!;
    if (u > 1) this.bigs.set(bi, u - 1);
    else {
      this.bigs.delete(bi);
      this.pinnedNow -= BIG;
    }
  }

  /** A uniform chunk's last pins dropped: its `n` frames are unpinned, none freed. */
  private emptied(c: Chunk, n: number): void {
    c.live = 0;
    this.pinnedNow -= n;
    if (++this.emptyChunks > 64 && this.emptyChunks > this.chunks.size / 2) this.pruneChunks();
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
