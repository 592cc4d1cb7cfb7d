import { describe, expect, it } from 'vitest';
import { Host, uapi } from '../../src/index.js';
import { EDU, expectErrno, map, setup, type1Of, unmap } from './helpers.js';
import { anonBuffer } from '../support/vfio.js';
import { lockedVm, pinnedFrames, virtToPhys } from '../support/kernel-state.js';

const RW = uapi.VFIO_DMA_MAP_FLAG_READ | uapi.VFIO_DMA_MAP_FLAG_WRITE;
const MAX = (1n << 64n) - 1n;

describe('VFIO_IOMMU_GET_INFO', () => {
  it('argsz 16 learns flags and pgsizes but no cap_offset; 24 gets argsz raised; < 16 EINVAL', () => {
    const { p, c } = setup();
    const a: Record<string, unknown> = { argsz: 16 };
    p.ioctl(c, uapi.VFIO_IOMMU_GET_INFO, a);
    expect(a).toEqual({ argsz: 120, flags: 3, iova_pgsizes: 0x40201000n });
    expectErrno(() => p.ioctl(c, uapi.VFIO_IOMMU_GET_INFO, { argsz: 15 }), 'EINVAL');
    const b: Record<string, unknown> = { argsz: 119 };
    p.ioctl(c, uapi.VFIO_IOMMU_GET_INFO, b);
    expect(b['argsz']).toBe(120);
    expect(b['cap_offset']).toBe(0);
    expect(b['caps']).toBeUndefined();
  });

  it('the chain: MIGRATION → DMA_AVAIL → IOVA_RANGE, avail counting down', () => {
    const { p, c } = setup();
    map(p, c, anonBuffer(p, 0x1000n), 0n, 0x1000n);
    const a: Record<string, unknown> = { argsz: 200 };
    p.ioctl(c, uapi.VFIO_IOMMU_GET_INFO, a);
    expect(a['argsz']).toBe(200);
    expect(a['cap_offset']).toBe(24);
    const caps = a['caps'] as Array<Record<string, unknown>>;
    expect(caps.map((x) => [x['id'], x['next']])).toEqual([[2, 56], [3, 72], [1, 0]]);
    expect(caps[1]!['avail']).toBe(65534);
    expect(caps[2]!['iova_ranges']).toEqual([
      { start: 0n, end: 0xfedfffffn },
      { start: 0xfef00000n, end: 0xffffffffffffn },
    ]);
  });
});

describe('VFIO_IOMMU_MAP_DMA errno, in check order', () => {
  it('argsz, flags, size 0, wrap (EOVERFLOW), permissions, alignment', () => {
    const { p, c } = setup();
    const va = anonBuffer(p, 0x2000n);
    const m = (o: Record<string, unknown>) => p.ioctl(c, uapi.VFIO_IOMMU_MAP_DMA, { argsz: 32, flags: RW, vaddr: va, iova: 0n, size: 0x1000n, ...o });
    expectErrno(() => m({ argsz: 31 }), 'EINVAL');
    expectErrno(() => m({ flags: 8 | RW }), 'EINVAL');
    expectErrno(() => m({ size: 0n, iova: 0x123n }), 'EINVAL');
    expectErrno(() => m({ iova: 0x2000n, size: 0xffff_ffff_ffff_f000n }), 'EOVERFLOW');
    expectErrno(() => m({ iova: 0n, vaddr: 0n, size: MAX }), 'EINVAL');
    expectErrno(() => m({ vaddr: MAX - 0xfffn, size: 0x2000n }), 'EOVERFLOW');
    expectErrno(() => m({ flags: 0 }), 'EINVAL');
    expectErrno(() => m({ flags: uapi.VFIO_DMA_MAP_FLAG_VADDR | uapi.VFIO_DMA_MAP_FLAG_READ }), 'EINVAL');
    expectErrno(() => m({ iova: 0x800n }), 'EINVAL');
    expectErrno(() => m({ vaddr: va + 1n }), 'EINVAL');
  });

  it('overlap EEXIST before ENOSPC before the IOVA-list EINVAL; adjacent maps are separate', () => {
    const host = new Host();
    host.spawn().writeFile('/sys/module/vfio_iommu_type1/parameters/dma_entry_limit', '2');
    const { p, c } = setup({ host });
    const va = anonBuffer(p, 0x4000n);
    map(p, c, va, 0x10000n, 0x1000n);
    map(p, c, va, 0x11000n, 0x1000n);
    expectErrno(() => map(p, c, va, 0x10000n, 0x1000n), 'EEXIST');
    expectErrno(() => map(p, c, va, 0xfee00000n, 0x1000n), 'ENOSPC');
    unmap(p, c, 0x11000n, 0x1000n);
    expectErrno(() => map(p, c, va, 0xfee00000n, 0x1000n), 'EINVAL');
    expectErrno(() => map(p, c, va, 0xfedff000n, 0x2000n), 'EINVAL');
    expectErrno(() => map(p, c, va, 0x1_0000_0000_0000n, 0x1000n), 'EINVAL');
    map(p, c, va, 0xfedff000n, 0x1000n);
  });

  it('pinning: unmapped vaddr EFAULT, read-only buffer mapped for device writes EFAULT; READ-only works', () => {
    const { p, c } = setup();
    const ro = anonBuffer(p, 0x1000n, uapi.PROT_READ);
    expectErrno(() => map(p, c, 0x5000_0000n, 0n, 0x1000n), 'EFAULT');
    expectErrno(() => map(p, c, ro, 0n, 0x1000n), 'EFAULT');
    expect(type1Of(p, c).dmas.size).toBe(0);
    expect(type1Of(p, c).dmaAvail).toBe(65535);
    map(p, c, ro, 0n, 0x1000n, uapi.VFIO_DMA_MAP_FLAG_READ);
  });

  it('RLIMIT_MEMLOCK: ENOMEM without CAP_IPC_LOCK and nothing charged; with it the map succeeds and is charged', () => {
    const host = new Host();
    const small = host.spawn({ caps: [], rlimitMemlock: 0x2000n });
    const { p, c } = setup({ host, proc: small });
    const va = anonBuffer(p, 0x4000n);
    map(p, c, va, 0n, 0x2000n);
    expect(lockedVm(p)).toBe(2n);
    expectErrno(() => map(p, c, va, 0x10000n, 0x1000n), 'ENOMEM');
    expect(lockedVm(p)).toBe(2n);
    expect(pinnedFrames(p)).toBe(2);
    // double-mapping the same memory double-charges
    unmap(p, c, 0n, 0x2000n);
    map(p, c, va, 0n, 0x1000n);
    map(p, c, va, 0x10000n, 0x1000n);
    expect(lockedVm(p)).toBe(2n);
    const locked = host.spawn({ caps: ['CAP_IPC_LOCK'], rlimitMemlock: 0n });
    const c2 = locked.open('/dev/vfio/vfio');
    void c2;
  });
});

