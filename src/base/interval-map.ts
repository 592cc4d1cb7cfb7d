/**
 * An ordered map of disjoint closed intervals [start, last] over u64 (bigint) keys, each
 * carrying a value — what Linux keeps in vfio_iommu's dma_list rb-tree and iommufd's
 * interval trees.
 *
 * Structure: a B+tree keyed by `start`. Leaves hold up to `fanout` (64) entries in sorted
 * arrays and are chained in key order; inner nodes hold up to `fanout` children and their
 * separators.
 * Searches run over contiguous `Float64Array`s of the keys as doubles (`Number(start)`),
 * so a lookup among 65,535 entries touches three small arrays instead of twenty scattered
 * tree nodes. Every operation is O(log n); iterating k entries is O(k + log n).
 *
 * Invariants: no two entries overlap (insert refuses an overlapping range); `start <= last`;
 * keys lie in [0, 2^64 - 1]; entries ascend by `start` along the leaf chain; for an inner
 * node, every entry under kids[j] has start >= seps[j] and < seps[j+1] (a separator may be
 * stale-low after a removal, never wrong); every node but the root holds >= fanout/4 items; a
 * leaf other than the root is never empty. Iteration is always in ascending `start` order.
 */

export interface IntervalEntry<V> {
  readonly start: bigint;
  /** Inclusive end. */
  readonly last: bigint;
  readonly value: V;
}

class Entry<V> implements IntervalEntry<V> {
  constructor(
    readonly start: bigint,
    readonly last: bigint,
    readonly value: V,
  ) {}
}

/** Default most items (entries or children) per node; a full node splits in two halves. */
const FANOUT = 64;
/** Doubles below this are exact integers: equal doubles mean equal bigints. */
const EXACT = 2 ** 53;

class Leaf<V> {
  readonly leaf = true;
  n = 0;
  /** Number(start) and Number(last) of each entry (one spare slot for the split). */
  readonly keys: Float64Array;
  readonly lasts: Float64Array;
  readonly ents: Array<Entry<V>> = [];
  prev: Leaf<V> | null = null;
  next: Leaf<V> | null = null;
  constructor(cap: number) {
    this.keys = new Float64Array(cap + 1);
    this.lasts = new Float64Array(cap + 1);
  }
}

class Inner<V> {
  readonly leaf = false;
  n = 0;
  /** seps[j] (and its exact bigint) is the lower bound of kids[j]; seps[0] is unused. */
  readonly keys: Float64Array;
  readonly seps: bigint[] = [];
  readonly kids: Array<Node<V>> = [];
  constructor(cap: number) {
    this.keys = new Float64Array(cap + 1);
  }
}

type Node<V> = Leaf<V> | Inner<V>;

/*
 * Comparisons run on the doubles: Number() rounds monotonically, so unequal doubles order
 * their bigints, and equal doubles below 2^53 mean equal bigints. Only a tie at or above
 * 2^53 reads the exact bigint, so a search normally touches no entry object.
 */

export class IntervalMap<V> {
  /** Most items per node, and the fewest a non-root node keeps (a quarter). */
  private readonly cap: number;
  private readonly min: number;
  private root: Node<V>;
  private count = 0;
  /** Bumped by every insert and remove: iterators re-seek when it moved under them. */
  private version = 0;
  /** The path of the last descent: inner nodes and the child index taken at each. */
  private readonly pathN: Array<Inner<V>> = [];
  private readonly pathI: number[] = [];
  private depth = 0;
  /** The cursor of the last seek: leaf, and index of the floor entry there (-1: before). */
  private cl: Leaf<V>;
  private ci = -1;

  /** `fanout` (even, >= 8) is for tests that want deep trees from few entries. */
  constructor(fanout = FANOUT) {
    if (!Number.isInteger(fanout) || fanout < 8 || fanout % 2 !== 0) throw new RangeError('IntervalMap: fanout must be an even integer >= 8');
    this.cap = fanout;
    this.min = fanout >> 2;
    this.root = this.cl = new Leaf<V>(fanout);
  }

  /** Number of entries. */
  get size(): number {
    return this.count;
  }

