/**
 * The short CLI fuzz run (a few seconds; the long one is npm run test:deep): random and
 * mutated topology and scenario files through every command; exit 0, 1 or 2, never 3,
 * never a stack trace.
 */
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { cliBroken, cliCaseArb, runCliOn } from './harness.js';

const RUNS = Number(process.env['VFIO_SIM_FUZZ_RUNS'] ?? 120);

describe('CLI fuzz: hostile files', () => {
  it('every command answers exit 0, 1 or 2 with a message, never a crash', () => {
    let ran = 0;
    fc.assert(
      fc.property(cliCaseArb, ([input, argv]) => {
        const broken = cliBroken(runCliOn(input, argv));
        ran++;
        if (broken !== null) throw new Error(`vfio-sim ${argv.join(' ')} on ${input.label}: ${broken}`);
      }),
      { numRuns: RUNS },
    );
    expect(ran).toBeGreaterThanOrEqual(RUNS);
  });
});
