import { describe, expect, it } from 'vitest';
import { FaultRecorder, faultReason, FAULT_REASONS, type FaultInput } from './faults.js';

const f = (rid: number, iova = 0x1000n): FaultInput => ({ time: 0n, rid, iova, access: 'write', code: 0x5 });

describe('fault reasons', () => {
  it("carries Linux's texts and says Unknown outside its tables", () => {
    expect(Object.keys(FAULT_REASONS)).toHaveLength(14 + 7);
    expect(faultReason(0x2)).toBe('Present bit in context entry is clear');
    expect(faultReason(0x25)).toBe('Blocked a compatibility format interrupt request');
    expect(faultReason(0x30)).toBe('Unknown');
  });
});

describe('FaultRecorder slots', () => {
  it('overflows when the next slot is pending and loses faults until overflow is cleared', () => {
    const r = new FaultRecorder({ slots: 2 });
    expect(r.report(f(1)).recorded).toBe('recorded');
    expect(r.report(f(2)).recorded).toBe('recorded');
    expect(r.report(f(3)).recorded).toBe('overflow');
    expect(r.overflow).toBe(true);
    r.clearSlot(0);
    expect(r.report(f(4)).recorded).toBe('lost'); // PFO still set
    r.clearOverflow();
    expect(r.report(f(5)).recorded).toBe('recorded');
    expect(r.slots().map((s) => s?.rid ?? null)).toEqual([5, 2]);
    expect(r.log().map((x) => x.rid)).toEqual([1, 2, 3, 4, 5]);
    expect(r.log().map((x) => x.source)).toEqual(['0000:00:00.1', '0000:00:00.2', '0000:00:00.3', '0000:00:00.4', '0000:00:00.5']);
  });

  it('raises a fault interrupt only when no record was pending', () => {
    const r = new FaultRecorder({ slots: 4 });
    r.report(f(1));
    r.report(f(2));
    expect(r.interrupts).toBe(1);
    r.clearAll();
    r.report(f(3));
    expect(r.interrupts).toBe(2);
  });

  it('compression folds a fault from a source with a pending record', () => {
    const r = new FaultRecorder({ slots: 2, compress: true });
    r.report(f(0x300));
    expect(r.report(f(0x300, 0x2000n)).recorded).toBe('compressed');
    expect(r.report(f(0x400)).recorded).toBe('recorded');
    expect(r.overflow).toBe(false);
    expect(r.pendingCount()).toBe(2);
    const plain = new FaultRecorder({ slots: 2 });
    plain.report(f(0x300));
    expect(plain.report(f(0x300)).recorded).toBe('recorded');
  });

  it('takes a custom rid naming (segment) function', () => {
    const r = new FaultRecorder({ ridName: (rid) => `0001:${rid.toString(16)}` });
    expect(r.report(f(0x300)).source).toBe('0001:300');
  });
});
