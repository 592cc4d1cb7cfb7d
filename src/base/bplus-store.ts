/**
 * The node storage of IntervalMap's B+tree, laid out in arenas: a node is a number; node x
 * owns the slots [x*S, x*S + S) (S = fanout + 1, one spare for the split) of a few shared
 * arrays. Leaves keep Number(start) and Number(last) (Float64Array) and the entries;
 * inner nodes keep their separators as doubles (Float64Array) and exact bigints, and their
 * children's numbers (Int32Array); counts and the leaf chain are Int32Arrays too. A
 * search (in interval-map.ts) is then a binary search over one node's doubles per level:
 * a dozen cache lines of three hot arrays, not a chain of scattered objects.
 *
 * This file does the structural work: insert at a position (splitting up the recorded
 * path), remove at a position (borrowing from or merging with a sibling up the path), and
 * a shape check for tests (bplus-check.ts). Entries and arenas are in bplus-arena.ts.
 *
 * Invariants: entries ascend by `start` along the leaf chain and never overlap; for an
 * inner node, every entry under its child j has start >= sep j and < sep j+1 (a separator
 * may be stale-low after a removal, never wrong; sep 0 is unused); every node but the root
 * holds >= fanout/4 items; a leaf other than the root is never empty; all leaves are at
 * depth `height`; slots past a leaf's count hold no entry.
 */
import { Arena, Entry, growArr, growF64, growInt, NONE } from './bplus-arena.js';
import { checkBPlusShape } from './bplus-check.js';

export class BPlusStore<V> {
  readonly cap: number;
  readonly min: number;
  /** Slots per node: cap + 1. */
  readonly S: number;

  // leaves
  readonly leaves: Arena;
  lkeys: Float64Array;
  llasts: Float64Array;
  readonly lents: Array<Entry<V> | undefined> = [];
  lnext: Int32Array;
  lprev: Int32Array;
  // inner nodes
  readonly inners: Arena;
  ikeys: Float64Array;
  readonly iseps: bigint[] = [];
  ikids: Int32Array;

  /** The root: a leaf when height is 0, else an inner node with `height` levels below it. */
  root: number;
  height = 0;
  nEntries = 0;
  /** The path of the last descent (filled by the search): inner node and child index per level. */
  readonly pathN: number[] = [];
  readonly pathI: number[] = [];

  constructor(fanout: number) {
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

  /** Put `e` at index i of `leaf` (reached by the recorded path), splitting up the path when full. */
  insertAt(leaf: number, i: number, e: Entry<V>, sd: number, ld: number): void {
    this.leafInsert(leaf, i, e, sd, ld);
    if (this.leaves.count[leaf]! > this.cap) this.splitLeaf(leaf, this.height);
    this.nEntries++;
  }

  /** Take out entry i of `leaf` (reached by the recorded path), rebalancing up the path. */
  removeAt(leaf: number, i: number): void {
    const b = leaf * this.S;
    const n = this.leaves.count[leaf]!;
    this.lkeys.copyWithin(b + i, b + i + 1, b + n);
    this.llasts.copyWithin(b + i, b + i + 1, b + n);
    const ents = this.lents;
    for (let k = b + i; k < b + n - 1; k++) ents[k] = ents[k + 1];
    ents[b + n - 1] = undefined;
    this.leaves.count[leaf] = n - 1;
    this.nEntries--;
    this.rebalance(leaf, this.height);
  }

  firstLeaf(): number {
    let node = this.root;
    for (let d = 0; d < this.height; d++) node = this.ikids[node * this.S]!;
    return node;
  }

  /**
   * Test aid: the first broken structural invariant (separators, node sizes, the doubles
   * beside the bigints, the leaf chain), or undefined when the tree is sound. O(n).
   */
  checkShape(): string | undefined {
    return checkBPlusShape(this);
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
}
