/**
 * The edu model register by register against QEMU hw/misc/edu.c and docs/specs/edu.rst:
 * access sizes (4 below 0x80, 4 or 8 from 0x80, everything else reads all ones and writes
 * nothing), liveness, factorial and status, interrupt raise / acknowledge, the DMA registers
 * and command bits. Accesses go through a BAR mmap, so each load/store is one device access.
 */
import { describe, expect, it } from 'vitest';
import { uapi } from '../../src/index.js';
import { EDU } from '../../src/hardware/devices/edu.js';
import { cfgRead, cfgWrite, drain, EDU_BDF, machine, openDevice, setIrqs } from '../vfio-pci/helpers.js';

function edu() {
  const host = machine();
  const o = openDevice(host, EDU_BDF);
  cfgWrite(o, uapi.PCI_COMMAND, 2, cfgRead(o, uapi.PCI_COMMAND, 2) | uapi.PCI_COMMAND_MASTER | uapi.PCI_COMMAND_MEMORY);
  const va = o.p.mmap(0n, 0x1000n, uapi.PROT_READ | uapi.PROT_WRITE, uapi.MAP_SHARED, o.device, 0n);
  const r32 = (off: number) => o.p.read32(va + BigInt(off));
  const w32 = (off: number, v: number) => o.p.write32(va + BigInt(off), v);
  const r64 = (off: number) => o.p.read64(va + BigInt(off));
  const w64 = (off: number, v: bigint) => o.p.write64(va + BigInt(off), v);
  return { host, o, va, r32, w32, r64, w64 };
}

describe('edu access sizes (edu_mmio_read / edu_mmio_write)', () => {
  it('below 0x80 only 4-byte accesses: 8-, 2- and 1-byte reads are all ones, such writes are dropped', () => {
    const { o, r32, r64, w64 } = edu();
    expect(r32(EDU.ID)).toBe(0x010000ed);
    expect(r64(EDU.ID)).toBe(0xffff_ffff_ffff_ffffn);
    expect([...o.p.pread(o.device, 2, 0n)]).toEqual([0xff, 0xff]);
    expect([...o.p.pread(o.device, 1, 0n)]).toEqual([0xff]);
    w64(EDU.FACTORIAL, 5n);
    expect(r32(EDU.STATUS) & EDU.STATUS_COMPUTING).toBe(0);
    expect(r32(EDU.FACTORIAL)).toBe(0);
  });

  it('from 0x80 4- and 8-byte accesses; a 4-byte write sets the whole 64-bit register; 0x84 is no register', () => {
    const { r32, w32, r64, w64 } = edu();
    w64(EDU.DMA_SRC, 0x1_2345_6789n);
    expect(r64(EDU.DMA_SRC)).toBe(0x1_2345_6789n);
    expect(r32(EDU.DMA_SRC)).toBe(0x2345_6789);
    expect(r32(EDU.DMA_SRC + 4)).toBe(0xffff_ffff);
    w32(EDU.DMA_SRC, 0x40);
    expect(r64(EDU.DMA_SRC)).toBe(0x40n);
    w32(EDU.DMA_SRC + 4, 0x1234);
    expect(r64(EDU.DMA_SRC)).toBe(0x40n);
  });

  it('unknown and write-only offsets read all ones; the identification is read-only', () => {
    const { r32, w32 } = edu();
    for (const off of [0x0c, 0x10, EDU.IRQ_RAISE, EDU.IRQ_ACK, 0x7c, 0xa0]) expect(r32(off)).toBe(0xffff_ffff);
    w32(EDU.ID, 0);
    expect(r32(EDU.ID)).toBe(0x010000ed);
  });
});

describe('edu liveness, factorial and status', () => {
  it('liveness reads 0 at power-on, then ~(last write)', () => {
    const { r32, w32 } = edu();
    expect(r32(EDU.LIVENESS)).toBe(0);
    w32(EDU.LIVENESS, 0x12345678);
    expect(r32(EDU.LIVENESS)).toBe(~0x12345678 >>> 0);
  });

  it('factorial: COMPUTING while busy (the register shows the input), writes ignored meanwhile, u32 wrap-around', () => {
    const { host, r32, w32 } = edu();
    w32(EDU.FACTORIAL, 5);
    expect(r32(EDU.STATUS) & EDU.STATUS_COMPUTING).toBe(1);
    expect(r32(EDU.FACTORIAL)).toBe(5);
    w32(EDU.FACTORIAL, 3);
    host.run();
    expect(r32(EDU.FACTORIAL)).toBe(120);
    expect(r32(EDU.STATUS)).toBe(0);
    w32(EDU.FACTORIAL, 13); // 13! = 6227020800 wraps in 32 bits
    host.run();
    expect(r32(EDU.FACTORIAL)).toBe(6227020800 % 2 ** 32);
    w32(EDU.FACTORIAL, 0);
    host.run();
    expect(r32(EDU.FACTORIAL)).toBe(1);
  });

  it('status: bit 0 is read-only, bit 7 set or cleared by the write; with bit 7 a finished factorial raises 0x1', () => {
    const { host, o, r32, w32 } = edu();
    w32(EDU.STATUS, 0x81);
    expect(r32(EDU.STATUS)).toBe(0x80);
    const efd = o.p.eventfd();
    setIrqs(o, uapi.VFIO_PCI_INTX_IRQ_INDEX, uapi.VFIO_IRQ_SET_DATA_EVENTFD | uapi.VFIO_IRQ_SET_ACTION_TRIGGER, 0, [efd]);
    w32(EDU.FACTORIAL, 4);
    host.run();
    expect(r32(EDU.IRQ_STATUS)).toBe(EDU.FACT_IRQ);
    expect(drain(o.p, efd)).toBe(1n);
    w32(EDU.STATUS, 0);
    expect(r32(EDU.STATUS)).toBe(0);
  });
});

