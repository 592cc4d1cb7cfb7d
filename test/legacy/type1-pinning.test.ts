/**
 * type1 pinning and RLIMIT_MEMLOCK accounting, each rule alone and each boundary from both
 * sides (issue 14 item 11; vfio_iommu_type1.c: vfio_pin_pages_remote, vfio_change_dma_owner
 * with mm_lock_acct / __account_locked_vm). The charge is read back from the owner's
 * locked_vm after every success and every refusal.
 */
import { describe, expect, it } from 'vitest';
import { Host, uapi, type Process } from '../../src/index.js';
import { EDU, map, setup, type1Of, unmap } from './helpers.js';
import { anonBuffer, PROT_RW } from '../support/vfio.js';
import { failureOf } from '../support/why.js';
import { lockedVm, pinnedFrames } from '../support/kernel-state.js';

const PAGE = 0x1000n;
const V = uapi.VFIO_DMA_MAP_FLAG_VADDR;
const UVADDR = uapi.VFIO_DMA_UNMAP_FLAG_VADDR;
const locked = (p: Process): bigint => lockedVm(p);
/** What vfio_iommu_type1 printed to the kernel log (pr_warn). */
const warnings = (host: Host): string[] => host.trace.list().filter((e) => e.kind === 'kernel' && e.who === 'vfio_iommu_type1').map((e) => e.text);

/** A container whose process may lock `pages` pages (no CAP_IPC_LOCK unless `cap`). */
function limited(pages: bigint, cap = false) {
  const host = new Host();
  const proc = host.spawn({ caps: cap ? ['CAP_IPC_LOCK'] : [], rlimitMemlock: pages * PAGE });
  return setup({ host, proc });
}

describe('VADDR re-validation by another process moves the charge (vfio_change_dma_owner)', () => {
  /** The parent maps 2 pages at 0x10000 and invalidates their vaddr; a forked child holds the container too. */
  function handedOver(limitPages: bigint, cap = false) {
    const s = limited(limitPages, cap);
    const va = anonBuffer(s.p, 2n * PAGE);
    map(s.p, s.c, va, 0x10000n, 2n * PAGE);
    expect(unmap(s.p, s.c, 0x10000n, 2n * PAGE, UVADDR)).toBe(2n * PAGE);
    const child = s.p.fork();
    return { ...s, child, t: type1Of(s.p, s.c) };
  }

  it('the new owner is charged and the old one uncharged', () => {
    const { p, c, child, t } = handedOver(4n);
    expect(locked(p)).toBe(2n);
    const nv = anonBuffer(child, 2n * PAGE);
    expect(map(child, c, nv, 0x10000n, 2n * PAGE, V)).toBe(0);
    expect(locked(child)).toBe(2n);
    expect(locked(p)).toBe(0n);
    expect(t.vaddrInvalidCount).toBe(0);
    // the charge now goes back from the child when the mapping goes
    expect(unmap(p, c, 0x10000n, 2n * PAGE)).toBe(2n * PAGE);
    expect(locked(child)).toBe(0n);
    expect(locked(p)).toBe(0n);
  });

  it('reaching the new owner\'s limit exactly is allowed', () => {
    const { c, child } = handedOver(4n);
    map(child, c, anonBuffer(child, 2n * PAGE), 0x40000n, 2n * PAGE);
    expect(locked(child)).toBe(2n);
    expect(map(child, c, anonBuffer(child, 2n * PAGE), 0x10000n, 2n * PAGE, V)).toBe(0);
    expect(locked(child)).toBe(4n);
  });

  it('going one page past the new owner\'s limit is ENOMEM and changes nothing', () => {
    const { p, c, child, t } = handedOver(4n);
    map(child, c, anonBuffer(child, 3n * PAGE), 0x40000n, 3n * PAGE);
    const nv = anonBuffer(child, 2n * PAGE);
    expect(failureOf(() => map(child, c, nv, 0x10000n, 2n * PAGE, V))).toMatch(/^ENOMEM vfio_change_dma_owner/);
    expect(locked(child)).toBe(3n);
    expect(locked(p)).toBe(2n);
    expect(t.vaddrInvalidCount).toBe(1);
    expect(t.findDma(0x10000n, 0x10000n)!.vaddrInvalid).toBe(true);
  });

  it('a new owner with CAP_IPC_LOCK is not held to its limit', () => {
    const { p, c, child } = handedOver(0n, true);
    expect(locked(p)).toBe(2n);
    expect(map(child, c, anonBuffer(child, 2n * PAGE), 0x10000n, 2n * PAGE, V)).toBe(0);
    expect(locked(child)).toBe(2n);
    expect(locked(p)).toBe(0n);
  });

  it('re-validation by the owner itself charges nothing again, even with no room left', () => {
    const s = limited(2n);
    const va = anonBuffer(s.p, 2n * PAGE);
    map(s.p, s.c, va, 0x10000n, 2n * PAGE);
    unmap(s.p, s.c, 0x10000n, 2n * PAGE, UVADDR);
    expect(map(s.p, s.c, anonBuffer(s.p, 2n * PAGE), 0x10000n, 2n * PAGE, V)).toBe(0);
    expect(locked(s.p)).toBe(2n);
  });
});

