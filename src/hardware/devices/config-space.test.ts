/**
 * ConfigSpace stores a value's bytes little-endian, byte i being floor(v / 256^i) & 0xff (two's
 * complement for a negative value); bytes 0-3 of a 32-bit value are taken by a shift. This pins
 * the shortcut to the rule for random integers in and past 32 bits, negative ones and lengths
 * past 4, through set, mask and write.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ConfigSpace } from './config-space.js';

const rule = (v: number, i: number): number => Math.floor(v / 2 ** (8 * i)) & 0xff;

const value = fc.oneof(
  fc.integer({ min: -(2 ** 31), max: 2 ** 32 - 1 }),
  fc.constantFrom(0, -1, 2 ** 31 - 1, -(2 ** 31), 2 ** 31, 2 ** 32 - 1, 2 ** 32, 2 ** 40 + 0x1234, -(2 ** 31) - 1, Number.MAX_SAFE_INTEGER),
  fc.maxSafeInteger(),
);

describe('ConfigSpace byte order', () => {
  it('set, mask and write store floor(v / 256^i) & 0xff at off + i', () => {
    fc.assert(
      fc.property(value, fc.integer({ min: 1, max: 8 }), (v, len) => {
        const c = new ConfigSpace(16);
        c.set(4, len, v);
        c.mask(4, len, v);
        const w = new ConfigSpace(16);
        w.wmask.fill(0xff);
        w.write(4, len, v);
        for (let i = 0; i < len; i++) {
          expect(c.bytes[4 + i], `set byte ${i} of ${v}`).toBe(rule(v, i));
          expect(c.wmask[4 + i], `mask byte ${i} of ${v}`).toBe(rule(v, i));
          expect(w.bytes[4 + i], `write byte ${i} of ${v}`).toBe(rule(v, i));
        }
        expect(c.bytes[3]).toBe(0);
        expect(c.bytes[4 + len]).toBe(0);
      }),
      { numRuns: 3000 },
    );
  });

  it('a dword read gives back what a dword set stored', () => {
    const c = new ConfigSpace(256);
    c.set(0x10, 4, 0xfebc_0000);
    expect(c.read(0x10, 4)).toBe(0xfebc_0000);
    c.set(0x10, 4, -1);
    expect(c.read(0x10, 4)).toBe(0xffff_ffff);
  });
});
