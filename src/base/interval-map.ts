/**
 * An ordered map of disjoint closed intervals [start, last] over u64 (bigint) keys, each
 * carrying a value — what Linux keeps in vfio_iommu's dma_list rb-tree and iommufd's
 * interval trees.
 *
 * Structure: a B+tree keyed by `start` (fan-out 64) whose nodes live in a few shared
 * arrays (bplus-store.ts); this file is the search and the public API. A lookup among
 * 65,535 entries is a binary search over one node's keys-as-doubles per level, ~a dozen
 * cache lines of three hot arrays (the treap this replaced chased ~20 scattered nodes,
 * each a cache miss in a large heap). Every operation is O(log n); iterating k entries is
 * O(k + log n). An insert or remove right after a probe of the same key (type1's
 * vfio_find_dma then insert, UNMAP's overlapping() then remove) reuses the probe's path.
 *
 * Invariants: no two entries overlap (insert refuses an overlapping range); `start <= last`;
 * keys lie in [0, 2^64 - 1]; iteration is always in ascending `start` order; the cursor and
 * path are trusted for key k only while `soughtKey === k` and nothing was inserted or
 * removed since (see bplus-store.ts for the tree's own invariants).
 */
import { Entry, NONE } from './bplus-arena.js';
import { BPlusStore } from './bplus-store.js';
import { U64_MAX } from './u64.js';

export interface IntervalEntry<V> {
  readonly start: bigint;
  /** Inclusive end. */
  readonly last: bigint;
  readonly value: V;
}

/** Default most items (entries or children) per node; a full node splits in two halves. */
const FANOUT = 64;
/*
 * Comparisons run on the doubles: Number() rounds monotonically, so unequal doubles order
 * their bigints, and equal doubles below 2^53 mean equal bigints. Only a tie at or above
 * 2^53 reads the exact bigint, so a search normally touches no entry object.
 */
const EXACT = 2 ** 53;

export class IntervalMap<V> {
  private t: BPlusStore<V>;
  /** Bumped by every insert and remove: iterators re-seek when it moved under them. */
  private version = 0;
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
  constructor(private readonly fanout = FANOUT) {
    if (!Number.isInteger(fanout) || fanout < 8 || fanout % 2 !== 0) throw new RangeError('IntervalMap: fanout must be an even integer >= 8');
    this.t = new BPlusStore<V>(fanout);
    this.cl = this.t.root;
  }

  /** Number of entries. */
  get size(): number {
    return this.t.nEntries;
  }

  /** Insert [start, last] → value. Returns false (and changes nothing) when it overlaps an entry. */
  insert(start: bigint, last: bigint, value: V): boolean {
    if (start > last) throw new RangeError('IntervalMap.insert: start > last');
    const sd = Number(start);
    const ld = Number(last);
    if (!this.sought(start)) this.seek(start, sd);
    const t = this.t;
    const leaf = this.cl;
    const i = this.ci;
    const b = leaf * t.S;
    if (i >= 0) {
      const d = t.llasts[b + i]!; // floor.last >= start: overlap
      if (d > sd || (d === sd && (sd < EXACT || t.lents[b + i]!.last >= start))) return false;
    } else {
      const f = this.floorAtCursor();
      if (f !== undefined && f.last >= start) return false;
    }
    if (i + 1 < t.leaves.count[leaf]!) {
      const d = t.lkeys[b + i + 1]!; // next.start <= last: overlap
      if (d < ld || (d === ld && (ld < EXACT || t.lents[b + i + 1]!.start <= last))) return false;
    } else {
      const nx = t.lnext[leaf]!;
      if (nx !== NONE && t.lents[nx * t.S]!.start <= last) return false;
    }
    // i may be -1 with the floor in the previous leaf: inserting at 0 here keeps the order
    t.insertAt(leaf, i + 1, new Entry(start, last, value), sd, ld);
    this.version++;
    return true;
  }

  /** Remove the entry that starts exactly at `start`; returns it, or undefined. */
  remove(start: bigint): IntervalEntry<V> | undefined {
    if (!this.sought(start)) this.seek(start, Number(start));
    const i = this.ci;
    const e = i < 0 ? undefined : this.t.lents[this.cl * this.t.S + i]!;
    if (e === undefined || e.start !== start) return undefined;
    this.t.removeAt(this.cl, i);
    this.version++;
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
    return this.locateOverlap(a, b) ? this.t.lents[this.cl * this.t.S + this.ci] : undefined;
  }

  /** Entries overlapping [a, b], ascending (safe against removal of the yielded entry). */
  *overlapping(a: bigint, b: bigint): Generator<IntervalEntry<V>> {
    if (this.locateOverlap(a, b)) yield* this.walkFrom(this.cl, this.ci, b);
  }

  /** Every entry, ascending (safe against removal of the yielded entry). */
  *entries(): Generator<IntervalEntry<V>> {
    yield* this.walkFrom(this.t.firstLeaf(), 0, U64_MAX);
  }

