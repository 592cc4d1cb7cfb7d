/**
 * Page-table pages from a bounded pool (table-pages.ts): a map that needs more table pages
 * than are left is ENOMEM and leaves the table and the pool as they were (iommu_map_nosync
 * unrolls its partial map); unmapping and freeing give pages back.
 */
import { describe, expect, it } from 'vitest';
import { Clock } from '../../base/clock.js';
import { PhysMem } from '../memory/phys-mem.js';
import { IoPageTable, SZ_1G, SZ_2M, SZ_4K } from './io-pgtable.js';
import { Iommu } from './iommu.js';
import { TablePages } from './table-pages.js';

const RW = { read: true, write: true };
const leaves = (t: IoPageTable) => [...t.leaves()].map((l) => [l.iova, l.pa, l.size]);

describe('IoPageTable with a TablePages pool (4-level table: a first 4 KiB leaf needs 3 tables below the root)', () => {
  it('counts the tables a map creates and an unmap drops', () => {
    const pool = new TablePages(100);
    const t = new IoPageTable(48, SZ_4K | SZ_2M | SZ_1G, pool);
    expect(t.map(0x1000n, 0x1000n, SZ_4K, RW).ok).toBe(true);
    expect([t.heldTablePages, pool.used]).toEqual([3, 3]);
    expect(t.map(0x2000n, 0x2000n, SZ_4K, RW).ok).toBe(true); // same tables
    expect(pool.used).toBe(3);
    expect(t.map(SZ_1G, SZ_1G, SZ_4K, RW).ok).toBe(true); // a new 1 GiB slot: its level-2 and level-1 tables
    expect(pool.used).toBe(5);
    expect(t.map(SZ_1G + SZ_2M, 0x20_0000n, SZ_2M, RW).ok).toBe(true); // a 2 MiB leaf in an existing level-2 table
    expect(pool.used).toBe(5);
    expect(t.unmap(SZ_1G, SZ_4K).ok).toBe(true); // the level-1 table empties; the level-2 one keeps the 2 MiB leaf
    expect(pool.used).toBe(4);
    expect(t.unmap(0n, 2n * SZ_1G).ok).toBe(true);
    expect([t.heldTablePages, pool.used]).toEqual([0, 0]);
  });

  it('ENOMEM when a map needs more pages than are left; the table and the pool are as before', () => {
    const pool = new TablePages(4);
    const t = new IoPageTable(48, SZ_4K | SZ_2M | SZ_1G, pool);
    expect(t.map(0x1000n, 0x1000n, SZ_4K, RW).ok).toBe(true); // 3 of 4
    const before = leaves(t);
    // a 1 GiB slot further: 2 more tables; 5 > 4
    const r = t.map(SZ_1G, SZ_1G, SZ_4K, RW);
    expect(r.ok ? 'ok' : r.code).toBe('ENOMEM');
    expect(leaves(t)).toEqual(before);
    expect([t.heldTablePages, pool.used]).toEqual([3, 3]);
    expect(t.lookup(SZ_1G)).toBeNull();
    // a map that fits in the tables there is still fine, and one needing a single new table too
    expect(t.map(0x3000n, 0x3000n, SZ_4K, RW).ok).toBe(true);
    expect(t.map(SZ_2M, SZ_2M, SZ_4K, RW).ok).toBe(true); // a new level-1 table: 4 of 4
    expect(pool.used).toBe(4);
  });

  it('a map of several leaves is refused whole: the leaves it placed before running out go too', () => {
    const pool = new TablePages(4);
    const t = new IoPageTable(48, SZ_4K, pool);
    // [2 MiB - 4 KiB, 2 MiB + 4 KiB): two 4 KiB leaves in two level-1 tables: 3 + 1 fit
    expect(t.map(SZ_2M - SZ_4K, 0x10_0000n, 2n * SZ_4K, RW).ok).toBe(true);
    expect(pool.used).toBe(4);
    expect(t.unmap(0n, SZ_1G).ok).toBe(true);
    expect(pool.used).toBe(0);
    // three level-1 tables: 3 + 2 > 4, so none of the 1025 leaves stays
    const r = t.map(SZ_2M - SZ_4K, 0x10_0000n, SZ_2M + 2n * SZ_4K, RW);
    expect(r.ok ? 'ok' : r.code).toBe('ENOMEM');
    expect([leaves(t).length, t.heldTablePages, pool.used]).toEqual([0, 0, 0]);
  });

  it('the pool is the unit\'s: every domain draws from it, and freeing a domain gives its pages back', () => {
    const iommu = new Iommu(new PhysMem(), new Clock(), { pageTablePages: 5 });
    const a = iommu.allocDomain('unmanaged');
    const b = iommu.allocDomain('unmanaged');
    expect(iommu.map(a, 0n, 0n, SZ_4K, RW).ok).toBe(true);
    const r = iommu.map(b, 0n, 0n, SZ_4K, RW); // 3 + 3 > 5
    expect(r.ok ? 'ok' : r.code).toBe('ENOMEM');
    expect(iommu.tablePages!.used).toBe(3);
    expect(iommu.freeDomain(a).ok).toBe(true); // its tables go with it (iommu_domain_free)
    expect(iommu.tablePages!.used).toBe(0);
    expect(iommu.map(b, 0n, 0n, SZ_4K, RW).ok).toBe(true);
    expect(iommu.tablePages!.used).toBe(3);
  });

  it('without a pool nothing is counted against a limit (the default)', () => {
    const iommu = new Iommu(new PhysMem(), new Clock());
    expect(iommu.tablePages).toBeNull();
    const d = iommu.allocDomain('unmanaged');
    for (let i = 0n; i < 64n; i++) expect(iommu.map(d, i * SZ_1G, 0n, SZ_4K, RW).ok).toBe(true);
    expect(d.pageTable.heldTablePages).toBe(1 + 2 * 64);
  });

  it('a pool size must be a whole number >= 0', () => {
    expect(() => new TablePages(-1)).toThrow(RangeError);
    expect(() => new TablePages(1.5)).toThrow(RangeError);
    expect(new TablePages(0).charge(1)).toBe(false);
  });
});
