/**
 * iommufd's io_pagetable rules broken one at a time (issue 14 item 11), on the IoPagetable
 * itself with real pages and a real IOMMU domain. Every refusal breaks exactly ONE rule and
 * asserts errno and kernel check (drivers/iommu/iommufd/io_pagetable.c: iopt_check_iova,
 * iopt_alloc_iova, __alloc_iova_check_hole, iopt_reserve_iova, iopt_set_allow_iova,
 * iopt_get_pages, iopt_unmap_iova_range, iopt_table_add_domain, iopt_check_iova_alignment);
 * every success is read back.
 */
import { describe, expect, it } from 'vitest';
import { Host } from '../../src/index.js';
import type { Result } from '../../src/base/result.js';
import type { IommuDomain } from '../../src/hardware/iommu/domain.js';
import { IoPagetable } from '../../src/kernel/iommufd/io-pagetable.js';
import type { IoptDomain, PagePiece } from '../../src/kernel/iommufd/area-mirror.js';
import { IoptPages } from '../../src/kernel/iommufd/pages.js';
import { anonBuffer } from '../support/vfio.js';
import { taskOf } from '../support/kernel-state.js';

const P = 0x1000n;
const U64_MAX = (1n << 64n) - 1n;
const SZ_2M = 0x20_0000n;

function failure(r: Result<unknown>): string {
  return r.ok ? 'ok' : `${r.code} ${r.why ?? ''}`;
}

function world() {
  const host = new Host();
  const p = host.spawn();
  const hw = host.iommu!;
  const iopt = new IoPagetable(hw);
  /** Pages over a fresh anonymous buffer of `len` bytes, starting `skew` bytes into it. */
  const pages = (len: bigint, skew = 0n, writable = true): IoptPages => {
    const va = anonBuffer(p, len + P);
    return new IoptPages(taskOf(p), va + skew, len, writable, 'none');
  };
  const piece = (len: bigint, skew = 0n, writable = true): PagePiece => ({ pages: pages(len, skew, writable), off: 0n, length: len });
  const fixed = (iova: bigint, len: bigint, skew = 0n) => iopt.mapPieces([piece(len, skew)], len, iova, 0n, true, true);
  const domain = (): IoptDomain => ({ domain: hw.allocDomain('unmanaged') });
  return { host, p, hw, iopt, pages, piece, fixed, domain };
}

/** Reservation owners (the kernel passes a device or domain pointer). */
const OWNERS = { a: {}, b: {}, c: {}, o: {}, r: {}, x: {}, y: {}, first: {}, second: {}, msi: {} } as const;
function owner(name: keyof typeof OWNERS): object {
  return OWNERS[name];
}

function spans(iopt: IoPagetable): Array<[bigint, bigint]> {
  return [...iopt.areas.entries()].map((e) => [e.start, e.last]);
}

describe('FIXED placement, each check alone (iopt_check_iova)', () => {
  it('an iova not aligned to iova_alignment is EINVAL', () => {
    const { iopt, fixed, domain } = world();
    expect(iopt.addDomain(domain()).ok).toBe(true);
    expect(iopt.iovaAlignment).toBe(P);
    expect(failure(fixed(0x10800n, P))).toMatch(/^EINVAL iopt_check_iova: iova not aligned/);
  });

  it('a range ending exactly at 2^64-1 is placed; one byte longer overflows', () => {
    const { iopt, fixed } = world();
    expect(failure(fixed(U64_MAX - P + 1n, P + 1n))).toMatch(/^EOVERFLOW iopt_check_iova/);
    expect(fixed(U64_MAX - P + 1n, P)).toEqual({ ok: true, value: U64_MAX - P + 1n });
    expect(spans(iopt)).toEqual([[U64_MAX - P + 1n, U64_MAX]]);
  });

  it('a range whose last byte touches a reserved range is EINVAL; one ending just before it fits', () => {
    const { iopt, fixed } = world();
    expect(iopt.reserve(0x20000n, 0x20fffn, owner('r')).ok).toBe(true);
    expect(failure(fixed(0x1f000n, 0x1001n))).toMatch(/^EINVAL iopt_check_iova: range touches a reserved/);
    expect(failure(fixed(0x20fffn, 1n))).toMatch(/^EINVAL iopt_check_iova: range touches a reserved/);
    expect(fixed(0x1f000n, P).ok).toBe(true);
    expect(fixed(0x21000n, P).ok).toBe(true);
  });

  it('overlap with an area is EEXIST; adjacent areas are fine', () => {
    const { iopt, fixed } = world();
    expect(fixed(0x10000n, P).ok).toBe(true);
    expect(failure(fixed(0xf001n, P))).toMatch(/^EEXIST iopt_check_iova/);
    expect(failure(fixed(0x10fffn, 1n))).toMatch(/^EEXIST iopt_check_iova/);
    expect(fixed(0xf000n, P).ok).toBe(true);
    expect(fixed(0x11000n, P).ok).toBe(true);
    expect(iopt.areas.size).toBe(3);
  });
});

