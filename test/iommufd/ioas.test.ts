/** IOAS semantics without and with a domain (selftest iommufd_ioas.*, reproduced with edu as the "mock" device). */
import { describe, expect, it } from 'vitest';
import { uapi } from '../../src/index.js';
import { attach, boundDevice, destroy, expectErrno, ioasAlloc, iommufd, ioptOf, mapAuto, mapFixed, P, ranges, RW, unmap, U64_MAX } from './helpers.js';
import { anonBuffer } from '../support/vfio.js';
import { pinnedVm } from '../support/kernel-state.js';

const MSI = { start: 0xfee00000n, last: 0xfeefffffn };
const TOP = (1n << 48n) - 1n;

/** no_domain / domain variants: base IOVA and the setup. */
function variant(withDomain: boolean) {
  if (!withDomain) {
    const c = iommufd();
    return { ...c, ioas: ioasAlloc(c.p, c.fd), base: 0n };
  }
  const d = boundDevice();
  const ioas = ioasAlloc(d.p, d.fd);
  attach(d.p, d.dev, ioas);
  return { ...d, ioas, base: 0x1000000n };
}

describe.each([false, true])('IOAS (domain attached: %s)', (withDomain) => {
  it('unmap of an empty range is ENOENT; unmap-all always succeeds', () => {
    const { p, fd, ioas } = variant(withDomain);
    for (let i = 0n; i < 10n; i++) expectErrno(() => unmap(p, fd, ioas, i * P, P), 'ENOENT');
    expect(unmap(p, fd, ioas, 0n, U64_MAX)).toBe(0n);
  });

  it('areas cannot be split and cannot overlap (EEXIST)', () => {
    const { p, fd, ioas, base } = variant(withDomain);
    const va = anonBuffer(p, 16n * P);
    mapFixed(p, fd, ioas, va, base + 16n * P, 2n * P);
    expectErrno(() => unmap(p, fd, ioas, base + 16n * P, P), 'ENOENT');
    expectErrno(() => unmap(p, fd, ioas, base + 17n * P, P), 'ENOENT');
    for (const [s, n] of [[16n, 2n], [16n, 1n], [17n, 1n], [15n, 2n], [15n, 3n]] as const) {
      expectErrno(() => mapFixed(p, fd, ioas, va, base + s * P, n * P), 'EEXIST');
    }
    expect(unmap(p, fd, ioas, 0n, U64_MAX)).toBe(2n * P);
  });

  it('unmap covers whole areas and the gaps between them, not part of one', () => {
    const { p, fd, ioas, base } = variant(withDomain);
    const va = anonBuffer(p, 8n * P);
    for (let i = 0n; i < 4n; i++) mapFixed(p, fd, ioas, va, base + 4n * P + i * 16n * P, 8n * P);
    expectErrno(() => unmap(p, fd, ioas, base, 8n * P), 'ENOENT');
    expectErrno(() => unmap(p, fd, ioas, base + 4n * P + 3n * 16n * P + 4n * P, 8n * P), 'ENOENT');
    expect(unmap(p, fd, ioas, base, 3n * 16n * P + 8n * P + 4n * P)).toBe(32n * P);
  });

  it('automatic IOVAs are aligned to the largest power of two dividing the length, above 0', () => {
    const { p, fd, ioas, base } = variant(withDomain);
    const va = anonBuffer(p, 0x400000n);
    for (let i = 1n; i <= 10n; i++) {
      const len = P * i;
      const iova = mapAuto(p, fd, ioas, va, len);
      expect(iova).toBeGreaterThanOrEqual(base > 0n ? P : P);
      expect(iova % (len & -len)).toBe(0n);
    }
  });

  it('automatic IOVAs stay inside the allowed list; a reserved range there is EADDRINUSE', () => {
    const { p, fd, ioas, base } = variant(withDomain);
    const va = anonBuffer(p, 0x200000n);
    const allowed = [{ start: base + 200n * P, last: base + 600n * P - 1n }];
    p.ioctl(fd, uapi.IOMMU_IOAS_ALLOW_IOVAS, { size: 24, ioas_id: ioas, num_iovas: 1, allowed_iovas: allowed });
    for (let i = 1n; i <= 10n; i++) {
      const iova = mapAuto(p, fd, ioas, va, P * i);
      expect(iova >= allowed[0]!.start && iova + P * i - 1n <= allowed[0]!.last).toBe(true);
    }
    const iopt = ioptOf(p, fd, ioas);
    const owner = {};
    expect(iopt.reserve(base + 700n * P, base + 701n * P, owner).ok).toBe(true);
    expect(iopt.reserve(base + 599n * P, base + 599n * P, owner)).toMatchObject({ ok: false, code: 'EADDRINUSE' });
    // the allow-list may not cover the reserved range
    expectErrno(() => p.ioctl(fd, uapi.IOMMU_IOAS_ALLOW_IOVAS, { size: 24, ioas_id: ioas, num_iovas: 1, allowed_iovas: [{ start: base + 650n * P, last: base + 800n * P }] }), 'EADDRINUSE');
  });

  it('a fixed map into a reserved range is EINVAL; IOVA_RANGES reports the holes, not the allow-list', () => {
    const { p, fd, ioas, base } = variant(withDomain);
    const va = anonBuffer(p, P);
    const iopt = ioptOf(p, fd, ioas);
    iopt.reserve(base + P, base + 2n * P - 1n, {});
    expectErrno(() => mapFixed(p, fd, ioas, va, base + P, P), 'EINVAL');
    p.ioctl(fd, uapi.IOMMU_IOAS_ALLOW_IOVAS, { size: 24, ioas_id: ioas, num_iovas: 1, allowed_iovas: [{ start: base + 4n * P, last: base + 8n * P }] });
    const r = ranges(p, fd, ioas).ranges;
    expect(r[0]).toEqual({ start: 0n, last: base + P - 1n });
    expect(r[1]!.start).toBe(base + 2n * P);
  });

  it('IOAS_COPY: same IOAS and into another (FIXED at 0); the copy shares the pin', () => {
    const { p, fd, ioas, base } = variant(withDomain);
    const va = anonBuffer(p, P);
    mapFixed(p, fd, ioas, va, base, P);
    const pinned = pinnedVm(p);
    const copy = (dst: number, dst_iova: bigint): void => {
      p.ioctl(fd, uapi.IOMMU_IOAS_COPY, { size: 40, flags: RW | uapi.IOMMU_IOAS_MAP_FIXED_IOVA, dst_ioas_id: dst, src_ioas_id: ioas, length: P, dst_iova, src_iova: base });
    };
    copy(ioas, base + P);
    const other = ioasAlloc(p, fd);
    copy(other, 0n);
    expect(pinnedVm(p)).toBe(pinned);
    expect(unmap(p, fd, other, 0n, P)).toBe(P);
  });

  it('IOAS_COPY of a byte sub-range of contiguous areas; ENOENT when a byte is not mapped', () => {
    const { p, fd, ioas, base } = variant(withDomain);
    const va = anonBuffer(p, 4n * P);
    mapFixed(p, fd, ioas, va, base + 0x1000000n, 2n * P);
    mapFixed(p, fd, ioas, va + 2n * P, base + 0x1000000n + 2n * P, 2n * P);
    const dst = ioasAlloc(p, fd);
    const cp = (src_iova: bigint, length: bigint): bigint => {
      const a = { size: 40, flags: uapi.IOMMU_IOAS_MAP_READABLE, dst_ioas_id: dst, src_ioas_id: ioas, length, dst_iova: 0n, src_iova };
      p.ioctl(fd, uapi.IOMMU_IOAS_COPY, a);
      return a.dst_iova;
    };
    // across the boundary of the two areas
    expect(cp(base + 0x1000000n + P, 2n * P)).toBeGreaterThan(0n);
    expectErrno(() => cp(base + 0x1000000n - 1n, P), 'ENOENT');
    expectErrno(() => cp(base + 0x1000000n + 3n * P + 1n, P), 'ENOENT');
    // copying WRITEABLE from a read-only source is EPERM
    const ro = ioasAlloc(p, fd);
    const va2 = anonBuffer(p, P);
    mapFixed(p, fd, ro, va2, 0x10000000n, P, uapi.IOMMU_IOAS_MAP_READABLE);
    expectErrno(() => p.ioctl(fd, uapi.IOMMU_IOAS_COPY, { size: 40, flags: RW, dst_ioas_id: dst, src_ioas_id: ro, length: P, dst_iova: 0n, src_iova: 0x10000000n }), 'EPERM');
  });

  it('HUGE_PAGES: GET 1, SET 0, GET 0, SET 2 EINVAL, SET 1', () => {
    const { p, fd, ioas } = variant(withDomain);
    const opt = (op: number, val64 = 0n): bigint => {
      const a = { size: 24, option_id: uapi.IOMMU_OPTION_HUGE_PAGES, op, object_id: ioas, val64 };
      p.ioctl(fd, uapi.IOMMU_OPTION, a);
      return a.val64;
    };
    expect(opt(uapi.IOMMU_OPTION_OP_GET)).toBe(1n);
    opt(uapi.IOMMU_OPTION_OP_SET, 0n);
    expect(opt(uapi.IOMMU_OPTION_OP_GET)).toBe(0n);
    expectErrno(() => opt(uapi.IOMMU_OPTION_OP_SET, 2n), 'EINVAL');
    opt(uapi.IOMMU_OPTION_OP_SET, 1n);
    expect(opt(uapi.IOMMU_OPTION_OP_GET)).toBe(1n);
  });

  it('IOMMU_DESTROY of an IOAS with mappings: success without a domain, EBUSY with one', () => {
    const { p, fd, ioas, base } = variant(withDomain);
    mapFixed(p, fd, ioas, anonBuffer(p, P), base, P);
    if (withDomain) expectErrno(() => destroy(p, fd, ioas), 'EBUSY');
    else destroy(p, fd, ioas);
  });
});

