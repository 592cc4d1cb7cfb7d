import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { IntervalMap } from './interval-map.js';

const MAX = (1n << 64n) - 1n;

describe('IntervalMap', () => {
  it('refuses overlaps, accepts touching ranges, and finds the first overlap', () => {
    const m = new IntervalMap<string>();
    expect(m.insert(0x1000n, 0x1fffn, 'a')).toBe(true);
    expect(m.insert(0x2000n, 0x2fffn, 'b')).toBe(true);
    expect(m.insert(0x1fffn, 0x2000n, 'x')).toBe(false);
    expect(m.insert(0x1000n, 0x1fffn, 'dup')).toBe(false);
    expect(m.size).toBe(2);
    expect(m.firstOverlap(0n, 0xfffn)).toBeUndefined();
    expect(m.firstOverlap(0n, 0x1000n)?.value).toBe('a');
    expect(m.firstOverlap(0x1800n, 0x5000n)?.value).toBe('a');
    expect(m.firstOverlap(0x2000n, 0x5000n)?.value).toBe('b');
    expect(m.containing(0x2fffn)?.value).toBe('b');
    expect(m.containing(0x3000n)).toBeUndefined();
    expect([...m.overlapping(0n, MAX)].map((e) => e.value)).toEqual(['a', 'b']);
    expect(m.remove(0x1000n)?.value).toBe('a');
    expect(m.remove(0x1000n)).toBeUndefined();
    expect([...m.entries()].map((e) => e.value)).toEqual(['b']);
  });

  it('handles a range ending at 2^64 - 1', () => {
    const m = new IntervalMap<number>();
    expect(m.insert(MAX - 0xfffn, MAX, 1)).toBe(true);
    expect(m.containing(MAX)?.value).toBe(1);
    expect(m.firstOverlap(0n, MAX)?.value).toBe(1);
  });

  it('stays fast with 65,535 entries', () => {
    const m = new IntervalMap<number>();
    let okCount = 0;
    for (let i = 0; i < 65535; i++) if (m.insert(BigInt(i) << 12n, (BigInt(i) << 12n) + 0xfffn, i)) okCount++;
    expect(okCount).toBe(65535);
    expect(m.size).toBe(65535);
    expect(m.containing(0x800_0fffn)?.value).toBe(0x8000);
    for (let i = 0; i < 65535; i += 2) m.remove(BigInt(i) << 12n);
    expect(m.size).toBe(32767);
    expect(m.first()?.value).toBe(1);
  });

  it('agrees with a naive list on random operations', () => {
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.boolean(), fc.integer({ min: 0, max: 63 }), fc.integer({ min: 0, max: 7 }), fc.integer({ min: 0, max: 63 }), fc.integer({ min: 0, max: 15 }))),
        (ops) => {
          const m = new IntervalMap<number>();
          const ref: Array<[bigint, bigint]> = [];
          for (const [ins, s, len, qa, qlen] of ops) {
            const a = BigInt(s);
            const b = a + BigInt(len);
            if (ins) {
              const clash = ref.some(([x, y]) => x <= b && a <= y);
              expect(m.insert(a, b, s)).toBe(!clash);
              if (!clash) ref.push([a, b]);
            } else {
              const i = ref.findIndex(([x]) => x === a);
              expect(m.remove(a) !== undefined).toBe(i >= 0);
              if (i >= 0) ref.splice(i, 1);
            }
            ref.sort((x, y) => (x[0] < y[0] ? -1 : 1));
            const qA = BigInt(qa);
            const qB = qA + BigInt(qlen);
            const want = ref.filter(([x, y]) => x <= qB && qA <= y);
            expect([...m.overlapping(qA, qB)].map((e) => [e.start, e.last])).toEqual(want);
            expect(m.firstOverlap(qA, qB)?.start).toBe(want[0]?.[0]);
            expect(m.size).toBe(ref.length);
          }
        },
      ),
      { numRuns: 200 },
    );
  });
});

/** Deterministic xorshift32 for the large randomized checks below. */
function rng(seed: number): (n: number) => number {
  let x = seed >>> 0 || 1;
  return (n) => {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    x >>>= 0;
    return x % n;
  };
}

/**
 * Windows of slots filled or emptied whole, against a bitmap: full nodes end up beside
 * short ones, so every rebalancing case (leaf and inner, borrow from either side, merge,
 * root collapse) happens. Probes floor/ceilAbove/firstOverlap/insert-refusal each round,
 * checks the tree's shape, and at the end routes every slot from the root.
 */
