import { describe, expect, it } from 'vitest';
import { Clock, ClockLoopError } from './clock.js';

describe('Clock', () => {
  it('starts at 0 and runs events in due order', () => {
    const c = new Clock();
    const seen: string[] = [];
    c.after(30n, 'c', () => seen.push('c'));
    c.after(10n, 'a', () => seen.push(`a@${c.now()}`));
    c.after(20n, 'b', () => seen.push('b'));
    expect(c.now()).toBe(0n);
    expect(c.advance(25n)).toBe(2);
    expect(seen).toEqual(['a@10', 'b']);
    expect(c.now()).toBe(25n);
    expect(c.run()).toBe(1);
    expect(c.now()).toBe(30n);
  });

  it('breaks ties by scheduling order', () => {
    const c = new Clock();
    const seen: number[] = [];
    for (let i = 0; i < 20; i++) c.at(5n, `e${i}`, () => seen.push(i));
    c.run();
    expect(seen).toEqual([...Array(20).keys()]);
  });

  it('skips cancelled events', () => {
    const c = new Clock();
    let hit = false;
    const t = c.after(5n, 'x', () => (hit = true));
    t.cancel();
    expect(c.run()).toBe(0);
    expect(hit).toBe(false);
    expect(c.nextDue()).toBeUndefined();
  });

  it('aborts a runaway loop', () => {
    const c = new Clock();
    const again = (): void => void c.after(1n, 'loop', again);
    again();
    expect(() => c.run()).toThrow(ClockLoopError);
    expect(c.run({ maxEvents: 10 })).toBe(10);
  });

  it('rejects negative time', () => {
    expect(() => new Clock().advance(-1n)).toThrow(RangeError);
  });
});
