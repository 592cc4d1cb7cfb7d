/**
 * Issue 14 item 8: below mmap_min_addr (64 KiB) a MAP_FIXED mapping needs CAP_SYS_RAWIO
 * (security_mmap_addr -> cap_mmap_addr), not root's uid: root has it, a task without it
 * gets EPERM, and a task given only CAP_SYS_RAWIO may map page 1.
 */
import { describe, expect, it } from 'vitest';
import { Host, uapi } from '../../src/index.js';
import { observableState } from '../../src/testing/index.js';
import { errnoOf } from '../support/errno.js';

const RW = uapi.PROT_READ | uapi.PROT_WRITE;
const FIXED = uapi.MAP_PRIVATE | uapi.MAP_ANONYMOUS | uapi.MAP_FIXED;

describe('mmap below mmap_min_addr (cap_mmap_addr)', () => {
  it('root (all capabilities) may map at 0x1000 and use it', () => {
    const p = new Host().spawn();
    expect(p.mmap(0x1000n, 0x1000n, RW, FIXED, -1, 0n)).toBe(0x1000n);
    p.write32(0x1000n, 0xabcd);
    expect(p.read32(0x1000n)).toBe(0xabcd);
    expect(p.mmap(0n, 0x1000n, RW, FIXED, -1, 0n)).toBe(0n);
  });

  it('a task without CAP_SYS_RAWIO gets EPERM and nothing changes; with only CAP_SYS_RAWIO it may', () => {
    const host = new Host();
    const user = host.spawn({ uid: 1000 });
    const before = observableState(host);
    expect(errnoOf(() => user.mmap(0x1000n, 0x1000n, RW, FIXED, -1, 0n))).toBe('EPERM');
    expect(errnoOf(() => user.mmap(0xf000n, 0x2000n, RW, FIXED | uapi.MAP_FIXED_NOREPLACE, -1, 0n))).toBe('EPERM');
    expect(observableState(host)).toBe(before);
    expect(user.mmap(0x10000n, 0x1000n, RW, FIXED, -1, 0n)).toBe(0x10000n);
    const rawio = host.spawn({ uid: 1000, caps: ['CAP_SYS_RAWIO'] });
    expect(rawio.mmap(0x1000n, 0x1000n, RW, FIXED, -1, 0n)).toBe(0x1000n);
  });

  it('a low hint without MAP_FIXED is rounded up to mmap_min_addr (round_hint_to_min), never EPERM', () => {
    const user = new Host().spawn({ uid: 1000 });
    const a = user.mmap(0x1000n, 0x1000n, RW, uapi.MAP_PRIVATE | uapi.MAP_ANONYMOUS, -1, 0n);
    expect(a >= 0x10000n).toBe(true);
  });
});
