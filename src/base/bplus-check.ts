/**
 * Test aid for the B+tree store: walk every node and report the first broken structural
 * invariant (separators, node sizes, the doubles beside the bigints, the leaf chain, the
 * entry count), or undefined when the tree is sound. O(n); never used on a hot path.
 */
import { NONE } from './bplus-arena.js';
import type { BPlusStore } from './bplus-store.js';

/** The first broken invariant of `t`, or undefined. */
export function checkBPlusShape<V>(t: BPlusStore<V>): string | undefined {
  const order: number[] = [];
  const bad = checkNode(t, t.root, t.height, -1n, 1n << 64n, true, order);
  if (bad !== undefined) return bad;
  let n = 0;
  for (let i = 0; i < order.length; i++) {
    const l = order[i]!;
    if (t.lprev[l] !== (order[i - 1] ?? NONE) || t.lnext[l] !== (order[i + 1] ?? NONE)) return 'leaf chain';
    n += t.leaves.count[l]!;
  }
  return n === t.nEntries ? undefined : 'count';
}

/** Every key under `node` lies in [lo, hi) (lo = -1: no bound); appends leaves in order. */
function checkNode<V>(t: BPlusStore<V>, node: number, below: number, lo: bigint, hi: bigint, isRoot: boolean, order: number[]): string | undefined {
  const S = t.S;
  const b = node * S;
  if (below === 0) {
    const n = t.leaves.count[node]!;
    if (!isRoot && n < t.min) return `leaf of ${n} < min`;
    if (n > t.cap) return 'leaf size';
    order.push(node);
    for (let i = 0; i < S; i++) {
      const e = t.lents[b + i];
      if (i >= n) {
        if (e !== undefined) return 'stale entry';
        continue;
      }
      if (e === undefined) return 'missing entry';
      if (t.lkeys[b + i] !== Number(e.start) || t.llasts[b + i] !== Number(e.last)) return 'leaf double';
      if (e.start < lo || e.start >= hi || (i > 0 && e.start <= t.lents[b + i - 1]!.last)) return 'leaf order';
    }
    return undefined;
  }
  const n = t.inners.count[node]!;
  if ((!isRoot && n < t.min) || (isRoot && n < 2) || n > t.cap) return `inner of ${n}`;
  for (let j = 0; j < n; j++) {
    const sLo = j === 0 ? lo : t.iseps[b + j]!;
    if (j > 0 && (t.ikeys[b + j] !== Number(sLo) || sLo < lo || sLo >= hi || (j > 1 && sLo <= t.iseps[b + j - 1]!))) return 'separator';
    const bad = checkNode(t, t.ikids[b + j]!, below - 1, sLo, j + 1 < n ? t.iseps[b + j + 1]! : hi, false, order);
    if (bad !== undefined) return bad;
  }
  return undefined;
}