describe('MAP_DMA: the limit is met page by page before a fault (vfio_pin_pages_remote)', () => {
  /** `good` pinnable pages, then one page with `bad` protection, then one more ordinary page. */
  function buffer(p: Process, good: bigint, bad: number): bigint {
    const va = anonBuffer(p, (good + 2n) * PAGE);
    p.mmap(va + good * PAGE, PAGE, bad, uapi.MAP_PRIVATE | uapi.MAP_ANONYMOUS | uapi.MAP_FIXED, -1, 0n);
    return va;
  }

  it('a PROT_NONE page after pages within the limit is EFAULT, nothing charged', () => {
    const { p, c } = limited(2n);
    const va = buffer(p, 2n, uapi.PROT_NONE);
    expect(failureOf(() => map(p, c, va, 0x10000n, 4n * PAGE))).toMatch(/^EFAULT/);
    expect(locked(p)).toBe(0n);
  });

  it('a PROT_NONE page after pages over the limit is ENOMEM, with the kernel\'s warning in the log', () => {
    const { host, p, c } = limited(1n);
    const va = buffer(p, 2n, uapi.PROT_NONE);
    expect(failureOf(() => map(p, c, va, 0x10000n, 4n * PAGE))).toMatch(/^ENOMEM vfio_pin_pages_remote/);
    expect(locked(p)).toBe(0n);
    expect(warnings(host)).toEqual(['vfio_pin_pages_remote: RLIMIT_MEMLOCK (4096) exceeded']);
  });

  it('a pin over the limit is ENOMEM with the same warning, nothing pinned or charged', () => {
    const { host, p, c } = limited(1n);
    expect(failureOf(() => map(p, c, anonBuffer(p, 2n * PAGE), 0x10000n, 2n * PAGE))).toMatch(/^ENOMEM vfio_pin_pages_remote/);
    expect(locked(p)).toBe(0n);
    expect(pinnedFrames(p)).toBe(0);
    expect(warnings(host)).toEqual(['vfio_pin_pages_remote: RLIMIT_MEMLOCK (4096) exceeded']);
  });

  it('a PROT_NONE page is a fault for a device-read-only mapping too: EFAULT within the limit', () => {
    const { p, c } = limited(2n);
    const va = buffer(p, 2n, uapi.PROT_NONE);
    expect(failureOf(() => map(p, c, va, 0x10000n, 4n * PAGE, uapi.VFIO_DMA_MAP_FLAG_READ))).toMatch(/^EFAULT/);
    expect(locked(p)).toBe(0n);
  });

  it('a read-only page mapped for device writes after pages within the limit is EFAULT', () => {
    const { p, c } = limited(2n);
    const va = buffer(p, 2n, uapi.PROT_READ);
    expect(failureOf(() => map(p, c, va, 0x10000n, 4n * PAGE))).toMatch(/^EFAULT/);
    expect(locked(p)).toBe(0n);
  });

  it('the same read-only page mapped for device reads only is pinned, so the whole length counts: ENOMEM', () => {
    const { p, c } = limited(2n);
    const va = buffer(p, 2n, uapi.PROT_READ);
    expect(failureOf(() => map(p, c, va, 0x10000n, 4n * PAGE, uapi.VFIO_DMA_MAP_FLAG_READ))).toMatch(/^ENOMEM vfio_pin_pages_remote/);
    expect(map(p, c, va, 0x10000n, 2n * PAGE, uapi.VFIO_DMA_MAP_FLAG_READ)).toBe(0);
    expect(locked(p)).toBe(2n);
  });

  it('with CAP_IPC_LOCK a fault past the limit is the fault (EFAULT), and a pin past it succeeds', () => {
    const { p, c } = limited(1n, true);
    const va = buffer(p, 2n, uapi.PROT_NONE);
    expect(failureOf(() => map(p, c, va, 0x10000n, 4n * PAGE))).toMatch(/^EFAULT/);
    expect(map(p, c, va, 0x10000n, 2n * PAGE)).toBe(0);
    expect(locked(p)).toBe(2n);
  });

  it('pages already charged count against the limit before the fault', () => {
    const { p, c } = limited(3n);
    map(p, c, anonBuffer(p, PAGE), 0x40000n, PAGE);
    const va = buffer(p, 2n, uapi.PROT_NONE);
    // 1 charged + 2 before the fault = 3: within the limit, so the fault answers
    expect(failureOf(() => map(p, c, va, 0x10000n, 4n * PAGE))).toMatch(/^EFAULT/);
    map(p, c, anonBuffer(p, PAGE), 0x50000n, PAGE);
    // 2 charged + 2 before the fault = 4: over
    expect(failureOf(() => map(p, c, va, 0x10000n, 4n * PAGE))).toMatch(/^ENOMEM vfio_pin_pages_remote/);
    expect(locked(p)).toBe(2n);
  });
});

