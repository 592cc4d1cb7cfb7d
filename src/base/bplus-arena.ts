/**
 * The storage primitives under IntervalMap's B+tree: the entry object, the NONE node number,
 * and an arena of numbered nodes (reused after a merge) whose typed arrays double when full.
 * What must always hold: a node number is either in use or on the free list, never both.
 */
import type { IntervalEntry } from './interval-map.js';

export class Entry<V> implements IntervalEntry<V> {
  constructor(
    readonly start: bigint,
    readonly last: bigint,
    readonly value: V,
  ) {}
}

export const NONE = -1;

/** Node storage of one kind (leaves or inner nodes): numbered nodes, reused after a merge. */
export class Arena {
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

export function growF64(a: Float64Array, len: number): Float64Array {
  const b = new Float64Array(len);
  b.set(a);
  return b;
}

export function growInt(a: Int32Array, len: number): Int32Array {
  const b = new Int32Array(len);
  b.set(a);
  return b;
}

export function growArr<T>(a: T[], len: number, fill: T): void {
  while (a.length < len) a.push(fill);
}
