/**
 * An ordered map of disjoint closed intervals [start, last] over u64 (bigint) keys, each
 * carrying a value — what Linux keeps in vfio_iommu's dma_list rb-tree and iommufd's
 * interval trees.
 *
 * Structure: a B+tree keyed by `start`, laid out in arenas. A node is a number; node x owns
 * the slots [x*S, x*S + S) (S = fanout + 1, one spare for the split) of a few shared
 * arrays: leaves keep Number(start), Number(last) (Float64Array) and the entries; inner
 * nodes keep their separators as doubles (Float64Array) and exact bigints, and their
 * children's numbers (Int32Array). Counts and the leaf chain are Int32Arrays too. A search
 * is a binary search over one node's doubles per level, so a lookup among 65,535 entries
 * touches a dozen cache lines of three hot arrays, not a chain of scattered objects (the
 * treap this replaced walked ~20 nodes, each a cache miss, in a large heap). Every
 * operation is O(log n); iterating k entries is O(k + log n).
 *
 * Invariants: no two entries overlap (insert refuses an overlapping range); `start <= last`;
 * keys lie in [0, 2^64 - 1]; entries ascend by `start` along the leaf chain; for an inner
 * node, every entry under its child j has start >= sep j and < sep j+1 (a separator may be
 * stale-low after a removal, never wrong; sep 0 is unused); every node but the root holds
 * >= fanout/4 items; a leaf other than the root is never empty; all leaves are at depth
 * `height`. Iteration is always in ascending `start` order.
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
/*
 * Comparisons run on the doubles: Number() rounds monotonically, so unequal doubles order
 * their bigints, and equal doubles below 2^53 mean equal bigints. Only a tie at or above
 * 2^53 reads the exact bigint, so a search normally touches no entry object.
 */
const EXACT = 2 ** 53;
const NONE = -1;

/** Node storage of one kind (leaves or inner nodes): numbered nodes, reused after a merge. */
class Arena {
  count: Int32Array;
  free: number[] = [];
  used = 0;
  constructor(public capacity: number) {
    this.count = new Int32Array(capacity);
  }

  /** A fresh node number, growing the arrays (by `grow`) when every one is taken. */
  alloc(grow: (capacity: number) => void): number {
    const x = this.free.pop();
    if (x !== undefined) return x;
    if (this.used === this.capacity) {
      this.capacity *= 2;
      this.count = growInt(this.count, this.capacity);
      grow(this.capacity);
    }
    return this.used++;
  }
}

function growF64(a: Float64Array, len: number): Float64Array {
  const b = new Float64Array(len);
  b.set(a);
  return b;
}

function growInt(a: Int32Array, len: number): Int32Array {
  const b = new Int32Array(len);
  b.set(a);
  return b;
}

function growArr<T>(a: T[], len: number, fill: T): void {
  while (a.length < len) a.push(fill);
}

export class IntervalMap<V> {
  private readonly cap: number;
  private readonly min: number;
  /** Slots per node: cap + 1. */
  private readonly S: number;

  // leaves
  private readonly leaves: Arena;
  private lkeys: Float64Array;
  private llasts: Float64Array;
  private readonly lents: Array<Entry<V> | undefined> = [];
  private lnext: Int32Array;
  private lprev: Int32Array;
  // inner nodes
  private readonly inners: Arena;
  private ikeys: Float64Array;
  private readonly iseps: bigint[] = [];
  private ikids: Int32Array;

  /** The root: a leaf when height is 0, else an inner node with `height` levels below it. */
  private root: number;
  private height = 0;
  private nEntries = 0;
  /** Bumped by every insert and remove: iterators re-seek when it moved under them. */
  private version = 0;
  /** The path of the last descent: inner node and child index taken at each level. */
  private readonly pathN: number[] = [];
  private readonly pathI: number[] = [];
  /** The cursor of the last seek: leaf, and index of the floor entry there (-1: before). */
  private cl = 0;
  private ci = -1;
  /**
   * The key the cursor and path were last sought for, while they still hold (no insert or
   * remove since, the cursor not moved off that leaf): type1 probes a range and then
   * inserts or removes at the same key, and the second descent is skipped.
   */
  private soughtKey: bigint | null = null;
  private soughtVersion = -1;