describe('IOAS without a domain', () => {
  it('IOVA_RANGES: one range [0, U64_MAX], alignment 1; EMSGSIZE with num_iovas 0 writes the count only', () => {
    const { p, fd } = iommufd();
    const ioas = ioasAlloc(p, fd);
    expect(ranges(p, fd, ioas)).toEqual({ ranges: [{ start: 0n, last: U64_MAX }], align: 1n });
    const a = { size: 32, ioas_id: ioas, num_iovas: 0, allowed_iovas: 0n as unknown, out_iova_alignment: 0n };
    expectErrno(() => p.ioctl(fd, uapi.IOMMU_IOAS_IOVA_RANGES, a), 'EMSGSIZE');
    expect(a.num_iovas).toBe(1);
    expect(a.allowed_iovas).toBe(0n);
    ioptOf(p, fd, ioas).reserve(P, 2n * P - 1n, {});
    const keep = { start: 7n, last: 7n };
    const b = { size: 32, ioas_id: ioas, num_iovas: 1, allowed_iovas: [{ start: 1n, last: 1n }, keep], out_iova_alignment: 0n };
    expectErrno(() => p.ioctl(fd, uapi.IOMMU_IOAS_IOVA_RANGES, b), 'EMSGSIZE');
    expect(b.num_iovas).toBe(2);
    expect(b.allowed_iovas).toEqual([{ start: 0n, last: P - 1n }, keep]);
  });

  it('any byte granularity works (alignment 1); HUGE_PAGES=0 then needs page-aligned sources', () => {
    const { p, fd } = iommufd();
    const ioas = ioasAlloc(p, fd);
    const va = anonBuffer(p, 4n * P);
    for (let len = 1n; len < 2n * P; len += 511n) {
      const iova = mapAuto(p, fd, ioas, va, len);
      unmap(p, fd, ioas, iova, len);
    }
    mapFixed(p, fd, ioas, va + P / 2n, 0x100000n, P);
    const set0 = { size: 24, option_id: uapi.IOMMU_OPTION_HUGE_PAGES, op: uapi.IOMMU_OPTION_OP_SET, object_id: ioas, val64: 0n };
    expectErrno(() => p.ioctl(fd, uapi.IOMMU_OPTION, set0), 'EADDRINUSE');
    unmap(p, fd, ioas, 0n, U64_MAX);
    p.ioctl(fd, uapi.IOMMU_OPTION, set0);
    expectErrno(() => mapFixed(p, fd, ioas, va + P / 2n, 0x100000n, P), 'EINVAL');
  });

  it('MAP does not touch user memory until a domain exists: the attach fails EFAULT (fork_gone)', () => {
    const d = boundDevice();
    const ioas = ioasAlloc(d.p, d.fd);
    mapFixed(d.p, d.fd, ioas, 0x5000000000n, 0x100000n, P);
    expectErrno(() => attach(d.p, d.dev, ioas), 'EFAULT');
    // nothing changed: the device is still detached and the IOAS has no HWPT
    expect(ioptOf(d.p, d.fd, ioas).domains.length).toBe(0);
    unmap(d.p, d.fd, ioas, 0n, U64_MAX);
    expect(attach(d.p, d.dev, ioas)).toBeGreaterThan(0);
  });

  it('mappings are pinned against the process that made them (fork_present)', () => {
    const d = boundDevice();
    const ioas = ioasAlloc(d.p, d.fd);
    const child = d.host.spawn();
    const va = anonBuffer(d.p, P);
    mapFixed(d.p, d.fd, ioas, va, 0x100000n, P);
    // another process issues the attach; the pages still come from the creator
    attach(d.p, d.dev, ioas);
    expect(pinnedVm(d.p)).toBe(1n);
    expect(pinnedVm(child)).toBe(0n);
  });

  it('reserved_overflow: a reserved range over almost everything leaves no room (ENOSPC)', () => {
    const { p, fd } = iommufd();
    const ioas = ioasAlloc(p, fd);
    ioptOf(p, fd, ioas).reserve(6n, 6n + 0xffffffffffff8001n - 1n, {});
    // a 2 MiB-aligned buffer asks for 32 KiB alignment (roundup_pow_of_two(0x5000)), which no longer fits
    expectErrno(() => mapAuto(p, fd, ioas, anonBuffer(p, 0x200000n), 0x5000n), 'ENOSPC');
  });

  it('MAP checks in kernel order', () => {
    const { p, fd } = iommufd();
    const ioas = ioasAlloc(p, fd);
    const m = (o: Record<string, unknown>): number => p.ioctl(fd, uapi.IOMMU_IOAS_MAP, { size: 40, flags: RW, ioas_id: ioas, user_va: 0x100000n, length: P, iova: 0n, ...o });
    expectErrno(() => m({ flags: 1 << 3 }), 'EOPNOTSUPP');
    expectErrno(() => m({ __reserved: 1 }), 'EOPNOTSUPP');
    expectErrno(() => m({ iova: U64_MAX }), 'EOVERFLOW');
    expectErrno(() => m({ flags: 0 }), 'EINVAL');
    expectErrno(() => m({ ioas_id: 99 }), 'ENOENT');
    expectErrno(() => m({ user_va: U64_MAX - 2n }), 'EOVERFLOW');
    expectErrno(() => m({ length: 0n }), 'EINVAL');
    expectErrno(() => m({ flags: RW | uapi.IOMMU_IOAS_MAP_FIXED_IOVA, iova: U64_MAX - 1n, length: 3n }), 'EOVERFLOW');
  });

  it('ALLOW_IOVAS: start == last and overlapping input ranges are EINVAL; NULL array EFAULT; num 0 clears', () => {
    const { p, fd } = iommufd();
    const ioas = ioasAlloc(p, fd);
    const allow = (allowed_iovas: unknown, num_iovas: number): number => p.ioctl(fd, uapi.IOMMU_IOAS_ALLOW_IOVAS, { size: 24, ioas_id: ioas, num_iovas, allowed_iovas });
    expectErrno(() => allow([{ start: 5n, last: 5n }], 1), 'EINVAL');
    expectErrno(() => allow([{ start: 0n, last: 10n }, { start: 10n, last: 20n }], 2), 'EINVAL');
    expectErrno(() => allow(null, 1), 'EFAULT');
    expectErrno(() => allow([{ start: 0n, last: 10n }], 2), 'EFAULT');
    expectErrno(() => p.ioctl(fd, uapi.IOMMU_IOAS_ALLOW_IOVAS, { size: 24, ioas_id: ioas, __reserved: 1 }), 'EOPNOTSUPP');
    allow([{ start: 0x100000n, last: 0x1fffffn }], 1);
    expect(ioptOf(p, fd, ioas).allowed.length).toBe(1);
    allow(null, 0);
    expect(ioptOf(p, fd, ioas).allowed.length).toBe(0);
  });
});

