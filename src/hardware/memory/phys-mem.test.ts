import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { CHUNK_SIZE, PhysMem } from './phys-mem.js';

/** Byte equality without vitest's slow element-by-element diff on large arrays. */
function same(a: Uint8Array, b: Uint8Array): boolean {
  return Buffer.from(a.buffer, a.byteOffset, a.length).equals(Buffer.from(b.buffer, b.byteOffset, b.length));
}

describe('PhysMem', () => {
  it('reads untouched memory as zeros without materialising it', () => {
    const m = new PhysMem();
    expect(m.read(0x1234_5678n, 100)).toEqual(new Uint8Array(100));
    expect(m.readU64(0xffff_0000_0000n)).toBe(0n);
    expect(m.materializedBytes()).toBe(0);
  });

  it('round-trips writes that straddle chunk boundaries', () => {
    const m = new PhysMem();
    const data = Uint8Array.from({ length: 3 * CHUNK_SIZE }, (_, i) => (i * 7) & 0xff);
    m.write(BigInt(CHUNK_SIZE - 5), data);
    expect(same(m.read(BigInt(CHUNK_SIZE - 5), data.length), data)).toBe(true);
    expect(m.materializedBytes()).toBe(4 * CHUNK_SIZE);
  });

  it('reads and writes little-endian u32/u64, including across a chunk edge', () => {
    const m = new PhysMem();
    m.writeU64(BigInt(CHUNK_SIZE - 3), 0x1122334455667788n);
    expect(m.readU64(BigInt(CHUNK_SIZE - 3))).toBe(0x1122334455667788n);
    expect(m.read(BigInt(CHUNK_SIZE - 3), 2)).toEqual(Uint8Array.of(0x88, 0x77));
    m.writeU32(0x40n, 0xdeadbeef);
    expect(m.readU32(0x40n)).toBe(0xdeadbeef);
  });

  it('zero-fill of a whole chunk releases it; fill of untouched memory with 0 costs nothing', () => {
    const m = new PhysMem();
    m.fill(0n, 10, 0);
    expect(m.materializedBytes()).toBe(0);
    m.fill(0n, CHUNK_SIZE + 10, 0xab);
    expect(m.materializedBytes()).toBe(2 * CHUNK_SIZE);
    m.fill(0n, CHUNK_SIZE, 0);
    expect(m.materializedBytes()).toBe(CHUNK_SIZE);
    expect(m.read(BigInt(CHUNK_SIZE), 11)).toEqual(Uint8Array.of(...new Array(10).fill(0xab), 0));
  });

  it('rejects addresses beyond 2^52', () => {
    const m = new PhysMem();
    expect(() => m.read(1n << 52n, 1)).toThrow(RangeError);
    expect(() => m.write((1n << 52n) - 1n, new Uint8Array(2))).toThrow(RangeError);
  });

  it('copy has memmove semantics (property against a flat array)', () => {
    const SPAN = 3 * CHUNK_SIZE;
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.nat(SPAN - 1), fc.nat(SPAN - 1), fc.nat(CHUNK_SIZE + 100)), { maxLength: 6 }),
        (ops) => {
          const m = new PhysMem();
          const flat = new Uint8Array(SPAN);
          const seedData = Uint8Array.from({ length: CHUNK_SIZE }, (_, i) => (i * 13 + 1) & 0xff);
          m.write(BigInt(CHUNK_SIZE / 2), seedData);
          flat.set(seedData, CHUNK_SIZE / 2);
          for (const [d, s, l] of ops) {
            const len = Math.min(l, SPAN - d, SPAN - s);
            m.copy(BigInt(d), BigInt(s), len);
            flat.copyWithin(d, s, s + len);
          }
          expect(same(m.read(0n, SPAN), flat)).toBe(true);
        },
      ),
      { numRuns: 60 },
    );
  });
});
