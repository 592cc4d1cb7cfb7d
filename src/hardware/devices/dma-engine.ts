/**
 * A memcpy DMA engine with a descriptor ring, completion records and MSI-X, in the manner
 * of the ioat/dsa engines the kernel's VFIO selftests drive. Register map and descriptor
 * format: docs/devices/dma-engine.md.
 *
 * What must always hold: the engine reads descriptors and source data and writes
 * destination data and completion records only through its DMA port (the IOMMU); the first
 * fault halts the engine with STATUS.HALTED and the faulting bus address in ERR_ADDR;
 * a descriptor completes in order, `fetchNs + len / bytesPerUs` after the previous one.
 * With `params.migration` the engine can be stopped mid-descriptor and its registers and
 * in-flight work (phase, fetched descriptor, time still needed) saved; a copy resumed from
 * that state finishes the same descriptors with the same results.
 */
import { getLE, putLE } from './le-bytes.js';
import { PciDeviceModel } from './model.js';
import type { AccessSize, DeviceContext } from './model-types.js';
import type { PciFunction } from '../topology/model.js';
import { migrationFlagsParam, nsParam, numParam } from './params.js';
import type { StateReader, StateWriter } from './state-stream.js';
import { Work } from './work.js';
import { z } from 'zod';
import type { DeviceModelInfo } from '../topology/model-catalog.js';
import { bytesPerUsField, migrationField, mmioBar, nsField } from './catalog-fields.js';

export const DMAE = {
  ID: 0x000, CAPS: 0x004, CTRL: 0x008, STATUS: 0x00c, RING_BASE: 0x010, RING_SIZE: 0x018,
  RING_HEAD: 0x01c, RING_TAIL: 0x020, COMPLETED: 0x028, ERR_ADDR: 0x030, MSI_TEST: 0x038,
  IDENT: 0x10f0_0001,
  CTRL_ENABLE: 0x1, CTRL_RESET: 0x2,
  STATUS_ENABLED: 0x1, STATUS_HALTED: 0x2,
  DESC_SIZE: 32, DESC_INTERRUPT: 0x1,
  COMP_SUCCESS: 1, COMP_READ_FAULT: 2, COMP_WRITE_FAULT: 3, COMP_BAD_LENGTH: 4,
  MAX_LEN: 1 << 20, MAX_RING: 4096,
  ERR_NONE: 0, ERR_DESC_FETCH: 1, ERR_READ: 2, ERR_WRITE: 3, ERR_LENGTH: 4, ERR_COMPLETION: 5,
} as const;

interface Desc {
  readonly src: bigint;
  readonly dst: bigint;
  readonly len: number;
  readonly flags: number;
  readonly comp: bigint;
}

export class DmaEngineModel extends PciDeviceModel {
  private ctrl = 0;
  private status = 0;
  private ringBase = 0n;
  private ringSize = 0;
  private head = 0;
  private tail = 0;
  private completed = 0;
  private errAddr = 0n;
  /** The descriptor between fetch and copy, if any. */
  private desc: Desc | null = null;
  private readonly fetch: Work;
  private readonly copyWork: Work;
  private readonly bytesPerUs: number;
  private readonly fetchNs: bigint;

  constructor(fn: PciFunction, ctx: DeviceContext) {
    super(fn, ctx);
    this.bytesPerUs = numParam(fn, 'bytesPerUs', 10_000);
    this.fetchNs = nsParam(fn, 'fetchNs', 500n);
    this.fetch = new Work(ctx.clock, `dma-engine ${fn.bdf} fetch`, () => this.runDescriptor());
    this.copyWork = new Work(ctx.clock, `dma-engine ${fn.bdf} copy`, () => this.copy());
  }

  private get busy(): boolean {
    return this.fetch.pending || this.copyWork.pending;
  }

