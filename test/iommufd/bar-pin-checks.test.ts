/**
 * Audit of what iommufd can pin (pages.c pfn_reader_user_pin → pin_user_pages_remote): user
 * memory only. An mmap'd BAR is VM_IO | VM_PFNMAP, which GUP refuses with EFAULT — unlike
 * type1, whose vaddr_get_pfns() follows PFNMAP (so P2P through iommufd needs dma-buf).
 */
import { describe, expect, it } from 'vitest';
import { uapi } from '../../src/index.js';
import { attach, boundDevice, EDU2, expectErrno, ioasAlloc, ioptOf, mapFixed, unmap, U64_MAX } from './helpers.js';
import { pinnedVm } from '../support/kernel-state.js';

describe('IOMMU_IOAS_MAP of a device BAR mapping', () => {
  it('with a domain the map fails EFAULT at once and leaves nothing behind', () => {
    const d = boundDevice();
    const ioas = ioasAlloc(d.p, d.fd);
    attach(d.p, d.dev, ioas);
    const bar = d.p.mmap(0n, 0x1000n, uapi.PROT_READ | uapi.PROT_WRITE, uapi.MAP_SHARED, d.dev, 0n);
    const pinned = pinnedVm(d.p);
    expectErrno(() => mapFixed(d.p, d.fd, ioas, bar, 0x100000n, 0x1000n), 'EFAULT');
    expect(ioptOf(d.p, d.fd, ioas).areas.size).toBe(0);
    expect(pinnedVm(d.p)).toBe(pinned);
  });

  it('without a domain the map succeeds (nothing is pinned) and the later attach fails EFAULT', () => {
    const d = boundDevice();
    const peer = boundDevice({ host: d.host, p: d.p, fd: d.fd, bdf: EDU2 });
    const ioas = ioasAlloc(d.p, d.fd);
    const bar = d.p.mmap(0n, 0x1000n, uapi.PROT_READ | uapi.PROT_WRITE, uapi.MAP_SHARED, peer.dev, 0n);
    mapFixed(d.p, d.fd, ioas, bar, 0x100000n, 0x1000n);
    expectErrno(() => attach(d.p, d.dev, ioas), 'EFAULT');
    expect(ioptOf(d.p, d.fd, ioas).domains.length).toBe(0);
    expect(unmap(d.p, d.fd, ioas, 0n, U64_MAX)).toBe(0x1000n);
    expect(attach(d.p, d.dev, ioas)).toBeGreaterThan(0);
  });
});
