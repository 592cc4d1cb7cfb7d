/**
 * PciDeviceModel: the behaviour shared by the built-in device models and users' own — config
 * space side effects, BAR decode, INTx, reset, migration quiescing, and the glue to the DMA
 * port and MSI delivery. The interface itself is in model-types.ts; the DMA path below the
 * bus-master check in dma-port.ts; MSI / MSI-X message composition in msi-delivery.ts; the
 * dirty log in dma-log.ts.
 *
 * What must always hold:
 *  - DMA always goes through the machine's IOMMU with the requester id the IOMMU sees for
 *    this function (after DMA aliasing); a fault is recorded by the IOMMU and the device gets
 *    an error, never memory it was not given. Without bus mastering no DMA leaves the device.
 *  - An MSI / MSI-X message is a DMA write of the programmed data to the programmed address
 *    (the x86 interrupt window), so it is remapped by the IOMMU like real hardware's.
 *  - Masked MSI / MSI-X vectors set their pending bit instead of sending; unmasking sends a
 *    pending message once and clears the bit.
 *  - INTx is a level: the line the host sees is `level && !Command.INTX_DISABLE`; Status bit
 *    3 shows the level whatever the Command register says.
 *  - Everything that takes time is scheduled on the host clock; nothing reads wall time.
 */
import { dmaAliases } from '../groups/dma-alias.js';
import type { PciFunction } from '../topology/model.js';
import { buildConfigSpace, CFG, CMD, STATUS_INTERRUPT, type ConfigSpace } from './config-space.js';
import { DmaLogState } from './dma-log.js';
import { portRead, portWrite } from './dma-port.js';
import { flushMsix, msiModeOf, msiUnmaskCheck, sendMsiVector, sendMsix } from './msi-delivery.js';
import { MsixState } from './msix.js';
import { buildRomImage } from './rom.js';
import { StateReader, StateWriter } from './state-stream.js';
import { dmaLoggingParam, nsParam } from './params.js';
import { VgaLatches } from './vga-latches.js';
import type { AccessSize, DeviceContext, DeviceDmaLog, DeviceMigration, DeviceModel, DeviceSavedState, DmaOutcome, RunState } from './model-types.js';

/** Base class for models: subclasses implement `mmioRead`/`mmioWrite` and `onReset`. */
export abstract class PciDeviceModel implements DeviceModel {
  readonly config: ConfigSpace;
  readonly rom: Uint8Array | null;
  powerState = 0;
  /** The requester id the IOMMU sees for this function's DMA. */
  readonly requesterId: number;
  protected readonly msix: MsixState | null;
  private intxLevel = false;
  private lineOut = false;
  private readonly initial: Uint8Array;
  /** Delay between the device deciding to interrupt and the message / INTx level (params.irqLatencyNs). */
  protected readonly irqLatencyNs: bigint;
  private irqGeneration = 0;
  private runStateNow: RunState = 'running';
  /** MSI / MSI-X vectors raised while quiesced: sent when the device runs again. */
  private deferredMsi: number[] = [];
  private migrationObj: DeviceMigration | null | undefined;
  private readonly dmaLogObj: DmaLogState | null;
  private vga: VgaLatches | null = null;

  constructor(readonly fn: PciFunction, protected readonly ctx: DeviceContext) {
    this.config = buildConfigSpace(fn);
    this.initial = this.config.bytes.slice();
    const aliases = dmaAliases(fn);
    const last = aliases[aliases.length - 1];
    this.requesterId = last !== undefined && last.device !== (fn.realDmaDev ?? fn) ? last.rid : fn.rid;
    this.msix = fn.capabilities.msix ? new MsixState(fn.capabilities.msix.vectors) : null;
    const romBar = fn.bars.find((b) => b.index === 6 && b.size > 0n);
    this.rom = romBar === undefined ? null : buildRomImage(fn, Number(romBar.size));
    this.irqLatencyNs = nsParam(fn, 'irqLatencyNs', 0n);
    this.dmaLogObj = dmaLoggingParam(fn) ? new DmaLogState() : null;
  }

  // ---- migration (opt-in: params.migration) ------------------------------------------

  /** VFIO_MIGRATION_* flags; 0 (the default) = not migratable. Models that can save override. */
  protected get migrationFlags(): number {
    return 0;
  }

