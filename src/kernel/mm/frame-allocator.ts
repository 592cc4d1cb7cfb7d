/**
 * Physical page-frame allocator over the RAM ranges the topology layer hands it.
 *
 * Free memory is a set of disjoint, non-adjacent free extents [start, start+len) in page
 * frame numbers (numbers: frames < 2^40 here), kept in a treap ordered by start and
 * augmented with the largest extent length of each subtree. Allocation is first fit in
 * address order (lowest suitable address wins, so results are deterministic); the
 * subtree maximum prunes every subtree that cannot hold the request, so a search costs
 * O(log n) expected plus the extents skipped because of alignment. Free merges with both
 * neighbours in O(log n). There is never one entry per free frame.
 *
 * Invariants: extents never overlap or touch (touching ones are merged); every free frame
 * lies inside a managed RAM range and above `reserveBelow`; free + used = total.
 * Failure to allocate returns null (the kernel maps that to ENOMEM).
 */
import { fail, okVoid, type Result } from '../../base/result.js';

const PAGE = 4096n;

interface Node {
  key: number;
  len: number;
  pri: number;
  max: number;
  left: Node | null;
  right: Node | null;
}

function pull(n: Node): Node {
  let m = n.len;
  if (n.left !== null && n.left.max > m) m = n.left.max;
  if (n.right !== null && n.right.max > m) m = n.right.max;
  n.max = m;
  return n;
}

/** [keys < k, keys >= k] */
function split(t: Node | null, k: number): [Node | null, Node | null] {
  if (t === null) return [null, null];
  if (t.key < k) {
    const [a, b] = split(t.right, k);
    t.right = a;
    return [pull(t), b];
  }
  const [a, b] = split(t.left, k);
  t.left = b;
  return [a, pull(t)];
}

function merge(a: Node | null, b: Node | null): Node | null {
  if (a === null) return b;
  if (b === null) return a;
  if (a.pri > b.pri) {
    a.right = merge(a.right, b);
    return pull(a);
  }
  b.left = merge(a, b.left);
  return pull(b);
}

function alignUpN(v: number, a: number): number {
  return Math.ceil(v / a) * a;
}

export interface FrameAllocatorOptions {
  /** Bytes at the bottom of memory never handed out (firmware, real-mode area). Default 1 MiB. */
  reserveBelow?: bigint;
}

export class FrameAllocator {
  private root: Node | null = null;
  private seed = 0x2545f491;
  private readonly ranges: Array<readonly [number, number]> = [];
  private total = 0;
  private freeCount = 0;

  /** `ranges`: RAM as [start, end) byte ranges; partial pages at the edges are dropped. */
  constructor(ranges: ReadonlyArray<readonly [bigint, bigint]>, opts: FrameAllocatorOptions = {}) {
    const floor = (opts.reserveBelow ?? 0x100000n) / PAGE + ((opts.reserveBelow ?? 0x100000n) % PAGE === 0n ? 0n : 1n);
    const sorted = [...ranges].sort((x, y) => (x[0] < y[0] ? -1 : x[0] > y[0] ? 1 : 0));
    for (const [s, e] of sorted) {
      let first = (s + PAGE - 1n) / PAGE;
      const last = e / PAGE;
      if (first < floor) first = floor;
      if (last <= first) continue;
      const a = Number(first);
      const b = Number(last);
      const prev = this.ranges[this.ranges.length - 1];
      if (prev !== undefined && a < prev[1]) throw new RangeError('FrameAllocator: RAM ranges overlap');
      if (prev !== undefined && a === prev[1]) this.ranges[this.ranges.length - 1] = [prev[0], b];
      else this.ranges.push([a, b]);
      this.total += b - a;
      this.freeCount += b - a;
      this.insertMerged(a, b - a);
    }
  }

  /**
   * Allocate `count` contiguous frames whose first frame number is a multiple of `align`
   * (e.g. 512 for a 2 MiB huge page). Returns the first frame number, or null when no free
   * extent can hold the request.
   */
  alloc(count: number, align = 1): number | null {
    if (!(Number.isInteger(count) && count > 0 && Number.isInteger(align) && align > 0)) return null;
    const n = this.findFirst(this.root, count, align);
    if (n === null) return null;
    const start = alignUpN(n.key, align);
    const end = n.key + n.len;
    this.removeKey(n.key);
    if (start > n.key) this.insertRaw(n.key, start - n.key);
    if (end > start + count) this.insertRaw(start + count, end - start - count);
    this.freeCount -= count;
    return start;
  }

