/**
 * compareNames (the ls -v order of /dev and sysfs listings) moved from localeCompare with
 * options, which built a collator per call, to one shared Intl.Collator: the order must be
 * exactly the one localeCompare gives, and a comparison must cost well under a microsecond.
 */
import { describe, expect, it } from 'vitest';
import { compareNames } from '../../src/kernel/fs/devfs.js';

const NAMES = ['0000:00:1f.6', 'vfio10', 'vfio2', 'vfio', 'a', 'B', 'b', '10', '9', '0000:0a:00.0', '0000:00:1c.4', 'noiommu-3', 'noiommu-12', 'devices', 'reserved_regions', 'x10y2', 'x10y10', '_x', '-y', ''];

describe('compareNames', () => {
  it('orders exactly as localeCompare(en, numeric) does', () => {
    for (const a of NAMES) for (const b of NAMES) expect(Math.sign(compareNames(a, b)), `${a} vs ${b}`).toBe(Math.sign(a.localeCompare(b, 'en', { numeric: true })));
    expect(['vfio10', 'vfio2', 'vfio1'].sort(compareNames)).toEqual(['vfio1', 'vfio2', 'vfio10']);
  });

  it('costs well under a microsecond per comparison', () => {
    const t0 = process.hrtime.bigint();
    for (let i = 0; i < 20_000; i++) compareNames(NAMES[i % 20]!, NAMES[(i * 7) % 20]!);
    const ns = Number(process.hrtime.bigint() - t0) / 20_000;
    expect(ns).toBeLessThan(2_000); // ~11 µs with a collator built per call
  });
});
