/**
 * Smoke test for bench/: every case runs for a handful of iterations at small sizes, so the
 * bench code cannot rot as the simulator changes. Figures are checked for shape, not speed.
 */
import { describe, expect, it } from 'vitest';
import { figure, judge, median, pending, timeBatches, timeOps, type BenchContext } from '../../bench/harness.js';
import { CASES } from '../../bench/cases/index.js';
import { formatTable, num, runCases } from '../../bench/report.js';

const quick: BenchContext = { profile: 'quick', log: () => {} };

describe('bench harness', () => {
  it('median of odd and even samples', () => {
    expect(median([5, 1, 3])).toBe(3);
    expect(median([4, 1, 3, 2])).toBe(2.5);
  });

  it('judges a target on the value or on the ratio', () => {
    expect(judge(3, 1, { on: 'ratio', op: '<=', limit: 2 })).toBe(true);
    expect(judge(3, 2.5, { on: 'ratio', op: '<=', limit: 2 })).toBe(false);
    expect(judge(3, undefined, { on: 'value', op: '<', limit: 3 })).toBe(false);
    expect(judge(60, undefined, { on: 'value', op: '>=', limit: 50 })).toBe(true);
    expect(judge(1, undefined, undefined)).toBeUndefined();
    expect(judge(1, Number.NaN, { on: 'ratio', op: '>=', limit: 0 })).toBe(false);
  });

  it('figure() fills pass from the target; pending() keeps the gap visible', () => {
    expect(figure({ id: 'a', label: 'a', value: 1, unit: 'x', ratio: 3, target: { on: 'ratio', op: '<=', limit: 2 } }).pass).toBe(false);
    expect('pass' in figure({ id: 'b', label: 'b', value: 1, unit: 'x' })).toBe(false);
    const p = pending('c', 'c', 'x', 'not landed');
    expect(p.status).toBe('pending');
    expect(Number.isNaN(p.value)).toBe(true);
    expect(formatTable([p])).toContain('pending');
  });

  it('timeOps runs the body with growing batches and reports ns per op', () => {
    const sizes: number[] = [];
    const s = timeOps(quick, (n) => void sizes.push(n), { batches: 3, maxOps: 8, batchMs: 1e9 });
    expect(s.opsPerBatch).toBe(8);
    expect(sizes.slice(0, 4)).toEqual([1, 2, 4, 8]);
    expect(s.batches).toBe(3);
    expect(s.nsPerOp).toBeGreaterThan(0);
  });

  it('timeBatches takes the median of per-op times after warm-up', () => {
    const per = [50, 10, 30, 20];
    let i = 0;
    const s = timeBatches(quick, () => [per[i++]! * 2, 2], { batches: 3, warmup: 1 });
    expect(s.nsPerOp).toBe(20); // batches 10, 30, 20 (50 was warm-up)
  });

  it('num prints three significant digits and a dash for NaN', () => {
    expect(num(1234567)).toBe('1,234,567');
    expect(num(12.345)).toBe('12.3');
    expect(num(Number.NaN)).toBe('—');
  });
});

describe('bench cases (quick profile)', () => {
  it('every case yields well-formed figures with unique ids', () => {
    const report = runCases(quick);
    expect(report.cases.map((c) => c.name)).toEqual(CASES.map((c) => c.name));
    const ids = report.figures.map((f) => f.id);
    expect(new Set(ids).size).toBe(ids.length);
    for (const f of report.figures) {
      if (f.status === 'pending') {
        expect(f.note, f.id).toBeTruthy();
        continue;
      }
      expect(Number.isFinite(f.value), f.id).toBe(true);
      if (f.baseline !== undefined) expect(f.baseline.value, f.id).toBeGreaterThan(0);
      if (f.ratio !== undefined) expect(Number.isFinite(f.ratio), f.id).toBe(true);
      if (f.target !== undefined) expect(typeof f.pass, f.id).toBe('boolean');
    }
    expect(formatTable(report.figures).split('\n')).toHaveLength(report.figures.length + 2);
  });

  it('measures the syscall-level figures that have landed (not pending)', () => {
    const report = runCases(quick, ['map-unmap', 'memory', 'translate', 'dma-copy', 'interrupts', 'steps']);
    const pendingIds = report.figures.filter((f) => f.status === 'pending').map((f) => f.id);
    expect(pendingIds).toEqual([]);
    const tib = report.figures.find((f) => f.id === 'mem.mmap.1TiB')!;
    expect(tib.value).toBeLessThan(1 << 20);
  });
});
