/**
 * External frames: physical page frames whose bytes live outside the simulator — the pages
 * of a real program run under `vfio-sim exec`. PhysMem routes every access to such a frame
 * to its backend, so a device's DMA into a pinned page reads and writes the program's own
 * memory, synchronously, as a real device writes the page the program mapped.
 *
 * Invariants: a frame has at most one backend; a backend is handed runs of frames it owns
 * (0 <= off < FRAME_SIZE in the first frame). The table is owned by one PhysMem and kept as sorted
 * extents, so attaching a gigabyte is one entry.
 */
export const FRAME_SHIFT = 12;
export const FRAME_SIZE = 1 << FRAME_SHIFT;

/**
 * Where the bytes of external frames are. An access starts at byte `off` of frame `pfn` and
 * may run on into the following frames (pfn + 1, ...) when they have the same backend.
 */
export interface FrameBackend {
  /** Copy `len` bytes from byte `off` of frame `pfn` on into `dst[dstOff..]`. */
  read(pfn: number, off: number, dst: Uint8Array, dstOff: number, len: number): void;
  /** Copy `src[srcOff..srcOff+len)` to byte `off` of frame `pfn` on. */
  write(pfn: number, off: number, src: Uint8Array, srcOff: number, len: number): void;
}

export class ExternalFrames {
  /** Extents of attached frames, sorted and disjoint: [starts[i], ends[i]) go to owners[i]. */
  private readonly starts: number[] = [];
  private readonly ends: number[] = [];
  private readonly owners: FrameBackend[] = [];
  private frames = 0;

  /** Number of attached frames. */
  get size(): number {
    return this.frames;
  }

  attach(pfn: number, backend: FrameBackend): void {
    this.attachRun(pfn, 1, backend);
  }

  /** Attach frames [pfn, pfn + n) to `backend` (replacing any other backend of theirs). */
  attachRun(pfn: number, n: number, backend: FrameBackend): void {
    if (n <= 0) return;
    this.detachRun(pfn, n);
    let i = this.after(pfn);
    let s = pfn;
    let e = pfn + n;
    if (i > 0 && this.ends[i - 1] === s && this.owners[i - 1] === backend) {
      s = this.starts[i - 1]!;
      this.remove(--i);
    }
    if (i < this.starts.length && this.starts[i] === e && this.owners[i] === backend) {
      e = this.ends[i]!;
      this.remove(i);
    }
    this.starts.splice(i, 0, s);
    this.ends.splice(i, 0, e);
    this.owners.splice(i, 0, backend);
    this.frames += e - s;
  }

  detach(pfn: number): void {
    this.detachRun(pfn, 1);
  }

  /** Frames [pfn, pfn + n) are simulated RAM again. */
  detachRun(pfn: number, n: number): void {
    const end = pfn + n;
    let i = Math.max(0, this.after(pfn) - 1);
    while (i < this.starts.length && this.starts[i]! < end) {
      const s = this.starts[i]!;
      const e = this.ends[i]!;
      if (e <= pfn) {
        i++;
        continue;
      }
      const b = this.owners[i]!;
      this.remove(i);
      if (s < pfn) this.insert(i++, s, pfn, b);
      if (e > end) this.insert(i++, end, e, b);
    }
  }

  backend(pfn: number): FrameBackend | undefined {
    const i = this.after(pfn) - 1;
    return i >= 0 && pfn < this.ends[i]! ? this.owners[i] : undefined;
  }

  /** True when some frame of [pa, pa + len) is external. */
  touches(pa: number, len: number): boolean {
    if (this.frames === 0 || len === 0) return false;
    const first = Math.floor(pa / FRAME_SIZE);
    const last = Math.floor((pa + len - 1) / FRAME_SIZE);
    const i = this.after(last) - 1;
    return i >= 0 && this.ends[i]! > first;
  }

  /**
   * Split [pa, pa + len) into runs of frames with one backend (or none): external runs go to
   * their backend in one call, the others to `local(pa, bufOff, n)`.
   */
  each(pa: number, len: number, ext: (b: FrameBackend, pfn: number, off: number, bufOff: number, n: number) => void, local: (pa: number, bufOff: number, n: number) => void): void {
    let done = 0;
    while (done < len) {
      const a = pa + done;
      const pfn = Math.floor(a / FRAME_SIZE);
      const off = a - pfn * FRAME_SIZE;
      const i = this.after(pfn) - 1;
      const inside = i >= 0 && pfn < this.ends[i]!;
      // up to the end of this extent, or to the start of the next one
      const limitPfn = inside ? this.ends[i]! : i + 1 < this.starts.length ? this.starts[i + 1]! : Infinity;
      const n = Math.min(len - done, limitPfn * FRAME_SIZE - a);
      if (inside) ext(this.owners[i]!, pfn, off, done, n);
      else local(a, done, n);
      done += n;
    }
  }

  /** Index of the first extent starting after `pfn`. */
  private after(pfn: number): number {
    let lo = 0;
    let hi = this.starts.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (this.starts[mid]! <= pfn) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  private remove(i: number): void {
    this.frames -= this.ends[i]! - this.starts[i]!;
    this.starts.splice(i, 1);
    this.ends.splice(i, 1);
    this.owners.splice(i, 1);
  }

  private insert(i: number, s: number, e: number, b: FrameBackend): void {
    this.starts.splice(i, 0, s);
    this.ends.splice(i, 0, e);
    this.owners.splice(i, 0, b);
    this.frames += e - s;
  }
}
