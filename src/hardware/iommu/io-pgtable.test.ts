import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { IoPageTable, levelsForWidth, SZ_1G, SZ_2M, SZ_4K } from './io-pgtable.js';

const RW = { read: true, write: true };
const MiB = 1n << 20n;

function sizes(t: IoPageTable): bigint[] {
  return [...t.leaves()].map((l) => l.size);
}

describe('IoPageTable geometry', () => {
  it('derives levels from the address width', () => {
    expect(levelsForWidth(39)).toBe(3);
    expect(levelsForWidth(48)).toBe(4);
    expect(levelsForWidth(57)).toBe(5);
    expect(() => levelsForWidth(40)).toThrow(RangeError);
  });
});

describe('IoPageTable.map', () => {
  it('splits 4 MiB at 2 MiB alignment into two 2 MiB leaves when 2M is allowed', () => {
    const t = new IoPageTable(48, SZ_4K | SZ_2M);
    expect(t.map(0x20_0000n, 0x4020_0000n, 4n * MiB, RW).ok).toBe(true);
    expect(sizes(t)).toEqual([SZ_2M, SZ_2M]);
  });

  it('uses 1024 4 KiB leaves when only 4K is allowed', () => {
    const t = new IoPageTable(48, SZ_4K);
    expect(t.map(0x20_0000n, 0x4020_0000n, 4n * MiB, RW).ok).toBe(true);
    const s = sizes(t);
    expect(s.length).toBe(1024);
    expect(s.every((x) => x === SZ_4K)).toBe(true);
  });

  it('needs both IOVA and PA aligned for a large leaf, and takes the largest that fits', () => {
    const t = new IoPageTable(48);
    // iova 2M-aligned but pa only 4K-aligned: no 2M leaves
    expect(t.map(0x20_0000n, 0x1000n, 2n * MiB, RW).ok).toBe(true);
    expect(sizes(t).length).toBe(512);
    // 4K head, then 1G, then 2M, then 4K tail
    const u = new IoPageTable(48);
    const iova = SZ_1G - SZ_4K;
    expect(u.map(iova, iova, SZ_4K + SZ_1G + SZ_2M + SZ_4K, RW).ok).toBe(true);
    expect(sizes(u)).toEqual([SZ_4K, SZ_1G, SZ_2M, SZ_4K]);
  });

  it('rejects misalignment with EINVAL and overlap with EEXIST, changing nothing', () => {
    const t = new IoPageTable(48);
    expect(t.map(0x10_0000n, 0x10_0000n, 0x4000n, RW).ok).toBe(true);
    const before = [...t.leaves()];
    const bad = [
      t.map(0x800n, 0n, 0x1000n, RW),
      t.map(0n, 0x800n, 0x1000n, RW),
      t.map(0n, 0n, 0x1800n, RW),
    ];
    for (const r of bad) expect(r.ok ? 'ok' : r.code).toBe('EINVAL');
    const ex = t.map(0x0n, 0x900_0000n, 0x10_2000n, RW); // last page overlaps
    expect(ex.ok ? 'ok' : ex.code).toBe('EEXIST');
    expect([...t.leaves()]).toEqual(before);
    expect(t.lookup(0x0n)).toBeNull();
  });

  it('rejects no-permission maps with EINVAL and IOVAs beyond the width with EFAULT', () => {
    const t = new IoPageTable(39);
    const a = t.map(0n, 0n, SZ_4K, { read: false, write: false });
    expect(a.ok ? 'ok' : a.code).toBe('EINVAL');
    const b = t.map((1n << 39n) - SZ_4K, 0n, 2n * SZ_4K, RW);
    expect(b.ok ? 'ok' : b.code).toBe('EFAULT');
    expect(t.map((1n << 39n) - SZ_4K, 0n, SZ_4K, RW).ok).toBe(true);
  });
});

describe('IoPageTable.unmap and lookup', () => {
  it('unmapping part of a 2 MiB leaf removes and reports the whole leaf', () => {
    const t = new IoPageTable(48);
    expect(t.map(0x20_0000n, 0x20_0000n, SZ_2M, RW).ok).toBe(true);
    const r = t.unmap(0x20_1000n, SZ_4K);
    expect(r).toEqual({ ok: true, value: SZ_2M });
    expect(t.lookup(0x20_0000n)).toBeNull();
    expect(t.stats()).toEqual({ leaves: 0, mappedBytes: 0n });
  });

  it('skips holes and returns the sum of leaves removed', () => {
    const t = new IoPageTable(48);
    t.map(0x0n, 0x0n, SZ_4K, RW);
    t.map(0x3000n, 0x8000n, SZ_4K, RW);
    expect(t.unmap(0x0n, 0x10000n)).toEqual({ ok: true, value: 2n * SZ_4K });
    expect(t.unmap(0x0n, 0x10000n)).toEqual({ ok: true, value: 0n });
    const bad = t.unmap(0x10n, SZ_4K);
    expect(bad.ok ? 'ok' : bad.code).toBe('EINVAL');
  });

  it('translates with the offset preserved and reports the leaf', () => {
    const t = new IoPageTable(57);
    t.map(1n << 50n, 0x4000_0000n, SZ_1G, { read: true, write: false });
    const tr = t.lookup((1n << 50n) + 0x12345n);
    expect(tr).toMatchObject({ pa: 0x4001_2345n, pageSize: SZ_1G, read: true, write: false });
    expect(t.iovaToPhys(0x1000n)).toBeNull();
  });

  it('reads and clears dirty bits at leaf granularity', () => {
    const t = new IoPageTable(48);
    t.map(0n, 0n, 0x3000n, RW);
    t.walk(1)!.dirty = true;
    expect(t.readAndClearDirty(0n, 0x3000n, false)).toEqual([{ iova: 0x1000n, size: SZ_4K }]);
    expect(t.readAndClearDirty(0n, 0x3000n)).toEqual([{ iova: 0x1000n, size: SZ_4K }]);
    expect(t.readAndClearDirty(0n, 0x3000n)).toEqual([]);
  });
});