  /** The entry with the lowest start, if any. */
  first(): IntervalEntry<V> | undefined {
    const l = this.t.firstLeaf();
    return this.t.leaves.count[l]! > 0 ? this.t.lents[l * this.t.S] : undefined;
  }

  clear(): void {
    this.t = new BPlusStore<V>(this.fanout);
    this.cl = this.t.root;
    this.ci = -1;
    this.soughtKey = null;
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
    return this.t.checkShape();
  }

  // ---- search ----

  /**
   * Descend to the leaf where `x` belongs, recording the path; leaves the cursor at the
   * last entry of that leaf with start <= x (ci = -1 when none there: the floor, if any, is
   * then the previous leaf's last entry, since separators may be stale-low).
   */
  private seek(x: bigint, xd: number): void {
    const t = this.t;
    const S = t.S;
    let node = t.root;
    for (let depth = 0; depth < t.height; depth++) {
      // first j >= 1 whose separator is above x; the child before it
      const b = node * S;
      const keys = t.ikeys;
      let lo = 1;
      let hi = t.inners.count[node]!;
      while (lo < hi) {
        const mid = (lo + hi) >> 1;
        const d = keys[b + mid]!;
        if (d > xd || (d === xd && xd >= EXACT && t.iseps[b + mid]! > x)) hi = mid;
        else lo = mid + 1;
      }
      t.pathN[depth] = node;
      t.pathI[depth] = lo - 1;
      node = t.ikids[b + lo - 1]!;
    }
    const b = node * S;
    const keys = t.lkeys;
    let lo = 0;
    let hi = t.leaves.count[node]!;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      const d = keys[b + mid]!;
      if (d > xd || (d === xd && xd >= EXACT && t.lents[b + mid]!.start > x)) hi = mid;
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
    const t = this.t;
    if (this.ci >= 0) return t.lents[this.cl * t.S + this.ci];
    const p = t.lprev[this.cl]!;
    return p === NONE ? undefined : t.lents[p * t.S + t.leaves.count[p]! - 1];
  }

  private nextAtCursor(): Entry<V> | undefined {
    const t = this.t;
    const j = this.ci + 1;
    if (j < t.leaves.count[this.cl]!) return t.lents[this.cl * t.S + j];
    const nx = t.lnext[this.cl]!;
    return nx === NONE ? undefined : t.lents[nx * t.S];
  }

  /**
   * Put the cursor on the lowest entry overlapping [a, b]; false when there is none. The
   * floor's last and the next start are compared as doubles, so no entry is read unless
   * it is the answer (or a tie above 2^53 needs the bigint).
   */
  private locateOverlap(a: bigint, b: bigint): boolean {
    const ad = Number(a);
    this.seek(a, ad);
    const t = this.t;
    const S = t.S;
    let leaf = this.cl;
    const i = this.ci;
    if (i >= 0) {
      const d = t.llasts[leaf * S + i]!; // floor.last >= a
      if (d > ad || (d === ad && (ad < EXACT || t.lents[leaf * S + i]!.last >= a))) {
        this.soughtKey = t.lents[leaf * S + i]!.start; // the floor: where seek(its start) lands
        return true;
      }
    } else {
      const p = t.lprev[leaf]!;
      if (p !== NONE) {
        const pn = t.leaves.count[p]!;
        if (t.lents[p * S + pn - 1]!.last >= a) {
          this.cl = p; // another leaf: the path no longer leads here
          this.ci = pn - 1;
          this.soughtKey = null;
          return true;
        }
      }
    }
    let j = i + 1;
    if (j >= t.leaves.count[leaf]!) {
      leaf = t.lnext[leaf]!;
      if (leaf === NONE) return false;
      j = 0;
      this.soughtKey = null; // (only if it is the answer, below)
    }
    const d = t.lkeys[leaf * S + j]!; // next.start <= b
    const bd = Number(b);
    if (d < bd || (d === bd && (bd < EXACT || t.lents[leaf * S + j]!.start <= b))) {
      // on the sought leaf, the cursor is where seek(its start) would put it
      if (this.soughtKey !== null) this.soughtKey = t.lents[leaf * S + j]!.start;
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
    // (this.t is read afresh each step: clear() may replace it between yields)
    while (leaf !== NONE && i < this.t.leaves.count[leaf]!) {
      // past b? decided on the double unless it ties inexactly (no entry read for the stop)
      const d = this.t.lkeys[leaf * this.t.S + i]!;
      if (d > bd) return;
      const cur = this.t.lents[leaf * this.t.S + i]!;
      if (cur.start > b) return;
      const v = this.version;
      yield cur;
      if (v !== this.version) {
        // the map changed under us: find the successor afresh
        this.seek(cur.start, Number(cur.start));
        leaf = this.cl;
        i = this.ci;
      }
      if (++i >= this.t.leaves.count[leaf]!) {
        leaf = this.t.lnext[leaf]!;
        i = 0;
      }
    }
  }
}