  /** Insert [start, last] → value. Returns false (and changes nothing) when it overlaps an entry. */
  insert(start: bigint, last: bigint, value: V): boolean {
    if (start > last) throw new RangeError('IntervalMap.insert: start > last');
    const sd = Number(start);
    const ld = Number(last);
    this.seek(start, sd);
    const leaf = this.cl;
    const i = this.ci;
    if (i >= 0) {
      const d = leaf.lasts[i]!; // floor.last >= start: overlap
      if (d > sd || (d === sd && (sd < EXACT || leaf.ents[i]!.last >= start))) return false;
    } else {
      const f = this.floorAtCursor();
      if (f !== undefined && f.last >= start) return false;
    }
    if (i + 1 < leaf.n) {
      const d = leaf.keys[i + 1]!; // next.start <= last: overlap
      if (d < ld || (d === ld && (ld < EXACT || leaf.ents[i + 1]!.start <= last))) return false;
    } else {
      const nx = leaf.next?.ents[0];
      if (nx !== undefined && nx.start <= last) return false;
    }
    // ci may be -1 with the floor in the previous leaf: inserting at 0 here keeps the order
    this.insertAt(leaf, i + 1, new Entry(start, last, value), sd, ld);
    this.count++;
    this.version++;
    return true;
  }

  /** Remove the entry that starts exactly at `start`; returns it, or undefined. */
  remove(start: bigint): IntervalEntry<V> | undefined {
    this.seek(start, Number(start));
    const leaf = this.cl;
    const i = this.ci;
    if (i < 0 || leaf.ents[i]!.start !== start) return undefined;
    const e = leaf.ents[i]!;
    leaf.keys.copyWithin(i, i + 1, leaf.n);
    leaf.lasts.copyWithin(i, i + 1, leaf.n);
    const ents = leaf.ents;
    for (let k = i; k < leaf.n - 1; k++) ents[k] = ents[k + 1]!;
    ents.pop();
    leaf.n--;
    this.count--;
    this.version++;
    this.rebalance(leaf, this.depth);
    return e;
  }

  /** The entry starting exactly at `start`. */
  get(start: bigint): IntervalEntry<V> | undefined {
    const f = this.floor(start);
    return f !== undefined && f.start === start ? f : undefined;
  }

  /** The entry containing `x`, if any. */
  containing(x: bigint): IntervalEntry<V> | undefined {
    const f = this.floor(x);
    return f !== undefined && f.last >= x ? f : undefined;
  }

  /** The lowest entry overlapping [a, b] (inclusive), if any. */
  firstOverlap(a: bigint, b: bigint): IntervalEntry<V> | undefined {
    return this.locateOverlap(a, b) ? this.cl.ents[this.ci] : undefined;
  }

  /** Entries overlapping [a, b], ascending (safe against removal of the yielded entry). */
  *overlapping(a: bigint, b: bigint): Generator<IntervalEntry<V>> {
    if (this.locateOverlap(a, b)) yield* this.walkFrom(this.cl, this.ci, b);
  }

  /** Every entry, ascending (safe against removal of the yielded entry). */
  *entries(): Generator<IntervalEntry<V>> {
    let node = this.root;
    while (!node.leaf) node = node.kids[0]!;
    yield* this.walkFrom(node, 0, (1n << 64n) - 1n);
  }

  /** The entry with the lowest start, if any. */
  first(): IntervalEntry<V> | undefined {
    let node = this.root;
    while (!node.leaf) node = node.kids[0]!;
    return node.ents[0];
  }

  clear(): void {
    this.root = this.cl = new Leaf<V>(this.cap);
    this.pathN.length = 0;
    this.count = 0;
    this.version++;
  }

  /** Entry with the greatest start <= x. */
  floor(x: bigint): IntervalEntry<V> | undefined {
    this.seek(x, Number(x));
    return this.floorAtCursor();
  }

  /** Entry with the smallest start > x. */
  ceilAbove(x: bigint): IntervalEntry<V> | undefined {
    this.seek(x, Number(x));
    return this.nextAtCursor();
  }

