/**
 * Issue 14 item 1: every bigint argument of the syscall surface is a 64-bit register.
 * Linux reads addresses and lengths as `unsigned long` / `size_t` and file positions as
 * `loff_t`, so a negative bigint is the two's-complement value C would pass (mmap of
 * -0x1000 is a length of 2^64 - 0x1000: ENOMEM), and a bigint that fits no 64-bit register
 * (>= 2^64 or < -2^63) is a RangeError ERR_OUT_OF_RANGE, as Node's fs answers a position
 * it cannot represent. A refused call changes nothing.
 */
import { describe, expect, it } from 'vitest';
import { Host, uapi } from '../../src/index.js';
import { observableState } from '../../src/testing/index.js';
import { errnoOf } from '../support/errno.js';
import { openLegacyDevice } from '../support/vfio.js';

const RW = uapi.PROT_READ | uapi.PROT_WRITE;
const ANON = uapi.MAP_PRIVATE | uapi.MAP_ANONYMOUS;
const FIXED = ANON | uapi.MAP_FIXED;
const U64 = 1n << 64n;
const TASK_SIZE = 0x7ffffffff000n;

describe('bigint syscall arguments are 64-bit registers', () => {
  it('mmap reads a negative or huge length as size_t: ENOMEM (do_mmap PAGE_ALIGN wrap, __get_unmapped_area len > TASK_SIZE)', () => {
    const host = new Host();
    const p = host.spawn();
    const before = observableState(host);
    expect(errnoOf(() => p.mmap(0n, -0x1000n, RW, ANON, -1, 0n))).toBe('ENOMEM');
    expect(errnoOf(() => p.mmap(0n, -(2n ** 63n), RW, ANON, -1, 0n))).toBe('ENOMEM');
    expect(errnoOf(() => p.mmap(0n, -1n, RW, ANON, -1, 0n))).toBe('ENOMEM');
    expect(errnoOf(() => p.mmap(0n, 2n ** 63n, RW, ANON, -1, 0n))).toBe('ENOMEM');
    expect(errnoOf(() => p.mmap(0n, TASK_SIZE + 0x1000n, RW, ANON, -1, 0n))).toBe('ENOMEM');
    expect(observableState(host)).toBe(before);
  });

  it('a bigint no 64-bit register holds is RangeError ERR_OUT_OF_RANGE, for every bigint parameter', () => {
    const host = new Host();
    const p = host.spawn();
    const a = p.mmap(0n, 0x1000n, RW, ANON, -1, 0n);
    const fd = p.eventfd();
    const before = observableState(host);
    for (const bad of [U64, U64 + 0x1000n, -(2n ** 63n) - 1n, -U64]) {
      expect(errnoOf(() => p.mmap(bad, 0x1000n, RW, ANON, -1, 0n))).toBe('ERR_OUT_OF_RANGE');
      expect(errnoOf(() => p.mmap(0n, bad, RW, ANON, -1, 0n))).toBe('ERR_OUT_OF_RANGE');
      expect(errnoOf(() => p.mmap(0n, 0x1000n, RW, ANON, -1, bad))).toBe('ERR_OUT_OF_RANGE');
      expect(errnoOf(() => p.munmap(bad, 0x1000n))).toBe('ERR_OUT_OF_RANGE');
      expect(errnoOf(() => p.munmap(a, bad))).toBe('ERR_OUT_OF_RANGE');
      expect(errnoOf(() => p.pread(fd, 8, bad))).toBe('ERR_OUT_OF_RANGE');
      expect(errnoOf(() => p.pwrite(fd, new Uint8Array(8), bad))).toBe('ERR_OUT_OF_RANGE');
      expect(errnoOf(() => p.readMem(bad, 4))).toBe('ERR_OUT_OF_RANGE');
      expect(errnoOf(() => p.read32(bad))).toBe('ERR_OUT_OF_RANGE');
      expect(errnoOf(() => p.writeMem(bad, new Uint8Array(4)))).toBe('ERR_OUT_OF_RANGE');
      expect(errnoOf(() => p.write64(a, bad))).toBe('ERR_OUT_OF_RANGE');
    }
    expect(observableState(host)).toBe(before);
    expect(p.read64(a)).toBe(0n);
  });

  it('munmap of a negative address or length is EINVAL (do_vmi_munmap: start > TASK_SIZE, len > TASK_SIZE - start)', () => {
    const host = new Host();
    const p = host.spawn();
    const a = p.mmap(0n, 0x2000n, RW, ANON, -1, 0n);
    const before = observableState(host);
    expect(errnoOf(() => p.munmap(-0x1000n, 0x1000n))).toBe('EINVAL');
    expect(errnoOf(() => p.munmap(a, -1n))).toBe('EINVAL');
    expect(errnoOf(() => p.munmap(a, -0x1000n))).toBe('EINVAL');
    expect(errnoOf(() => p.munmap(a, U64 - 1n))).toBe('EINVAL');
    expect(errnoOf(() => p.munmap(TASK_SIZE, 0x1000n))).toBe('EINVAL');
    expect(observableState(host)).toBe(before);
    p.write32(a + 0x1000n, 7);
    expect(p.read32(a + 0x1000n)).toBe(7);
  });

  it('MAP_FIXED at a negative address is ENOMEM before any alignment check (__get_unmapped_area: addr > TASK_SIZE - len)', () => {
    const host = new Host();
    const p = host.spawn();
    const before = observableState(host);
    expect(errnoOf(() => p.mmap(-0x1000n, 0x1000n, RW, FIXED, -1, 0n))).toBe('ENOMEM');
    expect(errnoOf(() => p.mmap(-0x1001n, 0x1000n, RW, FIXED, -1, 0n))).toBe('ENOMEM');
    expect(errnoOf(() => p.mmap(TASK_SIZE - 0x1000n + 1n, 0x1000n, RW, FIXED, -1, 0n))).toBe('ENOMEM');
    expect(errnoOf(() => p.mmap(0x200001n, 0x1000n, RW, FIXED, -1, 0n))).toBe('EINVAL');
    expect(observableState(host)).toBe(before);
    expect(p.mmap(TASK_SIZE - 0x1000n, 0x1000n, RW, FIXED, -1, 0n)).toBe(TASK_SIZE - 0x1000n);
  });

  it('a non-fixed negative hint is only a hint: the mapping lands inside user space', () => {
    const p = new Host().spawn();
    const a = p.mmap(-0x1000n, 0x1000n, RW, ANON, -1, 0n);
    expect(a > 0n && a + 0x1000n <= TASK_SIZE).toBe(true);
  });

  it('a device mapping whose offset + length passes 2^64 is EOVERFLOW (do_mmap: file_mmap_ok); anonymous memory ignores the offset', () => {
    const host = new Host();
    const { p, device } = openLegacyDevice(host, '0000:06:00.0');
    const before = observableState(host);
    expect(errnoOf(() => p.mmap(0n, 0x2000n, RW, uapi.MAP_SHARED, device, -0x1000n))).toBe('EOVERFLOW');
    expect(errnoOf(() => p.mmap(0n, -0x1000n, RW, uapi.MAP_SHARED, device, 0n))).toBe('ENOMEM');
    expect(observableState(host)).toBe(before);
    expect(typeof p.mmap(0n, 0x2000n, RW, ANON, -1, -0x1000n)).toBe('bigint');
  });

  it('pread/pwrite read the offset as loff_t: a bigint at or above 2^63 is a negative position, EINVAL', () => {
    const host = new Host();
    const p = host.spawn();
    const fd = p.open('/dev/vfio/vfio', uapi.O_RDWR);
    expect(errnoOf(() => p.pread(fd, 8, 2n ** 63n))).toBe('EINVAL');
    expect(errnoOf(() => p.pread(fd, 8, -1n))).toBe('EINVAL');
    expect(errnoOf(() => p.pwrite(fd, new Uint8Array(8), U64 - 1n))).toBe('EINVAL');
  });

  it('a CPU access at a negative address is a user pointer above user space: SIGSEGV', () => {
    const p = new Host().spawn();
    expect(errnoOf(() => p.read32(-4n))).toBe('SIGSEGV');
    expect(errnoOf(() => p.write32(-4n, 1))).toBe('SIGSEGV');
  });

  it('write64 stores a negative value as its two\'s complement', () => {
    const p = new Host().spawn();
    const a = p.mmap(0n, 0x1000n, RW, ANON, -1, 0n);
    p.write64(a, -1n);
    expect(p.read64(a)).toBe(U64 - 1n);
  });
});