describe('IOAS with a domain (edu attached)', () => {
  it('IOVA_RANGES: the aperture and the MSI window are reserved; alignment is PAGE_SIZE', () => {
    const { p, fd, ioas } = variant(true);
    expect(ranges(p, fd, ioas)).toEqual({
      ranges: [
        { start: 0n, last: MSI.start - 1n },
        { start: MSI.last + 1n, last: TOP },
      ],
      align: P,
    });
  });

  it('the first automatic IOVA is PAGE_SIZE; a length that is not a page multiple is EINVAL', () => {
    const { p, fd, ioas } = variant(true);
    const va = anonBuffer(p, 4n * P);
    expect(mapAuto(p, fd, ioas, va, P)).toBe(P);
    expectErrno(() => mapAuto(p, fd, ioas, va, P + 0x800n), 'EINVAL');
  });

  it('a hole in the user buffer fails the map at once (EFAULT) and leaves nothing behind', () => {
    const { p, fd, ioas } = variant(true);
    const va = anonBuffer(p, 8n * P);
    p.munmap(va + 4n * P, 4n * P);
    expectErrno(() => mapAuto(p, fd, ioas, va, 8n * P), 'EFAULT');
    expect(ioptOf(p, fd, ioas).areas.size).toBe(0);
    expect(pinnedVm(p)).toBe(0n);
  });

  it('HUGE_PAGES=0 is EINVAL once a domain and a mapping coexist', () => {
    const { p, fd, ioas } = variant(true);
    mapAuto(p, fd, ioas, anonBuffer(p, P), P);
    expectErrno(() => p.ioctl(fd, uapi.IOMMU_OPTION, { size: 24, option_id: uapi.IOMMU_OPTION_HUGE_PAGES, op: uapi.IOMMU_OPTION_OP_SET, object_id: ioas, val64: 0n }), 'EINVAL');
  });

  it('attaching to an IOAS whose mapping sits in the MSI window is EADDRINUSE and changes nothing', () => {
    const d = boundDevice();
    const ioas = ioasAlloc(d.p, d.fd);
    mapFixed(d.p, d.fd, ioas, anonBuffer(d.p, P), MSI.start, P);
    expectErrno(() => attach(d.p, d.dev, ioas), 'EADDRINUSE');
    expect(ranges(d.p, d.fd, ioas).ranges).toEqual([{ start: 0n, last: U64_MAX }]);
    expect(pinnedVm(d.p)).toBe(0n);
  });

  it('an allowed range over the MSI window makes the attach fail instead of narrowing', () => {
    const d = boundDevice();
    const ioas = ioasAlloc(d.p, d.fd);
    d.p.ioctl(d.fd, uapi.IOMMU_IOAS_ALLOW_IOVAS, { size: 24, ioas_id: ioas, num_iovas: 1, allowed_iovas: [{ start: 0xf0000000n, last: 0xffffffffn }] });
    expectErrno(() => attach(d.p, d.dev, ioas), 'EADDRINUSE');
  });
});