describe('IoPageTable table nodes', () => {
  it('a leaf table filled past its sparse form keeps order, and is dropped when emptied', () => {
    const t = new IoPageTable(48, SZ_4K | SZ_2M);
    // 300 single pages of one 2 MiB region, mapped in a scattered order
    const pages = Array.from({ length: 300 }, (_, i) => (i * 277) % 512);
    for (const pg of pages) expect(t.map(BigInt(pg) << 12n, 0x10_0000_0000n + (BigInt(pg) << 12n), SZ_4K, RW).ok).toBe(true);
    expect([...t.leaves()].map((l) => Number(l.iova >> 12n))).toEqual([...pages].sort((a, b) => a - b));
    expect(t.map(0n, 0n, SZ_2M, RW)).toMatchObject({ ok: false, code: 'EEXIST' });
    expect(t.lookup(BigInt(pages[7]!) << 12n)?.pa).toBe(0x10_0000_0000n + (BigInt(pages[7]!) << 12n));
    expect(t.unmap(0n, SZ_2M)).toEqual({ ok: true, value: 300n << 12n });
    // the emptied table is gone: a 2 MiB leaf fits where it was
    expect(t.map(0n, 0n, SZ_2M, RW).ok).toBe(true);
    expect(sizes(t)).toEqual([SZ_2M]);
  });
});

describe('IoPageTable vs a flat model (property)', () => {
  type Cmd = { op: 'map'; page: number; pa: number; pages: number; w: boolean } | { op: 'unmap'; page: number; pages: number };
  const PAGES = 4096; // 16 MiB of IOVA: room for several 2 MiB leaves
  const cmd: fc.Arbitrary<Cmd> = fc.oneof(
    fc.record({
      op: fc.constant('map' as const),
      page: fc.oneof(fc.nat(PAGES - 1), fc.nat(7).map((x) => x * 512)),
      pa: fc.oneof(fc.nat(1 << 20), fc.nat(63).map((x) => x * 512)),
      pages: fc.oneof(fc.integer({ min: 1, max: 16 }), fc.constantFrom(512, 1024, 1030)),
      w: fc.boolean(),
    }),
    fc.record({ op: fc.constant('unmap' as const), page: fc.nat(PAGES - 1), pages: fc.integer({ min: 1, max: 600 }) }),
  );

  /** The model's own greedy split (4K|2M only): [first page, pages] of each leaf. */
  function split(page: number, pa: number, pages: number): Array<[number, number]> {
    const out: Array<[number, number]> = [];
    for (let i = 0; i < pages; ) {
      const big = pages - i >= 512 && (page + i) % 512 === 0 && (pa + i) % 512 === 0;
      out.push([page + i, big ? 512 : 1]);
      i += big ? 512 : 1;
    }
    return out;
  }

  it('agrees with Map<page, {pa, write, leaf}> on every lookup', () => {
    fc.assert(
      fc.property(fc.array(cmd, { maxLength: 25 }), (cmds) => {
        const t = new IoPageTable(48, SZ_4K | SZ_2M);
        const model = new Map<number, { pa: number; w: boolean; leaf: number; n: number }>();
        for (const c of cmds) {
          if (c.op === 'map') {
            const pages = Math.min(c.pages, PAGES - c.page);
            let overlap = false;
            for (let i = 0; i < pages; i++) overlap ||= model.has(c.page + i);
            const r = t.map(BigInt(c.page) << 12n, BigInt(c.pa) << 12n, BigInt(pages) << 12n, { read: true, write: c.w });
            expect(r.ok ? 'ok' : r.code).toBe(overlap ? 'EEXIST' : 'ok');
            if (overlap) continue;
            for (const [leaf, n] of split(c.page, c.pa, pages)) {
              for (let i = 0; i < n; i++) model.set(leaf + i, { pa: c.pa + (leaf - c.page) + i, w: c.w, leaf, n });
            }
          } else {
            const r = t.unmap(BigInt(c.page) << 12n, BigInt(c.pages) << 12n);
            const hit = new Set<number>();
            for (let p = c.page; p < c.page + c.pages; p++) {
              const e = model.get(p);
              if (e !== undefined) hit.add(e.leaf);
            }
            let removed = 0;
            for (const leaf of hit) {
              const n = model.get(leaf)!.n;
              for (let i = 0; i < n; i++) model.delete(leaf + i);
              removed += n;
            }
            expect(r).toEqual({ ok: true, value: BigInt(removed) << 12n });
          }
        }
        const bad: number[] = [];
        for (let p = 0; p < PAGES; p++) {
          const want = model.get(p);
          const got = t.lookup(BigInt(p) << 12n);
          const same = want === undefined ? got === null : got !== null && got.pa === BigInt(want.pa) << 12n && got.write === want.w && got.leafIova === BigInt(want.leaf) << 12n;
          if (!same) bad.push(p);
        }
        expect(bad).toEqual([]);
        expect(t.stats().mappedBytes).toBe(BigInt(model.size) << 12n);
      }),
      { numRuns: 80 },
    );
  });
});
