/**
 * Page pin counts for one address space (Linux's page refcount as pin_user_pages uses it).
 *
 * What must always hold: a frame with a positive count stays allocated; a frame whose page
 * was unmapped while pinned (an orphan) is freed by its last unpin, and only then.
 */
import type { FramePool } from './frames.js';

export class PinTable {
  /**
   * pfn → pin count. An unpinned frame keeps its key with count 0 (pruned in bulk): V8 Maps
   * leave deleted keys in their hash chains until a rehash, so deleting and re-adding the
   * same pfns in a map of ~64k entries made every pin cost ~28 µs (npm run bench).
   */
  private pinCount = new Map<number, number>();
  private pinnedNow = 0;
  private pinZeros = 0;
  /** Pinned frames whose page was unmapped: freed on their last unpin. */
  private readonly orphans = new Set<number>();

  constructor(private readonly frames: FramePool) {}

  /** A page's frame leaves its mapping: free it now, or on its last unpin when pinned. */
  dropFrame(pfn: number): void {
    if ((this.pinCount.get(pfn) ?? 0) > 0) this.orphans.add(pfn);
    else this.frames.free(pfn, 1);
  }

  pinFrame(pfn: number): void {
    const c = this.pinCount.get(pfn);
    if (c === undefined || c === 0) {
      this.pinnedNow++;
      if (c === 0) this.pinZeros--;
    }
    this.pinCount.set(pfn, (c ?? 0) + 1);
  }

  unpinFrame(pfn: number): void {
    const c = this.pinCount.get(pfn);
    if (c === undefined || c === 0) return;
    if (c > 1) {
      this.pinCount.set(pfn, c - 1);
      return;
    }
    this.pinCount.set(pfn, 0);
    this.pinnedNow--;
    if (++this.pinZeros > 1024 && this.pinZeros > this.pinnedNow) this.prunePinCounts();
    if (this.orphans.delete(pfn)) this.frames.free(pfn, 1);
  }

  unpinFrames(pfns: number[]): void {
    for (const p of pfns) this.unpinFrame(p);
  }

  /** Drop the zero entries: O(n) once per n unpins, so amortised O(1). */
  private prunePinCounts(): void {
    const live = new Map<number, number>();
    for (const [pfn, c] of this.pinCount) if (c > 0) live.set(pfn, c);
    this.pinCount = live;
    this.pinZeros = 0;
  }

  /** Number of frames currently pinned at least once. */
  get pinnedFrames(): number {
    return this.pinnedNow;
  }
}
