/**
 * IOMMU_IOAS_COPY of a range made of several source areas is all or nothing
 * (io_pagetable.c iopt_map_pages → iopt_alloc_area_pages / iopt_fill_domains_pages: a piece
 * that fails to pin unwinds the pieces already filled). The refused copy leaves no pin, no
 * charge, no translation and no area behind.
 */
import { describe, expect, it } from 'vitest';
import { Host, uapi } from '../../src/index.js';
import { anonBuffer } from '../support/vfio.js';
import { attach, boundDevice, ioasAlloc, mapFixed, P, RW, unmap } from './helpers.js';
import { failureOf } from '../support/why.js';
import { pinnedVm } from '../support/kernel-state.js';

const SRC = 0x10000000n;
const DST = 0x100000n;
const RID = 0x0600; // edu at 06:00.0

/** A source IOAS of two areas (4 pages, then 8) and a destination with a domain; 8 pages may be pinned. */
function twoAreas() {
  const host = new Host();
  const p = host.spawn({ uid: 0, caps: ['CAP_SYS_ADMIN', 'CAP_SYS_RAWIO', 'CAP_DAC_OVERRIDE'], rlimitMemlock: 8n * P });
  const d = boundDevice({ host, p });
  const src = ioasAlloc(p, d.fd);
  const dst = ioasAlloc(p, d.fd);
  attach(p, d.dev, dst);
  const va = anonBuffer(p, 12n * P);
  mapFixed(p, d.fd, src, va, SRC, 4n * P);
  mapFixed(p, d.fd, src, va + 4n * P, SRC + 4n * P, 8n * P);
  const copy = (length: bigint) => failureOf(() => p.ioctl(d.fd, uapi.IOMMU_IOAS_COPY, { size: 40, flags: RW | uapi.IOMMU_IOAS_MAP_FIXED_IOVA, dst_ioas_id: dst, src_ioas_id: src, length, dst_iova: DST, src_iova: SRC }));
  return { host, p, d, dst, va, copy };
}

describe('IOMMU_IOAS_COPY across two source areas', () => {
  it('the second piece over RLIMIT_MEMLOCK is ENOMEM and the first piece is undone', () => {
    const { host, p, d, dst, copy } = twoAreas();
    expect(copy(12n * P)).toMatch(/^ENOMEM/);
    expect(pinnedVm(p)).toBe(0n);
    expect(host.iommu!.dmaRead(RID, DST, 1).ok).toBe(false);
    expect(unmap(p, d.fd, dst, 0n, (1n << 64n) - 1n)).toBe(0n);
    // the first piece alone fits
    expect(copy(4n * P)).toBe('ok');
    expect(pinnedVm(p)).toBe(4n);
    expect(host.iommu!.dmaRead(RID, DST, 1).ok).toBe(true);
  });

  it('a hole in the second piece is EFAULT and the first piece is undone', () => {
    const { host, p, va, copy } = twoAreas();
    p.munmap(va + 6n * P, P);
    expect(copy(8n * P)).toMatch(/^EFAULT/);
    expect(pinnedVm(p)).toBe(0n);
    expect(host.iommu!.dmaRead(RID, DST, 1).ok).toBe(false);
  });

  it('both pieces within the limit are copied whole, each page where the source had it', () => {
    const { host, p, va, copy } = twoAreas();
    p.writeMem(va + 3n * P, Uint8Array.of(0x33));
    p.writeMem(va + 4n * P, Uint8Array.of(0x44));
    expect(copy(8n * P)).toBe('ok');
    expect(pinnedVm(p)).toBe(8n);
    const rd = (iova: bigint) => host.iommu!.dmaRead(RID, iova, 1);
    expect(rd(DST + 3n * P).data![0]).toBe(0x33);
    expect(rd(DST + 4n * P).data![0]).toBe(0x44);
  });
});
