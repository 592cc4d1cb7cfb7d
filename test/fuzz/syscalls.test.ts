/**
 * The short syscall fuzz run: garbage arguments through every Process method and
 * Host.advance/run. Each call returns or throws TypeError ERR_INVALID_ARG_TYPE, RangeError
 * ERR_OUT_OF_RANGE or SystemError (SignalError for CPU loads and stores), and a call that
 * throws changes no observable state.
 */
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { fuzzWorld, PROCESS_METHODS, syscallBroken, syscallCaseArb } from './harness.js';

const RUNS = Number(process.env['VFIO_SIM_FUZZ_RUNS'] ?? 60);

describe('syscall fuzz: garbage arguments', () => {
  it('covers every method of the skin', () => {
    for (const m of ['open', 'close', 'ioctl', 'mmap', 'munmap', 'pread', 'pwrite', 'eventfd', 'read', 'write', 'fcntl', 'readFile', 'writeFile', 'readdir', 'readlink', 'chown', 'readMem', 'writeMem', 'read8', 'write64']) expect(PROCESS_METHODS).toContain(m);
  });

  it('only the contract\'s three exception classes come out, and a failed call changes nothing', () => {
    const shape = fuzzWorld();
    fc.assert(
      fc.property(fc.array(syscallCaseArb(shape), { minLength: 1, maxLength: 40, size: 'max' }), (cases) => {
        const w = fuzzWorld();
        for (const c of cases) {
          const broken = syscallBroken(w, c);
          if (broken !== null) throw new Error(broken);
        }
      }),
      { numRuns: RUNS },
    );
  });
});
