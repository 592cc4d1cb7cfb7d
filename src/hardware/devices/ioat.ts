/**
 * An Intel I/OAT DMA engine (QuickData, "CBDMA") as a Skylake-SP Xeon has eight of them at
 * 00:04.0-7: one channel per PCI function, 8086:2021, CBVER 3.3. What the kernel's VFIO
 * selftest driver (tools/testing/selftests/vfio/lib/drivers/ioat/ioat.c) and ioatdma
 * (drivers/dma/ioat/) program; register names and numbers from drivers/dma/ioat/registers.h
 * and hw.h. Identity, BAR and MSI-X layout: `ioatDevice` at the end of this file. Docs: docs/devices/ioat.md.
 *
 * BAR0 (16 KiB, 64-bit): device registers, channel 0 at 0x80, MSI-X table 0x2000, PBA 0x3000.
 *   0x00 RO  u8  CHANCNT 1          0x01 RO u8 XFERCAP 20 (2^20 = 1 MiB per descriptor)
 *   0x02 RW  u8  GENCTRL (kept)     0x03 RW u8 INTRCTRL: 0x01 MASTER_INT_EN, 0x08 MSIX_VECTOR_CONTROL;
 *                                              0x02 INT_STATUS, 0x04 INT read-only
 *   0x04 RO  u32 ATTNSTATUS: bit 0 = channel 0 interrupted and not re-armed
 *   0x08 RO  u8  CBVER 0x33         0x0c RW u16 INTRDELAY (kept, no coalescing)
 *   0x0e RO  u16 DEVICE_STATUS 0    0x10 RO u32 DMA_CAP 0 (copy and null descriptors only)
 *   0x80 RW  u16 CHANCTRL: 0x01 INT_REARM (arms the interrupt, reads 0), 0x04 ERR_COMPLETION_EN,
 *                0x08 ANY_ERR_ABORT_EN, 0x10 ERR_INT_EN; other bits kept
 *   0x82 RO  u16 DMA_COMP 0x0002    0x84 RW u8 CHANCMD: 0x20 RESET (reads 1 until done),
 *                                              0x10 RESUME, 0x04 SUSPEND; others ignored
 *   0x86 RW  u16 DMACOUNT: the doorbell, a running count of descriptors handed over
 *   0x88 RO  u64 CHANSTS: completed descriptor address (bits 63:6) | 0 ACTIVE 1 DONE 2 SUSPENDED 3 HALTED
 *   0x90 RW  u64 CHAINADDR          0x98 RW u64 CHANCMP (where CHANSTS is written back)
 *   0xa8 W1C u32 CHANERR            0xac RW u32 CHANERRMSK (kept)
 * Config space: 0x148 DMAUNCERRSTS (W1C, stays 0), 0x180 CHANERR_INT (W1C: channel errors are
 * logged here too unless masked), 0x184 CHANERRMSK_INT (RW).
 * Descriptor (64 bytes, 64-byte aligned): u32 size, u32 ctl (0x1 int_en, 0x8 compl_write,
 * 0x20 null, op in 31:24, 0 = copy), u64 src, u64 dst, u64 next.
 * The channel itself (state machine, descriptors, timing, the self-chained fast path) is
 * ioat-channel.ts; this file decodes BAR0, keeps the device-wide registers and the config-space
 * error log, and sends the channel's interrupt as MSI-X vector 0.
 *
 * What must always hold: a channel error also lands in CHANERR_INT unless CHANERRMSK_INT masks
 * it; the interrupt goes out only as MSI-X and only with INTRCTRL.MSIX_VECTOR_CONTROL set
 * (the selftest enables nothing else; MASTER_INT_EN would gate INTx, which is not modelled).
 * Not modelled (docs/devices/ioat.md): INTx and MSI, DCA, fill/XOR/PQ descriptors, ABORT,
 * interrupt coalescing, CHANCTRL IN_USE's read-to-claim, more than one channel per function.
 */
import { PciDeviceModel } from './model.js';
import type { AccessSize, DeviceContext } from './model-types.js';
import type { PciFunction } from '../topology/model.js';
import { IoatChannel, IOAT_CHANNEL } from './ioat-channel.js';
import { nsParam, numParam } from './params.js';
import { z } from 'zod';
import type { DeviceModelInfo } from '../topology/model-catalog.js';
import { bytesPerUsField, nsField } from './catalog-fields.js';

