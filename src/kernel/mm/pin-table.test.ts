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