  /**
   * Test aid: the first broken structural invariant (separators, node sizes, the doubles
   * beside the bigints, the leaf chain), or undefined when the tree is sound. O(n).
   */
  checkShape(): string | undefined {
    const leaves: Array<Leaf<V>> = [];
    const bad = this.checkNode(this.root, -1n, (1n << 64n), true, leaves);
    if (bad !== undefined) return bad;
    let n = 0;
    for (let i = 0; i < leaves.length; i++) {
      const l = leaves[i]!;
      if (l.prev !== (leaves[i - 1] ?? null) || l.next !== (leaves[i + 1] ?? null)) return 'leaf chain';
      n += l.n;
    }
    return n === this.count ? undefined : 'count';
  }

  /** Every key under `node` lies in [lo, hi) (lo = -1: no bound); appends leaves in order. */
  private checkNode(node: Node<V>, lo: bigint, hi: bigint, isRoot: boolean, leaves: Array<Leaf<V>>): string | undefined {
    if (!isRoot && node.n < this.min) return `node of ${node.n} < min`;
    if (node.n > this.cap || (node.leaf ? node.ents.length : node.kids.length) !== node.n) return 'node size';
    if (node.leaf) {
      leaves.push(node);
      for (let i = 0; i < node.n; i++) {
        const e = node.ents[i]!;
        if (node.keys[i] !== Number(e.start) || node.lasts[i] !== Number(e.last)) return 'leaf double';
        if (e.start < lo || e.start >= hi || (i > 0 && e.start <= node.ents[i - 1]!.last)) return 'leaf order';
      }
      return undefined;
    }
    if (node.seps.length !== node.n || (isRoot && node.n < 2)) return 'inner size';
    for (let j = 0; j < node.n; j++) {
      const sLo = j === 0 ? lo : node.seps[j]!;
      if (j > 0 && (node.keys[j] !== Number(sLo) || sLo < lo || sLo >= hi || (j > 1 && sLo <= node.seps[j - 1]!))) return 'separator';
      const bad = this.checkNode(node.kids[j]!, sLo, j + 1 < node.n ? node.seps[j + 1]! : hi, false, leaves);
      if (bad !== undefined) return bad;
    }
    return undefined;
  }

  // ---- internals ----

  /**
   * Put the cursor on the lowest entry overlapping [a, b]; false when there is none. The
   * floor's last and the next start are compared as doubles, so no entry is read unless
   * it is the answer (or a tie above 2^53 needs the bigint).
   */
  private locateOverlap(a: bigint, b: bigint): boolean {
    const ad = Number(a);
    this.seek(a, ad);
    let leaf = this.cl;
    const i = this.ci;
    if (i >= 0) {
      const d = leaf.lasts[i]!; // floor.last >= a
      if (d > ad || (d === ad && (ad < EXACT || leaf.ents[i]!.last >= a))) return true;
    } else {
      const p = leaf.prev;
      if (p !== null && p.ents[p.n - 1]!.last >= a) {
        this.cl = p;
        this.ci = p.n - 1;
        return true;
      }
    }
    let j = i + 1;
    if (j >= leaf.n) {
      if (leaf.next === null) return false;
      leaf = leaf.next;
      j = 0;
    }
    const d = leaf.keys[j]!; // next.start <= b
    const bd = Number(b);
    if (d < bd || (d === bd && (bd < EXACT || leaf.ents[j]!.start <= b))) {
      this.cl = leaf;
      this.ci = j;
      return true;
    }
    return false;
  }

  /** From entry i of `leaf` while start <= b, along the leaf chain; re-seeks after a change. */
  private *walkFrom(from: Leaf<V>, at: number, b: bigint): Generator<IntervalEntry<V>> {
    let leaf: Leaf<V> | null = from;
    let i = at;
    while (leaf !== null && i < leaf.n) {
      const cur: Entry<V> = leaf.ents[i]!;
      if (cur.start > b) return;
      const v = this.version;
      yield cur;
      if (v !== this.version) {
        // the map changed under us: find the successor afresh
        this.seek(cur.start, Number(cur.start));
        leaf = this.cl;
        i = this.ci;
      }
      if (++i >= leaf.n) {
        leaf = leaf.next;
        i = 0;
      }
    }
  }

