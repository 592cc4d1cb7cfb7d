/**
 * One IO address space (struct io_pagetable, io_pagetable.c): the user's mappings ("areas"),
 * the IOVA ranges no mapping may use ("reserved", each with the owner that put it there),
 * the optional allow-list that steers automatic IOVA allocation, and the hardware domains
 * every area is mirrored into.
 *
 * Invariants:
 *  - areas are disjoint closed intervals; each maps byte `iova + i` to source byte `off + i`
 *    of its IoptPages; adjacent areas are never merged (each MAP is one unit).
 *  - while `domains` is non-empty, every area holds one pin reference on its pages and is
 *    mapped into every domain with its permissions; with no domain nothing is pinned.
 *  - `iovaAlignment` = max(PAGE_SIZE if large pages are disabled else 1, every domain's
 *    smallest page), and every area's iova, length and in-page source offset are multiples
 *    of it (raising it checks this: EADDRINUSE).
 *  - no area intersects a reserved range; no reserved range intersects the allowed list.
 *
 * The range arithmetic and automatic IOVA choice are in iova-ranges.ts; the area shape and
 * the walk that maps an area into a domain in area-mirror.ts (names re-exported here).
 */
import type { ErrnoCode } from '../../base/errno.js';
import { IntervalMap, type IntervalEntry } from '../../base/interval-map.js';
import { fail, ok, okVoid, type Result } from '../../base/result.js';
import { PAGE_SIZE_N, U64_MAX } from '../../base/u64.js';
import type { IommuDomain } from '../../hardware/iommu/domain.js';
import type { Iommu } from '../../hardware/iommu/iommu.js';
import { mapAreaInto, unmapFrom, type Area, type IoptDomain, type PagePiece } from './area-mirror.js';
import { allocIovaIn, rangeHoles, type IovaRange } from './iova-ranges.js';

interface Reserved extends IovaRange {
  readonly owner: object;
}

function minPageSize(d: IommuDomain): bigint {
  return d.pgsizeBitmap & -d.pgsizeBitmap;
}

function pageOffset(a: IntervalEntry<Area>): bigint {
  return (a.value.pages.uva + a.value.off) % PAGE_SIZE_N;
}

export class IoPagetable {
  readonly areas = new IntervalMap<Area>();
  readonly reserved: Reserved[] = [];
  allowed: IovaRange[] = [];
  /** iopt->domains, by xarray index: appended on add, the last moved into a removed one's index. */
  readonly domains: IoptDomain[] = [];
  disableLargePages = false;
  iovaAlignment = 1n;

  constructor(private readonly hw: Iommu | null) {}

  // ---- alignment ----

  /** iopt_calculate_iova_alignment() over the given domains and large-page setting. */
  private alignmentFor(domains: readonly IoptDomain[], disableLarge: boolean): bigint {
    let a = disableLarge ? PAGE_SIZE_N : 1n;
    for (const d of domains) {
      const m = minPageSize(d.domain);
      if (m > a) a = m;
    }
    return a;
  }

  /** iopt_check_iova_alignment(): every area fits `align`, else EADDRINUSE. */
  private checkAlignment(align: bigint, why: string): Result<void> {
    const m = align - 1n;
    for (const a of this.areas.entries()) {
      if ((a.start & m) !== 0n || ((a.last - a.start + 1n) & m) !== 0n || (pageOffset(a) & m) !== 0n) {
        return fail('EADDRINUSE', `${why}: area 0x${a.start.toString(16)} is not aligned to 0x${align.toString(16)}`);
      }
    }
    return okVoid();
  }

  // ---- reserved and allowed ranges ----

  private hitsArea(start: bigint, last: bigint): boolean {
    return this.areas.firstOverlap(start, last) !== undefined;
  }

  private hitsAllowed(start: bigint, last: bigint): boolean {
    return this.allowed.some((r) => r.start <= last && start <= r.last);
  }

  private hitsReserved(start: bigint, last: bigint): boolean {
    return this.reserved.some((r) => r.start <= last && start <= r.last);
  }

  /** iopt_reserve_iova(): EADDRINUSE over an area or an allowed range. */
  reserve(start: bigint, last: bigint, owner: object): Result<void> {
    if (this.hitsArea(start, last)) return fail('EADDRINUSE', `iopt_reserve_iova: [0x${start.toString(16)}, 0x${last.toString(16)}] holds a mapping`);
    if (this.hitsAllowed(start, last)) return fail('EADDRINUSE', `iopt_reserve_iova: [0x${start.toString(16)}, 0x${last.toString(16)}] is in the allowed list`);
    this.reserved.push({ start, last, owner });
    return okVoid();
  }

