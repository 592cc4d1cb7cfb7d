/**
 * type1 state read back after success and after refusal (issue 14 item 11;
 * vfio_iommu_type1.c: vfio_iommu_type1_open, vfio_remove_dma, vfio_iommu_type1_attach_group's
 * error unwinding, vfio_iommu_type1_detach_group). dma_avail is read through GET_INFO's
 * DMA_AVAIL capability, domains through the IOMMU's own list.
 */
import { describe, expect, it } from 'vitest';
import { uapi, type Host, type Process } from '../../src/index.js';
import { EDU, EDU2, expectErrno, groupOf, machine, map, setup, unmap } from './helpers.js';
import { anonBuffer } from '../support/vfio.js';
import { failureOf } from '../support/why.js';

function avail(p: Process, c: number): number {
  const a: Record<string, unknown> = { argsz: 512 };
  p.ioctl(c, uapi.VFIO_IOMMU_GET_INFO, a);
  const caps = a['caps'] as Array<Record<string, unknown>>;
  return caps.find((x) => x['id'] === uapi.VFIO_IOMMU_TYPE1_INFO_DMA_AVAIL)!['avail'] as number;
}

const unmanaged = (host: Host): number => host.iommu!.domainsList().filter((d) => d.type === 'unmanaged').length;

describe('SET_IOMMU with a type the backend claims but cannot open (vfio_iommu_type1_open)', () => {
  it('VFIO_UNMAP_ALL is an extension type1 has, not an IOMMU type: EINVAL, the container stays unset', () => {
    const { p, c } = setup({ type: null });
    expect(p.ioctl(c, uapi.VFIO_CHECK_EXTENSION, uapi.VFIO_UNMAP_ALL)).toBe(1);
    expect(failureOf(() => p.ioctl(c, uapi.VFIO_SET_IOMMU, uapi.VFIO_UNMAP_ALL))).toMatch(/^EINVAL vfio_iommu_type1_open/);
    expect(p.ioctl(c, uapi.VFIO_SET_IOMMU, uapi.VFIO_TYPE1v2_IOMMU)).toBe(0);
  });
});

describe('dma_avail (vfio_remove_dma gives the slot back)', () => {
  it('each map takes a slot, each unmapped mapping returns one, UNMAP_ALL returns all', () => {
    const { p, c } = setup();
    const start = avail(p, c);
    const va = anonBuffer(p, 0x3000n);
    for (let i = 0n; i < 3n; i++) map(p, c, va + i * 0x1000n, 0x10000n + i * 0x1000n, 0x1000n);
    expect(avail(p, c)).toBe(start - 3);
    expect(unmap(p, c, 0x10000n, 0x1000n)).toBe(0x1000n);
    expect(avail(p, c)).toBe(start - 2);
    expect(unmap(p, c, 0n, 0n, uapi.VFIO_DMA_UNMAP_FLAG_ALL)).toBe(0x2000n);
    expect(avail(p, c)).toBe(start);
  });
});

describe('a refused attach leaves the domain as it was (vfio_iommu_type1_attach_group unwinding)', () => {
  it('a second group refused after the domain attach keeps the shared domain alive for the first', () => {
    const host = machine({ fns: { [EDU2]: { reservedRegions: [{ start: '0x40000000', end: '0x400fffff', type: 'reserved' }] } } });
    const { p, c } = setup({ host, bdfs: [EDU, EDU2] });
    const va = anonBuffer(p, 0x1000n);
    p.writeMem(va, Uint8Array.of(0x77));
    map(p, c, va, 0x4000_0000n, 0x1000n);
    expect(unmanaged(host)).toBe(1);
    const g2 = p.open(`/dev/vfio/${groupOf(host, EDU2)}`);
    expect(failureOf(() => p.ioctl(g2, uapi.VFIO_GROUP_SET_CONTAINER, c))).toMatch(/^EINVAL vfio_iommu_resv_conflict/);
    expect(unmanaged(host)).toBe(1);
    const rd = host.iommu!.dmaRead(0x0600, 0x4000_0000n, 1);
    expect(rd.ok && rd.data![0]).toBe(0x77);
    expect(host.iommu!.dmaRead(0x0700, 0x4000_0000n, 1).ok).toBe(false);
  });

  it('a first group refused after the domain attach frees the new domain', () => {
    const host = machine({ iommu: { interruptRemapping: false } });
    const { p, c } = setup({ host, type: null });
    expectErrno(() => p.ioctl(c, uapi.VFIO_SET_IOMMU, uapi.VFIO_TYPE1v2_IOMMU), 'EPERM');
    expect(unmanaged(host)).toBe(0);
  });

  it('a group leaving a shared domain keeps it, and the page sizes, for the rest', () => {
    const { host, p, c, g } = setup({ bdfs: [EDU, EDU2] });
    const g2 = p.open(`/dev/vfio/${groupOf(host, EDU2)}`);
    p.ioctl(g2, uapi.VFIO_GROUP_SET_CONTAINER, c);
    const va = anonBuffer(p, 0x1000n);
    map(p, c, va, 0x8000n, 0x1000n);
    p.ioctl(g2, uapi.VFIO_GROUP_UNSET_CONTAINER);
    expect(unmanaged(host)).toBe(1);
    expect(host.iommu!.dmaRead(0x0600, 0x8000n, 1).ok).toBe(true);
    expect(host.iommu!.dmaRead(0x0700, 0x8000n, 1).ok).toBe(false);
    const a: Record<string, unknown> = { argsz: 16 };
    p.ioctl(c, uapi.VFIO_IOMMU_GET_INFO, a);
    expect(a['iova_pgsizes']).toBe(0x4020_1000n);
    // the last group leaving takes every mapping and the domain with it
    p.close(g);
    expect(unmanaged(host)).toBe(0);
    expect(host.iommu!.dmaRead(0x0600, 0x8000n, 1).ok).toBe(false);
  });
});

