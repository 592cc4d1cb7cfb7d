/**
 * Issue 15 item 3: a property failure reads on its own, in the error MESSAGE (runners print
 * the message, not error.cause): the failing step, each fact that changed by name, the
 * shrunk counterexample, and the seed and path to replay it.
 */
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { Host, uapi } from '../../src/index.js';
import { SystemError } from '../../src/base/errors.js';
import { assertProperty, checkInvariants, guardedStep, syscallWorld } from '../../src/testing/index.js';
import { EduDriver } from '../../examples/planted-bug.js';

const messageOf = (fn: () => void): string => {
  try {
    fn();
  } catch (e) {
    return (e as Error).message;
  }
  throw new Error('expected a failure');
};

describe('issue 15 item 3: readable property failures', () => {
  it('guardedStep names the facts a failed call changed', () => {
    const w = syscallWorld(new Host());
    const m = messageOf(() => guardedStep(w, 'leaky mmap', () => {
      w.p.mmap(0n, 0x1000n, uapi.PROT_READ, uapi.MAP_PRIVATE | uapi.MAP_ANONYMOUS, -1, 0n);
      throw new SystemError('EINVAL', 'ioctl');
    }));
    expect(m).toMatch(new RegExp(`^step 1 leaky mmap: failed but changed state: task ${w.p.pid}: mappings (\\d+) → (\\d+)$`));
    const [, a, b] = /mappings (\d+) → (\d+)/.exec(m)!;
    expect(Number(b)).toBe(Number(a) + 1);
    expect(m).not.toMatch(/before |after /);
  });

  it('the planted driver bug: the message has the failure, the counterexample, the seed and the path', () => {
    const prop = fc.property(fc.array(fc.integer({ min: 1, max: 4096 }), { minLength: 1, maxLength: 6 }), (sizes) => {
      const host = new Host();
      const drv = new EduDriver(host, '0000:06:00.0');
      sizes.forEach((n, i) => {
        drv.send(new Uint8Array(n).fill(0xa5));
        const f = host.faults();
        if (f.length > 0) throw new Error(`send #${i} of ${n} bytes: the device faulted: ${JSON.stringify(f[0], (_k, v: unknown) => (typeof v === 'bigint' ? `0x${v.toString(16)}` : v))}`);
      });
      expect(checkInvariants(host).violations).toEqual([]);
    });
    const m = messageOf(() => assertProperty(prop, { seed: 42, numRuns: 100 }));
    expect(m).toMatch(/^Property failed after \d+ run\(s\), shrunk \d+ time\(s\)\./);
    expect(m).toMatch(/Failure: send #\d+ of \d+ bytes: the device faulted/);
    expect(m).toMatch(/Counterexample: \[\[\d+(,\d+)+\]\]/);
    const replay = /Replay: assertProperty\(property, \{ seed: 42, path: "([\d:]+)" \}\)/.exec(m);
    expect(replay).not.toBeNull();
    // the printed seed and path replay the same shrunk case
    const again = fc.check(prop, { seed: 42, path: replay![1]!, endOnFailure: true });
    expect(fc.stringify(again.counterexample)).toBe(/Counterexample: (.*)/.exec(m)![1]);
  });

  it('a passing property is quiet', () => {
    expect(() => assertProperty(fc.property(fc.nat(), (n) => n >= 0), { seed: 1, numRuns: 20 })).not.toThrow();
  });
});
