/**
 * The IO page table's rules, one broken at a time (issue 14 item 11: mutation testing found
 * checks whose removal no test noticed). Each failing call breaks exactly ONE rule, so the
 * errno can only come from that check; each success is read back.
 */
import { describe, expect, it } from 'vitest';
import { MAX_PHYS } from '../../src/hardware/memory/phys-mem.js';
import { IoPageTable, levelsForWidth, SZ_1G, SZ_2M, SZ_4K } from '../../src/hardware/iommu/io-pgtable.js';
import type { Result } from '../../src/base/result.js';

const RW = { read: true, write: true };

/** The errno and the kernel function the failure cites. */
function failure(r: Result<unknown>): string {
  return r.ok ? 'ok' : `${r.code} ${r.why ?? ''}`;
}

function iovas(t: IoPageTable, from?: bigint, to?: bigint): bigint[] {
  return [...t.leaves(from, to)].map((l) => l.iova);
}

describe('geometry rules', () => {
  it('refuses widths whose level count is below 3 or above 5, naming the width', () => {
    expect(() => levelsForWidth(30)).toThrow(/width 30/); // (30-12)/9 = 2 levels
    expect(() => levelsForWidth(66)).toThrow(/width 66/); // 6 levels
  });

  it('refuses a page-size bitmap without 4K, and one with a size other than 4K/2M/1G', () => {
    expect(() => new IoPageTable(48, SZ_2M)).toThrow(/page-size bitmap 0x200000/);
    expect(() => new IoPageTable(48, SZ_4K | 0x2000n)).toThrow(/page-size bitmap 0x3000/);
  });

  it('a 3-level (39-bit) table holds a 1 GiB leaf in its root', () => {
    const t = new IoPageTable(39);
    expect(t.map(SZ_1G, SZ_1G, SZ_1G, RW).ok).toBe(true);
    expect([...t.leaves()].map((l) => l.size)).toEqual([SZ_1G]);
  });
});

describe('map: each check alone (__iommu_map, intel_iommu_map, __domain_mapping)', () => {
  it('a negative but 4 KiB-aligned iova, pa or size is EINVAL from __iommu_map', () => {
    const t = new IoPageTable(48);
    expect(failure(t.map(-SZ_4K, 0n, SZ_4K, RW))).toMatch(/^EINVAL __iommu_map/);
    expect(failure(t.map(0n, -SZ_4K, SZ_4K, RW))).toMatch(/^EINVAL __iommu_map/);
    expect(failure(t.map(0n, 0n, -SZ_4K, RW))).toMatch(/^EINVAL __iommu_map/);
    expect(t.stats().leaves).toBe(0);
  });

  it('a zero-size map succeeds without looking at the width (the map loop never runs)', () => {
    const t = new IoPageTable(48);
    expect(t.map(0n, 0n, 0n, RW).ok).toBe(true);
    expect(t.map(1n << 48n, 0n, 0n, RW).ok).toBe(true);
    expect(t.map((1n << 48n) + SZ_4K, 0n, 0n, RW).ok).toBe(true);
    expect(t.stats()).toEqual({ leaves: 0, mappedBytes: 0n });
  });

  it('EFAULT past the width names the end address', () => {
    const t = new IoPageTable(39);
    expect(failure(t.map((1n << 39n) - SZ_4K, 0n, 2n * SZ_4K, RW))).toMatch(/^EFAULT intel_iommu_map: iova 0x8000001000 exceeds 39-bit/);
  });

  it('a physical range ending at 2^52 fits; one page more is EINVAL', () => {
    const t = new IoPageTable(48);
    const top = BigInt(MAX_PHYS);
    expect(failure(t.map(0n, top - SZ_4K, 2n * SZ_4K, RW))).toMatch(/^EINVAL map: physical range beyond 2\^52/);
    expect(t.map(0n, top - SZ_4K, SZ_4K, RW).ok).toBe(true);
    expect(t.iovaToPhys(0x123n)).toBe(top - SZ_4K + 0x123n);
  });

  it('no permission is EINVAL citing __domain_mapping', () => {
    const t = new IoPageTable(48);
    expect(failure(t.map(0n, 0n, SZ_4K, { read: false, write: false }))).toMatch(/^EINVAL __domain_mapping/);
    expect(t.map(0n, 0n, SZ_4K, { read: false, write: true }).ok).toBe(true);
  });

  it('overlap is EEXIST naming the range', () => {
    const t = new IoPageTable(48);
    t.map(0n, 0n, SZ_4K, RW);
    expect(failure(t.map(0n, 0n, SZ_4K, RW))).toMatch(/^EEXIST map: IOVA range 0x0\+0x1000 overlaps/);
  });
});

