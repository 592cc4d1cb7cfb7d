/**
 * IOMMU_IOAS_COPY pins and charges the pages of the new area only (io_pagetable.c
 * iopt_area_fill_domains → pages.c pfn_reader over the area's index range): the source
 * mapping is never pinned as a whole, so one page copied out of a large domain-less mapping
 * charges one page, and a hole elsewhere in the source does not matter.
 */
import { describe, expect, it } from 'vitest';
import { Host, uapi } from '../../src/index.js';
import { anonBuffer } from '../support/vfio.js';
import { attach, boundDevice, expectErrno, ioasAlloc, mapFixed, P, RW, unmap } from './helpers.js';
import { pinnedVm } from '../support/kernel-state.js';

const SRC = 0x10000000n;

function setup() {
  const host = new Host();
  // root without CAP_IPC_LOCK: every pin is charged to RLIMIT_MEMLOCK (8 pages)
  const p = host.spawn({ uid: 0, caps: ['CAP_SYS_ADMIN', 'CAP_SYS_RAWIO', 'CAP_DAC_OVERRIDE'], rlimitMemlock: 8n * P });
  const d = boundDevice({ host, p });
  const src = ioasAlloc(p, d.fd);
  const dst = ioasAlloc(p, d.fd);
  attach(p, d.dev, dst);
  const va = anonBuffer(p, 64n * P);
  mapFixed(p, d.fd, src, va, SRC, 64n * P);
  const copy = (srcIova: bigint, dstIova: bigint, length = P): void => {
    p.ioctl(d.fd, uapi.IOMMU_IOAS_COPY, { size: 40, flags: RW | uapi.IOMMU_IOAS_MAP_FIXED_IOVA, dst_ioas_id: dst, src_ioas_id: src, length, dst_iova: dstIova, src_iova: srcIova });
  };
  return { p, d, src, dst, va, copy };
}

describe('IOMMU_IOAS_COPY pins only the new area', () => {
  it('one page out of a 64-page domain-less mapping charges one page, under an 8-page RLIMIT_MEMLOCK', () => {
    const { p, copy } = setup();
    expect(pinnedVm(p)).toBe(0n);
    copy(SRC + 5n * P, 0x100000n);
    expect(pinnedVm(p)).toBe(1n);
    copy(SRC + 6n * P, 0x101000n, 7n * P);
    expect(pinnedVm(p)).toBe(8n);
    // a ninth distinct page is over the limit (do_update_pinned: ENOMEM), and changes nothing
    expectErrno(() => copy(SRC + 20n * P, 0x200000n), 'ENOMEM');
    expect(pinnedVm(p)).toBe(8n);
  });

  it('pages two areas share are pinned and charged once, and stay pinned until the last area goes', () => {
    const { p, d, dst, copy } = setup();
    copy(SRC, 0x100000n, 4n * P);
    copy(SRC + 2n * P, 0x200000n, 4n * P);
    expect(pinnedVm(p)).toBe(6n);
    expect(unmap(p, d.fd, dst, 0x100000n, 4n * P)).toBe(4n * P);
    expect(pinnedVm(p)).toBe(4n);
    expect(unmap(p, d.fd, dst, 0x200000n, 4n * P)).toBe(4n * P);
    expect(pinnedVm(p)).toBe(0n);
  });

  it('a hole elsewhere in the source does not fail the copy; a hole inside the copied range is EFAULT', () => {
    const { p, va, copy } = setup();
    p.munmap(va + 32n * P, 4n * P);
    copy(SRC + 3n * P, 0x100000n);
    expect(pinnedVm(p)).toBe(1n);
    expectErrno(() => copy(SRC + 33n * P, 0x200000n), 'EFAULT');
    expect(pinnedVm(p)).toBe(1n);
  });

  it('attaching a domain to the source later pins the whole source (its own area), over the limit ENOMEM', () => {
    const { p, d, src, copy } = setup();
    copy(SRC, 0x100000n);
    const peer = boundDevice({ host: d.host, p, fd: d.fd, bdf: '0000:07:00.0' });
    expectErrno(() => attach(p, peer.dev, src), 'ENOMEM');
    expect(pinnedVm(p)).toBe(1n);
  });
});