  protected mmioRead(bar: number, off: number, size: AccessSize): bigint {
    if (bar !== 0) return (1n << BigInt(8 * size)) - 1n;
    const regs = new Uint8Array(0x40);
    putLE(regs, DMAE.ID, 4, BigInt(DMAE.IDENT));
    putLE(regs, DMAE.CAPS, 4, BigInt(20 | (12 << 8)));
    putLE(regs, DMAE.CTRL, 4, BigInt(this.ctrl));
    putLE(regs, DMAE.STATUS, 4, BigInt(this.status));
    putLE(regs, DMAE.RING_BASE, 8, this.ringBase);
    putLE(regs, DMAE.RING_SIZE, 4, BigInt(this.ringSize));
    putLE(regs, DMAE.RING_HEAD, 4, BigInt(this.head));
    putLE(regs, DMAE.RING_TAIL, 4, BigInt(this.tail));
    putLE(regs, DMAE.COMPLETED, 4, BigInt(this.completed));
    putLE(regs, DMAE.ERR_ADDR, 8, this.errAddr);
    return off + size <= regs.length ? getLE(regs, off, size) : 0n;
  }

  protected mmioWrite(bar: number, off: number, size: AccessSize, value: bigint): void {
    if (bar !== 0) return;
    const v = Number(value & 0xffff_ffffn);
    switch (off) {
      case DMAE.CTRL:
        if (v & DMAE.CTRL_RESET) return this.softReset();
        this.ctrl = v & DMAE.CTRL_ENABLE;
        this.status = (this.status & ~DMAE.STATUS_ENABLED) | (this.ctrl & DMAE.CTRL_ENABLE ? DMAE.STATUS_ENABLED : 0);
        return this.kick();
      case DMAE.RING_BASE:
        if (size === 8) this.ringBase = value;
        else this.ringBase = (this.ringBase & ~0xffff_ffffn) | BigInt(v);
        return;
      case DMAE.RING_BASE + 4:
        this.ringBase = (this.ringBase & 0xffff_ffffn) | (BigInt(v) << 32n);
        return;
      case DMAE.RING_SIZE:
        if (v > 0 && v <= DMAE.MAX_RING && (v & (v - 1)) === 0) this.ringSize = v;
        return;
      case DMAE.RING_TAIL:
        if (this.ringSize > 0) this.tail = v % this.ringSize;
        return this.kick();
      case DMAE.MSI_TEST:
        this.sendMsi(v);
        return;
    }
  }

  private softReset(): void {
    this.fetch.cancel();
    this.copyWork.cancel();
    this.desc = null;
    this.ctrl = 0;
    this.status = 0;
    this.head = 0;
    this.tail = 0;
    this.completed = 0;
    this.errAddr = 0n;
  }

  /** Start the next descriptor unless busy, disabled, halted, empty or quiesced. */
  private kick(): void {
    if (this.busy || this.quiesced || !(this.ctrl & DMAE.CTRL_ENABLE) || this.status & DMAE.STATUS_HALTED) return;
    if (this.head === this.tail || this.ringSize === 0) return;
    this.fetch.start(this.fetchNs);
  }

  private halt(code: number, addr: bigint): void {
    this.status |= DMAE.STATUS_HALTED | (code << 8);
    this.errAddr = addr;
    this.trace(`halted: error ${code} at 0x${addr.toString(16)}`);
  }

  private runDescriptor(): void {
    const at = this.ringBase + BigInt(this.head * DMAE.DESC_SIZE);
    const d = this.dmaRead(at, DMAE.DESC_SIZE);
    if (!d.ok) return this.halt(DMAE.ERR_DESC_FETCH, at);
    this.desc = {
      src: getLE(d.data, 0, 8), dst: getLE(d.data, 8, 8), len: Number(getLE(d.data, 16, 4)),
      flags: Number(getLE(d.data, 20, 4)), comp: getLE(d.data, 24, 8),
    };
    this.copyWork.start(this.transferTime(this.desc.len, this.bytesPerUs));
  }

  private copy(): void {
    const d = this.desc!;
    this.desc = null;
    let result: number = DMAE.COMP_SUCCESS;
    let err: [number, bigint] | null = null;
    if (d.len === 0 || d.len > DMAE.MAX_LEN) {
      result = DMAE.COMP_BAD_LENGTH;
      err = [DMAE.ERR_LENGTH, d.src];
    } else {
      const r = this.dmaRead(d.src, d.len);
      if (!r.ok) {
        result = DMAE.COMP_READ_FAULT;
        err = [DMAE.ERR_READ, r.fault?.iova ?? d.src];
      } else {
        const w = this.dmaWrite(d.dst, r.data);
        if (!w.ok) {
          result = DMAE.COMP_WRITE_FAULT;
          err = [DMAE.ERR_WRITE, w.fault?.iova ?? d.dst];
        }
      }
    }
    if (d.comp !== 0n) {
      const rec = new Uint8Array(16);
      putLE(rec, 0, 4, BigInt(result));
      putLE(rec, 4, 4, BigInt(result === DMAE.COMP_SUCCESS ? d.len : 0));
      if (!this.dmaWrite(d.comp, rec).ok && err === null) err = [DMAE.ERR_COMPLETION, d.comp];
    }
    const vector = (d.flags >> 8) & 0xff;
    if (err !== null) {
      this.halt(err[0], err[1]);
      if (d.flags & DMAE.DESC_INTERRUPT) this.sendMsi(vector);
      return;
    }
    this.head = (this.head + 1) % this.ringSize;
    this.completed = (this.completed + 1) >>> 0;
    if (d.flags & DMAE.DESC_INTERRUPT) this.sendMsi(vector);
    this.kick();
  }