describe('VFIO_IOMMU_UNMAP_DMA', () => {
  function abc(type: number) {
    const s = setup({ type });
    const va = anonBuffer(s.p, 0x30000n);
    map(s.p, s.c, va, 0x10000n, 0x10000n);
    map(s.p, s.c, va + 0x10000n, 0x20000n, 0x10000n);
    map(s.p, s.c, va + 0x20000n, 0x40000n, 0x10000n);
    return s;
  }
  const table: Array<[bigint, bigint, string | bigint, string | bigint]> = [
    [0x10000n, 0x10000n, 0x10000n, 0x10000n],
    [0x10000n, 0x20000n, 0x20000n, 0x20000n],
    [0x10000n, 0x40000n, 0x30000n, 0x30000n],
    [0x0n, 0x10000n, 0n, 0n],
    [0x30000n, 0x10000n, 0n, 0n],
    [0x0n, 0x20000n, 0x10000n, 0x10000n],
    [0x18000n, 0x8000n, 'EINVAL', 0n],
    [0x10000n, 0x8000n, 'EINVAL', 0x10000n],
    [0x0n, 0x18000n, 'EINVAL', 0x10000n],
    [0x20000n, 0x28000n, 'EINVAL', 0x20000n],
    [0x18000n, 0x38000n, 'EINVAL', 0n],
    [0x10800n, 0x1000n, 'EINVAL', 'EINVAL'],
    [0x10000n, 0n, 'EINVAL', 'EINVAL'],
  ];
  for (const [iova, size, v2, v1] of table) {
    it(`iova 0x${iova.toString(16)} size 0x${size.toString(16)}: v2 ${String(v2)}, v1 ${String(v1)}`, () => {
      for (const [type, want] of [[uapi.VFIO_TYPE1v2_IOMMU, v2], [uapi.VFIO_TYPE1_IOMMU, v1]] as const) {
        const s = abc(type);
        const arg = { argsz: 24, flags: 0, iova, size };
        if (typeof want === 'string') {
          expectErrno(() => s.p.ioctl(s.c, uapi.VFIO_IOMMU_UNMAP_DMA, arg), want);
          expect(arg.size).toBe(size);
          expect(type1Of(s.p, s.c).dmas.size).toBe(3);
        } else {
          s.p.ioctl(s.c, uapi.VFIO_IOMMU_UNMAP_DMA, arg);
          expect(arg.size).toBe(want);
        }
      }
    });
  }

  it('ALL removes everything; ALL with iova or size is EINVAL; wrap EOVERFLOW; ending at 2^64-1 is fine', () => {
    const s = abc(uapi.VFIO_TYPE1v2_IOMMU);
    expectErrno(() => unmap(s.p, s.c, 0x10000n, 0n, uapi.VFIO_DMA_UNMAP_FLAG_ALL), 'EINVAL');
    expectErrno(() => unmap(s.p, s.c, 0x1000n, MAX), 'EINVAL');
    expectErrno(() => unmap(s.p, s.c, 0x2000n, 0xffff_ffff_ffff_f000n), 'EOVERFLOW');
    expect(unmap(s.p, s.c, 0x50000n, MAX - 0x50000n + 1n)).toBe(0n);
    expectErrno(() => s.p.ioctl(s.c, uapi.VFIO_IOMMU_UNMAP_DMA, { argsz: 23, iova: 0n, size: 0x1000n }), 'EINVAL');
    expectErrno(() => s.p.ioctl(s.c, uapi.VFIO_IOMMU_UNMAP_DMA, { argsz: 24, flags: 8, iova: 0n, size: 0x1000n }), 'EINVAL');
    expect(unmap(s.p, s.c, 0n, 0n, uapi.VFIO_DMA_UNMAP_FLAG_ALL)).toBe(0x30000n);
    expect(lockedVm(s.p)).toBe(0n);
  });

  it('VADDR: invalidate, EBUSY for a new group meanwhile, re-validate with exact iova/size (ENOENT/EINVAL)', () => {
    const s = abc(uapi.VFIO_TYPE1v2_IOMMU);
    const { p, c } = s;
    expect(unmap(p, c, 0x10000n, 0x10000n, uapi.VFIO_DMA_UNMAP_FLAG_VADDR)).toBe(0x10000n);
    expectErrno(() => unmap(p, c, 0x10000n, 0x20000n, uapi.VFIO_DMA_UNMAP_FLAG_VADDR), 'EINVAL');
    expect(type1Of(p, c).vaddrInvalidCount).toBe(1);
    const V = uapi.VFIO_DMA_MAP_FLAG_VADDR;
    const nv = anonBuffer(p, 0x10000n);
    expectErrno(() => map(p, c, nv, 0x80000n, 0x10000n, V), 'ENOENT');
    expectErrno(() => map(p, c, nv, 0x10000n, 0x8000n, V), 'EINVAL');
    expectErrno(() => map(p, c, nv, 0x20000n, 0x10000n, V), 'EINVAL');
    expect(type1Of(p, c).attachGroup(type1Of(p, c).domains[0]!.groups[0]!).ok).toBe(false);
    map(p, c, nv, 0x10000n, 0x10000n, V);
    expect(type1Of(p, c).vaddrInvalidCount).toBe(0);
    expect(p.ioctl(c, uapi.VFIO_CHECK_EXTENSION, uapi.VFIO_UPDATE_VADDR)).toBe(1);
  });
});