describe('edu interrupts', () => {
  it('raise ORs into the status, acknowledge clears bits; INTx follows "status != 0"', () => {
    const { o, r32, w32 } = edu();
    w32(EDU.IRQ_RAISE, 0x5);
    w32(EDU.IRQ_RAISE, 0x2);
    expect(r32(EDU.IRQ_STATUS)).toBe(0x7);
    expect(cfgRead(o, uapi.PCI_STATUS, 2) & uapi.PCI_STATUS_INTERRUPT).toBe(uapi.PCI_STATUS_INTERRUPT);
    w32(EDU.IRQ_ACK, 0x3);
    expect(r32(EDU.IRQ_STATUS)).toBe(0x4);
    expect(cfgRead(o, uapi.PCI_STATUS, 2) & uapi.PCI_STATUS_INTERRUPT).toBe(uapi.PCI_STATUS_INTERRUPT);
    w32(EDU.IRQ_ACK, 0x4);
    expect(cfgRead(o, uapi.PCI_STATUS, 2) & uapi.PCI_STATUS_INTERRUPT).toBe(0);
  });

  it('with MSI every raise sends a message, even raise(0) while the status is non-zero; none while it is zero', () => {
    const { o, w32 } = edu();
    const efd = o.p.eventfd();
    setIrqs(o, uapi.VFIO_PCI_MSI_IRQ_INDEX, uapi.VFIO_IRQ_SET_DATA_EVENTFD | uapi.VFIO_IRQ_SET_ACTION_TRIGGER, 0, [efd]);
    w32(EDU.IRQ_RAISE, 0);
    expect(drain(o.p, efd)).toBe(0n);
    w32(EDU.IRQ_RAISE, 1);
    w32(EDU.IRQ_RAISE, 0);
    expect(drain(o.p, efd)).toBe(2n);
  });
});

describe('edu DMA command', () => {
  it('RUN starts a 100 ms transfer; registers and a second start are ignored while it runs; RUN clears at the end', () => {
    const { host, r64, w64 } = edu();
    w64(EDU.DMA_SRC, BigInt(EDU.DMA_START));
    w64(EDU.DMA_DST, 0x1000n);
    w64(EDU.DMA_CNT, 0n);
    w64(EDU.DMA_CMD, 0x2n); // no RUN bit: ignored entirely
    expect(r64(EDU.DMA_CMD)).toBe(0n);
    const t0 = host.clock.now();
    w64(EDU.DMA_CMD, 0x3n);
    w64(EDU.DMA_SRC, 0x999n);
    w64(EDU.DMA_CMD, 0x7n);
    expect(r64(EDU.DMA_CMD)).toBe(0x3n);
    expect(r64(EDU.DMA_SRC)).toBe(BigInt(EDU.DMA_START));
    host.run();
    expect(host.clock.now() - t0).toBe(100_000_000n);
    expect(r64(EDU.DMA_CMD)).toBe(0x2n);
  });

  it('an out-of-range transfer moves nothing but completes: RUN clears and 0x100 is raised when bit 2 asks', () => {
    const { host, r32, r64, w64 } = edu();
    w64(EDU.DMA_SRC, 0x1000n);
    w64(EDU.DMA_DST, BigInt(EDU.DMA_START + EDU.DMA_SIZE - 4));
    w64(EDU.DMA_CNT, 8n);
    w64(EDU.DMA_CMD, BigInt(EDU.DMA_RUN | EDU.DMA_IRQ));
    host.run();
    expect(r64(EDU.DMA_CMD) & 1n).toBe(0n);
    expect(r32(EDU.IRQ_STATUS)).toBe(EDU.DMA_IRQ_VALUE);
  });
});