describe('mapPieces, each check alone (iopt_alloc_area_pages, iopt_insert_area)', () => {
  it('a length that is not a multiple of iova_alignment is EINVAL', () => {
    const { iopt, domain, piece } = world();
    iopt.addDomain(domain());
    expect(failure(iopt.mapPieces([piece(0x1800n)], 0x1800n, 0x10000n, 0n, true, true))).toMatch(/^EINVAL iopt_alloc_area_pages/);
  });

  it('WRITE over pages not mapped writeable is EPERM; READ alone over them is fine', () => {
    const { iopt, piece } = world();
    expect(failure(iopt.mapPieces([piece(P, 0n, false)], P, 0x10000n, 0n, true, true))).toMatch(/^EPERM iopt_insert_area/);
    expect(iopt.mapPieces([piece(P, 0n, false)], P, 0x10000n, 0n, true, false).ok).toBe(true);
  });

  it('a source whose in-page offset is not aligned to iova_alignment is EINVAL', () => {
    const { iopt, domain, piece } = world();
    iopt.addDomain(domain());
    expect(failure(iopt.mapPieces([piece(P, 0x800n)], P, 0x10000n, 0n, true, true))).toMatch(/^EINVAL iopt_insert_area: in-page offset/);
    expect(iopt.areas.size).toBe(0);
  });

  it('several pieces are placed back to back, and getPieces returns each with its own offset', () => {
    const { iopt, piece } = world();
    const a = piece(0x3000n);
    const b = piece(0x2000n);
    expect(iopt.mapPieces([a, b], 0x5000n, 0x40000n, 0n, true, true)).toEqual({ ok: true, value: 0x40000n });
    expect(spans(iopt)).toEqual([
      [0x40000n, 0x42fffn],
      [0x43000n, 0x44fffn],
    ]);
    const got = iopt.getPieces(0x41000n, 0x3000n);
    expect(got.ok && got.value.map((x) => [x.pages, x.off, x.length])).toEqual([
      [a.pages, 0x1000n, 0x2000n],
      [b.pages, 0n, 0x1000n],
    ]);
  });
});

