/**
 * Issue 14 item 5: Host.advance and Host.run check their arguments as the syscall surface
 * does: TypeError ERR_INVALID_ARG_TYPE for a wrong type, RangeError ERR_OUT_OF_RANGE for a
 * number out of range; the clock never changes on a refused call.
 */
import { describe, expect, it } from 'vitest';
import { Host } from '../../src/index.js';
import { errnoOf } from '../support/errno.js';

describe('host.advance / host.run argument checks', () => {
  it('advance takes a bigint of nanoseconds, >= 0 and < 2^64', () => {
    const host = new Host();
    host.advance(5n);
    const t = host.clock.now();
    for (const bad of ['1', 1, 1.5, null, undefined, {}]) expect(errnoOf(() => host.advance(bad as unknown as bigint)), String(bad)).toBe('ERR_INVALID_ARG_TYPE');
    for (const bad of [-1n, 1n << 64n]) expect(errnoOf(() => host.advance(bad))).toBe('ERR_OUT_OF_RANGE');
    expect(host.clock.now()).toBe(t);
    expect(typeof host.clock.now()).toBe('bigint');
  });

  it('run takes an optional object with a bigint until and an integer maxEvents >= 0', () => {
    const host = new Host();
    const t = host.clock.now();
    for (const bad of ['x', 5, [] as unknown, { until: 5 }, { until: '5' }, { maxEvents: '3' }, { maxEvents: 1n }]) {
      expect(errnoOf(() => host.run(bad as never)), JSON.stringify(bad, (_k, v) => (typeof v === 'bigint' ? `${v}n` : v))).toBe('ERR_INVALID_ARG_TYPE');
    }
    for (const bad of [{ maxEvents: -1 }, { maxEvents: 1.5 }, { until: -1n }]) expect(errnoOf(() => host.run(bad as never))).toBe('ERR_OUT_OF_RANGE');
    expect(host.clock.now()).toBe(t);
    expect(host.run({ until: 10n, maxEvents: 0 })).toBe(0);
    expect(host.run()).toBeGreaterThanOrEqual(0);
  });
});