  /** Append the device-internal state (called while quiesced). */
  protected saveInternal(_w: StateWriter): void {}

  /** Load what saveInternal wrote; false when the bytes are not a valid state. */
  protected loadInternal(_r: StateReader): boolean {
    return false;
  }

  /** The device stops making progress: cancel timers, remember what was in flight. */
  protected onQuiesce(): void {}

  /** The device runs again: restart what was in flight. */
  protected onUnquiesce(): void {}

  /** true while the migration FSM holds the device stopped (or P2P-quiesced). */
  protected get quiesced(): boolean {
    return this.runStateNow !== 'running';
  }

  get migration(): DeviceMigration | null {
    if (this.migrationObj === undefined) {
      const flags = this.migrationFlags;
      this.migrationObj = flags === 0 ? null : this.makeMigration(flags);
    }
    return this.migrationObj;
  }

  private makeMigration(flags: number): DeviceMigration {
    const self = this;
    return {
      flags,
      get runState() {
        return self.runStateNow;
      },
      setRunState: (s) => this.setRunState(s),
      save: () => {
        const w = new StateWriter();
        w.u32(this.deferredMsi.length);
        for (const v of this.deferredMsi) w.u32(v);
        this.saveInternal(w);
        return w.done();
      },
      load: (data) => {
        const r = new StateReader(data);
        const n = r.u32();
        if (n > 2048) return false;
        const msi: number[] = [];
        for (let i = 0; i < n; i++) msi.push(r.u32());
        if (!r.ok || !this.loadInternal(r) || !r.complete) return false;
        this.deferredMsi = msi;
        return true;
      },
    };
  }

  private setRunState(s: RunState): void {
    const was = this.quiesced;
    this.runStateNow = s;
    if (!was && this.quiesced) {
      this.onQuiesce();
      this.trace(`quiesced (${s})`);
    } else if (was && !this.quiesced) {
      this.trace('running');
      const pending = this.deferredMsi;
      this.deferredMsi = [];
      for (const v of pending) this.sendMsi(v);
      this.onUnquiesce();
    }
  }

  get dmaLog(): DeviceDmaLog | null {
    return this.dmaLogObj;
  }

  // ---- legacy VGA (an inert VGA core: memory and port latches) --------------------------

  vgaRead(space: 'mem' | 'io', addr: number, size: AccessSize): bigint {
    return (this.vga ??= new VgaLatches()).read(space, addr, size);
  }

  vgaWrite(space: 'mem' | 'io', addr: number, size: AccessSize, value: bigint): void {
    (this.vga ??= new VgaLatches()).write(space, addr, size, value);
  }

  // ---- what subclasses implement -------------------------------------------------

  /** A register load inside a BAR (outside the MSI-X table and PBA). */
  protected abstract mmioRead(bar: number, off: number, size: AccessSize): bigint;
  protected abstract mmioWrite(bar: number, off: number, size: AccessSize, value: bigint): void;
  /** Device-internal state back to power-on (registers, queues, DMA in flight). */
  protected abstract onReset(): void;

  // ---- config space ----------------------------------------------------------------

  get command(): number {
    return this.config.read(CFG.COMMAND, 2);
  }

  configRead(off: number, len: number): number {
    const st = this.config.read(CFG.STATUS, 2);
    this.config.set(CFG.STATUS, 2, this.intxLevel ? st | STATUS_INTERRUPT : st & ~STATUS_INTERRUPT);
    return this.config.read(off, len);
  }

  configWrite(off: number, len: number, value: number): void {
    const caps = this.config.caps;
    this.config.write(off, len, value);
    if (off <= CFG.COMMAND + 1 && off + len > CFG.COMMAND) this.updateIntx();
    if (caps.pcie !== null && overlaps(off, len, caps.pcie + 8, 2)) this.devctlWritten(caps.pcie + 8);
    if (caps.pm !== null && overlaps(off, len, caps.pm + 4, 2)) this.powerState = this.config.read(caps.pm + 4, 2) & 3;
    if (caps.msi !== null && overlaps(off, len, caps.msi, 24)) this.msiUnmaskCheck();
    if (caps.msix !== null && overlaps(off, len, caps.msix + 2, 2)) this.msixFlush();
  }

