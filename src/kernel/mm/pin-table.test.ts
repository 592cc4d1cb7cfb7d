import { describe, expect, it } from 'vitest';
import type { FramePool } from './frames.js';
import { PinTable } from './pin-table.js';

/** A pool recording each free as [pfn, count]. */
function pool(): FramePool & { freed: Array<[number, number]> } {
  const freed: Array<[number, number]> = [];
  return { freed, alloc: () => null, free: (pfn, count) => void freed.push([pfn, count]) };
}

describe('PinTable', () => {
  it('counts pins per page over runs, across chunk edges', () => {
    const t = new PinTable(pool());
    t.pinRun(1000, 100); // 1000..1099 crosses the 1024-frame chunk edge
    t.pinRun(1050, 10);
    expect(t.pinnedFrames).toBe(100);
    expect([t.count(999), t.count(1000), t.count(1055), t.count(1099), t.count(1100)]).toEqual([0, 1, 2, 1, 0]);
    t.unpinRun(1000, 100);
    expect(t.pinnedFrames).toBe(10);
    expect(t.count(1055)).toBe(1);
    t.unpinRun(1050, 10);
    expect(t.pinnedFrames).toBe(0);
    t.unpinRun(1050, 10); // unpinning an unpinned frame does nothing
    expect(t.count(1050)).toBe(0);
  });

  it('frees unpinned frames at once, in runs, and pinned ones (orphans) only on their last unpin', () => {
    const p = pool();
    const t = new PinTable(p);
    t.pinRun(10, 2); // 10, 11
    t.pinFrame(11);
    t.dropRun(8, 8); // 8..15: 8-9 and 12-15 free now, 10-11 orphaned
    expect(p.freed).toEqual([[8, 2], [12, 4]]);
    t.unpinRun(10, 2); // 10 reaches 0 → freed; 11 still pinned once
    expect(p.freed).toEqual([[8, 2], [12, 4], [10, 1]]);
    expect(t.pinnedFrames).toBe(1);
    t.unpinFrame(11);
    expect(p.freed).toEqual([[8, 2], [12, 4], [10, 1], [11, 1]]);
    expect(t.pinnedFrames).toBe(0);
  });

  it('frees a gigabyte of orphans as one run and keeps counting after emptied chunks are dropped', () => {
    const p = pool();
    const t = new PinTable(p);
    const n = 262144;
    t.pinRun(1 << 20, n);
    t.dropRun(1 << 20, n);
    expect(p.freed).toEqual([]);
    t.unpinRun(1 << 20, n);
    expect(p.freed).toEqual([[1 << 20, n]]);
    for (let i = 0; i < 200; i++) {
      t.pinFrame(i * 4096);
      t.unpinFrame(i * 4096);
    }
    t.pinFrame(5);
    expect(t.count(5)).toBe(1);
    expect(t.pinnedFrames).toBe(1);
  });
});

function table(): { t: PinTable; freed: Array<[number, number]> } {
  const p = pool();
  return { t: new PinTable(p), freed: p.freed };
}

describe('PinTable: whole chunks and whole gigabytes keep one count until split', () => {
  const GIG = 1 << 18; // frames per gigabyte
  it('a gigabyte pinned twice counts per frame, survives a partial unpin, and frees its orphans only at the last unpin', () => {
    const { t, freed } = table();
    t.pinRun(GIG, 2 * GIG); // two big entries
    t.pinRun(GIG, GIG);
    expect(t.pinnedFrames).toBe(2 * GIG);
    expect([t.count(GIG), t.count(2 * GIG - 1), t.count(2 * GIG), t.count(3 * GIG), t.count(GIG - 1)]).toEqual([2, 2, 1, 0, 0]);
    t.unpinRun(GIG + 5, 1); // splits the first gigabyte, materialises one chunk
    expect([t.count(GIG + 4), t.count(GIG + 5), t.count(GIG + 6)]).toEqual([2, 1, 2]);
    t.dropRun(GIG, GIG); // unmapped while pinned: all orphans, nothing freed yet
    expect(freed).toEqual([]);
    t.unpinRun(GIG, GIG);
    expect(freed).toEqual([[GIG + 5, 1]]);
    t.unpinRun(GIG, GIG);
    expect(freed.slice(1)).toEqual([[GIG, 5], [GIG + 6, GIG - 6]]);
    t.unpinRun(2 * GIG, GIG); // the second big entry: no orphan, nothing freed
    expect(t.pinnedFrames).toBe(0);
    expect(freed).toHaveLength(3);
    expect(t.count(2 * GIG)).toBe(0);
  });

  it('a whole chunk pinned then partly pinned again keeps per-frame counts', () => {
    const { t } = table();
    t.pinRun(4096, 1024); // one uniform chunk
    t.pinRun(4096 + 10, 2);
    expect([t.count(4096 + 9), t.count(4096 + 10), t.count(4096 + 11), t.count(4096 + 12)]).toEqual([1, 2, 2, 1]);
    t.unpinRun(4096, 1024);
    expect(t.pinnedFrames).toBe(2);
    t.pinRun(GIG, GIG + 1024); // a gigabyte and one whole chunk after it
    expect(t.pinnedFrames).toBe(2 + GIG + 1024);
    t.unpinRun(GIG, GIG + 1024);
    t.unpinRun(4096 + 10, 2);
    expect(t.pinnedFrames).toBe(0);
  });

  it('a gigabyte that already has a chunk is pinned chunk by chunk, not as a big entry over it', () => {
    const { t } = table();
    t.pinRun(GIG + 7, 1);
    t.pinRun(GIG, GIG);
    expect([t.count(GIG + 6), t.count(GIG + 7), t.count(2 * GIG - 1)]).toEqual([1, 2, 1]);
    expect(t.pinnedFrames).toBe(GIG);
  });
});