  /**
   * Descend to the leaf where `x` belongs, recording the path; leaves the cursor at the
   * last entry of that leaf with start <= x (ci = -1 when none there: the floor, if any, is
   * then the previous leaf's last entry, since separators may be stale-low).
   */
  private seek(x: bigint, xd: number): void {
    let node = this.root;
    let depth = 0;
    while (!node.leaf) {
      // first j >= 1 whose separator is above x; the child before it
      let lo = 1;
      let hi = node.n;
      while (lo < hi) {
        const mid = (lo + hi) >> 1;
        const d = node.keys[mid]!;
        if (d > xd || (d === xd && xd >= EXACT && node.seps[mid]! > x)) hi = mid;
        else lo = mid + 1;
      }
      this.pathN[depth] = node;
      this.pathI[depth] = lo - 1;
      depth++;
      node = node.kids[lo - 1]!;
    }
    let lo = 0;
    let hi = node.n;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      const d = node.keys[mid]!;
      if (d > xd || (d === xd && xd >= EXACT && node.ents[mid]!.start > x)) hi = mid;
      else lo = mid + 1;
    }
    this.depth = depth;
    this.cl = node;
    this.ci = lo - 1;
  }

  private floorAtCursor(): Entry<V> | undefined {
    if (this.ci >= 0) return this.cl.ents[this.ci];
    const p = this.cl.prev;
    return p === null ? undefined : p.ents[p.n - 1];
  }

  private nextAtCursor(): Entry<V> | undefined {
    const j = this.ci + 1;
    return j < this.cl.n ? this.cl.ents[j] : this.cl.next?.ents[0];
  }

  private insertAt(leaf: Leaf<V>, i: number, e: Entry<V>, sd: number, ld: number): void {
    leaf.keys.copyWithin(i + 1, i, leaf.n);
    leaf.lasts.copyWithin(i + 1, i, leaf.n);
    leaf.keys[i] = sd;
    leaf.lasts[i] = ld;
    const ents = leaf.ents;
    ents.push(e); // grows by one; then shift the tail right over it (splice allocates)
    for (let k = leaf.n; k > i; k--) ents[k] = ents[k - 1]!;
    ents[i] = e;
    leaf.n++;
    if (leaf.n > this.cap) this.splitLeaf(leaf, this.depth);
  }

  private splitLeaf(leaf: Leaf<V>, depth: number): void {
    const h = leaf.n >> 1;
    const right = new Leaf<V>(this.cap);
    right.n = leaf.n - h;
    right.keys.set(leaf.keys.subarray(h, leaf.n));
    right.lasts.set(leaf.lasts.subarray(h, leaf.n));
    right.ents.push(...leaf.ents.splice(h));
    leaf.n = h;
    right.next = leaf.next;
    if (right.next !== null) right.next.prev = right;
    right.prev = leaf;
    leaf.next = right;
    this.addChild(depth, leaf, right, right.keys[0]!, right.ents[0]!.start);
  }

  /** Put `right` (lower bound sepD/sep) just after `left`, the child at path[depth-1]. */
  private addChild(depth: number, left: Node<V>, right: Node<V>, sepD: number, sep: bigint): void {
    if (depth === 0) {
      const r = new Inner<V>(this.cap);
      r.n = 2;
      r.kids.push(left, right);
      r.seps.push(0n, sep);
      r.keys[1] = sepD;
      this.root = r;
      return;
    }
    const p = this.pathN[depth - 1]!;
    const j = this.pathI[depth - 1]! + 1;
    p.keys.copyWithin(j + 1, j, p.n);
    p.keys[j] = sepD;
    p.seps.splice(j, 0, sep);
    p.kids.splice(j, 0, right);
    p.n++;
    if (p.n <= this.cap) return;
    const h = p.n >> 1;
    const r = new Inner<V>(this.cap);
    r.n = p.n - h;
    r.keys.set(p.keys.subarray(h, p.n));
    r.seps.push(...p.seps.splice(h));
    r.kids.push(...p.kids.splice(h));
    p.n = h;
    this.addChild(depth - 1, p, r, r.keys[0]!, r.seps[0]!);
  }

  /** After a removal from `node` (the child at path[depth-1]): borrow or merge below min. */
  private rebalance(node: Node<V>, depth: number): void {
    if (depth === 0) {
      if (!node.leaf && node.n === 1) this.root = node.kids[0]!;
      return;
    }
    if (node.n >= this.min) return;
    const p = this.pathN[depth - 1]!;
    const j = this.pathI[depth - 1]!;
    const li = j > 0 ? j - 1 : 0; // merge or borrow across the pair (li, li + 1)
    const left = p.kids[li]!;
    const right = p.kids[li + 1]!;
    if (left.n + right.n <= this.cap) {
      if (left.leaf) mergeLeaves(left, right as Leaf<V>);
      else mergeInner(left, right as Inner<V>, p.keys[li + 1]!, p.seps[li + 1]!);
      p.keys.copyWithin(li + 1, li + 2, p.n);
      p.seps.splice(li + 1, 1);
      p.kids.splice(li + 1, 1);
      p.n--;
      this.rebalance(p, depth - 1);
      return;
    }
    if (left.leaf) borrowLeaf(p, li, left, right as Leaf<V>, node === left);
    else borrowInner(p, li, left, right as Inner<V>, node === left);
  }
}