describe('getPieces and unmapRange (iopt_get_pages, iopt_unmap_iova_range)', () => {
  it('length 0 is EINVAL, a wrapping range EOVERFLOW, a hole ENOENT; a range ending at 2^64-1 works', () => {
    const { iopt, fixed } = world();
    fixed(U64_MAX - P + 1n, P);
    expect(failure(iopt.getPieces(0x1000n, 0n))).toMatch(/^EINVAL iopt_get_pages/);
    expect(failure(iopt.getPieces(U64_MAX - P + 1n, P + 1n))).toMatch(/^EOVERFLOW iopt_get_pages/);
    expect(failure(iopt.getPieces(U64_MAX - 2n * P + 1n, 2n * P))).toMatch(/^ENOENT iopt_get_pages: 0xffffffffffffe000/);
    const r = iopt.getPieces(U64_MAX - 0xfffn, 0x1000n);
    expect(r.ok && r.value.map((x) => [x.off, x.length])).toEqual([[0n, P]]);
  });

  it('a gap between two areas is ENOENT at the gap', () => {
    const { iopt, fixed } = world();
    fixed(0x10000n, P);
    fixed(0x12000n, P);
    expect(failure(iopt.getPieces(0x10000n, 0x3000n))).toMatch(/^ENOENT iopt_get_pages: 0x11000 /);
  });

  it('an area only partly inside is ENOENT, after the areas before it were removed', () => {
    const { iopt, fixed } = world();
    fixed(0x10000n, P);
    fixed(0x11000n, 0x2000n);
    expect(iopt.unmapRange(0x10000n, 0x11fffn)).toEqual({ code: 'ENOENT', unmapped: P });
    expect(spans(iopt)).toEqual([[0x11000n, 0x12fffn]]);
    expect(iopt.unmapRange(0x11000n, 0x12fffn)).toEqual({ code: null, unmapped: 0x2000n });
  });
});

describe('automatic IOVA (iopt_alloc_iova)', () => {
  it('an exact-fit hole is used; a hole one page short is skipped', () => {
    const { iopt } = world();
    iopt.reserve(0x1000n, 0x3fffn, owner('a'));
    iopt.reserve(0x8000n, 0xbfffn, owner('b')); // hole [0x4000, 0x7fff]: exactly 16 KiB
    expect(iopt.allocIova(0n, 0x4000n)).toEqual({ ok: true, value: 0x4000n });
    iopt.reserve(0xc000n, 0xc000n + 0x10000n - 1n, owner('c'));
    expect(iopt.allocIova(0n, 0x8000n)).toEqual({ ok: true, value: 0x20000n }); // the 16 KiB hole is too small
  });

  it('a one-byte hole fits a one-byte mapping (no domain, so alignment 1)', () => {
    const { iopt } = world();
    iopt.reserve(0x1000n, 0x1fffn, owner('a'));
    iopt.reserve(0x2001n, U64_MAX, owner('b'));
    expect(iopt.allocIova(0n, 1n)).toEqual({ ok: true, value: 0x2000n });
  });

  it('a used range ending below the first allowed page opens no hole below it', () => {
    const { iopt } = world();
    iopt.reserve(0n, 0x7ffn, owner('a'));
    expect(iopt.allocIova(0n, 1n)).toEqual({ ok: true, value: 0x1000n });
  });

  it('the alignment is the length rounded up to a power of two, capped by the user address', () => {
    const { iopt } = world();
    expect(iopt.allocIova(0n, 0x3000n)).toEqual({ ok: true, value: 0x4000n });
    expect(iopt.allocIova(0x7000n, 0x4000n)).toEqual({ ok: true, value: 0x1000n });
    expect(iopt.allocIova(0x10000n, 0x4000n)).toEqual({ ok: true, value: 0x4000n });
  });

  it('the alignment is capped at 2 MiB', () => {
    const { iopt } = world();
    expect(iopt.allocIova(0n, 8n * SZ_2M)).toEqual({ ok: true, value: SZ_2M });
    expect(iopt.allocIova(0n, SZ_2M)).toEqual({ ok: true, value: SZ_2M });
  });

  it('the user address keeps its offset within the page', () => {
    const { iopt } = world();
    expect(iopt.allocIova(0x5123n, 0x100n)).toEqual({ ok: true, value: 0x1123n });
  });

  it('length 0 and lengths from ULONG_MAX/2 up are EOVERFLOW; just below is fine', () => {
    const { iopt } = world();
    expect(failure(iopt.allocIova(0n, 0n))).toMatch(/^EOVERFLOW iopt_alloc_iova/);
    expect(failure(iopt.allocIova(0n, U64_MAX / 2n))).toMatch(/^EOVERFLOW iopt_alloc_iova/);
    expect(iopt.allocIova(0n, U64_MAX / 2n - 1n)).toEqual({ ok: true, value: SZ_2M });
  });

  it('an alignment below iova_alignment is EINVAL', () => {
    const { iopt, domain } = world();
    iopt.addDomain(domain());
    expect(failure(iopt.allocIova(0x800n, 0x1000n))).toMatch(/^EINVAL iopt_alloc_iova/);
    expect(iopt.allocIova(0x1000n, 0x1000n)).toEqual({ ok: true, value: 0x1000n });
  });

  it('with an allow-list the IOVA comes from an allowed span big enough, lowest first', () => {
    const { iopt } = world();
    expect(iopt.setAllowed([{ start: 0x100000n, last: 0x1fffffn }, { start: 0x10000n, last: 0x10fffn }]).ok).toBe(true);
    expect(iopt.allowed.map((r) => r.start)).toEqual([0x10000n, 0x100000n]);
    expect(iopt.allocIova(0n, 0x1000n)).toEqual({ ok: true, value: 0x10000n });
    expect(iopt.allocIova(0n, 0x2000n)).toEqual({ ok: true, value: 0x100000n });
    expect(failure(iopt.allocIova(0n, 0x200000n))).toMatch(/^ENOSPC iopt_alloc_iova/);
  });

  it('nothing is placed at IOVA 0 or in the last page', () => {
    const { iopt } = world();
    iopt.reserve(0x1000n, U64_MAX - 0x2000n, owner('x')); // leaves [0, 0xfff] and the top two pages
    expect(iopt.allocIova(0n, 0x1000n)).toEqual({ ok: true, value: U64_MAX - 0x1fffn });
    iopt.reserve(U64_MAX - 0x1fffn, U64_MAX - 0x1000n, owner('y'));
    expect(failure(iopt.allocIova(0n, 0x1000n))).toMatch(/^ENOSPC/);
  });
});

