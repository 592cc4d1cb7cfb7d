/**
 * VFIO_IOMMU_MAP_DMA whose page-table map fails part-way (vfio_iommu_type1.c vfio_pin_map_dma
 * → vfio_iommu_map: on an iommu_map error the whole mapping is unmapped from the domain and
 * unpinned). The IOMMU's page-table pages come from a bounded pool (topology
 * `iommu.pageTablePages`, src/hardware/iommu/table-pages.ts); with disable_hugepages each
 * page is its own iommu_map, so a mapping across a 2 MiB boundary needs a new level-1 table
 * for its second page: with no page left for it, MAP_DMA is ENOMEM and nothing stays.
 */
import { describe, expect, it } from 'vitest';
import { Host, uapi } from '../../src/index.js';
import { defaultTopologyJson } from '../../src/hardware/default-machine.js';
import { anonBuffer } from '../support/vfio.js';
import { failureOf } from '../support/why.js';
import { lockedVm, pinnedFrames } from '../support/kernel-state.js';
import { setup, type1Of } from './helpers.js';

const P = 0x1000n;
const SZ_2M = 0x20_0000n;
const topo = defaultTopologyJson as { iommu: Record<string, unknown> };
const hostWith = (pages: number) => new Host({ ...topo, iommu: { ...topo.iommu, pageTablePages: pages } });
/** Table pages the default DMA domains hold from boot (their RMRR identity maps). */
const BOOT = hostWith(1_000_000).iommu!.tablePages!.used;

function container(extra: number) {
  const host = hostWith(BOOT + extra);
  host.spawn().writeFile('/sys/module/vfio_iommu_type1/parameters/disable_hugepages', 'Y');
  const s = setup({ host });
  const t = type1Of(s.p, s.c);
  const va = anonBuffer(s.p, 2n * P);
  const map = () => failureOf(() => s.p.ioctl(s.c, uapi.VFIO_IOMMU_MAP_DMA, { argsz: 32, flags: uapi.VFIO_DMA_MAP_FLAG_READ | uapi.VFIO_DMA_MAP_FLAG_WRITE, vaddr: va, iova: SZ_2M - P, size: 2n * P }));
  const state = () => ({
    dmas: t.dmas.size,
    leaves: t.domains.map((d) => [...d.hw.pageTable.leaves()].length),
    poolUsed: host.iommu!.tablePages!.used - BOOT,
    lockedVm: lockedVm(s.p),
    pinnedFrames: pinnedFrames(s.p),
  });
  return { ...s, t, map, state };
}

describe('MAP_DMA: a page-table map that fails on the second page (vfio_iommu_map unwinding)', () => {
  it('3 table pages take the first page, none is left for the second: ENOMEM, and the first page is unmapped and unpinned', () => {
    const c = container(3);
    const before = c.state();
    expect(before).toEqual({ dmas: 0, leaves: [0], poolUsed: 0, lockedVm: 0n, pinnedFrames: 0 });
    expect(c.map()).toMatch(/^ENOMEM iommu_alloc_pages_node/);
    expect(c.state()).toEqual(before);
  });

  it('with a fourth page both pages map', () => {
    const c = container(4);
    expect(c.map()).toBe('ok');
    expect(c.state()).toEqual({ dmas: 1, leaves: [2], poolUsed: 4, lockedVm: 2n, pinnedFrames: 2 });
  });
});
