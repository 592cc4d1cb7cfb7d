import { describe, expect, it } from 'vitest';
import { uapi } from '../../src/index.js';
import { EDU_BDF, le32, machine, openDevice, u32 } from './helpers.js';

describe('smoke', () => {
  it('edu identification through pread', () => {
    const host = machine();
    const o = openDevice(host, EDU_BDF);
    const info = { argsz: 24, flags: 0, num_regions: 0, num_irqs: 0 };
    o.p.ioctl(o.device, uapi.VFIO_DEVICE_GET_INFO, info);
    expect(info.num_regions).toBe(9);
    expect(le32(o.p.pread(o.device, 4, 0n))).toBe(0x010000ed);
    o.p.pwrite(o.device, u32(0x12345678), 4n);
    expect(le32(o.p.pread(o.device, 4, 4n))).toBe(~0x12345678 >>> 0);
  });
});
