/**
 * QEMU's educational device (docs/specs/edu.rst, hw/misc/edu.c), register for register.
 *
 * BAR0 (1 MiB MMIO), 4-byte accesses below 0x80, 4- or 8-byte accesses from 0x80:
 *   0x00 RO  identification 0x010000ed          0x04 RW  liveness: reads ~(last write)
 *   0x08 RW  factorial: write starts, read gets the result (raises 0x1 when status bit 7)
 *   0x20 RW  status: bit 0 computing (RO), bit 7 raise an interrupt after the factorial
 *   0x24 RO  interrupt status                   0x60 WO  raise interrupt (ORs the value in)
 *   0x64 WO  acknowledge (clears the bits)      0x80/0x88/0x90 RW DMA source/dest/count
 *   0x98 RW  DMA command: bit 0 start, bit 1 direction (1 = to RAM), bit 2 raise 0x100 at the end
 * The DMA buffer is 4 KiB of device memory at 0x40000 (device address space); bus
 * addresses are clamped by the DMA mask (params.dmaMask, default 28 bits) as edu.c does.
 * Interrupts: MSI vector 0 when MSI is enabled, else the INTx level (high while the
 * interrupt status is non-zero); a raise while the status is already non-zero sends again.
 * Out-of-range DMA: QEMU's edu_check_range only logs a guest error and then copies past its
 * 4 KiB buffer (undefined behaviour); here nothing is transferred (the trace says why) but the
 * command completes as in edu_dma_timer: RUN clears and 0x100 is raised when bit 2 asked for it.
 * Reset: QEMU's edu has no reset handler; a function reset here clears every register.
 * Timing: the DMA completes 100 ms after the command (edu.c's timer); a factorial takes
 * 100 ns per multiplication.
 * PRI (not in QEMU's edu; only when the topology gives the function `priCapable` and ATS):
 * a DMA that faults in the IOMMU sends a Page Request for the faulting page instead of
 * completing, keeps RUN set, and on the Page Group Response retries the whole transfer
 * (SUCCESS) or completes without it (INVALID), raising 0x100 as usual.
 */
import { PciDeviceModel } from './model.js';
import type { AccessSize, DeviceContext } from './model-types.js';
import type { PciFunction } from '../topology/model.js';
import { u64Param } from './params.js';
import { z } from 'zod';
import type { DeviceModelInfo } from '../topology/model-catalog.js';
import { u64Field } from '../topology/schema.js';
import { mmioBar, nsField } from './catalog-fields.js';
import { U64_MAX as M64 } from '../../base/u64.js';

export const EDU = {
  ID: 0x00, LIVENESS: 0x04, FACTORIAL: 0x08, STATUS: 0x20, IRQ_STATUS: 0x24, IRQ_RAISE: 0x60, IRQ_ACK: 0x64,
  DMA_SRC: 0x80, DMA_DST: 0x88, DMA_CNT: 0x90, DMA_CMD: 0x98,
  STATUS_COMPUTING: 0x01, STATUS_IRQFACT: 0x80,
  DMA_RUN: 0x1, DMA_DIR_TO_RAM: 0x2, DMA_IRQ: 0x4,
  FACT_IRQ: 0x1, DMA_IRQ_VALUE: 0x100,
  DMA_START: 0x40000, DMA_SIZE: 4096,
  IDENT: 0x010000ed,
} as const;

const DMA_DELAY_NS = 100_000_000n;
const FACT_NS_PER_STEP = 100n;
/** 34! has 32 factors of two (17 + 8 + 4 + 2 + 1), so from n = 34 on the u32 product is 0. */
const FACT_ZERO_FROM = 34;

/** n! in u32 arithmetic, as edu_fact_thread's `ret *= val--` loop leaves it, in constant time. */
export function factorialU32(n: number): number {
  if (n >= FACT_ZERO_FROM) return 0;
  let r = 1;
  for (let i = n; i > 1; i--) r = Math.imul(r, i) >>> 0;
  return r;
}

export class EduModel extends PciDeviceModel {
  private addr4 = 0;
  private fact = 0;
  private status = 0;
  private irqStatus = 0;
  private dma = { src: 0n, dst: 0n, cnt: 0n, cmd: 0n };
  readonly buffer = new Uint8Array(EDU.DMA_SIZE);
  private readonly dmaMask: bigint;
  private generation = 0;
  /** Page Request Group Index of the last page request (9 bits, PCIe PRI). */
  private prgIndex = 0;

