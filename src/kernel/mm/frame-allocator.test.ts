import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { FrameAllocator } from './frame-allocator.js';

const GiB = 1n << 30n;

describe('FrameAllocator', () => {
  it('skips the first MiB and the x86 PCI hole, lowest address first', () => {
    const a = new FrameAllocator([
      [0n, 0xc000_0000n],
      [0x1_0000_0000n, 0x1_0000_0000n + GiB],
    ]);
    expect(a.totalFrames()).toBe((0xc000_0000 - 0x100000) / 4096 + Number(GiB) / 4096);
    expect(a.alloc(1)).toBe(0x100);
    expect(a.alloc(2)).toBe(0x101);
    expect(a.usedFrames()).toBe(3);
  });

  it('honours alignment and fills the gap it leaves later', () => {
    const a = new FrameAllocator([[0n, 16n << 20n]], { reserveBelow: 0n });
    expect(a.alloc(1)).toBe(0);
    expect(a.alloc(512, 512)).toBe(512); // 2 MiB aligned
    expect(a.alloc(511)).toBe(1); // the hole below
    expect(a.alloc(1)).toBe(1024);
  });

  it('returns null when nothing fits and leaves state unchanged', () => {
    const a = new FrameAllocator([[0n, 4n << 20n]], { reserveBelow: 0n });
    expect(a.alloc(1)).toBe(0);
    expect(a.alloc(1024, 512)).toBeNull();
    expect(a.freeExtents()).toEqual([[1, 1023]]);
  });

  it('free merges neighbours and rejects double free with EINVAL', () => {
    const a = new FrameAllocator([[0n, 1n << 20n]], { reserveBelow: 0n });
    const x = a.alloc(10)!;
    const y = a.alloc(10)!;
    expect(a.free(x, 10).ok).toBe(true);
    expect(a.free(y, 10).ok).toBe(true);
    expect(a.freeExtents()).toEqual([[0, 256]]);
    const r = a.free(x, 1);
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.code).toBe('EINVAL');
    expect(a.free(1000, 1).ok).toBe(false);
  });

  it('handles millions of frames with few extents', () => {
    const a = new FrameAllocator([[0n, 64n * GiB]]);
    expect(a.totalFrames()).toBe(64 * 262144 - 256);
    const got: number[] = [];
    for (let i = 0; i < 2000; i++) got.push(a.alloc(512, 512)!);
    for (let i = 0; i < got.length; i += 2) expect(a.free(got[i]!, 512).ok).toBe(true);
    expect(a.freeExtents().length).toBeLessThan(1100);
    expect(a.alloc(1024, 512)).toBe(2000 * 512 + 512);
  });

  it('agrees with a bitmap model on random alloc/free sequences', () => {
    const N = 512;
    fc.assert(
      fc.property(
        fc.array(fc.oneof(fc.tuple(fc.constant('a' as const), fc.integer({ min: 1, max: 40 }), fc.constantFrom(1, 2, 8, 64)), fc.tuple(fc.constant('f' as const), fc.nat(50), fc.constant(0))), { maxLength: 60 }),
        (ops) => {
          const a = new FrameAllocator([[0n, BigInt(N * 4096)]], { reserveBelow: 0n });
          const used = new Uint8Array(N);
          const live: Array<[number, number]> = [];
          for (const [k, x, al] of ops) {
            if (k === 'a') {
              let want: number | null = null;
              for (let s = 0; s + x <= N; s += al) {
                if (used.subarray(s, s + x).every((b) => b === 0)) { want = s; break; }
              }
              const got = a.alloc(x, al);
              expect(got).toBe(want);
              if (got !== null) { used.fill(1, got, got + x); live.push([got, x]); }
            } else if (live.length > 0) {
              const [s, n] = live.splice(x % live.length, 1)[0]!;
              expect(a.free(s, n).ok).toBe(true);
              used.fill(0, s, s + n);
            }
            expect(a.usedFrames()).toBe(used.reduce((p, b) => p + b, 0));
          }
        },
      ),
      { numRuns: 100 },
    );
  });
});
