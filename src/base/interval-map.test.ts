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