/** `stride` (>= 16) apart; entry i is [key(i), key(i) + 3]. */
function regions(base: bigint, stride: bigint, seed: number, slots: number, rounds: number, fanout: number): void {
  const next = rng(seed);
  const key = (i: number): bigint => base + stride * BigInt(i);
  const m = new IntervalMap<number>(fanout);
  const alive = new Uint8Array(slots);
  let wrong = 0;
  let ops = 0;
  for (let round = 0; round < rounds; round++) {
    const r = 1 + next(slots >> 3);
    const c = next(slots);
    const grow = next(3) !== 0 || m.size < slots >> 4;
    for (let i = Math.max(0, c - r); i < Math.min(slots, c + r); i++) {
      if (grow && !alive[i] && next(4) !== 0) {
        if (!m.insert(key(i), key(i) + 3n, i)) wrong++;
        alive[i] = 1;
      } else if (!grow && alive[i]) {
        if (m.remove(key(i))?.value !== i) wrong++;
        alive[i] = 0;
      } else continue;
      // mid-window too: a whole drained window would merge a bad separator away by its end
      if (++ops % (fanout === 8 ? 61 : 997) === 0 && m.checkShape() !== undefined) wrong++;
    }
    const i = next(slots);
    let f = i;
    while (f >= 0 && !alive[f]) f--;
    let nx = i + 1;
    while (nx < slots && !alive[nx]) nx++;
    const x = key(i) + 8n;
    expect(m.floor(x)?.start).toBe(f >= 0 ? key(f) : undefined);
    expect(m.ceilAbove(x)?.start).toBe(nx < slots ? key(nx) : undefined);
    expect(m.firstOverlap(key(i) + 3n, key(i) + stride)?.start).toBe(alive[i] ? key(i) : nx === i + 1 ? key(nx) : undefined);
    const free = !alive[i] && !alive[i + 1];
    expect(m.insert(key(i) + 3n, key(i) + stride, -1)).toBe(free);
    if (free) m.remove(key(i) + 3n);
    expect(m.checkShape()).toBeUndefined();
  }
  expect(wrong).toBe(0);
  const want: number[] = [];
  alive.forEach((a, i) => a && want.push(i));
  const got = [...m.entries()].map((e) => e.value);
  expect(got.length === want.length && got.every((v, j) => v === want[j])).toBe(true);
  expect(m.size).toBe(want.length);
  let lost = 0;
  for (let i = 0; i < slots; i++) if ((m.containing(key(i) + 2n)?.value ?? -1) !== (alive[i] ? i : -1)) lost++;
  expect(lost).toBe(0);
  for (const v of want) m.remove(key(v));
  expect([m.size, m.first(), m.checkShape()]).toEqual([0, undefined, undefined]);
}

describe('IntervalMap at scale', () => {
  it('keeps order and shape through splits, borrows and merges at every level (fanout 8)', () => {
    for (const seed of [1, 2, 3]) regions(0n, 16n, seed, 3000, 120, 8);
  });

  it('stays exact where many keys share one double (keys 16 apart near 2^64, fanout 8)', () => {
    // a double's step is 4096 just below 2^64: 256 keys tie, inside leaves and at separators
    regions((1n << 64n) - 16n * 3001n, 16n, 4, 3000, 120, 8);
    regions(1n << 63n, 16n, 5, 3000, 120, 8);
  });

  it('keeps order and shape at the default fanout with 20,000 live entries', () => {
    regions(0x1_0000_0000n, 0x1000n, 6, 40_000, 40, 64);
  });

  it('inserts and removes right after a probe of the same key (the path it reuses)', () => {
    // type1's pattern: firstOverlap(iova, last) then insert(iova, ...), or overlapping()
    // then remove(e.start) of what it yielded
    const next = rng(9);
    const m = new IntervalMap<number>(8);
    const ref = new Map<number, number>(); // start slot -> last slot
    for (let step = 0; step < 6000; step++) {
      const a = next(2000);
      const len = next(3);
      const hit = m.firstOverlap(BigInt(a * 16), BigInt((a + len) * 16 + 15));
      let want: number | undefined;
      for (const [s0, l0] of ref) if (s0 <= a + len && a <= l0 && (want === undefined || s0 < want)) want = s0;
      expect(hit === undefined ? undefined : Number(hit.start / 16n)).toBe(want);
      if (hit === undefined) {
        expect(m.insert(BigInt(a * 16), BigInt((a + len) * 16 + 15), a)).toBe(true);
        ref.set(a, a + len);
      } else if (next(2) === 0) {
        expect(m.remove(hit.start)?.value).toBe(want);
        ref.delete(want!);
      } else {
        for (const e of m.overlapping(BigInt(a * 16), BigInt((a + len) * 16 + 15))) {
          expect(m.remove(e.start)).toBe(e);
          ref.delete(e.value);
        }
      }
      if (step % 50 === 0) expect(m.checkShape()).toBeUndefined();
    }
    expect(m.size).toBe(ref.size);
    expect([...m.entries()].map((e) => e.value)).toEqual([...ref.keys()].sort((x, y) => x - y));
  });

  it('clear() empties a deep tree and leaves it usable', () => {
    const m = new IntervalMap<number>(8);
    for (let i = 0; i < 500; i++) m.insert(BigInt(i * 8), BigInt(i * 8 + 3), i);
    m.clear();
    expect([m.size, m.first(), m.floor(4000n), [...m.entries()]]).toEqual([0, undefined, undefined, []]);
    expect(m.insert(16n, 19n, 1)).toBe(true);
    expect(m.containing(17n)?.value).toBe(1);
    expect(m.checkShape()).toBeUndefined();
  });

  it('refuses a fanout it cannot keep balanced', () => {
    expect(() => new IntervalMap(6)).toThrow(RangeError);
    expect(() => new IntervalMap(9)).toThrow(RangeError);
  });

  it('survives removal of the yielded entry and of others during iteration', () => {
    const m = new IntervalMap<number>(8);
    for (let i = 0; i < 1000; i++) m.insert(BigInt(i * 10), BigInt(i * 10 + 4), i);
    const seen: number[] = [];
    for (const e of m.overlapping(100n, 5000n)) {
      seen.push(e.value);
      m.remove(e.start);
      if (e.value % 3 === 0) m.remove(e.start + 10n); // the next one, too
    }
    // every entry from 10 on, except the one after each multiple of 3 (removed by its turn)
    const want: number[] = [];
    for (let v = 10; v <= 500; v++) {
      want.push(v);
      if (v % 3 === 0) v++;
    }
    expect(seen).toEqual(want);
    expect(m.size).toBe(1000 - (want.length + want.filter((v) => v % 3 === 0 && v < 500).length));
    expect(m.containing(5003n)).toBeUndefined();
    expect(m.containing(5013n)?.value).toBe(501);
    expect(m.floor(5000n)?.value).toBe(9); // 10..500 are gone
    expect(m.checkShape()).toBeUndefined();
  });
});