  /** `fanout` (even, >= 8) is for tests that want deep trees from few entries. */
  constructor(fanout = FANOUT) {
    if (!Number.isInteger(fanout) || fanout < 8 || fanout % 2 !== 0) throw new RangeError('IntervalMap: fanout must be an even integer >= 8');
    this.cap = fanout;
    this.min = fanout >> 2;
    const S = (this.S = fanout + 1);
    this.leaves = new Arena(2);
    this.lkeys = new Float64Array(2 * S);
    this.llasts = new Float64Array(2 * S);
    this.lnext = new Int32Array(2);
    this.lprev = new Int32Array(2);
    growArr(this.lents, 2 * S, undefined);
    this.inners = new Arena(1);
    this.ikeys = new Float64Array(S);
    this.ikids = new Int32Array(S);
    growArr(this.iseps, S, 0n);
    this.root = this.newLeaf();
  }

  /** Number of entries. */
  get size(): number {
    return this.nEntries;
  }

  /** Insert [start, last] → value. Returns false (and changes nothing) when it overlaps an entry. */
  insert(start: bigint, last: bigint, value: V): boolean {
    if (start > last) throw new RangeError('IntervalMap.insert: start > last');
    const sd = Number(start);
    const ld = Number(last);
    if (!this.sought(start)) this.seek(start, sd);
    const leaf = this.cl;
    const i = this.ci;
    const b = leaf * this.S;
    const n = this.leaves.count[leaf]!;
    if (i >= 0) {
      const d = this.llasts[b + i]!; // floor.last >= start: overlap
      if (d > sd || (d === sd && (sd < EXACT || this.lents[b + i]!.last >= start))) return false;
    } else {
      const f = this.floorAtCursor();
      if (f !== undefined && f.last >= start) return false;
    }
    if (i + 1 < n) {
      const d = this.lkeys[b + i + 1]!; // next.start <= last: overlap
      if (d < ld || (d === ld && (ld < EXACT || this.lents[b + i + 1]!.start <= last))) return false;
    } else {
      const nx = this.lnext[leaf]!;
      if (nx !== NONE && this.lents[nx * this.S]!.start <= last) return false;
    }
    // i may be -1 with the floor in the previous leaf: inserting at 0 here keeps the order
    this.leafInsert(leaf, i + 1, new Entry(start, last, value), sd, ld);
    if (n + 1 > this.cap) this.splitLeaf(leaf, this.height);
    this.nEntries++;
    this.version++;
    return true;
  }

  /** Remove the entry that starts exactly at `start`; returns it, or undefined. */
  remove(start: bigint): IntervalEntry<V> | undefined {
    if (!this.sought(start)) this.seek(start, Number(start));
    const leaf = this.cl;
    const i = this.ci;
    const b = leaf * this.S;
    if (i < 0 || this.lents[b + i]!.start !== start) return undefined;
    const e = this.lents[b + i]!;
    const n = this.leaves.count[leaf]!;
    this.lkeys.copyWithin(b + i, b + i + 1, b + n);
    this.llasts.copyWithin(b + i, b + i + 1, b + n);
    const ents = this.lents;
    for (let k = b + i; k < b + n - 1; k++) ents[k] = ents[k + 1];
    ents[b + n - 1] = undefined;
    this.leaves.count[leaf] = n - 1;
    this.nEntries--;
    this.version++;
    this.rebalance(leaf, this.height);
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
    return this.locateOverlap(a, b) ? this.lents[this.cl * this.S + this.ci] : undefined;
  }