  /** iopt_remove_reserved_iova(): drop everything `owner` reserved. */
  unreserve(owner: object): void {
    for (let i = this.reserved.length - 1; i >= 0; i--) if (this.reserved[i]!.owner === owner) this.reserved.splice(i, 1);
  }

  /** Reserve several ranges for one owner, all or nothing. */
  reserveAll(ranges: readonly IovaRange[], owner: object): Result<void> {
    const before = this.reserved.length;
    for (const r of ranges) {
      const x = this.reserve(r.start, r.last, owner);
      if (!x.ok) {
        this.reserved.splice(before);
        return x;
      }
    }
    return okVoid();
  }

  /** iopt_set_allow_iova(): replace the allow-list; EADDRINUSE if it meets a reserved range. */
  setAllowed(ranges: readonly IovaRange[]): Result<void> {
    for (const r of ranges) {
      if (this.hitsReserved(r.start, r.last)) return fail('EADDRINUSE', 'iopt_set_allow_iova: allowed range overlaps a reserved range');
    }
    this.allowed = [...ranges].sort((a, b) => (a.start < b.start ? -1 : 1));
    return okVoid();
  }

  /** What IOMMU_IOAS_IOVA_RANGES reports: the holes of the reserved set over [0, ULONG_MAX]. */
  iovaRanges(): IovaRange[] {
    return rangeHoles(this.reserved, 0n, U64_MAX);
  }

  // ---- IOVA choice ----

  /** iopt_check_iova(): for a FIXED placement. */
  checkIova(iova: bigint, length: bigint): Result<void> {
    if ((iova & (this.iovaAlignment - 1n)) !== 0n) return fail('EINVAL', 'iopt_check_iova: iova not aligned to iova_alignment');
    const last = iova + length - 1n;
    if (last > U64_MAX) return fail('EOVERFLOW', 'iopt_check_iova: iova + length overflows');
    if (this.hitsReserved(iova, last)) return fail('EINVAL', 'iopt_check_iova: range touches a reserved IOVA');
    if (this.hitsArea(iova, last)) return fail('EEXIST', 'iopt_check_iova: range overlaps an existing mapping');
    return okVoid();
  }

  /** iopt_alloc_iova(): first fit, lowest address, inside the allowed list when there is one. */
  allocIova(addr: bigint, length: bigint): Result<bigint> {
    return allocIovaIn(addr, length, this.iovaAlignment, this.allowed, () => {
      const used: IovaRange[] = [...this.reserved];
      for (const a of this.areas.entries()) used.push({ start: a.start, last: a.last });
      return used;
    });
  }

  // ---- domains: pinning and mirroring ----

  /** Map one area into one domain (PAGE_SIZE leaves when large pages are disabled). */
  private mapInto(d: IoptDomain, iova: bigint, a: Area, length: bigint): Result<void> {
    return mapAreaInto(this.hw, d, iova, a, length, this.disableLargePages);
  }

  private unmapFrom(d: IoptDomain, iova: bigint, length: bigint): void {
    unmapFrom(this.hw, d, iova, length);
  }

  /** iopt_area_fill_domains(): pin the area's pages and map it into every domain. */
  private fillArea(iova: bigint, a: Area, length: bigint, domains: readonly IoptDomain[]): Result<void> {
    if (domains.length === 0) return okVoid();
    const p = a.pages.acquire(a.off, length);
    if (!p.ok) return p;
    for (let i = 0; i < domains.length; i++) {
      const r = this.mapInto(domains[i]!, iova, a, length);
      if (!r.ok) {
        for (let j = 0; j <= i; j++) this.unmapFrom(domains[j]!, iova, length);
        a.pages.release(a.off, length);
        return r;
      }
    }
    return okVoid();
  }

  private unfillArea(e: IntervalEntry<Area>): void {
    if (this.domains.length === 0) return;
    const len = e.last - e.start + 1n;
    for (const d of this.domains) this.unmapFrom(d, e.start, len);
    e.value.pages.release(e.value.off, len);
  }