describe('reserved and allowed ranges (iopt_reserve_iova, iopt_set_allow_iova)', () => {
  it('reserving over an area, or over an allowed range, is EADDRINUSE — each alone, edges included', () => {
    const { iopt, fixed } = world();
    fixed(0x10000n, P);
    expect(failure(iopt.reserve(0xf000n, 0x10000n, owner('o')))).toMatch(/^EADDRINUSE iopt_reserve_iova: .* holds a mapping/);
    expect(failure(iopt.reserve(0x10fffn, 0x11000n, owner('o')))).toMatch(/^EADDRINUSE iopt_reserve_iova: .* holds a mapping/);
    expect(iopt.reserve(0x11000n, 0x11fffn, owner('o')).ok).toBe(true);
    iopt.setAllowed([{ start: 0x20000n, last: 0x20fffn }]);
    expect(failure(iopt.reserve(0x20fffn, 0x21000n, owner('o')))).toMatch(/^EADDRINUSE iopt_reserve_iova: .* allowed list/);
    expect(failure(iopt.reserve(0x1f000n, 0x20000n, owner('o')))).toMatch(/^EADDRINUSE iopt_reserve_iova: .* allowed list/);
    expect(iopt.reserved.map((r) => r.start)).toEqual([0x11000n]);
  });

  it('reserveAll is all or nothing and leaves earlier owners alone', () => {
    const { iopt, fixed } = world();
    fixed(0x30000n, P);
    iopt.reserve(0x1000n, 0x1fffn, owner('first'));
    expect(failure(iopt.reserveAll([{ start: 0x2000n, last: 0x2fffn }, { start: 0x30000n, last: 0x30000n }], owner('second')))).toMatch(/^EADDRINUSE/);
    expect(iopt.reserved.map((r) => [r.start, r.owner])).toEqual([[0x1000n, owner('first')]]);
  });

  it('an allow-list meeting a reserved range is EADDRINUSE and changes nothing', () => {
    const { iopt } = world();
    iopt.reserve(0x5000n, 0x5fffn, owner('o'));
    iopt.setAllowed([{ start: 0x1000n, last: 0x1fffn }]);
    expect(failure(iopt.setAllowed([{ start: 0x8000n, last: 0x8fffn }, { start: 0x5fffn, last: 0x6fffn }]))).toMatch(/^EADDRINUSE iopt_set_allow_iova/);
    expect(iopt.allowed).toEqual([{ start: 0x1000n, last: 0x1fffn }]);
    expect(iopt.setAllowed([{ start: 0x6000n, last: 0x6fffn }]).ok).toBe(true);
  });

  it('IOVA ranges are the holes of the reserved set over [0, 2^64-1]', () => {
    const { iopt } = world();
    iopt.reserve(0n, 0xfffn, owner('a'));
    iopt.reserve(0x3000n, 0x3fffn, owner('b'));
    iopt.reserve(U64_MAX - 0xfffn, U64_MAX, owner('c'));
    expect(iopt.iovaRanges()).toEqual([
      { start: 0x1000n, last: 0x2fffn },
      { start: 0x4000n, last: U64_MAX - 0x1000n },
    ]);
  });
});

