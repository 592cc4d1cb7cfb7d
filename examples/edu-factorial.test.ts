import { describe, expect, it } from 'vitest';
import { Host } from '../src/index.js';
import { eduFactorial } from './edu-factorial.js';

describe('edu factorial with an interrupt', () => {
  it('MSI: 10! on the default machine edu', () => {
    const r = eduFactorial(new Host(), '0000:06:00.0', 10, 'msi');
    expect(r).toMatchObject({ result: 3628800, irqStatus: 1 });
    expect(r.at).toBeGreaterThan(0n);
  });

  it('INTx: 12!, identical timing run after run', () => {
    const a = eduFactorial(new Host(), '0000:06:00.0', 12, 'intx');
    const b = eduFactorial(new Host(), '0000:06:00.0', 12, 'intx');
    expect(a.result).toBe(479001600);
    expect(a).toEqual(b);
  });
});
