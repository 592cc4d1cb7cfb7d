/**
 * External frames: physical page frames whose bytes live outside the simulator — the pages
 * of a real program run under `vfio-sim exec`. PhysMem routes every access to such a frame
 * to its backend, so a device's DMA into a pinned page reads and writes the program's own
 * memory, synchronously, as a real device writes the page the program mapped.
 *
 * Invariants: a frame has at most one backend; a backend sees offsets within one frame
 * (0 <= off, off + len <= FRAME_SIZE). The table is owned by one PhysMem.
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
  private readonly backends = new Map<number, FrameBackend>();

  get size(): number {
    return this.backends.size;
  }

  attach(pfn: number, backend: FrameBackend): void {
    this.backends.set(pfn, backend);
  }

  detach(pfn: number): void {
    this.backends.delete(pfn);
  }

  backend(pfn: number): FrameBackend | undefined {
    return this.backends.get(pfn);
  }

  /** True when some frame of [pa, pa + len) is external. */
  touches(pa: number, len: number): boolean {
    if (this.backends.size === 0 || len === 0) return false;
    const first = Math.floor(pa / FRAME_SIZE);
    const last = Math.floor((pa + len - 1) / FRAME_SIZE);
    if (last - first + 1 > this.backends.size) {
      for (const pfn of this.backends.keys()) if (pfn >= first && pfn <= last) return true;
      return false;
    }
    for (let f = first; f <= last; f++) if (this.backends.has(f)) return true;
    return false;
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
      const b = this.backends.get(pfn);
      let n = Math.min(len - done, FRAME_SIZE - off);
      while (done + n < len && this.backends.get(pfn + Math.ceil((off + n) / FRAME_SIZE)) === b) n = Math.min(len - done, n + FRAME_SIZE);
      if (b !== undefined) ext(b, pfn, off, done, n);
      else local(a, done, n);
      done += n;
    }
  }
}
