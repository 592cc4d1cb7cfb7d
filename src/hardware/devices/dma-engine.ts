/**
 * A memcpy DMA engine with a descriptor ring, completion records and MSI-X, in the manner
 * of the ioat/dsa engines the kernel's VFIO selftests drive. Register map and descriptor
 * format: docs/devices/dma-engine.md.
 *
 * What must always hold: the engine reads descriptors and source data and writes
 * destination data and completion records only through its DMA port (the IOMMU); the first
 * fault halts the engine with STATUS.HALTED and the faulting bus address in ERR_ADDR;
 * a descriptor completes in order, `fetchNs + len / bytesPerUs` after the previous one.
 */
import { getLE, PciDeviceModel, putLE, type AccessSize, type DeviceContext } from './model.js';
import type { PciFunction } from '../topology/model.js';

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

export class DmaEngineModel extends PciDeviceModel {
  private ctrl = 0;
  private status = 0;
  private ringBase = 0n;
  private ringSize = 0;
  private head = 0;
  private tail = 0;
  private completed = 0;
  private errAddr = 0n;
  private busy = false;
  private generation = 0;
  private readonly bytesPerUs: number;
  private readonly fetchNs: bigint;

  constructor(fn: PciFunction, ctx: DeviceContext) {
    super(fn, ctx);
    this.bytesPerUs = numParam(fn, 'bytesPerUs', 10_000);
    this.fetchNs = BigInt(numParam(fn, 'fetchNs', 500));
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
    this.generation++;
    this.ctrl = 0;
    this.status = 0;
    this.head = 0;
    this.tail = 0;
    this.completed = 0;
    this.errAddr = 0n;
    this.busy = false;
  }

  private kick(): void {
    if (this.busy || !(this.ctrl & DMAE.CTRL_ENABLE) || this.status & DMAE.STATUS_HALTED) return;
    if (this.head === this.tail || this.ringSize === 0) return;
    this.busy = true;
    const gen = this.generation;
    this.ctx.clock.after(this.fetchNs, `dma-engine ${this.fn.bdf} fetch`, () => {
      if (gen === this.generation) this.runDescriptor(gen);
    });
  }

  private halt(code: number, addr: bigint): void {
    this.status |= DMAE.STATUS_HALTED | (code << 8);
    this.errAddr = addr;
    this.busy = false;
    this.trace(`halted: error ${code} at 0x${addr.toString(16)}`);
  }

  private runDescriptor(gen: number): void {
    const at = this.ringBase + BigInt(this.head * DMAE.DESC_SIZE);
    const d = this.dmaRead(at, DMAE.DESC_SIZE);
    if (!d.ok) return this.halt(DMAE.ERR_DESC_FETCH, at);
    const src = getLE(d.data, 0, 8);
    const dst = getLE(d.data, 8, 8);
    const len = Number(getLE(d.data, 16, 4));
    const flags = Number(getLE(d.data, 20, 4));
    const comp = getLE(d.data, 24, 8);
    const done = this.transferTime(len, this.bytesPerUs);
    this.ctx.clock.after(done, `dma-engine ${this.fn.bdf} copy`, () => {
      if (gen === this.generation) this.copy({ src, dst, len, flags, comp });
    });
  }

  private copy(d: { src: bigint; dst: bigint; len: number; flags: number; comp: bigint }): void {
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
    this.busy = false;
    if (d.flags & DMAE.DESC_INTERRUPT) this.sendMsi(vector);
    this.kick();
  }

  protected onReset(): void {
    this.softReset();
    this.ringBase = 0n;
    this.ringSize = 0;
  }
}

export function numParam(fn: PciFunction, name: string, dflt: number): number {
  const v = fn.params[name];
  return typeof v === 'number' && v > 0 ? v : typeof v === 'bigint' && v > 0n ? Number(v) : dflt;
}