  /** Entries overlapping [a, b], ascending (safe against removal of the yielded entry). */
  *overlapping(a: bigint, b: bigint): Generator<IntervalEntry<V>> {
    if (this.locateOverlap(a, b)) yield* this.walkFrom(this.cl, this.ci, b);
  }

  /** Every entry, ascending (safe against removal of the yielded entry). */
  *entries(): Generator<IntervalEntry<V>> {
    yield* this.walkFrom(this.firstLeaf(), 0, (1n << 64n) - 1n);
  }

  /** The entry with the lowest start, if any. */
  first(): IntervalEntry<V> | undefined {
    const l = this.firstLeaf();
    return this.leaves.count[l]! > 0 ? this.lents[l * this.S] : undefined;
  }

  clear(): void {
    // every field, arenas included, from a fresh map of the same fanout (drops the arenas)
    Object.assign(this, new IntervalMap<V>(this.cap));
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
    const order: number[] = [];
    const bad = this.checkNode(this.root, this.height, -1n, 1n << 64n, true, order);
    if (bad !== undefined) return bad;
    let n = 0;
    for (let i = 0; i < order.length; i++) {
      const l = order[i]!;
      if (this.lprev[l] !== (order[i - 1] ?? NONE) || this.lnext[l] !== (order[i + 1] ?? NONE)) return 'leaf chain';
      n += this.leaves.count[l]!;
    }
    return n === this.nEntries ? undefined : 'count';
  }

  // ---- search ----