describe('the page table is real', () => {
  it('device reads see process writes and vice versa; permissions hold; unmap faults; huge pages unless disabled', () => {
    for (const disable of [false, true]) {
      const host = new Host();
      if (disable) host.spawn().writeFile('/sys/module/vfio_iommu_type1/parameters/disable_hugepages', 'Y');
      const { p, c } = setup({ host });
      const va = anonBuffer(p, 0x400000n);
      p.writeMem(va + 0x1234n, Uint8Array.of(1, 2, 3));
      map(p, c, va, 0x200000n, 0x400000n);
      const dom = type1Of(p, c).domains[0]!.hw;
      const leaves = [...dom.pageTable.leaves()];
      expect(leaves.length).toBe(disable ? 1024 : 2);
      for (let off = 0n; off < 0x400000n; off += 0x1000n) expect(dom.pageTable.iovaToPhys(0x200000n + off)).toBe(virtToPhys(p, va + off));
      const rid = 0x0600;
      const rd = host.iommu!.dmaRead(rid, 0x201234n, 3);
      expect(rd.ok && [...rd.data!]).toEqual([1, 2, 3]);
      expect(host.iommu!.dmaWrite(rid, 0x300000n, Uint8Array.of(9)).ok).toBe(true);
      expect(p.readMem(va + 0x100000n, 1)[0]).toBe(9);
      unmap(p, c, 0x200000n, 0x400000n);
      expect(host.iommu!.dmaRead(rid, 0x201234n, 1).ok).toBe(false);
      expect(host.faults().length).toBeGreaterThan(0);
    }
  });

  it('a READ-only mapping rejects device writes', () => {
    const { host, p, c } = setup();
    const va = anonBuffer(p, 0x1000n);
    map(p, c, va, 0x1000n, 0x1000n, uapi.VFIO_DMA_MAP_FLAG_READ);
    expect(host.iommu!.dmaRead(0x0600, 0x1000n, 4).ok).toBe(true);
    expect(host.iommu!.dmaWrite(0x0600, 0x1000n, Uint8Array.of(1)).ok).toBe(false);
  });
});