describe('reserved ranges in any order and overlapping (unionRanges, rangeHoles)', () => {
  it('ranges reserved out of order, nested and touching give the same holes', () => {
    const { iopt } = world();
    iopt.reserve(0x8000n, 0x8fffn, owner('a'));
    iopt.reserve(0x2000n, 0x5fffn, owner('b'));
    iopt.reserve(0x3000n, 0x3fffn, owner('c')); // nested in b
    iopt.reserve(0x6000n, 0x6fffn, owner('x')); // touches b
    expect(iopt.iovaRanges()).toEqual([
      { start: 0n, last: 0x1fffn },
      { start: 0x7000n, last: 0x7fffn },
      { start: 0x9000n, last: U64_MAX },
    ]);
    expect(iopt.allocIova(0n, 0x1000n)).toEqual({ ok: true, value: 0x1000n });
    expect(iopt.allocIova(0n, 0x2000n)).toEqual({ ok: true, value: 0xa000n });
  });
});

describe('attaching and detaching a domain (iopt_table_add_domain, iopt_table_remove_domain)', () => {
  it('an area whose start does not fit the new alignment is EADDRINUSE', () => {
    const { iopt, fixed, domain } = world();
    fixed(0x10800n, P);
    expect(failure(iopt.addDomain(domain()))).toMatch(/^EADDRINUSE iopt_table_add_domain: area 0x10800 /);
    expect(iopt.domains.length).toBe(0);
    expect(iopt.iovaAlignment).toBe(1n);
  });

  it('an area whose length does not fit the new alignment is EADDRINUSE', () => {
    const { iopt, fixed, domain } = world();
    fixed(0x10000n, 0x1800n);
    expect(failure(iopt.addDomain(domain()))).toMatch(/^EADDRINUSE iopt_table_add_domain: area 0x10000 /);
  });

  it('an area whose source in-page offset does not fit the new alignment is EADDRINUSE', () => {
    const { iopt, fixed, domain } = world();
    fixed(0x10000n, P, 0x800n);
    expect(failure(iopt.addDomain(domain()))).toMatch(/^EADDRINUSE iopt_table_add_domain: area 0x10000 /);
  });

  it('an area beyond the aperture is EADDRINUSE, and the aperture reservation is undone', () => {
    const { iopt, fixed, domain } = world();
    fixed(1n << 56n, P);
    expect(failure(iopt.addDomain(domain()))).toMatch(/^EADDRINUSE iopt_reserve_iova/);
    expect(iopt.reserved).toEqual([]);
    expect(iopt.domains.length).toBe(0);
  });

  it('a domain whose smallest page is above PAGE_SIZE is EINVAL', () => {
    const { iopt } = world();
    const big = { domain: { pgsizeBitmap: SZ_2M, aperture: [0n, U64_MAX] } as unknown as IommuDomain };
    expect(failure(iopt.addDomain(big))).toMatch(/^EINVAL iopt_table_add_domain/);
  });

  it('attach reserves what lies outside the aperture, maps every area; detach keeps another owner’s reservations', () => {
    const { iopt, fixed, domain } = world();
    fixed(0x10000n, 0x2000n);
    iopt.reserve(0xfee00000n, 0xfeefffffn, owner('msi'));
    const d = domain();
    expect(iopt.addDomain(d).ok).toBe(true);
    const top = d.domain.aperture[1];
    expect(iopt.reserved.map((r) => [r.start, r.last])).toEqual([
      [0xfee00000n, 0xfeefffffn],
      [top + 1n, U64_MAX],
    ]);
    expect(d.domain.pageTable.iovaToPhys(0x11000n)).not.toBeNull();
    iopt.removeDomain(d);
    expect(iopt.reserved.map((r) => r.owner)).toEqual([owner('msi')]);
    expect(d.domain.pageTable.iovaToPhys(0x11000n)).toBeNull();
    expect(iopt.iovaAlignment).toBe(1n);
    const a = iopt.areas.get(0x10000n)!.value;
    expect(a.pages.pinned).toBe(false);
  });

  it('a second domain maps the areas without pinning again; removing one keeps the pin', () => {
    const { iopt, fixed, domain } = world();
    fixed(0x10000n, P);
    const d1 = domain();
    const d2 = domain();
    iopt.addDomain(d1);
    iopt.addDomain(d2);
    const pages = iopt.areas.get(0x10000n)!.value.pages;
    expect(pages.pinned).toBe(true);
    expect(d2.domain.pageTable.iovaToPhys(0x10000n)).toBe(d1.domain.pageTable.iovaToPhys(0x10000n));
    iopt.removeDomain(d1);
    expect(pages.pinned).toBe(true);
    expect(iopt.iovaAlignment).toBe(P);
    iopt.removeDomain(d2);
    expect(pages.pinned).toBe(false);
  });
});