  constructor(fn: PciFunction, ctx: DeviceContext) {
    super(fn, ctx);
    this.dmaMask = u64Param(fn, 'dmaMask', (1n << 28n) - 1n);
  }

  protected mmioRead(bar: number, off: number, size: AccessSize): bigint {
    if (bar !== 0) return M64;
    if (off < 0x80 && size !== 4) return M64;
    if (off >= 0x80 && size !== 4 && size !== 8) return M64;
    const mask = size === 8 ? M64 : 0xffff_ffffn;
    const v = this.register(off);
    return (v ?? M64) & mask;
  }

  private register(off: number): bigint | null {
    switch (off) {
      case EDU.ID: return BigInt(EDU.IDENT);
      case EDU.LIVENESS: return BigInt(this.addr4 >>> 0);
      case EDU.FACTORIAL: return BigInt(this.fact >>> 0);
      case EDU.STATUS: return BigInt(this.status);
      case EDU.IRQ_STATUS: return BigInt(this.irqStatus >>> 0);
      case EDU.DMA_SRC: return this.dma.src;
      case EDU.DMA_DST: return this.dma.dst;
      case EDU.DMA_CNT: return this.dma.cnt;
      case EDU.DMA_CMD: return this.dma.cmd;
      default: return null;
    }
  }

  protected mmioWrite(bar: number, off: number, size: AccessSize, value: bigint): void {
    if (bar !== 0) return;
    if (off < 0x80 && size !== 4) return;
    if (off >= 0x80 && size !== 4 && size !== 8) return;
    const v32 = Number(value & 0xffff_ffffn);
    switch (off) {
      case EDU.LIVENESS: this.addr4 = ~v32 >>> 0; break;
      case EDU.FACTORIAL: this.startFactorial(v32); break;
      case EDU.STATUS:
        this.status = v32 & EDU.STATUS_IRQFACT ? this.status | EDU.STATUS_IRQFACT : this.status & ~EDU.STATUS_IRQFACT;
        break;
      case EDU.IRQ_RAISE: this.raise(v32); break;
      case EDU.IRQ_ACK: this.lower(v32); break;
      case EDU.DMA_SRC: if (!this.dmaRunning()) this.dma.src = value; break;
      case EDU.DMA_DST: if (!this.dmaRunning()) this.dma.dst = value; break;
      case EDU.DMA_CNT: if (!this.dmaRunning()) this.dma.cnt = value; break;
      case EDU.DMA_CMD: this.startDma(value); break;
    }
  }

  private dmaRunning(): boolean {
    return (this.dma.cmd & BigInt(EDU.DMA_RUN)) !== 0n;
  }

  private startFactorial(n: number): void {
    if (this.status & EDU.STATUS_COMPUTING) return;
    this.fact = n;
    this.status |= EDU.STATUS_COMPUTING;
    const gen = this.generation;
    this.ctx.clock.after(FACT_NS_PER_STEP * BigInt(Math.max(1, Math.min(n, 1_000_000))), `edu ${this.fn.bdf} factorial`, () => {
      if (gen !== this.generation) return;
      this.fact = factorialU32(n);
      this.status &= ~EDU.STATUS_COMPUTING;
      if (this.status & EDU.STATUS_IRQFACT) this.raise(EDU.FACT_IRQ);
    });
  }

  private startDma(value: bigint): void {
    if ((value & BigInt(EDU.DMA_RUN)) === 0n || this.dmaRunning()) return;
    this.dma.cmd = value;
    const gen = this.generation;
    this.ctx.clock.after(DMA_DELAY_NS, `edu ${this.fn.bdf} dma`, () => {
      if (gen === this.generation) this.finishDma();
    });
  }

  private inBuffer(addr: bigint, cnt: bigint): boolean {
    const start = BigInt(EDU.DMA_START);
    return addr >= start && cnt <= BigInt(EDU.DMA_SIZE) && addr + cnt <= start + BigInt(EDU.DMA_SIZE);
  }