function mergeLeaves<V>(left: Leaf<V>, right: Leaf<V>): void {
  left.keys.set(right.keys.subarray(0, right.n), left.n);
  left.lasts.set(right.lasts.subarray(0, right.n), left.n);
  left.ents.push(...right.ents);
  left.n += right.n;
  left.next = right.next;
  if (left.next !== null) left.next.prev = left;
}

function mergeInner<V>(left: Inner<V>, right: Inner<V>, sepD: number, sep: bigint): void {
  left.keys.set(right.keys.subarray(0, right.n), left.n);
  left.keys[left.n] = sepD; // right.kids[0]'s lower bound was the parent's separator
  left.seps.push(sep, ...right.seps.slice(1));
  left.kids.push(...right.kids);
  left.n += right.n;
}

/** Move one entry across the leaf pair (kids li, li+1 of p) toward the short one. */
function borrowLeaf<V>(p: Inner<V>, li: number, left: Leaf<V>, right: Leaf<V>, intoLeft: boolean): void {
  if (intoLeft) {
    left.keys[left.n] = right.keys[0]!;
    left.lasts[left.n] = right.lasts[0]!;
    left.ents.push(right.ents.shift()!);
    left.n++;
    right.keys.copyWithin(0, 1, right.n);
    right.lasts.copyWithin(0, 1, right.n);
    right.n--;
  } else {
    right.keys.copyWithin(1, 0, right.n);
    right.lasts.copyWithin(1, 0, right.n);
    right.keys[0] = left.keys[left.n - 1]!;
    right.lasts[0] = left.lasts[left.n - 1]!;
    right.ents.unshift(left.ents.pop()!);
    right.n++;
    left.n--;
  }
  p.keys[li + 1] = right.keys[0]!;
  p.seps[li + 1] = right.ents[0]!.start;
}

/** Move one child across the inner pair (kids li, li+1 of p), rotating through p's separator. */
function borrowInner<V>(p: Inner<V>, li: number, left: Inner<V>, right: Inner<V>, intoLeft: boolean): void {
  if (intoLeft) {
    left.keys[left.n] = p.keys[li + 1]!;
    left.seps.push(p.seps[li + 1]!);
    left.kids.push(right.kids.shift()!);
    left.n++;
    p.keys[li + 1] = right.keys[1]!;
    p.seps[li + 1] = right.seps[1]!;
    right.keys.copyWithin(0, 1, right.n);
    right.seps.shift();
    right.n--;
  } else {
    right.keys.copyWithin(1, 0, right.n);
    right.keys[1] = p.keys[li + 1]!;
    right.seps.splice(1, 0, p.seps[li + 1]!);
    right.seps[0] = 0n;
    right.kids.unshift(left.kids.pop()!);
    right.n++;
    left.n--;
    p.keys[li + 1] = left.keys[left.n]!;
    p.seps[li + 1] = left.seps.pop()!;
  }
}