  protected onReset(): void {
    this.softReset();
    this.ringBase = 0n;
    this.ringSize = 0;
  }

  // ---- migration ----------------------------------------------------------------------

  protected override get migrationFlags(): number {
    return migrationFlagsParam(this.fn);
  }

  protected override onQuiesce(): void {
    this.fetch.pause();
    this.copyWork.pause();
  }

  protected override onUnquiesce(): void {
    this.fetch.resume();
    this.copyWork.resume();
    this.kick();
  }

  protected override saveInternal(w: StateWriter): void {
    w.u32(this.ctrl).u32(this.status).u64(this.ringBase).u32(this.ringSize).u32(this.head).u32(this.tail);
    w.u32(this.completed).u64(this.errAddr);
    const phase = this.fetch.pending ? 1 : this.copyWork.pending ? 2 : 0;
    w.u8(phase).u64(phase === 1 ? this.fetch.remaining() : phase === 2 ? this.copyWork.remaining() : 0n);
    const d = this.desc;
    w.bool(d !== null);
    if (d !== null) w.u64(d.src).u64(d.dst).u32(d.len).u32(d.flags).u64(d.comp);
  }

  protected override loadInternal(r: StateReader): boolean {
    const ctrl = r.u32(), status = r.u32(), ringBase = r.u64(), ringSize = r.u32(), head = r.u32(), tail = r.u32();
    const completed = r.u32(), errAddr = r.u64();
    const phase = r.u8(), left = r.u64();
    const desc: Desc | null = r.bool() ? { src: r.u64(), dst: r.u64(), len: r.u32(), flags: r.u32(), comp: r.u64() } : null;
    if (!r.ok || phase > 2 || (phase === 2) !== (desc !== null)) return false;
    if (ringSize > DMAE.MAX_RING || (ringSize & (ringSize - 1)) !== 0) return false;
    if (ringSize > 0 ? head >= ringSize || tail >= ringSize : head !== 0 || tail !== 0) return false;
    this.softReset();
    Object.assign(this, { ctrl, status, ringBase, ringSize, head, tail, completed, errAddr, desc });
    if (phase === 1) this.fetch.start(left, this.quiesced);
    if (phase === 2) this.copyWork.start(left, this.quiesced);
    return true;
  }
}

// ---- what enumeration sees: identity, BARs, interrupt pin, capabilities, params ----

/**
 * A memcpy DMA engine with a descriptor ring. Placeholder identity in the Red Hat/QEMU
 * vendor space (0x1b36, device 0x10f0 is unused by QEMU).
 */
export const dmaEngineDevice: DeviceModelInfo = {
  name: 'dma-engine',
  description: 'memcpy DMA engine with a descriptor ring and MSI-X (placeholder identity)',
  vendor: 0x1b36, device: 0x10f0, subsystemVendor: 0x1b36, subsystemDevice: 0x0000,
  classCode: 0x080100, revision: 0x01, interruptPin: 1,
  bars: [mmioBar(0, 0x4000n)],
  msi: null,
  msix: { vectors: 4, tableBar: 0, tableOffset: 0x2000n, pbaBar: 0, pbaOffset: 0x3000n },
  pcie: true, pm: true, flr: true,
  params: z.strictObject({
    bytesPerUs: bytesPerUsField.optional(), fetchNs: nsField.optional(), irqLatencyNs: nsField.optional(),
    migration: migrationField.optional(), dmaLogging: z.boolean().optional(),
  }),
  create: (fn, ctx) => new DmaEngineModel(fn, ctx),
};