  /** Byte-address convenience: `bytes` rounded up to pages, aligned to `align` bytes. */
  allocBytes(bytes: bigint, align: bigint = PAGE): bigint | null {
    if (bytes <= 0n || align < PAGE || align % PAGE !== 0n) return null;
    const pfn = this.alloc(Number((bytes + PAGE - 1n) / PAGE), Number(align / PAGE));
    return pfn === null ? null : BigInt(pfn) * PAGE;
  }

  /** Return frames [pfn, pfn+count). EINVAL when any of them is not currently allocated. */
  free(pfn: number, count: number): Result<void> {
    if (!(Number.isInteger(pfn) && Number.isInteger(count) && count > 0 && pfn >= 0)) {
      return fail('EINVAL', 'FrameAllocator.free: bad frame range');
    }
    if (!this.ranges.some(([a, b]) => pfn >= a && pfn + count <= b)) {
      return fail('EINVAL', 'FrameAllocator.free: frames outside managed RAM');
    }
    const pred = this.floorNode(pfn + count - 1);
    if (pred !== null && pred.key + pred.len > pfn) {
      return fail('EINVAL', 'FrameAllocator.free: frames already free');
    }
    this.insertMerged(pfn, count);
    this.freeCount += count;
    return okVoid();
  }

  /** Byte-address convenience for `free`. */
  freeBytes(pa: bigint, bytes: bigint): Result<void> {
    if (pa % PAGE !== 0n || bytes <= 0n) return fail('EINVAL', 'FrameAllocator.freeBytes: unaligned');
    return this.free(Number(pa / PAGE), Number((bytes + PAGE - 1n) / PAGE));
  }

  freeFrames(): number {
    return this.freeCount;
  }

  usedFrames(): number {
    return this.total - this.freeCount;
  }

  totalFrames(): number {
    return this.total;
  }

  /** Free extents as [firstPfn, count], in address order (for tests and pictures). */
  freeExtents(): Array<[number, number]> {
    const out: Array<[number, number]> = [];
    const walk = (n: Node | null): void => {
      if (n === null) return;
      walk(n.left);
      out.push([n.key, n.len]);
      walk(n.right);
    };
    walk(this.root);
    return out;
  }

  // ---- internals ----

  private findFirst(n: Node | null, count: number, align: number): Node | null {
    if (n === null || n.max < count) return null;
    const l = this.findFirst(n.left, count, align);
    if (l !== null) return l;
    if (n.len >= count && alignUpN(n.key, align) + count <= n.key + n.len) return n;
    return this.findFirst(n.right, count, align);
  }

  /** The extent with the largest start <= k. */
  private floorNode(k: number): Node | null {
    let best: Node | null = null;
    for (let n = this.root; n !== null; ) {
      if (n.key <= k) {
        best = n;
        n = n.right;
      } else n = n.left;
    }
    return best;
  }

  private insertMerged(start: number, len: number): void {
    let s = start;
    let e = start + len;
    const pred = this.floorNode(s - 1);
    if (pred !== null && pred.key + pred.len === s) {
      s = pred.key;
      this.removeKey(pred.key);
    }
    const succ = this.floorNode(e);
    if (succ !== null && succ.key === e) {
      e = succ.key + succ.len;
      this.removeKey(succ.key);
    }
    this.insertRaw(s, e - s);
  }

  private insertRaw(key: number, len: number): void {
    this.seed ^= this.seed << 13;
    this.seed ^= this.seed >>> 17;
    this.seed ^= this.seed << 5;
    const node: Node = { key, len, pri: this.seed >>> 0, max: len, left: null, right: null };
    const [a, b] = split(this.root, key);
    this.root = merge(merge(a, node), b);
  }

  private removeKey(key: number): void {
    const [a, b] = split(this.root, key);
    const [, c] = split(b, key + 1);
    this.root = merge(a, c);
  }
}