describe('large pages and cuts (iopt_disable_large_pages, iopt_area_split)', () => {
  it('disabling large pages with a domain and mappings is EINVAL; without mappings it raises the alignment', () => {
    const { iopt, fixed, domain } = world();
    const d = domain();
    iopt.addDomain(d);
    expect(iopt.setLargePages(false).ok).toBe(true);
    expect(iopt.disableLargePages).toBe(true);
    expect(iopt.setLargePages(true).ok).toBe(true);
    fixed(0x10000n, P);
    expect(failure(iopt.setLargePages(false))).toMatch(/^EINVAL iopt_disable_large_pages/);
    expect(iopt.disableLargePages).toBe(false);
  });

  it('disabling large pages with no domain checks the areas against PAGE_SIZE (EADDRINUSE)', () => {
    const { iopt, fixed } = world();
    fixed(0x10800n, P);
    expect(failure(iopt.setLargePages(false))).toMatch(/^EADDRINUSE iopt_calculate_iova_alignment/);
    expect(iopt.iovaAlignment).toBe(1n);
  });

  it('a cut splits the area in two, each with its own source offset', () => {
    const { iopt, fixed } = world();
    fixed(0x10000n, 0x3000n);
    const src = iopt.areas.get(0x10000n)!.value;
    expect(iopt.cut(0x11000n).ok).toBe(true);
    expect(spans(iopt)).toEqual([
      [0x10000n, 0x10fffn],
      [0x11000n, 0x12fffn],
    ]);
    expect(iopt.areas.get(0x11000n)!.value).toMatchObject({ pages: src.pages, off: src.off + 0x1000n });
    expect(iopt.cut(0x11001n).ok).toBe(true); // one byte in: silently skipped
    expect(iopt.areas.size).toBe(2);
  });

  it('an unaligned cut is EINVAL once a domain sets the alignment', () => {
    const { iopt, fixed, domain } = world();
    fixed(0x10000n, 0x3000n);
    iopt.addDomain(domain());
    expect(failure(iopt.cut(0x10800n))).toMatch(/^EINVAL iopt_area_split/);
    expect(iopt.areas.size).toBe(1);
  });
});

