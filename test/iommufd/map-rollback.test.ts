/**
 * A page-table map that fails part-way, and what iommufd undoes. The IOMMU's page-table
 * pages come from a bounded pool here (topology `iommu.pageTablePages`, src/hardware/iommu/
 * table-pages.ts): a map needing a table page when none is left is ENOMEM, as iommu_map is
 * when iommu_alloc_pages_node fails, and iommu_map unrolls its own partial map.
 *
 * - IOMMU_IOAS_MAP into an IOAS with two domains (io_pagetable.c iopt_fill_domains_pages →
 *   iopt_area_fill_domains): the map into domain 1 fails after domain 0 took the area, so
 *   domain 0 is unmapped again and the pins dropped; with huge pages off the area is mapped a
 *   page per call, and domain 1 fails on its second page, so its first is unmapped too.
 * - IOMMU_HWPT_ALLOC adding a domain to an IOAS that has areas (iopt_table_add_domain →
 *   iopt_fill_domain): the second area fails, so the first is unmapped (and, for the IOAS's
 *   first domain, unpinned); the new domain is then freed.
 * In every case the refused call leaves each domain, the IOAS and the pool as they were.
 * (Linux: 4-level table, so a first 4 KiB mapping needs 3 table pages below the top one.)
 */
import { describe, expect, it } from 'vitest';
import { Host, uapi, type Process } from '../../src/index.js';
import { defaultTopologyJson } from '../../src/hardware/default-machine.js';
import { anonBuffer } from '../support/vfio.js';
import { failureOf } from '../support/why.js';
import { pinnedFrames, pinnedVm } from '../support/kernel-state.js';
import { boundDevice, ioasAlloc, ioptOf, mapFixed, P } from './helpers.js';

const SZ_2M = 0x20_0000n;
const SZ_1G = 0x4000_0000n;

const topo = defaultTopologyJson as { iommu: Record<string, unknown> };
const hostWith = (pages: number) => new Host({ ...topo, iommu: { ...topo.iommu, pageTablePages: pages } });

/** Table pages the default DMA domains hold from boot (their RMRR identity maps), on a pool that does not run out. */
const BOOT = hostWith(1_000_000).iommu!.tablePages!.used;

/** A host whose IOMMU has `extra` page-table pages beyond what boot takes; edu bound to an iommufd; one IOAS. */
function machine(extra: number) {
  const host = hostWith(BOOT + extra);
  expect(host.iommu!.tablePages!.used).toBe(BOOT);
  const d = boundDevice({ host });
  const ioas = ioasAlloc(d.p, d.fd);
  const pool = host.iommu!.tablePages!;
  const hwptAlloc = () => failureOf(() => d.p.ioctl(d.fd, uapi.IOMMU_HWPT_ALLOC, { size: 48, flags: 0, dev_id: d.devId, pt_id: ioas, out_hwpt_id: 0 }));
  const hugePagesOff = () => d.p.ioctl(d.fd, uapi.IOMMU_OPTION, { size: 24, option_id: uapi.IOMMU_OPTION_HUGE_PAGES, op: uapi.IOMMU_OPTION_OP_SET, object_id: ioas, val64: 0n });
  return { ...d, ioas, pool, hwptAlloc, hugePagesOff };
}

/** Everything a refused call must leave alone: every domain's leaves, the IOAS, pins and the pool. */
function snapshot(p: Process, fd: number, ioas: number, pool: { used: number }) {
  const iopt = ioptOf(p, fd, ioas);
  return {
    domains: iopt.domains.map((d) => ({ id: d.domain.id, tables: d.domain.pageTable.heldTablePages, leaves: [...d.domain.pageTable.leaves()] })),
    areas: [...iopt.areas.entries()].map((e) => [e.start, e.last, e.value.off]),
    reserved: iopt.reserved.map((r) => [r.start, r.last]),
    alignment: iopt.iovaAlignment,
    pinnedVm: pinnedVm(p),
    pinnedFrames: pinnedFrames(p),
    poolUsed: pool.used,
  };
}

