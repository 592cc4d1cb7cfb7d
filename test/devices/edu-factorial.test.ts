/**
 * Issue 14 item 6: edu's factorial is u32 arithmetic as QEMU's edu_fact_thread does it,
 * computed in constant time: 34! holds 2^32, so every n >= 34 reads 0, and below that the
 * product wraps modulo 2^32. A huge n must not stall the next run().
 */
import { describe, expect, it } from 'vitest';
import { uapi } from '../../src/index.js';
import { EDU } from '../../src/hardware/devices/edu.js';
import { cfgRead, cfgWrite, EDU_BDF, machine, openDevice } from '../vfio-pci/helpers.js';

function edu() {
  const host = machine();
  const o = openDevice(host, EDU_BDF);
  cfgWrite(o, uapi.PCI_COMMAND, 2, cfgRead(o, uapi.PCI_COMMAND, 2) | uapi.PCI_COMMAND_MEMORY);
  const va = o.p.mmap(0n, 0x1000n, uapi.PROT_READ | uapi.PROT_WRITE, uapi.MAP_SHARED, o.device, 0n);
  return { host, r32: (off: number) => o.p.read32(va + BigInt(off)), w32: (off: number, v: number) => o.p.write32(va + BigInt(off), v) };
}

/** n! mod 2^32, the slow way, as the reference. */
function factU32(n: number): number {
  let r = 1n;
  for (let i = 2n; i <= BigInt(n); i++) r = (r * i) % 2n ** 32n;
  return Number(r);
}

describe('edu factorial in constant time', () => {
  it('n = 0xffffffff finishes at once and reads 0', () => {
    const { host, r32, w32 } = edu();
    w32(EDU.FACTORIAL, 0xffffffff);
    const t0 = performance.now();
    host.run();
    expect(performance.now() - t0).toBeLessThan(200);
    expect(r32(EDU.FACTORIAL)).toBe(0);
    expect(r32(EDU.STATUS) & EDU.STATUS_COMPUTING).toBe(0);
  });

  it('n! mod 2^32 for n around the point where it becomes 0 (33 is not yet 0, 34 is)', () => {
    const { host, r32, w32 } = edu();
    for (const n of [1, 2, 12, 13, 20, 31, 32, 33, 34, 35, 100, 0x7fffffff, 0x80000000]) {
      w32(EDU.FACTORIAL, n);
      host.run();
      expect(r32(EDU.FACTORIAL), `n = ${n}`).toBe(factU32(Math.min(n, 40)));
    }
    expect(factU32(33)).not.toBe(0);
    expect(factU32(34)).toBe(0);
  });
});