describe('automatic IOVA inside the allowed list, clamped to [PAGE_SIZE, ULONG_MAX - PAGE_SIZE] (iopt_alloc_iova)', () => {
  it('an allowed range starting at 0 is used from its second page', () => {
    const { iopt } = world();
    expect(iopt.setAllowed([{ start: 0n, last: 0x1fffn }]).ok).toBe(true);
    expect(iopt.allocIova(0n, 0x1000n)).toEqual({ ok: true, value: 0x1000n });
    expect(failure(iopt.allocIova(0n, 0x2000n))).toMatch(/^ENOSPC/);
  });

  it('an allowed range ending at 2^64-1 is used up to its last page but one', () => {
    const { iopt } = world();
    expect(iopt.setAllowed([{ start: U64_MAX - 0x1fffn, last: U64_MAX }]).ok).toBe(true);
    expect(failure(iopt.allocIova(0n, 0x2000n))).toMatch(/^ENOSPC/);
    expect(iopt.allocIova(0n, 0x1000n)).toEqual({ ok: true, value: U64_MAX - 0x1fffn });
  });

  it('an allowed range wholly below PAGE_SIZE offers nothing', () => {
    const { iopt } = world();
    expect(iopt.setAllowed([{ start: 0n, last: 0xfffn }]).ok).toBe(true);
    expect(failure(iopt.allocIova(0n, 1n))).toMatch(/^ENOSPC/);
  });

  it('allowed ranges given out of order, touching, and nested are searched lowest first, as one', () => {
    const { iopt } = world();
    expect(iopt.setAllowed([
      { start: 0x30000n, last: 0x30fffn },
      { start: 0x10000n, last: 0x10fffn },
      { start: 0x11000n, last: 0x11fffn },
      { start: 0x10000n, last: 0x107ffn },
    ]).ok).toBe(true);
    // 0x10000-0x11fff is one 8 KiB span: an 8 KiB mapping fits there only if touching ranges merge
    expect(iopt.allocIova(0n, 0x2000n)).toEqual({ ok: true, value: 0x10000n });
    expect(failure(iopt.allocIova(0n, 0x3000n))).toMatch(/^ENOSPC/);
  });
});

describe('IOVA_RANGES: the holes of the reserved set (rangeHoles over [0, 2^64-1])', () => {
  it('touching reserved ranges leave no hole between them; a range ending at 2^64-1 leaves none after', () => {
    const { iopt } = world();
    expect(iopt.reserve(0x20000n, 0x2ffffn, owner('a')).ok).toBe(true);
    expect(iopt.reserve(0x30000n, 0x3ffffn, owner('b')).ok).toBe(true);
    expect(iopt.reserve(U64_MAX - 0xfffn, U64_MAX, owner('c')).ok).toBe(true);
    expect(iopt.iovaRanges()).toEqual([
      { start: 0n, last: 0x1ffffn },
      { start: 0x40000n, last: U64_MAX - 0x1000n },
    ]);
  });

  it('a reserved range one byte long at 2^64-1 leaves [.., 2^64-2]; one ending at 2^64-2 leaves the last byte', () => {
    const a = world().iopt;
    expect(a.reserve(U64_MAX, U64_MAX, owner('a')).ok).toBe(true);
    expect(a.iovaRanges()).toEqual([{ start: 0n, last: U64_MAX - 1n }]);
    const b = world().iopt;
    expect(b.reserve(0x1000n, U64_MAX - 1n, owner('a')).ok).toBe(true);
    expect(b.iovaRanges()).toEqual([{ start: 0n, last: 0xfffn }, { start: U64_MAX, last: U64_MAX }]);
  });
});
