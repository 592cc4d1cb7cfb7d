/**
 * The testing kit finds the planted bug of examples/planted-bug.ts: a property over random
 * buffer sizes, checked with the IOMMU's fault log and the isolation invariants, shrinks to
 * a two-buffer case where the second buffer starts mid-page and crosses into the next.
 */
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { Host } from '../src/index.js';
import { checkInvariants } from '../src/testing/index.js';
import { EduDriver } from './planted-bug.js';

const EDU_BDF = '0000:06:00.0';

function sendsCleanly(fixed: boolean) {
  return fc.property(fc.array(fc.integer({ min: 1, max: 4096 }), { minLength: 1, maxLength: 6 }), (sizes) => {
    const host = new Host();
    const drv = new EduDriver(host, EDU_BDF, fixed);
    for (const n of sizes) drv.send(new Uint8Array(n).fill(0xa5));
    expect(host.faults()).toEqual([]);
    expect(checkInvariants(host).violations).toEqual([]);
  });
}

describe('examples/planted-bug', () => {
  it('a property over random sizes finds the unmapped tail and shrinks it', () => {
    const r = fc.check(sendsCleanly(false), { seed: 42, numRuns: 100 });
    expect(r.failed).toBe(true);
    const [sizes] = r.counterexample!;
    // minimal: some buffer starts mid-page (the earlier ones' total is not page aligned) and crosses a page
    expect(sizes.length).toBeGreaterThanOrEqual(2);
    const start = sizes.slice(0, -1).reduce((a, n) => a + ((n + 7) & ~7), 0);
    expect((start % 4096) + sizes.at(-1)!).toBeGreaterThan(4096);
  });

  it('the fixed driver passes the same property', () => {
    fc.assert(sendsCleanly(true), { seed: 42, numRuns: 40 });
  });
});