  private devctlWritten(at: number): void {
    const v = this.config.read(at, 2);
    if ((v & 0x8000) === 0) return;
    this.config.set(at, 2, v & 0x7fff);
    if (this.fn.capabilities.flr) this.reset();
  }

  // ---- BARs --------------------------------------------------------------------------

  barRead(bar: number, off: number, size: AccessSize): bigint {
    if (!this.decodes(bar)) return (1n << BigInt(8 * size)) - 1n;
    const x = this.msixAt(bar, off);
    if (x !== null) return x.read(off - x.base, size);
    return this.mmioRead(bar, off, size);
  }

  barWrite(bar: number, off: number, size: AccessSize, value: bigint): void {
    if (!this.decodes(bar)) return;
    const x = this.msixAt(bar, off);
    if (x !== null) {
      if (x.write(off - x.base, size, value)) this.msixFlush();
      return;
    }
    this.mmioWrite(bar, off, size, value);
  }

  private decodes(bar: number): boolean {
    const b = this.fn.bars.find((x) => x.index === bar);
    if (b === undefined) return false;
    return (this.command & (b.io ? CMD.IO : CMD.MEMORY)) !== 0 && this.powerState === 0;
  }

  private msixAt(bar: number, off: number): { base: number; read: (o: number, s: AccessSize) => bigint; write: (o: number, s: AccessSize, v: bigint) => boolean } | null {
    const cap = this.fn.capabilities.msix;
    const x = this.msix;
    if (cap === null || x === null) return null;
    const t = Number(cap.tableOffset);
    if (bar === cap.tableBar && off >= t && off < t + 16 * cap.vectors) return { base: t, read: (o, s) => x.readTable(o, s), write: (o, s, v) => x.writeTable(o, s, v) };
    const p = Number(cap.pbaOffset);
    if (bar === cap.pbaBar && off >= p && off < p + 8 * Math.ceil(cap.vectors / 64)) return { base: p, read: (o, s) => x.readPba(o, s), write: () => false };
    return null;
  }

  // ---- reset -------------------------------------------------------------------------

  programMsix(vector: number, address: bigint, data: number, masked: boolean): void {
    const x = this.msix;
    if (x === null || vector >= x.vectors) return;
    const b = 16 * vector;
    x.writeTable(b, 8, address);
    x.writeTable(b + 8, 4, BigInt(data >>> 0));
    x.writeTable(b + 12, 4, masked ? 1n : 0n);
    this.msixFlush();
  }

  saveState(): DeviceSavedState {
    return { config: this.config.bytes.slice(), msix: this.msix?.table.slice() ?? null };
  }

  restoreState(s: DeviceSavedState): void {
    this.config.bytes.set(s.config);
    if (s.msix !== null) this.msix?.table.set(s.msix);
    const pm = this.config.caps.pm;
    this.powerState = pm === null ? 0 : this.config.read(pm + 4, 2) & 3;
    this.updateIntx();
  }

  reset(): void {
    this.config.bytes.set(this.initial);
    this.powerState = 0;
    this.irqGeneration++;
    this.runStateNow = 'running';
    this.deferredMsi = [];
    this.vga = null;
    this.msix?.reset();
    this.intxLevel = false;
    this.updateIntx();
    this.onReset();
    this.ctx.trace?.add('device', this.fn.bdf, 'function reset');
  }

  // ---- INTx --------------------------------------------------------------------------

  get intxLine(): boolean {
    return this.lineOut;
  }

  /** Drive the INTx level (a model's interrupt status logic calls this). */
  protected setIntx(level: boolean): void {
    if (this.fn.interruptPin === 0) return;
    this.intxWanted = level;
    if (level && this.irqLatencyNs > 0n && !this.intxLevel) {
      const gen = this.irqGeneration;
      this.ctx.clock.after(this.irqLatencyNs, `${this.fn.bdf} INTx latency`, () => {
        if (gen !== this.irqGeneration || !this.intxWanted) return;
        this.intxLevel = true;
        this.updateIntx();
      });
      return;
    }
    this.intxLevel = level;
    this.updateIntx();
  }

  private intxWanted = false;

  private updateIntx(): void {
    const out = this.intxLevel && (this.command & CMD.INTX_DISABLE) === 0;
    if (out === this.lineOut) return;
    this.lineOut = out;
    this.ctx.trace?.add('irq', this.fn.bdf, `INTx ${out ? 'asserted' : 'deasserted'}`);
    this.ctx.intxSink?.(this.fn.bdf, out);
  }