  private clamp(addr: bigint): bigint {
    const r = addr & this.dmaMask;
    if (r !== addr) this.trace(`clamping DMA 0x${addr.toString(16)} to 0x${r.toString(16)}`);
    return r;
  }

  private finishDma(): void {
    const { cmd, cnt } = this.dma;
    const toRam = (cmd & BigInt(EDU.DMA_DIR_TO_RAM)) !== 0n;
    const local = toRam ? this.dma.src : this.dma.dst;
    if (!this.inBuffer(local, cnt)) {
      this.trace(`DMA range 0x${local.toString(16)}+0x${cnt.toString(16)} outside the device buffer: nothing transferred`);
      this.dma.cmd &= ~BigInt(EDU.DMA_RUN);
      if (cmd & BigInt(EDU.DMA_IRQ)) this.raise(EDU.DMA_IRQ_VALUE);
      return;
    }
    const o = Number(local) - EDU.DMA_START;
    const n = Number(cnt);
    const bus = this.clamp(toRam ? this.dma.dst : this.dma.src);
    const r = toRam ? this.dmaWrite(bus, this.buffer.slice(o, o + n)) : this.dmaRead(bus, n);
    if (!r.ok && r.reason === 'iommu-fault' && this.pageRequest(bus + BigInt(r.bytesDone), toRam)) return;
    if (r.ok && !toRam) this.buffer.set(r.data, o);
    this.completeDma(cmd);
  }

  /** RUN clears; 0x100 is raised when the command asked for it. */
  private completeDma(cmd: bigint): void {
    this.dma.cmd &= ~BigInt(EDU.DMA_RUN);
    if (cmd & BigInt(EDU.DMA_IRQ)) this.raise(EDU.DMA_IRQ_VALUE);
  }

  /** PRI: ask the IOMMU to fault `addr` in; true when the request went out (the DMA then waits). */
  private pageRequest(addr: bigint, write: boolean): boolean {
    const iommu = this.ctx.iommu;
    if (!this.fn.priCapable || !this.fn.atsCapable || iommu === null) return false;
    this.prgIndex = (this.prgIndex + 1) & 0x1ff;
    const gen = this.generation;
    const cmd = this.dma.cmd;
    return iommu.pageRequest(this.requesterId, addr, { read: !write, write, grpid: this.prgIndex }, (code) => {
      if (gen !== this.generation) return;
      this.trace(`page response ${code} for 0x${addr.toString(16)}`);
      if (code === 'success') this.finishDma();
      else this.completeDma(cmd);
    });
  }

  private raise(v: number): void {
    this.irqStatus = (this.irqStatus | v) >>> 0;
    if (this.irqStatus === 0) return;
    if (this.msiMode === 'msi') this.sendMsi(0);
    else this.setIntx(true);
  }

  private lower(v: number): void {
    this.irqStatus = (this.irqStatus & ~v) >>> 0;
    if (this.irqStatus === 0 && this.msiMode !== 'msi') this.setIntx(false);
  }

  protected onReset(): void {
    this.generation++;
    this.addr4 = 0;
    this.fact = 0;
    this.status = 0;
    this.irqStatus = 0;
    this.dma = { src: 0n, dst: 0n, cnt: 0n, cmd: 0n };
    this.buffer.fill(0);
  }
}

// ---- what enumeration sees: identity, BARs, interrupt pin, capabilities, params ----

/** QEMU hw/misc/edu.c: 1234:11e8 rev 0x10, PCI_CLASS_OTHERS, BAR0 1 MiB, INTA, one MSI. */
export const eduDevice: DeviceModelInfo = {
  name: 'edu',
  description: "QEMU's educational device (factorial, interrupts, 4 KiB DMA buffer)",
  vendor: 0x1234, device: 0x11e8, subsystemVendor: 0x1af4, subsystemDevice: 0x1100,
  classCode: 0x00ff00, revision: 0x10, interruptPin: 1,
  bars: [mmioBar(0, 0x10_0000n)],
  msi: { vectors: 1, is64: true, perVectorMask: false },
  msix: null,
  pcie: false, pm: false, flr: false,
  params: z.strictObject({ dmaMask: u64Field.optional(), irqLatencyNs: nsField.optional() }),
  create: (fn, ctx) => new EduModel(fn, ctx),
};