export const IOAT = {
  CHANCNT: 0x00, XFERCAP: 0x01, GENCTRL: 0x02, INTRCTRL: 0x03, ATTNSTATUS: 0x04, VER: 0x08,
  INTRDELAY: 0x0c, DEVICE_STATUS: 0x0e, DMA_CAP: 0x10,
  PCI_DMAUNCERRSTS: 0x148, PCI_CHANERR_INT: 0x180, PCI_CHANERRMSK_INT: 0x184,
  VER_3_3: 0x33,
  INTRCTRL_MASTER_INT_EN: 0x01, INTRCTRL_INT_STATUS: 0x02, INTRCTRL_INT: 0x04, INTRCTRL_MSIX_VECTOR_CONTROL: 0x08,
  ...IOAT_CHANNEL,
} as const;

/** Every register by offset and width, for accesses that cover part of one or several. */
const LAYOUT: readonly (readonly [number, number])[] = [
  [IOAT.CHANCNT, 1], [IOAT.XFERCAP, 1], [IOAT.GENCTRL, 1], [IOAT.INTRCTRL, 1], [IOAT.ATTNSTATUS, 4],
  [IOAT.VER, 1], [IOAT.INTRDELAY, 2], [IOAT.DEVICE_STATUS, 2], [IOAT.DMA_CAP, 4],
  [IOAT.CHANCTRL, 2], [IOAT.DMA_COMP, 2], [IOAT.CHANCMD, 1], [IOAT.DMACOUNT, 2], [IOAT.CHANSTS, 8],
  [IOAT.CHAINADDR, 8], [IOAT.CHANCMP, 8], [IOAT.CHANERR, 4], [IOAT.CHANERRMSK, 4],
];

export class IoatModel extends PciDeviceModel {
  private genctrl = 0;
  private intrctrl = 0;
  private intrdelay = 0;
  private readonly channel: IoatChannel;

  constructor(fn: PciFunction, ctx: DeviceContext) {
    super(fn, ctx);
    this.channel = new IoatChannel({
      clock: ctx.clock, name: fn.bdf,
      dmaRead: (addr, len) => this.dmaRead(addr, len),
      dmaWrite: (addr, data) => this.dmaWrite(addr, data),
      signal: () => this.signal(),
      logError: (bits) => this.logError(bits),
      trace: (text) => this.trace(text),
    }, { bytesPerUs: numParam(fn, 'bytesPerUs', 4_000), fetchNs: nsParam(fn, 'fetchNs', 250n) });
    this.config.w1c.fill(0xff, IOAT.PCI_DMAUNCERRSTS, IOAT.PCI_DMAUNCERRSTS + 4);
    this.config.w1c.fill(0xff, IOAT.PCI_CHANERR_INT, IOAT.PCI_CHANERR_INT + 4);
    this.config.mask(IOAT.PCI_CHANERRMSK_INT, 4, 0xffff_ffff);
  }

  protected mmioRead(bar: number, off: number, size: AccessSize): bigint {
    let v = 0n;
    if (bar !== 0) return v;
    for (const [at, width] of LAYOUT) {
      if (at + width <= off || at >= off + size) continue;
      const r = this.register(at);
      v |= at >= off ? r << BigInt(8 * (at - off)) : r >> BigInt(8 * (off - at));
    }
    return BigInt.asUintN(8 * size, v);
  }

  private register(at: number): bigint {
    switch (at) {
      case IOAT.CHANCNT: return 1n;
      case IOAT.XFERCAP: return BigInt(IOAT.XFERCAP_LOG2);
      case IOAT.GENCTRL: return BigInt(this.genctrl);
      case IOAT.INTRCTRL: return BigInt(this.intrctrlValue());
      case IOAT.ATTNSTATUS: return this.channel.attention ? 1n : 0n;
      case IOAT.VER: return BigInt(IOAT.VER_3_3);
      case IOAT.INTRDELAY: return BigInt(this.intrdelay);
      case IOAT.DEVICE_STATUS: case IOAT.DMA_CAP: return 0n;
      default: return this.channel.read(at);
    }
  }

