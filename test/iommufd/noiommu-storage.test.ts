/**
 * Which domain answers IOMMU_IOAS_NOIOMMU_GET_PA: area->storage_domain, the domain at index 0
 * of iopt->domains (pages.c iopt_area_fill_domain, io_pagetable.c iopt_unfill_domain), kept
 * dense by iopt_table_remove_domain() moving the last domain into a freed index. An IOAS whose
 * first domain belongs to an IOMMU answers EOPNOTSUPP (iopt_get_phys) even when a no-IOMMU
 * domain sits beside it; no topology mixes the two, so this runs on the IoPagetable itself, and
 * the mixed attach rules on a no-IOMMU HWPT built inside an ordinary context.
 */
import { describe, expect, it } from 'vitest';
import { Host } from '../../src/index.js';
import { IommuDomain } from '../../src/hardware/iommu/domain.js';
import { IoPageTable, PGSIZES_4K_2M_1G } from '../../src/hardware/iommu/io-pgtable.js';
import type { IoptDomain } from '../../src/kernel/iommufd/area-mirror.js';
import { IoPagetable } from '../../src/kernel/iommufd/io-pagetable.js';
import { ioptGetPhys } from '../../src/kernel/iommufd/noiommu.js';
import { IoptPages } from '../../src/kernel/iommufd/pages.js';
import { anonBuffer } from '../support/vfio.js';
import { iommufdCtxOf, taskOf, virtToPhys } from '../support/kernel-state.js';
import { allocHwptPaging, publishHwpt } from '../../src/kernel/iommufd/hwpt.js';
import type { Ioas } from '../../src/kernel/iommufd/ioas.js';
import { attach, boundDevice, expectErrno, ioasAlloc } from './helpers.js';

const P = 0x1000n;
const U64_MAX = (1n << 64n) - 1n;

function world() {
  const host = new Host();
  const p = host.spawn();
  const hw = host.iommu!;
  const iopt = new IoPagetable(hw);
  const va = anonBuffer(p, P);
  p.writeMem(va, Uint8Array.of(1));
  const pages = new IoptPages(taskOf(p), va, P, true, 'none');
  const map = (iova: bigint) => iopt.mapPieces([{ pages, off: 0n, length: P }], P, iova, 0n, true, true);
  const hwDomain = (): IoptDomain => ({ domain: hw.allocDomain('unmanaged') });
  const swDomain = (): IoptDomain => ({ domain: new IommuDomain(-1, 'unmanaged', 64, PGSIZES_4K_2M_1G, false), noiommu: true });
  return { iopt, map, hwDomain, swDomain, pa: virtToPhys(p, va)! };
}

describe('storage domain of GET_PA', () => {
  it('an IOMMU domain at index 0 makes it EOPNOTSUPP; removing it moves the last domain to index 0', () => {
    const { iopt, map, hwDomain, swDomain, pa } = world();
    const a = hwDomain();
    const b = swDomain();
    const c = hwDomain();
    for (const d of [a, b, c]) expect(iopt.addDomain(d).ok).toBe(true);
    expect(map(0x1000n).ok).toBe(true);
    expect(ioptGetPhys(iopt, 0x1000n, P)).toMatchObject({ ok: false, code: 'EOPNOTSUPP' });
    iopt.removeDomain(a); // [a, b, c] → [c, b]: still an IOMMU domain first
    expect(iopt.domains).toEqual([c, b]);
    expect(ioptGetPhys(iopt, 0x1000n, P)).toMatchObject({ ok: false, code: 'EOPNOTSUPP' });
    iopt.removeDomain(c); // → [b]
    expect(ioptGetPhys(iopt, 0x1000n, P)).toEqual({ ok: true, value: { phys: pa, length: P } });
  });

  it('the software table spans all 64 bits: a mapping in the last page answers, its aperture reserves nothing', () => {
    const { iopt, map, swDomain, pa } = world();
    expect(iopt.addDomain(swDomain()).ok).toBe(true);
    expect(iopt.iovaRanges()).toEqual([{ start: 0n, last: U64_MAX }]);
    expect(map(U64_MAX - P + 1n).ok).toBe(true);
    expect(ioptGetPhys(iopt, U64_MAX - 0x10n, 1n << 20n)).toEqual({ ok: true, value: { phys: pa + P - 0x11n, length: 0x11n } });
    expect(ioptGetPhys(iopt, 0n, P)).toMatchObject({ ok: false, code: 'ENOENT' });
  });

  it('a 64-bit IO page table has six levels and maps the top of the space', () => {
    const t = new IoPageTable(64);
    expect(t.levels).toBe(6);
    expect(t.map(U64_MAX - 0x20_0000n + 1n, 0x4000_0000n, 0x20_0000n, { read: true, write: true }).ok).toBe(true);
    expect(t.iovaToPhys(U64_MAX)).toBe(0x4000_0000n + 0x20_0000n - 1n);
    expect(t.lookup(U64_MAX)?.pageSize).toBe(0x20_0000n);
    expect(t.unmap(U64_MAX - 0x20_0000n + 1n, 0x20_0000n)).toEqual({ ok: true, value: 0x20_0000n });
    expect(t.iovaToPhys(U64_MAX)).toBeNull();
  });
});

describe('a device behind an IOMMU and the no-IOMMU software domain (iommu.c)', () => {
  /** A bound edu (behind the IOMMU) and a no-IOMMU HWPT on a fresh IOAS of the same context. */
  function mixed(auto: boolean) {
    const d = boundDevice();
    const ctx = iommufdCtxOf(d.p, d.fd);
    const ioas = ioasAlloc(d.p, d.fd);
    const sw = allocHwptPaging(ctx, ctx.table.any(ioas) as Ioas, { auto, nestParent: false, dirty: false, noiommu: true });
    if (!sw.ok) throw new Error(sw.code);
    const id = publishHwpt(ctx, sw.value);
    if (!id.ok) throw new Error(id.code);
    return { ...d, ioas, sw: id.value };
  }

  it('a first attach to it is EINVAL (__iommu_attach_group: another owner\'s domain); an IOAS attach skips it', () => {
    const m = mixed(true);
    expectErrno(() => attach(m.p, m.dev, m.sw), 'EINVAL');
    const hw = attach(m.p, m.dev, m.ioas); // the auto software HWPT refuses with EINVAL: a new one is made
    expect(hw).not.toBe(m.sw);
    expect(hw).toBeGreaterThan(m.sw);
  });

  it('a replace onto it is ENODEV (__iommu_attach_device: no attach_dev), also through an IOAS whose first auto HWPT it is', () => {
    const m = mixed(true);
    const other = ioasAlloc(m.p, m.fd);
    const hw = attach(m.p, m.dev, other);
    expectErrno(() => attach(m.p, m.dev, m.sw), 'ENODEV');
    expectErrno(() => attach(m.p, m.dev, m.ioas), 'ENODEV'); // not EINVAL, so the walk stops there
    expect(attach(m.p, m.dev, hw)).toBe(hw); // still where it was
  });
});