  /**
   * Descend to the leaf where `x` belongs, recording the path; leaves the cursor at the
   * last entry of that leaf with start <= x (ci = -1 when none there: the floor, if any, is
   * then the previous leaf's last entry, since separators may be stale-low).
   */
  private seek(x: bigint, xd: number): void {
    const S = this.S;
    let node = this.root;
    for (let depth = 0; depth < this.height; depth++) {
      // first j >= 1 whose separator is above x; the child before it
      const b = node * S;
      const keys = this.ikeys;
      let lo = 1;
      let hi = this.inners.count[node]!;
      while (lo < hi) {
        const mid = (lo + hi) >> 1;
        const d = keys[b + mid]!;
        if (d > xd || (d === xd && xd >= EXACT && this.iseps[b + mid]! > x)) hi = mid;
        else lo = mid + 1;
      }
      this.pathN[depth] = node;
      this.pathI[depth] = lo - 1;
      node = this.ikids[b + lo - 1]!;
    }
    const b = node * S;
    const keys = this.lkeys;
    let lo = 0;
    let hi = this.leaves.count[node]!;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      const d = keys[b + mid]!;
      if (d > xd || (d === xd && xd >= EXACT && this.lents[b + mid]!.start > x)) hi = mid;
      else lo = mid + 1;
    }
    this.cl = node;
    this.ci = lo - 1;
    this.soughtKey = x;
    this.soughtVersion = this.version;
  }

  /** Whether cursor and path are those seek(x) would leave. */
  private sought(x: bigint): boolean {
    return this.soughtVersion === this.version && this.soughtKey === x;
  }

  private floorAtCursor(): Entry<V> | undefined {
    if (this.ci >= 0) return this.lents[this.cl * this.S + this.ci];
    const p = this.lprev[this.cl]!;
    return p === NONE ? undefined : this.lents[p * this.S + this.leaves.count[p]! - 1];
  }

  private nextAtCursor(): Entry<V> | undefined {
    const j = this.ci + 1;
    if (j < this.leaves.count[this.cl]!) return this.lents[this.cl * this.S + j];
    const nx = this.lnext[this.cl]!;
    return nx === NONE ? undefined : this.lents[nx * this.S];
  }

  /**
   * Put the cursor on the lowest entry overlapping [a, b]; false when there is none. The
   * floor's last and the next start are compared as doubles, so no entry is read unless
   * it is the answer (or a tie above 2^53 needs the bigint).
   */
  private locateOverlap(a: bigint, b: bigint): boolean {
    const ad = Number(a);
    this.seek(a, ad);
    const S = this.S;
    let leaf = this.cl;
    const i = this.ci;
    if (i >= 0) {
      const d = this.llasts[leaf * S + i]!; // floor.last >= a
      if (d > ad || (d === ad && (ad < EXACT || this.lents[leaf * S + i]!.last >= a))) {
        this.soughtKey = this.lents[leaf * S + i]!.start; // the floor: where seek(its start) lands
        return true;
      }
    } else {
      const p = this.lprev[leaf]!;
      if (p !== NONE) {
        const pn = this.leaves.count[p]!;
        if (this.lents[p * S + pn - 1]!.last >= a) {
          this.cl = p; // another leaf: the path no longer leads here
          this.ci = pn - 1;
          this.soughtKey = null;
          return true;
        }
      }
    }
    let j = i + 1;
    if (j >= this.leaves.count[leaf]!) {
      leaf = this.lnext[leaf]!;
      if (leaf === NONE) return false;
      j = 0;
      this.soughtKey = null; // (only if it is the answer, below)
    }
    const d = this.lkeys[leaf * S + j]!; // next.start <= b
    const bd = Number(b);
    if (d < bd || (d === bd && (bd < EXACT || this.lents[leaf * S + j]!.start <= b))) {
      // on the sought leaf, the cursor is where seek(its start) would put it
      if (this.soughtKey !== null) this.soughtKey = this.lents[leaf * S + j]!.start;
      this.cl = leaf;
      this.ci = j;
      return true;
    }
    return false;
  }

  /** From entry i of `leaf` while start <= b, along the leaf chain; re-seeks after a change. */
  private *walkFrom(from: number, at: number, b: bigint): Generator<IntervalEntry<V>> {
    let leaf = from;
    let i = at;
    const bd = Number(b);
    while (leaf !== NONE && i < this.leaves.count[leaf]!) {
      // past b? decided on the double unless it ties inexactly (no entry read for the stop)
      const d = this.lkeys[leaf * this.S + i]!;
      if (d > bd) return;
      const cur = this.lents[leaf * this.S + i]!;
      if (cur.start > b) return;
      const v = this.version;
      yield cur;
      if (v !== this.version) {
        // the map changed under us: find the successor afresh
        this.seek(cur.start, Number(cur.start));
        leaf = this.cl;
        i = this.ci;
      }
      if (++i >= this.leaves.count[leaf]!) {
        leaf = this.lnext[leaf]!;
        i = 0;
      }
    }
  }

  private firstLeaf(): number {
    let node = this.root;
    for (let d = 0; d < this.height; d++) node = this.ikids[node * this.S]!;
    return node;
  }

  // ---- node storage ----

  private newLeaf(): number {
    const x = this.leaves.alloc((c) => {
      this.lkeys = growF64(this.lkeys, c * this.S);
      this.llasts = growF64(this.llasts, c * this.S);
      this.lnext = growInt(this.lnext, c);
      this.lprev = growInt(this.lprev, c);
      growArr(this.lents, c * this.S, undefined);
    });
    this.leaves.count[x] = 0;
    this.lnext[x] = NONE;
    this.lprev[x] = NONE;
    return x;
  }

  private newInner(): number {
    const x = this.inners.alloc((c) => {
      this.ikeys = growF64(this.ikeys, c * this.S);
      this.ikids = growInt(this.ikids, c * this.S);
      growArr(this.iseps, c * this.S, 0n);
    });
    this.inners.count[x] = 0;
    return x;
  }

  private freeLeaf(x: number): void {
    this.lents.fill(undefined, x * this.S, x * this.S + this.S); // hold no entry
    this.leaves.free.push(x);
  }

  private freeInner(x: number): void {
    this.iseps.fill(0n, x * this.S, x * this.S + this.S);
    this.inners.free.push(x);
  }

  // ---- insertion ----

  private leafInsert(leaf: number, i: number, e: Entry<V>, sd: number, ld: number): void {
    const b = leaf * this.S;
    const n = this.leaves.count[leaf]!;
    this.lkeys.copyWithin(b + i + 1, b + i, b + n);
    this.llasts.copyWithin(b + i + 1, b + i, b + n);
    const ents = this.lents;
    for (let k = b + n; k > b + i; k--) ents[k] = ents[k - 1];
    this.lkeys[b + i] = sd;
    this.llasts[b + i] = ld;
    ents[b + i] = e;
    this.leaves.count[leaf] = n + 1;
  }

  /** Move the upper half of items [h, n) of node x (slots base bx) to node y (base by). */
  private moveHalf(x: number, y: number, h: number, n: number, leaf: boolean): void {
    const S = this.S;
    const bx = x * S;
    const by = y * S;
    if (leaf) {
      this.lkeys.copyWithin(by, bx + h, bx + n);
      this.llasts.copyWithin(by, bx + h, bx + n);
      for (let k = h; k < n; k++) {
        this.lents[by + k - h] = this.lents[bx + k];
        this.lents[bx + k] = undefined;
      }
    } else {
      this.ikeys.copyWithin(by, bx + h, bx + n);
      this.ikids.copyWithin(by, bx + h, bx + n);
      for (let k = h; k < n; k++) this.iseps[by + k - h] = this.iseps[bx + k]!;
    }
  }

  private splitLeaf(leaf: number, depth: number): void {
    const right = this.newLeaf(); // may grow the arenas: read them afresh below
    const n = this.leaves.count[leaf]!;
    const h = n >> 1;
    this.moveHalf(leaf, right, h, n, true);
    this.leaves.count[leaf] = h;
    this.leaves.count[right] = n - h;
    const nx = this.lnext[leaf]!;
    this.lnext[right] = nx;
    if (nx !== NONE) this.lprev[nx] = right;
    this.lprev[right] = leaf;
    this.lnext[leaf] = right;
    const b = right * this.S;
    this.addChild(depth, leaf, right, this.lkeys[b]!, this.lents[b]!.start);
  }

  /** Put `right` (lower bound sepD/sep) just after `left`, the child at path[depth-1]. */
  private addChild(depth: number, left: number, right: number, sepD: number, sep: bigint): void {
    const S = this.S;
    if (depth === 0) {
      const r = this.newInner();
      this.ikids[r * S] = left;
      this.ikids[r * S + 1] = right;
      this.ikeys[r * S + 1] = sepD;
      this.iseps[r * S + 1] = sep;
      this.inners.count[r] = 2;
      this.root = r;
      this.height++;
      return;
    }
    const p = this.pathN[depth - 1]!;
    const j = this.pathI[depth - 1]! + 1;
    const b = p * S;
    const n = this.inners.count[p]!;
    this.ikeys.copyWithin(b + j + 1, b + j, b + n);
    this.ikids.copyWithin(b + j + 1, b + j, b + n);
    for (let k = b + n; k > b + j; k--) this.iseps[k] = this.iseps[k - 1]!;
    this.ikeys[b + j] = sepD;
    this.iseps[b + j] = sep;
    this.ikids[b + j] = right;
    this.inners.count[p] = n + 1;
    if (n + 1 <= this.cap) return;
    const r = this.newInner();
    const h = (n + 1) >> 1;
    this.moveHalf(p, r, h, n + 1, false);
    this.inners.count[p] = h;
    this.inners.count[r] = n + 1 - h;
    this.addChild(depth - 1, p, r, this.ikeys[r * S]!, this.iseps[r * S]!);
  }

  // ---- removal ----

  /** After a removal from `node` (the child at path[depth-1]): borrow or merge below min. */
  private rebalance(node: number, depth: number): void {
    const leaf = depth === this.height;
    const arena = leaf ? this.leaves : this.inners;
    if (depth === 0) {
      if (!leaf && arena.count[node] === 1) {
        this.root = this.ikids[node * this.S]!;
        this.height--;
        this.freeInner(node);
      }
      return;
    }
    if (arena.count[node]! >= this.min) return;
    const p = this.pathN[depth - 1]!;
    const j = this.pathI[depth - 1]!;
    const li = j > 0 ? j - 1 : 0; // merge or borrow across the pair (li, li + 1)
    const pb = p * this.S;
    const left = this.ikids[pb + li]!;
    const right = this.ikids[pb + li + 1]!;
    const ln = arena.count[left]!;
    const rn = arena.count[right]!;
    if (ln + rn <= this.cap) {
      if (leaf) this.mergeLeaves(left, right, ln, rn);
      else this.mergeInner(left, right, ln, rn, this.ikeys[pb + li + 1]!, this.iseps[pb + li + 1]!);
      const pn = this.inners.count[p]!;
      this.ikeys.copyWithin(pb + li + 1, pb + li + 2, pb + pn);
      this.ikids.copyWithin(pb + li + 1, pb + li + 2, pb + pn);
      for (let k = pb + li + 1; k < pb + pn - 1; k++) this.iseps[k] = this.iseps[k + 1]!;
      this.inners.count[p] = pn - 1;
      this.rebalance(p, depth - 1);
      return;
    }
    if (leaf) this.borrowLeaf(pb + li + 1, left, right, ln, rn, node === left);
    else this.borrowInner(pb + li + 1, left, right, ln, rn, node === left);
  }

  private mergeLeaves(left: number, right: number, ln: number, rn: number): void {
    const S = this.S;
    this.lkeys.copyWithin(left * S + ln, right * S, right * S + rn);
    this.llasts.copyWithin(left * S + ln, right * S, right * S + rn);
    for (let k = 0; k < rn; k++) this.lents[left * S + ln + k] = this.lents[right * S + k];
    this.leaves.count[left] = ln + rn;
    const nx = this.lnext[right]!;
    this.lnext[left] = nx;
    if (nx !== NONE) this.lprev[nx] = left;
    this.freeLeaf(right);
  }

  /** Right's first child takes the parent's separator (sepD/sep) as its lower bound. */
  private mergeInner(left: number, right: number, ln: number, rn: number, sepD: number, sep: bigint): void {
    const S = this.S;
    this.ikeys.copyWithin(left * S + ln, right * S, right * S + rn);
    this.ikids.copyWithin(left * S + ln, right * S, right * S + rn);
    for (let k = 1; k < rn; k++) this.iseps[left * S + ln + k] = this.iseps[right * S + k]!;
    this.ikeys[left * S + ln] = sepD;
    this.iseps[left * S + ln] = sep;
    this.inners.count[left] = ln + rn;
    this.freeInner(right);
  }

  /** Move one entry across the leaf pair toward the short one; ps is the parent's slot of right. */
  private borrowLeaf(ps: number, left: number, right: number, ln: number, rn: number, intoLeft: boolean): void {
    const S = this.S;
    const lb = left * S;
    const rb = right * S;
    if (intoLeft) {
      this.lkeys[lb + ln] = this.lkeys[rb]!;
      this.llasts[lb + ln] = this.llasts[rb]!;
      this.lents[lb + ln] = this.lents[rb];
      this.lkeys.copyWithin(rb, rb + 1, rb + rn);
      this.llasts.copyWithin(rb, rb + 1, rb + rn);
      for (let k = rb; k < rb + rn - 1; k++) this.lents[k] = this.lents[k + 1];
      this.lents[rb + rn - 1] = undefined;
      this.leaves.count[left] = ln + 1;
      this.leaves.count[right] = rn - 1;
    } else {
      this.leafInsert(right, 0, this.lents[lb + ln - 1]!, this.lkeys[lb + ln - 1]!, this.llasts[lb + ln - 1]!);
      this.lents[lb + ln - 1] = undefined;
      this.leaves.count[left] = ln - 1;
    }
    this.ikeys[ps] = this.lkeys[rb]!;
    this.iseps[ps] = this.lents[rb]!.start;
  }

  /** Move one child across the inner pair, rotating through the parent's separator (slot ps). */
  private borrowInner(ps: number, left: number, right: number, ln: number, rn: number, intoLeft: boolean): void {
    const S = this.S;
    const lb = left * S;
    const rb = right * S;
    if (intoLeft) {
      this.ikeys[lb + ln] = this.ikeys[ps]!;
      this.iseps[lb + ln] = this.iseps[ps]!;
      this.ikids[lb + ln] = this.ikids[rb]!;
      this.ikeys[ps] = this.ikeys[rb + 1]!;
      this.iseps[ps] = this.iseps[rb + 1]!;
      this.ikeys.copyWithin(rb, rb + 1, rb + rn);
      this.ikids.copyWithin(rb, rb + 1, rb + rn);
      for (let k = rb; k < rb + rn - 1; k++) this.iseps[k] = this.iseps[k + 1]!;
      this.inners.count[left] = ln + 1;
      this.inners.count[right] = rn - 1;
    } else {
      this.ikeys.copyWithin(rb + 1, rb, rb + rn);
      this.ikids.copyWithin(rb + 1, rb, rb + rn);
      for (let k = rb + rn; k > rb; k--) this.iseps[k] = this.iseps[k - 1]!;
      this.ikeys[rb + 1] = this.ikeys[ps]!; // right's old first child: bounded by the old separator
      this.iseps[rb + 1] = this.iseps[ps]!;
      this.ikids[rb] = this.ikids[lb + ln - 1]!;
      this.ikeys[ps] = this.ikeys[lb + ln - 1]!;
      this.iseps[ps] = this.iseps[lb + ln - 1]!;
      this.inners.count[left] = ln - 1;
      this.inners.count[right] = rn + 1;
    }
  }

  // ---- test aid ----

  /** Every key under `node` lies in [lo, hi) (lo = -1: no bound); appends leaves in order. */
  private checkNode(node: number, below: number, lo: bigint, hi: bigint, isRoot: boolean, order: number[]): string | undefined {
    const S = this.S;
    const b = node * S;
    if (below === 0) {
      const n = this.leaves.count[node]!;
      if (!isRoot && n < this.min) return `leaf of ${n} < min`;
      if (n > this.cap) return 'leaf size';
      order.push(node);
      for (let i = 0; i < S; i++) {
        const e = this.lents[b + i];
        if (i >= n) {
          if (e !== undefined) return 'stale entry';
          continue;
        }
        if (e === undefined) return 'missing entry';
        if (this.lkeys[b + i] !== Number(e.start) || this.llasts[b + i] !== Number(e.last)) return 'leaf double';
        if (e.start < lo || e.start >= hi || (i > 0 && e.start <= this.lents[b + i - 1]!.last)) return 'leaf order';
      }
      return undefined;
    }
    const n = this.inners.count[node]!;
    if ((!isRoot && n < this.min) || (isRoot && n < 2) || n > this.cap) return `inner of ${n}`;
    for (let j = 0; j < n; j++) {
      const sLo = j === 0 ? lo : this.iseps[b + j]!;
      if (j > 0 && (this.ikeys[b + j] !== Number(sLo) || sLo < lo || sLo >= hi || (j > 1 && sLo <= this.iseps[b + j - 1]!))) return 'separator';
      const bad = this.checkNode(this.ikids[b + j]!, below - 1, sLo, j + 1 < n ? this.iseps[b + j + 1]! : hi, false, order);
      if (bad !== undefined) return bad;
    }
    return undefined;
  }
}