  /**
   * iopt_table_add_domain(): alignment (EADDRINUSE), aperture exclusions (EADDRINUSE), then
   * pin and map every area (EFAULT, ENOMEM). All or nothing.
   */
  addDomain(d: IoptDomain): Result<void> {
    const align = this.alignmentFor([...this.domains, d], this.disableLargePages);
    if (align > PAGE_SIZE_N) return fail('EINVAL', 'iopt_table_add_domain: domain page size above PAGE_SIZE');
    if (align > this.iovaAlignment) {
      const c = this.checkAlignment(align, 'iopt_table_add_domain');
      if (!c.ok) return c;
    }
    const [a0, a1] = d.domain.aperture;
    const excl: IovaRange[] = [];
    if (a0 !== 0n) excl.push({ start: 0n, last: a0 - 1n });
    if (a1 !== U64_MAX) excl.push({ start: a1 + 1n, last: U64_MAX });
    const rr = this.reserveAll(excl, d);
    if (!rr.ok) return rr;
    const first = this.domains.length === 0;
    const done: Array<IntervalEntry<Area>> = [];
    for (const e of this.areas.entries()) {
      const len = e.last - e.start + 1n;
      const r = first ? this.fillArea(e.start, e.value, len, [d]) : this.mapInto(d, e.start, e.value, len);
      if (!r.ok) {
        // iopt_area_fill_domain unmaps what it mapped of the failing area (fillArea does for
        // the first domain), then iopt_fill_domain the areas before it. The unmaps from `d`
        // cannot be seen: the caller frees `d` next, and its tables with it (iommu_domain_free)
        if (!first) this.unmapFrom(d, e.start, len);
        for (const x of done) {
          this.unmapFrom(d, x.start, x.last - x.start + 1n);
          if (first) x.value.pages.release(x.value.off, x.last - x.start + 1n);
        }
        this.unreserve(d);
        return r;
      }
      done.push(e);
    }
    this.domains.push(d);
    this.iovaAlignment = align;
    return okVoid();
  }

  /**
   * iopt_table_remove_domain(): unmap everything from it, unpin if it was the last. The
   * domains xarray is kept dense by moving the last domain into the freed index.
   */
  removeDomain(d: IoptDomain): void {
    const i = this.domains.indexOf(d);
    if (i < 0) return;
    for (const e of this.areas.entries()) this.unmapFrom(d, e.start, e.last - e.start + 1n);
    const last = this.domains.pop()!;
    if (last !== d) this.domains[i] = last;
    if (this.domains.length === 0) for (const e of this.areas.entries()) e.value.pages.release(e.value.off, e.last - e.start + 1n);
    this.unreserve(d);
    this.iovaAlignment = this.alignmentFor(this.domains, this.disableLargePages);
  }

  /**
   * area->storage_domain, the same for every area while any domain exists: the domain at
   * index 0 of iopt->domains (iopt_area_fill_domain, iopt_unfill_domain), else none.
   */
  storageDomain(): IoptDomain | undefined {
    return this.domains[0];
  }

  // ---- map, copy, unmap ----

  /**
   * iopt_map_pages() → iopt_alloc_area_pages(): place `pieces` contiguously at `fixed` (or an
   * automatic IOVA chosen from `addr`), pin and mirror them. Returns the IOVA.
   */
  mapPieces(pieces: readonly PagePiece[], length: bigint, fixed: bigint | null, addr: bigint, read: boolean, write: boolean): Result<bigint> {
    if ((length & (this.iovaAlignment - 1n)) !== 0n) return fail('EINVAL', 'iopt_alloc_area_pages: length not a multiple of iova_alignment');
    let iova = fixed ?? 0n;
    if (fixed === null) {
      const r = this.allocIova(addr, length);
      if (!r.ok) return r;
      iova = r.value;
    } else {
      const c = this.checkIova(fixed, length);
      if (!c.ok) return c;
    }
    for (const p of pieces) {
      if (write && !p.pages.writable) return fail('EPERM', 'iopt_insert_area: source was not mapped writeable');
      if ((((p.pages.uva + p.off) % PAGE_SIZE_N) & (this.iovaAlignment - 1n)) !== 0n) {
        return fail('EINVAL', 'iopt_insert_area: in-page offset of the source not aligned to iova_alignment');
      }
    }
    const placed: Array<[bigint, Area, bigint]> = [];
    let cur = iova;
    for (const p of pieces) {
      const area: Area = { pages: p.pages, off: p.off, read, write };
      const r = this.fillArea(cur, area, p.length, this.domains);
      if (!r.ok) {
        for (const [i, a, l] of placed) this.unfillArea({ start: i, last: i + l - 1n, value: a });
        return r;
      }
      placed.push([cur, area, p.length]);
      cur += p.length;
    }
    for (const [i, a, l] of placed) this.areas.insert(i, i + l - 1n, a);
    return ok(iova);
  }