describe('UNMAP_DMA and MAP_DMA header checks, each alone (vfio_iommu_type1_unmap_dma, vfio_iommu_type1_map_dma)', () => {
  it('argsz one byte short, or an unknown flag, is EINVAL from the header check and removes nothing', () => {
    const { p, c } = setup();
    map(p, c, anonBuffer(p, 0x1000n), 0x10000n, 0x1000n);
    const un = (o: Record<string, unknown>) => failureOf(() => p.ioctl(c, uapi.VFIO_IOMMU_UNMAP_DMA, { argsz: 24, flags: 0, iova: 0x10000n, size: 0x1000n, ...o }));
    expect(un({ argsz: 23 })).toMatch(/^EINVAL vfio_iommu_type1_unmap_dma: argsz < minsz or unknown flags/);
    expect(un({ flags: 8 })).toMatch(/^EINVAL vfio_iommu_type1_unmap_dma: argsz < minsz or unknown flags/);
    expect(avail(p, c)).toBe(65534);
    const mp = (o: Record<string, unknown>) => failureOf(() => p.ioctl(c, uapi.VFIO_IOMMU_MAP_DMA, { argsz: 32, flags: 3, vaddr: anonBuffer(p, 0x1000n), iova: 0x20000n, size: 0x1000n, ...o }));
    expect(mp({ argsz: 31 })).toMatch(/^EINVAL vfio_iommu_type1_map_dma: argsz < minsz or unknown flags/);
    expect(mp({ flags: 3 | 8 })).toMatch(/^EINVAL vfio_iommu_type1_map_dma: argsz < minsz or unknown flags/);
    expect(mp({ size: 0n })).toMatch(/^EINVAL vfio_dma_do_map: size is 0/);
    expect(mp({ iova: 0x10000n })).toMatch(/^EEXIST vfio_dma_do_map: range overlaps/);
    expect(mp({ flags: uapi.VFIO_DMA_MAP_FLAG_VADDR, iova: 0x40000n })).toMatch(/^ENOENT vfio_dma_do_map: VADDR: no mapping/);
  });
});

describe('the invalidated-vaddr count (vfio_remove_dma, vfio_iommu_type1_attach_group)', () => {
  it('unmapping a valid mapping does not count down: one invalidated mapping still makes an attach EBUSY', () => {
    const { host, p, c } = setup({ bdfs: [EDU, EDU2] });
    const va = anonBuffer(p, 0x2000n);
    map(p, c, va, 0x10000n, 0x1000n);
    map(p, c, va + 0x1000n, 0x20000n, 0x1000n);
    unmap(p, c, 0x20000n, 0x1000n);
    unmap(p, c, 0x10000n, 0x1000n, uapi.VFIO_DMA_UNMAP_FLAG_VADDR);
    const g2 = p.open(`/dev/vfio/${groupOf(host, EDU2)}`);
    expect(failureOf(() => p.ioctl(g2, uapi.VFIO_GROUP_SET_CONTAINER, c))).toMatch(/^EBUSY vfio_iommu_type1_attach_group: a mapping has an invalidated vaddr/);
  });
});

describe('a joining group keeps what earlier groups cut out (vfio_iommu_resv_exclude works on the current list)', () => {
  it('the first group\'s reserved region stays out of the list when a group without it joins', () => {
    const host = machine({ fns: { [EDU]: { reservedRegions: [{ start: '0x40000000', end: '0x400fffff', type: 'reserved' }] } } });
    const { p, c } = setup({ host, bdfs: [EDU, EDU2] });
    const g2 = p.open(`/dev/vfio/${groupOf(host, EDU2)}`);
    p.ioctl(g2, uapi.VFIO_GROUP_SET_CONTAINER, c);
    expect(failureOf(() => map(p, c, anonBuffer(p, 0x1000n), 0x4000_0000n, 0x1000n))).toMatch(/^EINVAL vfio_iommu_iova_dma_valid/);
  });
});
