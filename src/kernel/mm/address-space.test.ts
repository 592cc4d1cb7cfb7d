import { describe, expect, it } from 'vitest';
import { FrameAllocator } from './frame-allocator.js';
import { PhysMem } from '../../hardware/memory/phys-mem.js';
import { MAP_ANONYMOUS, MAP_FIXED, MAP_PRIVATE, MAP_SHARED, PROT_READ, PROT_WRITE } from '../../uapi/posix.js';
import { AddressSpace } from './address-space.js';

function mk(ramBytes = 1n << 30n): { mm: AddressSpace; phys: PhysMem; frames: FrameAllocator } {
  const phys = new PhysMem();
  const frames = new FrameAllocator([[0n, ramBytes]]);
  const mm = new AddressSpace(
    { alloc: (n, a) => frames.alloc(n, a), free: (p, n) => { phys.fill(BigInt(p) << 12n, n * 4096, 0); frames.free(p, n); } },
    phys,
  );
  return { mm, phys, frames };
}

const RW = PROT_READ | PROT_WRITE;
const ANON = MAP_PRIVATE | MAP_ANONYMOUS;

describe('AddressSpace', () => {
  it('maps anonymous memory that reads zero and keeps what is stored', () => {
    const { mm } = mk();
    const a = mm.map(0n, 0x3000n, RW, ANON, null);
    expect(a.ok).toBe(true);
    const addr = (a as { value: bigint }).value;
    expect(addr % 0x1000n).toBe(0n);
    const z = mm.load(addr + 0x1ffen, 4);
    expect('signal' in z).toBe(false);
    expect([...(z as { value: Uint8Array }).value]).toEqual([0, 0, 0, 0]);
    expect(mm.store(addr + 0x1ffen, Uint8Array.of(1, 2, 3, 4))).toEqual({ ok: true, value: undefined });
    expect([...(mm.load(addr + 0x1ffen, 4) as { value: Uint8Array }).value]).toEqual([1, 2, 3, 4]);
  });

  it('delivers SIGSEGV for unmapped and read-only accesses and changes nothing', () => {
    const { mm } = mk();
    const addr = (mm.map(0n, 0x1000n, PROT_READ, ANON, null) as { value: bigint }).value;
    const w = mm.store(addr, Uint8Array.of(1));
    expect(w).toMatchObject({ signal: 'SIGSEGV', address: addr });
    const r = mm.load(addr + 0x1000n, 1);
    expect(r).toMatchObject({ signal: 'SIGSEGV' });
  });

  it('costs one page for a 1 TiB mapping touched once', () => {
    const { mm, phys } = mk();
    const addr = (mm.map(0n, 1n << 40n, RW, ANON, null) as { value: bigint }).value;
    mm.store(addr + (1n << 39n), Uint8Array.of(7));
    expect(phys.materializedBytes()).toBeLessThanOrEqual(64 * 1024);
    expect((mm.load(addr + (1n << 39n), 1) as { value: Uint8Array }).value[0]).toBe(7);
  });

  it('pins pages into physically contiguous runs and keeps pinned frames after munmap', () => {
    const { mm, frames } = mk();
    const addr = (mm.map(0n, 4n << 20n, RW, ANON, null) as { value: bigint }).value;
    expect(addr % (2n << 20n)).toBe(0n);
    const pin = mm.pin(addr, 4n << 20n, true);
    expect(pin.ok).toBe(true);
    const runs = (pin as { value: Array<{ pa: bigint; bytes: bigint }> }).value;
    expect(runs.every((r) => r.pa % (2n << 20n) === 0n)).toBe(true);
    expect(runs.reduce((s, r) => s + r.bytes, 0n)).toBe(4n << 20n);
    const used = frames.usedFrames();
    mm.unmap(addr, 4n << 20n);
    expect(frames.usedFrames()).toBe(used);
    mm.unpin(runs as never);
    expect(frames.usedFrames()).toBe(used - 1024);
  });

  it('refuses to pin unmapped or read-only memory for write with EFAULT, pinning nothing', () => {
    const { mm } = mk();
    const addr = (mm.map(0n, 0x2000n, PROT_READ, ANON, null) as { value: bigint }).value;
    expect(mm.pin(addr, 0x2000n, true)).toMatchObject({ ok: false, code: 'EFAULT' });
    expect(mm.pin(addr, 0x3000n, false)).toMatchObject({ ok: false, code: 'EFAULT' });
    expect(mm.pinnedFrames()).toBe(0);
  });

  it('MAP_FIXED replaces, munmap splits, errors are EINVAL', () => {
    const { mm } = mk();
    const addr = (mm.map(0n, 0x4000n, RW, ANON, null) as { value: bigint }).value;
    mm.store(addr, Uint8Array.of(9));
    expect(mm.map(addr, 0x1000n, RW, ANON | MAP_FIXED, null)).toEqual({ ok: true, value: addr });
    expect((mm.load(addr, 1) as { value: Uint8Array }).value[0]).toBe(0);
    expect(mm.unmap(addr + 0x1000n, 0x1000n).ok).toBe(true);
    expect(mm.list().length).toBe(2);
    expect(mm.unmap(addr + 1n, 0x1000n)).toMatchObject({ code: 'EINVAL' });
    expect(mm.unmap(addr, 0n)).toMatchObject({ code: 'EINVAL' });
    expect(mm.map(0n, 0n, RW, MAP_SHARED | MAP_ANONYMOUS, null)).toMatchObject({ code: 'EINVAL' });
  });
});