describe('a device BAR in the range is pinned but never charged (vfio_pin_pages_remote: is_invalid_reserved_pfn)', () => {
  /** [ordinary page][the device's BAR 0, one page][PROT_NONE page], for a process that may lock one page. */
  function withBar() {
    const s = limited(1n);
    const dev = s.p.ioctl(s.g, uapi.VFIO_GROUP_GET_DEVICE_FD, EDU);
    const va = anonBuffer(s.p, 3n * PAGE);
    s.p.mmap(va + PAGE, PAGE, PROT_RW, uapi.MAP_SHARED | uapi.MAP_FIXED, dev, 0n);
    s.p.mmap(va + 2n * PAGE, PAGE, uapi.PROT_NONE, uapi.MAP_PRIVATE | uapi.MAP_ANONYMOUS | uapi.MAP_FIXED, -1, 0n);
    return { ...s, va };
  }

  it('an ordinary page and a BAR page map within a one-page limit, charging one page', () => {
    const { p, c, va } = withBar();
    expect(map(p, c, va, 0x10000n, 2n * PAGE)).toBe(0);
    expect(locked(p)).toBe(1n);
    expect(unmap(p, c, 0x10000n, 2n * PAGE)).toBe(2n * PAGE);
    expect(locked(p)).toBe(0n);
  });

  it('the BAR page before a fault does not count toward the limit: EFAULT, not ENOMEM', () => {
    const { p, c, va } = withBar();
    expect(failureOf(() => map(p, c, va, 0x10000n, 3n * PAGE))).toMatch(/^EFAULT/);
    expect(locked(p)).toBe(0n);
  });
});