describe('IOMMU_IOAS_MAP: fillArea unmaps the domains that took the area when a later one fails', () => {
  it('domain 1 runs out of table pages after domain 0 mapped: ENOMEM, and nothing is left mapped or pinned', () => {
    // A at 1 MiB takes 3 pages in each domain (6); B at 1 GiB needs 2 more in each: 8 fit, 10 do not
    const m = machine(8);
    expect(m.hwptAlloc()).toBe('ok');
    expect(m.hwptAlloc()).toBe('ok');
    const va = anonBuffer(m.p, 2n * P);
    mapFixed(m.p, m.fd, m.ioas, va, 0x10_0000n, P);
    expect(m.pool.used).toBe(BOOT + 6);
    const before = snapshot(m.p, m.fd, m.ioas, m.pool);
    expect(before.domains.length).toBe(2);
    expect(failureOf(() => mapFixed(m.p, m.fd, m.ioas, va + P, SZ_1G, P))).toMatch(/^ENOMEM iommu_alloc_pages_node/);
    expect(snapshot(m.p, m.fd, m.ioas, m.pool)).toEqual(before);
    expect(m.host.iommu!.dmaRead(0x0600, SZ_1G, 1).ok).toBe(false);
  });

  it('domain 1 fails on the second page of the area (huge pages off: a call per page): its first page is unmapped too', () => {
    // [2 MiB - 4 KiB, 2 MiB + 4 KiB): page 1 needs 3 table pages, page 2 a fourth (a new level-1 table).
    // Domain 0 takes 4; domain 1 gets 3 more (7 of 7) for page 1, then none is left for page 2.
    const m = machine(7);
    m.hugePagesOff();
    expect(m.hwptAlloc()).toBe('ok');
    expect(m.hwptAlloc()).toBe('ok');
    const va = anonBuffer(m.p, 2n * P);
    const before = snapshot(m.p, m.fd, m.ioas, m.pool);
    expect(before.poolUsed).toBe(BOOT);
    expect(failureOf(() => mapFixed(m.p, m.fd, m.ioas, va, SZ_2M - P, 2n * P))).toMatch(/^ENOMEM/);
    expect(snapshot(m.p, m.fd, m.ioas, m.pool)).toEqual(before);
    // with one page-table page more, the same map succeeds in both domains
    const n = machine(8);
    n.hugePagesOff();
    n.hwptAlloc();
    n.hwptAlloc();
    mapFixed(n.p, n.fd, n.ioas, anonBuffer(n.p, 2n * P), SZ_2M - P, 2n * P);
    expect(snapshot(n.p, n.fd, n.ioas, n.pool)).toMatchObject({ poolUsed: BOOT + 8, pinnedVm: 2n });
  });
});

describe('IOMMU_HWPT_ALLOC: addDomain undoes the areas it mapped when a later one fails', () => {
  /** An IOAS with areas A (1 MiB) and B (1 GiB), one page each. */
  function twoAreas(pages: number, withDomain: boolean) {
    const m = machine(pages);
    if (withDomain) expect(m.hwptAlloc()).toBe('ok');
    const va = anonBuffer(m.p, 2n * P);
    mapFixed(m.p, m.fd, m.ioas, va, 0x10_0000n, P);
    mapFixed(m.p, m.fd, m.ioas, va + P, SZ_1G, P);
    return m;
  }

  it('the IOAS\'s first domain: B does not fit after A (3 + 2 > 4), so A is unmapped and both are unpinned', () => {
    const m = twoAreas(4, false);
    const before = snapshot(m.p, m.fd, m.ioas, m.pool);
    expect(before).toMatchObject({ domains: [], pinnedVm: 0n, poolUsed: BOOT });
    const domainsBefore = m.host.iommu!.domainsList().length;
    expect(m.hwptAlloc()).toMatch(/^ENOMEM/);
    expect(snapshot(m.p, m.fd, m.ioas, m.pool)).toEqual(before);
    expect(m.host.iommu!.domainsList().length).toBe(domainsBefore); // the new domain is freed
    // with the pages for both, the same HWPT takes both areas
    const n = twoAreas(5, false);
    expect(n.hwptAlloc()).toBe('ok');
    expect(snapshot(n.p, n.fd, n.ioas, n.pool)).toMatchObject({ pinnedVm: 2n, poolUsed: BOOT + 5 });
  });

  it('a second domain: B does not fit in it after A (5 + 3 + 2 > 9); the first domain keeps its mappings', () => {
    const m = twoAreas(9, true);
    const before = snapshot(m.p, m.fd, m.ioas, m.pool);
    expect(before).toMatchObject({ pinnedVm: 2n, poolUsed: BOOT + 5 });
    expect(m.hwptAlloc()).toMatch(/^ENOMEM/);
    expect(snapshot(m.p, m.fd, m.ioas, m.pool)).toEqual(before);
    const n = twoAreas(10, true);
    expect(n.hwptAlloc()).toBe('ok');
    expect(snapshot(n.p, n.fd, n.ioas, n.pool)).toMatchObject({ pinnedVm: 2n, poolUsed: BOOT + 10 });
  });
});
