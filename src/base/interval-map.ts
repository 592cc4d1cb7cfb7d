/**
 * An ordered map of disjoint closed intervals [start, last] over u64 (bigint) keys, each
 * carrying a value — what Linux keeps in vfio_iommu's dma_list rb-tree and iommufd's
 * interval trees.
 *
 * Structure: a treap keyed by `start`, with priorities from a fixed xorshift sequence, so the
 * shape (and the cost) is the same on every run. Every operation is O(log n) expected;
 * iteration over k entries costs O(k log n).
 *
 * Invariants: no two entries overlap (insert refuses an overlapping range); `start <= last`;
 * keys lie in [0, 2^64 - 1]. Iteration is always in ascending `start` order.
 */

export interface IntervalEntry<V> {
  readonly start: bigint;
  /** Inclusive end. */
  readonly last: bigint;
  readonly value: V;
}

class Node<V> implements IntervalEntry<V> {
  left: Node<V> | null = null;
  right: Node<V> | null = null;
  constructor(
    readonly start: bigint,
    readonly last: bigint,
    readonly value: V,
    readonly prio: number,
  ) {}
}

export class IntervalMap<V> {
  private root: Node<V> | null = null;
  private n = 0;
  private seed = 0x2545f491;

  /** Number of entries. */
  get size(): number {
    return this.n;
  }

  private nextPrio(): number {
    let x = this.seed;
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    this.seed = x >>> 0;
    return this.seed;
  }

  /** Insert [start, last] → value. Returns false (and changes nothing) when it overlaps an entry. */
  insert(start: bigint, last: bigint, value: V): boolean {
    if (start > last) throw new RangeError('IntervalMap.insert: start > last');
    if (this.firstOverlap(start, last) !== undefined) return false;
    const node = new Node(start, last, value, this.nextPrio());
    const [l, r] = this.split(this.root, start);
    this.root = this.merge(this.merge(l, node), r);
    this.n++;
    return true;
  }

  /** Remove the entry that starts exactly at `start`; returns it, or undefined. */
  remove(start: bigint): IntervalEntry<V> | undefined {
    let parent: Node<V> | null = null;
    let cur = this.root;
    while (cur !== null && cur.start !== start) {
      parent = cur;
      cur = start < cur.start ? cur.left : cur.right;
    }
    if (cur === null) return undefined;
    const joined = this.merge(cur.left, cur.right);
    if (parent === null) this.root = joined;
    else if (parent.left === cur) parent.left = joined;
    else parent.right = joined;
    this.n--;
    return cur;
  }

  /** The entry starting exactly at `start`. */
  get(start: bigint): IntervalEntry<V> | undefined {
    let cur = this.root;
    while (cur !== null) {
      if (start === cur.start) return cur;
      cur = start < cur.start ? cur.left : cur.right;
    }
    return undefined;
  }

  /** The entry containing `x`, if any. */
  containing(x: bigint): IntervalEntry<V> | undefined {
    const f = this.floor(x);
    return f !== undefined && f.last >= x ? f : undefined;
  }

  /** The lowest entry overlapping [a, b] (inclusive), if any. */
  firstOverlap(a: bigint, b: bigint): IntervalEntry<V> | undefined {
    const f = this.floor(a);
    if (f !== undefined && f.last >= a) return f;
    const c = this.ceilAbove(a);
    return c !== undefined && c.start <= b ? c : undefined;
  }

  /** Entries overlapping [a, b], ascending (safe against removal of the yielded entry). */
  *overlapping(a: bigint, b: bigint): Generator<IntervalEntry<V>> {
    let e = this.firstOverlap(a, b);
    while (e !== undefined && e.start <= b) {
      const start = e.start;
      yield e;
      e = this.ceilAbove(start);
    }
  }

  /** Every entry, ascending. */
  *entries(): Generator<IntervalEntry<V>> {
    const stack: Node<V>[] = [];
    let cur = this.root;
    while (cur !== null || stack.length > 0) {
      while (cur !== null) {
        stack.push(cur);
        cur = cur.left;
      }
      const n = stack.pop()!;
      yield n;
      cur = n.right;
    }
  }

  /** The entry with the lowest start, if any. */
  first(): IntervalEntry<V> | undefined {
    let cur = this.root;
    if (cur === null) return undefined;
    while (cur.left !== null) cur = cur.left;
    return cur;
  }

  clear(): void {
    this.root = null;
    this.n = 0;
  }

  /** Entry with the greatest start <= x. */
  floor(x: bigint): IntervalEntry<V> | undefined {
    let cur = this.root;
    let best: Node<V> | undefined;
    while (cur !== null) {
      if (cur.start <= x) {
        best = cur;
        cur = cur.right;
      } else cur = cur.left;
    }
    return best;
  }

  /** Entry with the smallest start > x. */
  ceilAbove(x: bigint): IntervalEntry<V> | undefined {
    let cur = this.root;
    let best: Node<V> | undefined;
    while (cur !== null) {
      if (cur.start > x) {
        best = cur;
        cur = cur.left;
      } else cur = cur.right;
    }
    return best;
  }

  /** Split into (< key, >= key). */
  private split(t: Node<V> | null, key: bigint): [Node<V> | null, Node<V> | null] {
    if (t === null) return [null, null];
    if (t.start < key) {
      const [l, r] = this.split(t.right, key);
      t.right = l;
      return [t, r];
    }
    const [l, r] = this.split(t.left, key);
    t.left = r;
    return [l, t];
  }

  private merge(a: Node<V> | null, b: Node<V> | null): Node<V> | null {
    if (a === null) return b;
    if (b === null) return a;
    if (a.prio > b.prio) {
      a.right = this.merge(a.right, b);
      return a;
    }
    b.left = this.merge(a, b.left);
    return b;
  }
}