  // ---- MSI / MSI-X -------------------------------------------------------------------

  /** Is MSI or MSI-X enabled in the device's config space? */
  get msiMode(): 'msix' | 'msi' | null {
    return msiModeOf(this.config);
  }

  /**
   * Send MSI / MSI-X message `vector`. Returns false when nothing could be sent or queued
   * (the capability disabled, or the vector beyond what is enabled).
   */
  protected sendMsi(vector: number): boolean {
    if (this.quiesced) return this.deferMsi(vector);
    if (this.irqLatencyNs > 0n) {
      if (this.msiMode === null) return false;
      const gen = this.irqGeneration;
      this.ctx.clock.after(this.irqLatencyNs, `${this.fn.bdf} MSI latency`, () => {
        if (gen !== this.irqGeneration) return;
        if (this.quiesced) this.deferMsi(vector);
        else this.sendMsiNow(vector);
      });
      return true;
    }
    return this.sendMsiNow(vector);
  }

  private deferMsi(vector: number): boolean {
    if (!this.deferredMsi.includes(vector)) this.deferredMsi.push(vector);
    return true;
  }

  private sendMsiNow(vector: number): boolean {
    const mode = this.msiMode;
    if (mode === 'msix') return this.sendMsix(vector);
    if (mode === 'msi') return this.sendMsiVector(vector);
    return false;
  }

  private sendMsix(vector: number): boolean {
    return sendMsix(this.config, this.msix!, vector, this.deliverFn);
  }

  private msixFlush(): void {
    flushMsix(this.config, this.msix, this.deliverFn);
  }

  private sendMsiVector(vector: number): boolean {
    return sendMsiVector(this.config, vector, this.deliverFn);
  }

  private msiUnmaskCheck(): void {
    msiUnmaskCheck(this.config, this.deliverFn);
  }

  private readonly deliverFn = (address: bigint, data: number): void => this.deliver(address, data);

  /** The message itself: a 4-byte DMA write of `data` to `address`. */
  private deliver(address: bigint, data: number): void {
    const b = new Uint8Array(4);
    new DataView(b.buffer).setUint32(0, data >>> 0, true);
    this.ctx.trace?.add('irq', this.fn.bdf, `MSI write 0x${data.toString(16)} to 0x${address.toString(16)}`);
    const r = this.dmaWrite(address, b, true);
    if (!r.ok) this.ctx.trace?.add('irq', this.fn.bdf, `MSI lost: ${r.reason}`);
  }

  // ---- DMA ---------------------------------------------------------------------------

  /** A DMA read of `len` bytes at bus address `addr`. */
  protected dmaRead(addr: bigint, len: number): DmaOutcome {
    if ((this.command & CMD.MASTER) === 0) return { ok: false, reason: 'bus-master-disabled', bytesDone: 0 };
    return portRead(this.ctx, this.fn, this.requesterId, addr, len);
  }

  /** A DMA write of `data` at bus address `addr`. */
  protected dmaWrite(addr: bigint, data: Uint8Array, quiet = false): DmaOutcome {
    const r = this.dmaWriteRaw(addr, data, quiet);
    if (!quiet && this.dmaLogObj?.active) {
      const n = r.ok ? data.length : r.bytesDone;
      if (n > 0) this.dmaLogObj.record(addr, BigInt(n));
    }
    return r;
  }

  private dmaWriteRaw(addr: bigint, data: Uint8Array, quiet: boolean): DmaOutcome {
    if ((this.command & CMD.MASTER) === 0) return { ok: false, reason: 'bus-master-disabled', bytesDone: 0 };
    return portWrite(this.ctx, this.fn, this.requesterId, addr, data, quiet);
  }

  /** Nanoseconds a transfer of `bytes` takes at `bytesPerUs`. */
  protected transferTime(bytes: number, bytesPerUs: number): bigint {
    return BigInt(Math.ceil((bytes * 1000) / bytesPerUs));
  }

  protected trace(text: string): void {
    this.ctx.trace?.add('device', this.fn.bdf, text);
  }
}

function overlaps(off: number, len: number, at: number, n: number): boolean {
  return off < at + n && off + len > at;
}