  /** iopt_get_pages(): the source pieces of [iova, iova+length), which contiguous areas must cover. */
  getPieces(iova: bigint, length: bigint): Result<PagePiece[]> {
    if (length === 0n) return fail('EINVAL', 'iopt_get_pages: zero length');
    const last = iova + length - 1n;
    if (last > U64_MAX) return fail('EOVERFLOW', 'iopt_get_pages: iova + length overflows');
    const out: PagePiece[] = [];
    let cur = iova;
    for (;;) {
      const a = this.areas.containing(cur);
      if (a === undefined) return fail('ENOENT', `iopt_get_pages: 0x${cur.toString(16)} is not mapped`);
      const end = a.last < last ? a.last : last;
      out.push({ pages: a.value.pages, off: a.value.off + (cur - a.start), length: end - cur + 1n });
      if (end === last) return ok(out);
      cur = end + 1n;
    }
  }

  private removeArea(e: IntervalEntry<Area>): void {
    this.unfillArea(e);
    this.areas.remove(e.start);
  }

  /**
   * iopt_unmap_iova_range(): remove every area inside [start, last], lowest first. An area
   * only partly inside is ENOENT — and the areas removed before it stay removed (not atomic).
   */
  unmapRange(start: bigint, last: bigint): { code: ErrnoCode | null; unmapped: bigint } {
    let unmapped = 0n;
    for (;;) {
      const e = this.areas.firstOverlap(start, last);
      if (e === undefined) return { code: null, unmapped };
      if (e.start < start || e.last > last) return { code: 'ENOENT', unmapped };
      unmapped += e.last - e.start + 1n;
      this.removeArea(e);
    }
  }

  /**
   * iopt_cut_iova(): make `iova` an area boundary by splitting the area that straddles it
   * (compat type1 v1 partial unmaps). EINVAL when the cut is not iova_alignment-aligned.
   * iopt_area_split() is given the byte before the cut and does nothing when that byte is
   * the area's first one, so a cut one byte into an area is silently skipped (the unmap
   * then meets a partly covered area: ENOENT), not refused as misaligned.
   */
  cut(iova: bigint): Result<void> {
    const e = this.areas.containing(iova);
    if (e === undefined || e.start === iova || e.start === iova - 1n) return okVoid();
    if ((iova & (this.iovaAlignment - 1n)) !== 0n) return fail('EINVAL', 'iopt_area_split: cut not aligned to iova_alignment');
    const a = e.value;
    const right: Area = { pages: a.pages, off: a.off + (iova - e.start), read: a.read, write: a.write };
    if (this.domains.length > 0) {
      // both halves hold their pages before the whole lets go: all are pinned, nothing can fail
      a.pages.acquire(a.off, iova - e.start);
      a.pages.acquire(right.off, e.last - iova + 1n);
      a.pages.release(a.off, e.last - e.start + 1n);
    }
    this.areas.remove(e.start);
    this.areas.insert(e.start, iova - 1n, a);
    this.areas.insert(iova, e.last, right);
    return okVoid();
  }

  // ---- large pages ----

  /** iopt_disable_large_pages() / iopt_enable_large_pages(). */
  setLargePages(enable: boolean): Result<void> {
    if (enable) {
      this.disableLargePages = false;
      this.iovaAlignment = this.alignmentFor(this.domains, false);
      return okVoid();
    }
    if (this.disableLargePages) return okVoid();
    if (this.domains.length > 0 && this.areas.size > 0) return fail('EINVAL', 'iopt_disable_large_pages: domain and mappings present');
    const align = this.alignmentFor(this.domains, true);
    if (align > this.iovaAlignment) {
      const c = this.checkAlignment(align, 'iopt_calculate_iova_alignment');
      if (!c.ok) return c;
    }
    this.disableLargePages = true;
    this.iovaAlignment = align;
    return okVoid();
  }

  /** iommufd_ioas_destroy(): unmap everything (no domain can be left by then). */
  destroy(): void {
    for (const e of [...this.areas.entries()]) this.removeArea(e);
    this.allowed = [];
  }
}
