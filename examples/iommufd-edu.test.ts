import { describe, expect, it } from 'vitest';
import { Host } from '../src/index.js';
import { iommufdEdu } from './iommufd-edu.js';

describe('iommufd + cdev edu example', () => {
  it('binds, attaches, maps, lets edu DMA and interrupt, and faults after the unmap', () => {
    const host = new Host();
    const r = iommufdEdu(host, '0000:06:00.0');
    expect([r.devId, r.ioasId, r.hwptId]).toEqual([1, 2, 3]);
    expect(r.ranges).toEqual([
      { start: 0n, last: 0xfedfffffn },
      { start: 0xfef00000n, last: (1n << 48n) - 1n },
    ]);
    expect(r.iova).toBe(0x2000n);
    expect([...r.copied]).toEqual(Array.from({ length: 256 }, (_, i) => (i * 7 + 3) & 0xff));
    expect(r.interrupts).toBe(2);
    expect(r.faultsAfterUnmap.length).toBeGreaterThan(0);
    expect(r.faultsAfterUnmap[0]).toMatchObject({ iova: 0x2000n, access: 'read', source: '0000:06:00.0' });
  });
});