describe('VFIO_IOMMU_DIRTY_PAGES', () => {
  it('v1 is EACCES before the arg is read; flags rules; START/STOP idempotent; GET while stopped EINVAL', () => {
    const v1 = setup({ type: uapi.VFIO_TYPE1_IOMMU });
    expectErrno(() => v1.p.ioctl(v1.c, uapi.VFIO_IOMMU_DIRTY_PAGES), 'EACCES');
    const { p, c } = setup();
    const D = uapi.VFIO_IOMMU_DIRTY_PAGES;
    expectErrno(() => p.ioctl(c, D), 'EFAULT');
    expectErrno(() => p.ioctl(c, D, { argsz: 7, flags: 1 }), 'EINVAL');
    expectErrno(() => p.ioctl(c, D, { argsz: 8, flags: 0 }), 'EINVAL');
    expectErrno(() => p.ioctl(c, D, { argsz: 8, flags: 3 }), 'EINVAL');
    expectErrno(() => p.ioctl(c, D, { argsz: 8, flags: 8 }), 'EINVAL');
    const bm = anonBuffer(p, 0x1000n);
    const get = (o: Record<string, unknown> = {}) => p.ioctl(c, D, { argsz: 48, flags: 4, iova: 0x10000n, size: 0x20000n, bitmap: { pgsize: 0x1000n, size: 8n, data: bm }, ...o });
    expectErrno(() => get(), 'EINVAL');
    expect(p.ioctl(c, D, { argsz: 8, flags: 1 })).toBe(0);
    expect(p.ioctl(c, D, { argsz: 8, flags: 1 })).toBe(0);
    expectErrno(() => get({ argsz: 47 }), 'EINVAL');
    expectErrno(() => get({ size: 0n }), 'EINVAL');
    expectErrno(() => get({ iova: 0x2000n, size: 0xffff_ffff_ffff_f000n }), 'EOVERFLOW');
    expectErrno(() => get({ bitmap: { pgsize: 0n, size: 8n, data: bm } }), 'EINVAL');
    expectErrno(() => get({ bitmap: { pgsize: 0x2000n, size: 8n, data: bm } }), 'EINVAL');
    expectErrno(() => get({ bitmap: { pgsize: 0x1000n, size: 8n, data: 0x7ffffffff000n } }), 'EINVAL');
    expectErrno(() => get({ size: 0x41000n * 16n }), 'EINVAL');
    expect(p.ioctl(c, D, { argsz: 8, flags: 2 })).toBe(0);
    expect(p.ioctl(c, D, { argsz: 8, flags: 2 })).toBe(0);
  });

  it('GET_BITMAP marks every page of every mapping dirty, ORs into a shared word, refuses bisection; EFAULT changes nothing', () => {
    const { p, c } = setup();
    const va = anonBuffer(p, 0x10000n);
    map(p, c, va, 0x10000n, 0x3000n);
    map(p, c, va, 0x15000n, 0x2000n);
    p.ioctl(c, uapi.VFIO_IOMMU_DIRTY_PAGES, { argsz: 8, flags: 1 });
    const bm = anonBuffer(p, 0x1000n);
    p.write64(bm, 0n);
    const get = (iova: bigint, size: bigint, data = bm) => p.ioctl(c, uapi.VFIO_IOMMU_DIRTY_PAGES, { argsz: 48, flags: 4, iova, size, bitmap: { pgsize: 0x1000n, size: 8n, data } });
    get(0x10000n, 0x8000n);
    expect(p.read64(bm)).toBe(0b1100111n);
    expectErrno(() => get(0x11000n, 0x4000n), 'EINVAL');
    expectErrno(() => get(0x10000n, 0x6000n), 'EINVAL');
    expectErrno(() => get(0x10000n, 0x8000n, 0x6000_0000n), 'EFAULT');
    // UNMAP with the bitmap reports too
    p.write64(bm, 0n);
    const arg = { argsz: 48, flags: uapi.VFIO_DMA_UNMAP_FLAG_GET_DIRTY_BITMAP, iova: 0x15000n, size: 0x2000n, bitmap: { pgsize: 0x1000n, size: 8n, data: bm } };
    p.ioctl(c, uapi.VFIO_IOMMU_UNMAP_DMA, arg);
    expect(arg.size).toBe(0x2000n);
    expect(p.read64(bm)).toBe(0b11n);
    expectErrno(() => p.ioctl(c, uapi.VFIO_IOMMU_UNMAP_DMA, { ...arg, argsz: 47 }), 'EINVAL');
    expectErrno(() => p.ioctl(c, uapi.VFIO_IOMMU_UNMAP_DMA, { ...arg, flags: 3 }), 'EINVAL');
  });
});
