/**
 * The trace's entry limit, after the bench found Array.shift at the limit costing ~100 µs
 * per syscall: it must still keep exactly the newest `limit` entries, oldest first, count
 * what it dropped, and stay cheap per entry once full.
 */
import { describe, expect, it } from 'vitest';
import { Trace, type TraceEntry } from '../../src/base/trace.js';

function filled(limit: number, n: number): Trace {
  let t = 0n;
  const tr = new Trace(() => t++);
  tr.limit = limit;
  for (let i = 0; i < n; i++) tr.add('note', 'kernel', `e${i}`);
  return tr;
}

describe('trace limit', () => {
  it('keeps the newest `limit` entries, oldest first, across several compactions', () => {
    const tr = filled(5, 23);
    expect(tr.list().map((e) => e.text)).toEqual(['e18', 'e19', 'e20', 'e21', 'e22']);
    expect(tr.list().map((e) => e.time)).toEqual([18n, 19n, 20n, 21n, 22n]);
    expect(tr.droppedCount()).toBe(18);
    expect(tr.toString().split('\n')).toHaveLength(5);
    expect(tr.toString()).toContain('kernel: e18');
  });

  it('a lowered limit drops down to it on the next entry; limit 0 keeps nothing', () => {
    const tr = filled(10, 10);
    tr.limit = 3;
    tr.add('note', 'kernel', 'last');
    expect(tr.list().map((e) => e.text)).toEqual(['e8', 'e9', 'last']);
    expect(tr.droppedCount()).toBe(8);
    const none = filled(0, 4);
    expect(none.list()).toEqual([]);
    expect(none.droppedCount()).toBe(4);
  });

  it('adding at the limit is amortised O(1), not O(limit)', () => {
    const tr = filled(100_000, 100_000);
    const t0 = process.hrtime.bigint();
    for (let i = 0; i < 50_000; i++) tr.add('note', 'kernel', 'x');
    const ms = Number(process.hrtime.bigint() - t0) / 1e6;
    // with a shift per add this took seconds (50k × O(100k) moves); now a few ms
    expect(ms).toBeLessThan(500);
    expect(tr.list()).toHaveLength(100_000);
    expect(tr.droppedCount()).toBe(50_000);
  });

  it('a record dropped by the limit is handed back once by reuse(), only for its own kind; a listed one is not', () => {
    interface Rec {
      time: bigint;
      readonly show: (r: Rec) => TraceEntry;
      n: number;
    }
    const show = (r: Rec): TraceEntry => ({ time: r.time, kind: 'note', who: 'test', text: `r${r.n}` });
    const other = (r: Rec): TraceEntry => ({ time: r.time, kind: 'note', who: 'test', text: `other${r.n}` });
    let t = 0n;
    const tr = new Trace(() => t++);
    tr.limit = 2;
    const made = [0, 1, 2].map((n): Rec => ({ time: tr.now(), show, n }));
    for (const r of made) tr.addRecord(r);
    expect(tr.reuse(other)).toBeNull();
    const back = tr.reuse(show);
    expect(back).toBe(made[0]);
    expect(tr.reuse(show)).toBeNull();
    back!.n = 3;
    tr.addRecord(back!);
    expect(tr.reuse(show)).toBe(made[1]);
    expect(tr.toString().split('\n').map((l) => l.replace(/^.*test: /, ''))).toEqual(['r2', 'r3']);
    expect(tr.list().map((e) => e.text)).toEqual(['r2', 'r3']);
    // list() turned the records into plain entries: dropping one leaves nothing to reuse
    tr.add('note', 'kernel', 'x');
    expect(tr.reuse(show)).toBeNull();
    expect(tr.list().map((e) => e.text)).toEqual(['r3', 'x']);
  });
});
