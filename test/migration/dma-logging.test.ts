/**
 * DMA logging on the dma-engine (params.migration turns it on): START's checks in the
 * kernel's order, the device recording the IOVA pages it writes, REPORT setting bits in a
 * bitmap in the caller's memory and clearing the log, and STOP.
 */
import { describe, expect, it } from 'vitest';
import { uapi } from '../../src/index.js';
import { DST, COMP, migHost, openEngine, queueCopies, SET, GET, startEngine } from './helpers.js';
import { errnoOf } from '../support/errno.js';
import { anonBuffer } from '../support/vfio.js';

const F = uapi.VFIO_DEVICE_FEATURE;
const START = SET | uapi.VFIO_DEVICE_FEATURE_DMA_LOGGING_START;
const REPORT = GET | uapi.VFIO_DEVICE_FEATURE_DMA_LOGGING_REPORT;
const STOP = SET | uapi.VFIO_DEVICE_FEATURE_DMA_LOGGING_STOP;

function start(o: { p: { ioctl: (fd: number, r: number, a: object) => number }; device: number }, data: Record<string, unknown>): Record<string, unknown> {
  const arg = { argsz: 8 + 24, flags: START, data };
  o.p.ioctl(o.device, F, arg);
  return arg.data;
}

describe('DMA logging', () => {
  it('reports exactly the pages the device wrote, then clears them', () => {
    const host = migHost();
    const e = openEngine(host);
    const ctl = start(e.o, { page_size: 4096n, num_ranges: 2, ranges: [{ iova: DST, length: 0x10_0000n }, { iova: COMP, length: 0x1000n }] });
    expect(ctl['page_size']).toBe(4096n);
    queueCopies(e.o, e.mem, 3, 4096); // DST, DST+4K, DST+8K and the completion page
    startEngine(e.o, 3);
    host.run();
    const bitmap = anonBuffer(e.o.p, 0x1000n);
    e.o.p.ioctl(e.o.device, F, { argsz: 40, flags: REPORT, data: { iova: DST, length: 0x10_0000n, page_size: 4096n, bitmap } });
    expect(e.o.p.read64(bitmap)).toBe(0b111n); // the three destination pages
    e.o.p.ioctl(e.o.device, F, { argsz: 40, flags: REPORT, data: { iova: COMP, length: 0x1000n, page_size: 4096n, bitmap: bitmap + 8n } });
    expect(e.o.p.read64(bitmap + 8n)).toBe(1n);
    // read-and-clear: nothing new, and the kernel only ORs bits in
    e.o.p.write64(bitmap, 0x100n);
    e.o.p.ioctl(e.o.device, F, { argsz: 40, flags: REPORT, data: { iova: DST, length: 0x20_0000n, page_size: 4096n, bitmap } });
    expect(e.o.p.read64(bitmap)).toBe(0x100n);
    // a coarser report page: one bit per 2 MiB
    queueCopies(e.o, e.mem, 1, 4096, 3);
    startEngine(e.o, 4);
    host.run();
    e.o.p.write64(bitmap, 0n);
    e.o.p.ioctl(e.o.device, F, { argsz: 40, flags: REPORT, data: { iova: 0n, length: 0x40_0000n, page_size: 0x20_0000n, bitmap } });
    expect(e.o.p.read64(bitmap)).toBe(0b10n); // DST (3 MiB) lies in the second 2 MiB page
    expect(e.o.p.ioctl(e.o.device, F, { argsz: 8, flags: STOP })).toBe(0);
    expect(errnoOf(() => e.o.p.ioctl(e.o.device, F, { argsz: 40, flags: REPORT, data: { iova: DST, length: 0x1000n, page_size: 4096n, bitmap } }))).toBe('EINVAL');
  });

  it('START checks in the kernel order', () => {
    const e = openEngine(migHost());
    const s = (data: Record<string, unknown>): string => errnoOf(() => start(e.o, data));
    const r = (iova: bigint, length: bigint) => ({ iova, length });
    expect(s({ page_size: 4096n, num_ranges: 0, ranges: [] })).toBe('EINVAL');
    expect(s({ page_size: 4096n, num_ranges: 257, ranges: [] })).toBe('E2BIG');
    expect(s({ page_size: 4096n, num_ranges: 2, ranges: [r(0n, 0x1000n)] })).toBe('EFAULT');
    expect(s({ page_size: 4096n, num_ranges: 1 })).toBe('EFAULT');
    expect(s({ page_size: 4096n, num_ranges: 1, ranges: [r(0x800n, 0x1000n)] })).toBe('EINVAL');
    expect(s({ page_size: 4096n, num_ranges: 1, ranges: [r(0xffff_ffff_ffff_f000n, 0x2000n)] })).toBe('EOVERFLOW');
    expect(s({ page_size: 4096n, num_ranges: 2, ranges: [r(0n, 0x2000n), r(0x1000n, 0x1000n)] })).toBe('EINVAL');
    expect(errnoOf(() => e.o.p.ioctl(e.o.device, F, { argsz: 8 + 23, flags: START, data: {} }))).toBe('EINVAL'); // payload < minsz
    start(e.o, { page_size: 4096n, num_ranges: 1, ranges: [r(0n, 0x1000n)] });
    expect(s({ page_size: 4096n, num_ranges: 1, ranges: [r(0n, 0x1000n)] })).toBe('EINVAL'); // already logging (mlx5)
  });

  it('REPORT checks page size, overflow and the bitmap before reading the log', () => {
    const e = openEngine(migHost());
    const rep = (data: Record<string, unknown>): string => errnoOf(() => e.o.p.ioctl(e.o.device, F, { argsz: 40, flags: REPORT, data }));
    const bitmap = anonBuffer(e.o.p, 0x1000n);
    expect(rep({ iova: 0n, length: 0x1000n, page_size: 2048n, bitmap })).toBe('EINVAL');
    expect(rep({ iova: 0n, length: 0x1000n, page_size: 0x3000n, bitmap })).toBe('EINVAL');
    expect(rep({ iova: 0xffff_ffff_ffff_f000n, length: 0x2000n, page_size: 4096n, bitmap })).toBe('EOVERFLOW');
    expect(rep({ iova: 0n, length: 0x1000n, page_size: 4096n, bitmap: 0x1000_0000n })).toBe('EFAULT');
    expect(rep({ iova: 0n, length: 0x1000n, page_size: 4096n, bitmap })).toBe('EINVAL'); // logging not started
    expect(rep({ iova: 0n, length: 0x1000n, page_size: 4096n, bitmap: 5 })).toBe('ERR_INVALID_ARG_TYPE');
  });
});
