/**
 * The long run of the project's fuzzer (test/fuzz/harness.ts): hostile files through the
 * CLI and garbage arguments through every syscall method, many times more than npm test
 * does. `VFIO_SIM_DEEP_FUZZ_RUNS` (default 20,000 CLI runs and 2,000 syscall sequences of
 * up to 60 calls) and `VFIO_SIM_DEEP_SEED` tune it; a failure prints its seed and path.
 */
import { expect, it } from 'vitest';
import fc from 'fast-check';
import { cliBroken, cliCaseArb, fuzzWorld, runCliOn, syscallBroken, syscallCaseArb } from '../fuzz/harness.js';

const RUNS = Number(process.env['VFIO_SIM_DEEP_FUZZ_RUNS'] ?? 20_000);
const SEED = Number(process.env['VFIO_SIM_DEEP_SEED'] ?? 0x1000) + 0xf022;

it(`CLI: ${RUNS} hostile files, exit 0/1/2 and no stack trace`, () => {
  let ran = 0;
  fc.assert(
    fc.property(cliCaseArb, ([input, argv]) => {
      const broken = cliBroken(runCliOn(input, argv));
      ran++;
      if (broken !== null) throw new Error(`vfio-sim ${argv.join(' ')} on ${input.label}: ${broken}`);
    }),
    { numRuns: RUNS, seed: SEED },
  );
  console.log(`deep fuzz: ${ran} CLI runs (seed ${SEED}); every exit 0, 1 or 2`);
  expect(ran).toBe(RUNS);
});

it(`syscalls: ${Math.ceil(RUNS / 10)} sequences of garbage calls, only the contract's exceptions, failed calls change nothing`, () => {
  const shape = fuzzWorld();
  let calls = 0;
  fc.assert(
    fc.property(fc.array(syscallCaseArb(shape), { minLength: 1, maxLength: 60, size: 'max' }), (cases) => {
      const w = fuzzWorld();
      for (const c of cases) {
        const broken = syscallBroken(w, c);
        calls++;
        if (broken !== null) throw new Error(broken);
      }
    }),
    { numRuns: Math.ceil(RUNS / 10), seed: SEED + 1 },
  );
  console.log(`deep fuzz: ${calls} garbage syscalls (seed ${SEED + 1}); no stray exception, no failed call changed state`);
  expect(calls).toBeGreaterThan(0);
});
