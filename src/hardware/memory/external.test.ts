import { describe, expect, it } from 'vitest';
import { PhysMem } from './phys-mem.js';
import { FRAME_SIZE, type FrameBackend } from './external.js';

/** A backend over one buffer standing for frames [base, base + n), recording each call. */
function buffer(base: number, n: number): FrameBackend & { bytes: Uint8Array; calls: number } {
  const bytes = new Uint8Array(n * FRAME_SIZE);
  const b = {
    bytes,
    calls: 0,
    read(pfn: number, off: number, dst: Uint8Array, dstOff: number, len: number) {
      b.calls++;
      const at = (pfn - base) * FRAME_SIZE + off;
      dst.set(bytes.subarray(at, at + len), dstOff);
    },
    write(pfn: number, off: number, src: Uint8Array, srcOff: number, len: number) {
      b.calls++;
      bytes.set(src.subarray(srcOff, srcOff + len), (pfn - base) * FRAME_SIZE + off);
    },
  };
  return b;
}

describe('PhysMem external frames', () => {
  it('routes accesses to attached frames, the rest stays simulated RAM', () => {
    const m = new PhysMem();
    const b = buffer(5, 2);
    m.external.attach(5, b);
    m.external.attach(6, b);
    const data = Uint8Array.from({ length: 3 * FRAME_SIZE }, (_, i) => i & 0xff);
    m.writeAt(4 * FRAME_SIZE, data, 0, data.length); // frame 4 local, 5-6 external
    expect(b.calls).toBe(1); // one call for the run of two frames
    expect(b.bytes[0]).toBe(data[FRAME_SIZE]);
    expect(m.materializedBytes()).toBeGreaterThan(0);
    expect(m.read(BigInt(4 * FRAME_SIZE), data.length)).toEqual(data);
    expect(m.readU32(BigInt(5 * FRAME_SIZE))).toBe(new DataView(data.buffer).getUint32(FRAME_SIZE, true));
  });

  it('fill and copy reach the backend; detached frames are simulated RAM again', () => {
    const m = new PhysMem();
    const b = buffer(8, 1);
    m.external.attach(8, b);
    m.fill(BigInt(8 * FRAME_SIZE) + 16n, 4, 0xab);
    expect([...b.bytes.subarray(16, 20)]).toEqual([0xab, 0xab, 0xab, 0xab]);
    m.write(0n, Uint8Array.of(1, 2, 3));
    m.copy(BigInt(8 * FRAME_SIZE), 0n, 3);
    expect([...b.bytes.subarray(0, 3)]).toEqual([1, 2, 3]);
    m.external.detach(8);
    m.write(BigInt(8 * FRAME_SIZE), Uint8Array.of(9));
    expect(b.bytes[0]).toBe(1);
    expect(m.read(BigInt(8 * FRAME_SIZE), 1)[0]).toBe(9);
  });
});

describe('ExternalFrames extents', () => {
  it('attaches and detaches runs, splitting extents, and routes each piece to its backend', () => {
    const m = new PhysMem();
    const a = buffer(100, 10);
    const b = buffer(104, 2);
    m.external.attachRun(100, 10, a);
    expect(m.external.size).toBe(10);
    m.external.attachRun(104, 2, b); // replaces a on 104-105
    expect(m.external.size).toBe(10);
    expect(m.external.backend(103)).toBe(a);
    expect(m.external.backend(104)).toBe(b);
    expect(m.external.backend(106)).toBe(a);
    m.external.detachRun(108, 4); // 108-109 were a's; 110-111 were never attached
    expect(m.external.size).toBe(8);
    expect(m.external.backend(108)).toBeUndefined();
    expect(m.external.touches(108 * FRAME_SIZE, 2 * FRAME_SIZE)).toBe(false);
    expect(m.external.touches(107 * FRAME_SIZE, 2 * FRAME_SIZE)).toBe(true);
    const data = Uint8Array.from({ length: 8 * FRAME_SIZE }, (_, i) => (i >> 12) + 1);
    m.writeAt(102 * FRAME_SIZE, data, 0, data.length); // a: 102-103, b: 104-105, a: 106-107, RAM: 108-109
    expect(a.calls).toBe(2);
    expect(b.calls).toBe(1);
    expect(b.bytes[0]).toBe(3);
    expect(a.bytes[6 * FRAME_SIZE]).toBe(5);
    expect(m.read(BigInt(108 * FRAME_SIZE), 1)[0]).toBe(7);
  });
});
