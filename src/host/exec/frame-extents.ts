/**
 * Which simulated frames stand for which bytes of a real program: extents sorted by pfn,
 * each a run of frames backed either by the program's pages from a virtual address on
 * (/proc/<pid>/mem) or by a file the server opened (a memfd the program shares) from a
 * position on. Extents are disjoint; neighbours that continue each other are merged.
 */
export interface Extent {
  readonly pfn: number;
  readonly n: number;
  /** The program's address of the first page. */
  readonly va: number;
  /** The server's fd of the file holding the pages, or -1 for /proc/<pid>/mem at `va`. */
  readonly file: number;
  /** Position in `file` of the first page (unused when file is -1). */
  readonly pos: number;
}

const PAGE = 4096;

export class FrameExtents {
  private readonly list: Extent[] = [];

  get length(): number {
    return this.list.length;
  }

  at(i: number): Extent {
    return this.list[i]!;
  }

  /** Index of the first extent starting after `pfn` (so the one containing it, if any, is just before). */
  after(pfn: number): number {
    let lo = 0;
    let hi = this.list.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (this.list[mid]!.pfn <= pfn) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  /** The extent holding `pfn`, or undefined. */
  find(pfn: number): Extent | undefined {
    const e = this.list[this.after(pfn) - 1];
    return e !== undefined && pfn < e.pfn + e.n ? e : undefined;
  }

  /** Add frames that are in no extent. */
  add(x: Extent): void {
    const i = this.after(x.pfn);
    const prev = this.list[i - 1];
    if (prev !== undefined && continues(prev, x)) this.list[i - 1] = { ...prev, n: prev.n + x.n };
    else this.list.splice(i, 0, x);
  }

  /** Remove frames [pfn, pfn + n) from whatever extents hold them. */
  remove(pfn: number, n: number): void {
    for (let i = Math.max(0, this.after(pfn) - 1); i < this.list.length && this.list[i]!.pfn < pfn + n; ) {
      const x = this.list[i]!;
      const end = x.pfn + x.n;
      if (end <= pfn) {
        i++;
        continue;
      }
      this.list.splice(i, 1);
      if (x.pfn < pfn) this.list.splice(i++, 0, { ...x, n: pfn - x.pfn });
      if (end > pfn + n) this.list.splice(i++, 0, shift(x, pfn + n - x.pfn, end - pfn - n));
    }
  }

  clear(): void {
    this.list.length = 0;
  }
}

/** The part of `x` from its k-th frame on, n frames long. */
export function shift(x: Extent, k: number, n: number): Extent {
  return { pfn: x.pfn + k, n, va: x.va + k * PAGE, file: x.file, pos: x.pos + k * PAGE };
}

function continues(a: Extent, b: Extent): boolean {
  return a.pfn + a.n === b.pfn && a.va + a.n * PAGE === b.va && a.file === b.file && (a.file < 0 || a.pos + a.n * PAGE === b.pos);
}