describe('unmap: each check alone (__iommu_unmap)', () => {
  it('a negative but aligned iova or size is EINVAL, a zero size is fine', () => {
    const t = new IoPageTable(48);
    t.map(0n, 0n, SZ_4K, RW);
    expect(failure(t.unmap(-SZ_4K, SZ_4K))).toMatch(/^EINVAL __iommu_unmap: unaligned/);
    expect(failure(t.unmap(0n, -SZ_4K))).toMatch(/^EINVAL __iommu_unmap: unaligned/);
    expect(t.unmap(0n, 0n)).toEqual({ ok: true, value: 0n });
    expect(t.stats().leaves).toBe(1);
  });

  it('a zero-size unmap inside a large leaf removes nothing', () => {
    const t = new IoPageTable(48);
    t.map(0n, 0n, SZ_2M, RW);
    expect(t.unmap(0x1000n, 0n)).toEqual({ ok: true, value: 0n });
    expect(t.stats()).toEqual({ leaves: 1, mappedBytes: SZ_2M });
  });

  it('unmapping up to 2^64 removes the leaf just below the width', () => {
    const t = new IoPageTable(48);
    const last = (1n << 48n) - SZ_4K;
    t.map(last, 0n, SZ_4K, RW);
    expect(t.unmap(last, (1n << 64n) - last)).toEqual({ ok: true, value: SZ_4K });
    expect(t.lookup(last)).toBeNull();
  });

  it('unmapLeaves returns the removed leaves in IOVA order even when mapped out of order', () => {
    const t = new IoPageTable(48);
    const pages = [9, 3, 17, 1, 12, 5];
    for (const p of pages) t.map(BigInt(p) << 12n, 0n, SZ_4K, RW);
    const r = t.unmapLeaves(0n, SZ_2M);
    expect(r.ok && r.value.map((l) => l.iovaPfn)).toEqual([1, 3, 5, 9, 12, 17]);
  });
});

describe('table nodes', () => {
  it('an emptied upper table is freed, so a 1 GiB leaf fits where a 4 KiB page was', () => {
    const t = new IoPageTable(48);
    t.map(0x5000n, 0x5000n, SZ_4K, RW); // page 5 of the first 2 MiB: tables at levels 3, 2 and 1
    expect(t.unmap(0x5000n, SZ_4K)).toEqual({ ok: true, value: SZ_4K });
    expect(t.map(0n, 0n, SZ_1G, RW).ok).toBe(true);
    expect([...t.leaves()].map((l) => l.size)).toEqual([SZ_1G]);
  });

  it('leaves() is in IOVA order for a sparse table filled out of order', () => {
    const t = new IoPageTable(48);
    for (const p of [40, 7, 300, 2, 99]) t.map(BigInt(p) << 12n, 0n, SZ_4K, RW);
    expect(iovas(t).map((a) => Number(a >> 12n))).toEqual([2, 7, 40, 99, 300]);
  });
});

describe('lookups at the edges of the address width', () => {
  it('an IOVA at or above 2^width, or negative, translates to nothing (it must not wrap onto page 0)', () => {
    const t = new IoPageTable(48);
    t.map(0n, 0x40_0000n, SZ_4K, RW);
    expect(t.lookup(0n)?.pa).toBe(0x40_0000n);
    expect(t.lookup(1n << 48n)).toBeNull();
    expect(t.lookup((1n << 48n) + 0x10n)).toBeNull();
    expect(t.lookup(-(1n << 48n))).toBeNull();
    expect(t.iovaToPhys(1n << 48n)).toBeNull();
  });

  it('the last page below 2^width translates', () => {
    const t = new IoPageTable(39);
    const last = (1n << 39n) - SZ_4K;
    t.map(last, 0x7000n, SZ_4K, RW);
    expect(t.lookup(last + 0xfffn)?.pa).toBe(0x7fffn);
  });
});

describe('range queries touch nothing outside their range', () => {
  it('leaves(from, to) rounds `to` up to a page and stops there', () => {
    const t = new IoPageTable(48);
    t.map(0n, 0n, 2n * SZ_4K, RW); // pages 0 and 1 (4 KiB leaves)
    expect(iovas(t, 0n, 0x800n)).toEqual([0n]);
    expect(iovas(t, 0n, SZ_4K)).toEqual([0n]);
    expect(iovas(t, SZ_4K, SZ_4K)).toEqual([]);
  });

  it('an empty leaves() range inside a large leaf yields nothing', () => {
    const t = new IoPageTable(48);
    t.map(0n, 0n, SZ_2M, RW);
    expect(iovas(t, 0x1000n, 0x1000n)).toEqual([]);
  });

  it('readAndClearDirty on a sub-range reports and clears only the leaves it touches', () => {
    const t = new IoPageTable(48);
    t.map(0n, 0n, 3n * SZ_4K, RW);
    t.walk(0)!.dirty = true;
    t.walk(1)!.dirty = true;
    t.walk(2)!.dirty = true;
    expect(t.readAndClearDirty(SZ_4K, SZ_4K)).toEqual([{ iova: SZ_4K, size: SZ_4K }]);
    expect([t.walk(0)!.dirty, t.walk(1)!.dirty, t.walk(2)!.dirty]).toEqual([true, false, true]);
    expect(t.readAndClearDirty(0x1800n, 0n)).toEqual([]);
    expect(t.walk(2)!.dirty).toBe(true);
  });

  it('a zero-length readAndClearDirty inside a dirty large leaf reports nothing', () => {
    const t = new IoPageTable(48);
    t.map(0n, 0n, SZ_2M, RW);
    t.walk(0)!.dirty = true;
    expect(t.readAndClearDirty(0x1000n, 0n)).toEqual([]);
    expect(t.walk(0)!.dirty).toBe(true);
  });

  it('clearAllDirty clears every leaf, however far apart', () => {
    const t = new IoPageTable(48);
    t.map(0n, 0n, SZ_4K, RW);
    t.map((1n << 48n) - SZ_2M, 0n, SZ_2M, RW);
    t.walk(0)!.dirty = true;
    t.walk(2 ** 36 - 1)!.dirty = true;
    t.clearAllDirty();
    expect([...t.leaves()].map((l) => l.dirty)).toEqual([false, false]);
  });
});
