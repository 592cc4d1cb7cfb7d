import { describe, expect, it } from 'vitest';
import { InterruptRemapTable, remappableAddress } from './interrupt-remap.js';

describe('InterruptRemapTable', () => {
  it('allocates lowest free first and frees', () => {
    const t = new InterruptRemapTable(4);
    expect(t.allocate({ vector: 1, destination: 0, sourceRid: 0x100 })).toBe(0);
    expect(t.allocate({ vector: 2, destination: 0, sourceRid: 0x100 })).toBe(1);
    expect(t.free(0)).toBe(true);
    expect(t.free(0)).toBe(false);
    expect(t.allocate({ vector: 3, destination: 0, sourceRid: 0x100 })).toBe(0);
    t.allocate({ vector: 4, destination: 0, sourceRid: 0x100 });
    t.allocate({ vector: 5, destination: 0, sourceRid: 0x100 });
    expect(t.allocate({ vector: 6, destination: 0, sourceRid: 0x100 })).toBeNull();
  });

  it('decodes handles including bit 15 and the subhandle, and faults 0x21 past the table', () => {
    const t = new InterruptRemapTable(65536);
    t.set(0x8005, { vector: 0x50, destination: 1, sourceRid: 0x300 });
    const a = remappableAddress(0x8005);
    expect(t.remap(0x300, a, 0, 4)).toMatchObject({ ok: true, msg: { vector: 0x50, irteIndex: 0x8005 } });
    t.set(0x12, { vector: 0x51, destination: 1, sourceRid: 0x300 });
    const shv = remappableAddress(0x10) | 0x8;
    expect(t.remap(0x300, shv, 2, 4)).toMatchObject({ ok: true, msg: { vector: 0x51, irteIndex: 0x12 } });
    const small = new InterruptRemapTable(16);
    expect(small.remap(0x300, remappableAddress(16), 0, 4)).toEqual({ ok: false, code: 0x21, index: 16 });
    expect(small.remap(0x300, remappableAddress(1), 0, 2)).toEqual({ ok: false, code: 0x20 });
  });

  it('verifies the source by exact RID or by bus range', () => {
    const t = new InterruptRemapTable(8);
    t.set(0, { vector: 1, destination: 0, sourceRid: 0x300 });
    t.set(1, { vector: 1, destination: 0, sourceRid: 0x300, sourceValidation: { busFrom: 3, busTo: 4 } });
    expect(t.remap(0x301, remappableAddress(0), 0, 4)).toEqual({ ok: false, code: 0x26, index: 0 });
    expect(t.remap(0x4ff, remappableAddress(1), 0, 4).ok).toBe(true);
    expect(t.remap(0x500, remappableAddress(1), 0, 4).ok).toBe(false);
  });
});