  private intrctrlValue(): number {
    const status = this.channel.attention ? IOAT.INTRCTRL_INT_STATUS : 0;
    const int = status !== 0 && (this.intrctrl & IOAT.INTRCTRL_MASTER_INT_EN) !== 0 ? IOAT.INTRCTRL_INT : 0;
    return this.intrctrl | status | int;
  }

  protected mmioWrite(bar: number, off: number, size: AccessSize, value: bigint): void {
    if (bar !== 0) return;
    for (const [at, width] of LAYOUT) {
      if (at + width <= off || at >= off + size) continue;
      const lo = Math.max(at, off), hi = Math.min(at + width, off + size);
      const mask = ((1n << BigInt(8 * (hi - lo))) - 1n) << BigInt(8 * (lo - at));
      const v = (at >= off ? value >> BigInt(8 * (at - off)) : value << BigInt(8 * (off - at))) & mask;
      this.writeRegister(at, v, mask);
    }
  }

  /** `v` holds the written bytes of the register at `at`, in place; `mask` says which. */
  private writeRegister(at: number, v: bigint, mask: bigint): void {
    switch (at) {
      case IOAT.GENCTRL: this.genctrl = Number(v); break;
      case IOAT.INTRCTRL: this.intrctrl = Number(v) & (IOAT.INTRCTRL_MASTER_INT_EN | IOAT.INTRCTRL_MSIX_VECTOR_CONTROL); break;
      case IOAT.INTRDELAY: this.intrdelay = Number((BigInt(this.intrdelay) & ~mask) | v) & 0x3fff; break;
      case IOAT.CHANCNT: case IOAT.XFERCAP: case IOAT.ATTNSTATUS: case IOAT.VER: case IOAT.DEVICE_STATUS: case IOAT.DMA_CAP: break;
      default: this.channel.write(at, v, mask);
    }
  }

  /** The channel's interrupt: MSI-X vector 0 when MSI-X and INTRCTRL.MSIX_VECTOR_CONTROL are on. */
  private signal(): void {
    if (this.msiMode === 'msix' && this.intrctrl & IOAT.INTRCTRL_MSIX_VECTOR_CONTROL) this.sendMsi(0);
  }

  /** CHANERR_INT (config 0x180) logs a channel error unless CHANERRMSK_INT masks it. */
  private logError(bits: number): void {
    const logged = this.config.read(IOAT.PCI_CHANERR_INT, 4) | (bits & ~this.config.read(IOAT.PCI_CHANERRMSK_INT, 4));
    this.config.set(IOAT.PCI_CHANERR_INT, 4, logged >>> 0);
  }

  protected onReset(): void {
    this.channel.powerOn();
    this.genctrl = this.intrctrl = this.intrdelay = 0;
  }
}

// ---- what enumeration sees: identity, BARs, interrupt pin, capabilities, params ----

/**
 * Intel I/OAT (CBDMA) channel of a Skylake-SP Xeon: 8086:2021 rev 4, class 0x088000, BAR0
 * 16 KiB 64-bit with the MSI-X table at 0x2000 and PBA at 0x3000, one vector, INTA, PCIe
 * (RCiEP), PM, FLR.
 */
export const ioatDevice: DeviceModelInfo = {
  name: 'ioat',
  description: 'Intel I/OAT DMA channel (Skylake-SP CBDMA, CBVER 3.3): the kernel VFIO selftests\' ioat driver',
  vendor: 0x8086, device: 0x2021, subsystemVendor: 0x8086, subsystemDevice: 0x0000,
  classCode: 0x088000, revision: 0x04, interruptPin: 1,
  bars: [{ index: 0, size: 0x4000n, prefetchable: false, is64: true, io: false }],
  msi: null,
  msix: { vectors: 1, tableBar: 0, tableOffset: 0x2000n, pbaBar: 0, pbaOffset: 0x3000n },
  pcie: true, pm: true, flr: true,
  params: z.strictObject({ bytesPerUs: bytesPerUsField.optional(), fetchNs: nsField.optional(), irqLatencyNs: nsField.optional() }),
  create: (fn, ctx) => new IoatModel(fn, ctx),
};
