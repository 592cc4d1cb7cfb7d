/**
 * The device-model interface shared by the built-in models and users' own: a PCI function's
 * hardware behaviour — its config space, its BAR registers, its DMA port, its INTx line and
 * its MSI / MSI-X messages.
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
import type { Scheduler } from '../../sim/clock.js';
import type { Iommu } from '../iommu/iommu.js';
import type { FaultRecord } from '../iommu/faults.js';
import { compatMessage, type MsiMessage } from '../iommu/interrupt-remap.js';
import type { Fabric } from '../fabric/fabric.js';
import { MAX_PHYS, type PhysMem } from '../memory/phys-mem.js';
import { dmaAliases } from '../groups/dma-alias.js';
import type { PciFunction } from '../topology/model.js';
import { buildConfigSpace, CFG, CMD, STATUS_INTERRUPT, type ConfigSpace } from './config-space.js';
import { MsixState } from './msix.js';
import { buildRomImage } from './rom.js';
import { StateReader, StateWriter } from './state-stream.js';
import { dmaLoggingParam, nsParam } from './params.js';

/** What a model needs from the machine. */
export interface DeviceContext {
  readonly clock: Scheduler;
  readonly phys: PhysMem;
  /** The machine's IOMMU; null on a machine without one (DMA reaches memory untranslated). */
  readonly iommu: Iommu | null;
  /** Where an MSI lands when no IOMMU decodes it (machines without an IOMMU). */
  readonly msiSink?: (msg: MsiMessage) => void;
  /** The host trace (kind 'dma' | 'irq' | 'device'). */
  readonly trace?: { add(kind: 'dma' | 'irq' | 'device', who: string, text: string): void };
  /** The PCIe fabric: when present, DMA goes fabric (P2P, ACS) → IOMMU → memory. */
  readonly fabric?: Fabric;
}

export type DmaOutcome =
  | { readonly ok: true; readonly data: Uint8Array }
  | { readonly ok: false; readonly reason: 'bus-master-disabled' | 'iommu-fault' | 'acs-violation'; readonly fault?: FaultRecord; readonly bytesDone: number };

export type AccessSize = 1 | 2 | 4 | 8;

/**
 * Where a migratable device is in its run cycle (the vfio migration FSM reduced to what the
 * hardware sees): `running`; `running-p2p` (no new peer-to-peer DMA — the built-in models
 * cannot tell P2P apart, so they quiesce all work, as the UAPI allows); `stopped` (no DMA,
 * no interrupts, no internal progress; config and MMIO still answer).
 */
export type RunState = 'running' | 'running-p2p' | 'stopped';

/** A model's live-migration support (what a vfio variant driver drives). */
export interface DeviceMigration {
  /** VFIO_MIGRATION_* flags the device offers (STOP_COPY always among them). */
  readonly flags: number;
  readonly runState: RunState;
  setRunState(s: RunState): void;
  /** The device-internal state (registers, in-flight work) as bytes. */
  save(): Uint8Array;
  /** Replace the internal state by `data` from save(); false when it is not a valid state. */
  load(data: Uint8Array): boolean;
}

export interface DmaLogRange {
  readonly iova: bigint;
  readonly length: bigint;
}

/** Device-side dirty tracking of DMA writes (VFIO_DEVICE_FEATURE_DMA_LOGGING_*). */
export interface DeviceDmaLog {
  readonly active: boolean;
  readonly granule: bigint;
  start(ranges: readonly DmaLogRange[], granule: bigint): void;
  stop(): void;
  /** Granule-aligned IOVAs written inside [iova, iova + length), ascending; they leave the log. */
  readAndClear(iova: bigint, length: bigint): bigint[];
}

/** What the kernel (vfio-pci, the PCI core) may do to any device model. */
export interface DeviceModel {
  readonly fn: PciFunction;
  readonly config: ConfigSpace;
  /** A configuration read of 1, 2 or 4 bytes as the bus delivers it. */
  configRead(off: number, len: number): number;
  configWrite(off: number, len: number, value: number): void;
  /** One MMIO / port load of `size` bytes at `off` inside BAR `bar`. */
  barRead(bar: number, off: number, size: AccessSize): bigint;
  barWrite(bar: number, off: number, size: AccessSize, value: bigint): void;
  /** The ROM image (null: no ROM). */
  readonly rom: Uint8Array | null;
  /** Function-level reset: every register back to its power-on value. */
  reset(): void;
  /** The INTx line as the interrupt controller sees it. */
  readonly intxLine: boolean;
  /** The host's INTx handler (set by the kernel): called when the line changes. */
  onIntx: ((asserted: boolean) => void) | null;
  /** D-state programmed through the PM capability (0 = D0, 3 = D3hot). */
  readonly powerState: number;
  /** The host kernel programs MSI-X entry `vector` (pci_write_msi_msg), decode or not. */
  programMsix(vector: number, address: bigint, data: number, masked: boolean): void;
  /** pci_save_state / pci_restore_state: config space and MSI-X table. */
  saveState(): DeviceSavedState;
  restoreState(s: DeviceSavedState): void;
  /** Live migration, for models that opt in (null or absent: not migratable). */
  readonly migration?: DeviceMigration | null;
  /** DMA dirty logging, for models that opt in. */
  readonly dmaLog?: DeviceDmaLog | null;
  /** Legacy VGA access (memory 0xA0000-0xBFFFF, ports 0x3B0-0x3DF) of a VGA-class function. */
  vgaRead?(space: 'mem' | 'io', addr: number, size: AccessSize): bigint;
  vgaWrite?(space: 'mem' | 'io', addr: number, size: AccessSize, value: bigint): void;
}

export interface DeviceSavedState {
  readonly config: Uint8Array;
  readonly msix: Uint8Array | null;
}

const U32 = 0xffff_ffffn;

/** Base class for models: subclasses implement `mmioRead`/`mmioWrite` and `onReset`. */
export abstract class PciDeviceModel implements DeviceModel {
  readonly config: ConfigSpace;
  readonly rom: Uint8Array | null;
  onIntx: ((asserted: boolean) => void) | null = null;
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
  private vga: { mem: Uint8Array; io: Uint8Array } | null = null;

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
    const v = this.vgaSpace(space, addr);
    return getLE(v.buf, v.off, size);
  }

  vgaWrite(space: 'mem' | 'io', addr: number, size: AccessSize, value: bigint): void {
    const v = this.vgaSpace(space, addr);
    putLE(v.buf, v.off, size, value);
  }

  private vgaSpace(space: 'mem' | 'io', addr: number): { buf: Uint8Array; off: number } {
    this.vga ??= { mem: new Uint8Array(0x20000 + 8), io: new Uint8Array(0x30 + 8) };
    return space === 'mem' ? { buf: this.vga.mem, off: addr - 0xa0000 } : { buf: this.vga.io, off: addr - 0x3b0 };
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
    this.onIntx?.(out);
  }

  // ---- MSI / MSI-X -------------------------------------------------------------------

  /** Is MSI or MSI-X enabled in the device's config space? */
  get msiMode(): 'msix' | 'msi' | null {
    const c = this.config.caps;
    if (c.msix !== null && this.config.read(c.msix + 2, 2) & 0x8000) return 'msix';
    if (c.msi !== null && this.config.read(c.msi + 2, 2) & 0x1) return 'msi';
    return null;
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
    const x = this.msix!;
    if (vector >= x.vectors) return false;
    const ctl = this.config.read(this.config.caps.msix! + 2, 2);
    if (ctl & 0x4000 || x.masked(vector)) {
      x.setPending(vector, true);
      return true;
    }
    this.deliver(x.address(vector), x.data(vector));
    return true;
  }

  private msixFlush(): void {
    const x = this.msix;
    if (x === null || this.msiMode !== 'msix') return;
    if (this.config.read(this.config.caps.msix! + 2, 2) & 0x4000) return;
    for (let v = 0; v < x.vectors; v++) {
      if (x.pending(v) && !x.masked(v)) {
        x.setPending(v, false);
        this.deliver(x.address(v), x.data(v));
      }
    }
  }

  private msiRegs(): { ctl: number; addr: bigint; data: number; maskAt: number | null } {
    const at = this.config.caps.msi!;
    const ctl = this.config.read(at + 2, 2);
    const is64 = (ctl & 0x80) !== 0;
    const lo = BigInt(this.config.read(at + 4, 4));
    const hi = is64 ? BigInt(this.config.read(at + 8, 4)) : 0n;
    const dataAt = at + (is64 ? 12 : 8);
    return { ctl, addr: (hi << 32n) | lo, data: this.config.read(dataAt, 2), maskAt: ctl & 0x100 ? dataAt + 4 : null };
  }

  private sendMsiVector(vector: number): boolean {
    const r = this.msiRegs();
    const enabled = 1 << ((r.ctl >> 4) & 7);
    if (vector >= enabled) return false;
    if (r.maskAt !== null && (this.config.read(r.maskAt, 4) >>> vector) & 1) {
      this.config.set(r.maskAt + 4, 4, this.config.read(r.maskAt + 4, 4) | (1 << vector));
      return true;
    }
    this.deliver(r.addr, (r.data & ~(enabled - 1)) | vector);
    return true;
  }

  private msiUnmaskCheck(): void {
    if (this.msiMode !== 'msi') return;
    const r = this.msiRegs();
    if (r.maskAt === null) return;
    const mask = this.config.read(r.maskAt, 4);
    const pend = this.config.read(r.maskAt + 4, 4);
    for (let v = 0; v < 32; v++) {
      if ((pend >>> v) & 1 && !((mask >>> v) & 1)) {
        this.config.set(r.maskAt + 4, 4, this.config.read(r.maskAt + 4, 4) & ~(1 << v));
        const enabled = 1 << ((r.ctl >> 4) & 7);
        this.deliver(r.addr, (r.data & ~(enabled - 1)) | v);
      }
    }
  }

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
    const fabric = this.ctx.fabric;
    if (fabric !== undefined) {
      const r = fabric.dmaRead(this.fn, this.requesterId, addr, len);
      this.ctx.trace?.add('dma', this.fn.bdf, `read ${len} bytes at 0x${addr.toString(16)}${r.ok ? '' : ' failed'}`);
      if (!r.ok) return fabricFailure(r);
      return { ok: true, data: r.data ?? new Uint8Array(len) };
    }
    const iommu = this.ctx.iommu;
    if (iommu === null) {
      this.ctx.trace?.add('dma', this.fn.bdf, `read ${len} bytes at 0x${addr.toString(16)} (no IOMMU)`);
      return { ok: true, data: readDirect(this.ctx.phys, addr, len) };
    }
    const r = iommu.dmaRead(this.requesterId, addr, len);
    this.ctx.trace?.add('dma', this.fn.bdf, `read ${len} bytes at iova 0x${addr.toString(16)}${r.ok ? '' : ' faulted'}`);
    if (!r.ok) return { ok: false, reason: 'iommu-fault', fault: r.fault, bytesDone: r.bytesDone };
    return { ok: true, data: r.data ?? new Uint8Array(len) };
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
    const fabric = this.ctx.fabric;
    if (fabric !== undefined) {
      const r = fabric.dmaWrite(this.fn, this.requesterId, addr, data);
      if (!quiet) this.ctx.trace?.add('dma', this.fn.bdf, `write ${data.length} bytes at 0x${addr.toString(16)}${r.ok ? '' : ' failed'}`);
      return r.ok ? { ok: true, data } : fabricFailure(r);
    }
    const iommu = this.ctx.iommu;
    if (iommu === null) return this.dmaWriteDirect(addr, data);
    const r = iommu.dmaWrite(this.requesterId, addr, data);
    if (!quiet) this.ctx.trace?.add('dma', this.fn.bdf, `write ${data.length} bytes at iova 0x${addr.toString(16)}${r.ok ? '' : ' faulted'}`);
    if (!r.ok) return { ok: false, reason: 'iommu-fault', fault: r.fault, bytesDone: r.bytesDone };
    return { ok: true, data };
  }

  private dmaWriteDirect(addr: bigint, data: Uint8Array): DmaOutcome {
    if (addr >= 0xfee0_0000n && addr < 0xfef0_0000n) {
      const v = new DataView(data.buffer, data.byteOffset, data.length);
      if (data.length === 4) this.ctx.msiSink?.(compatMessage(this.requesterId, Number(addr), v.getUint32(0, true)));
      return { ok: true, data };
    }
    const n = reachable(addr, data.length);
    if (n > 0) this.ctx.phys.write(addr, data.subarray(0, n));
    return { ok: true, data };
  }

  /** Nanoseconds a transfer of `bytes` takes at `bytesPerUs`. */
  protected transferTime(bytes: number, bytesPerUs: number): bigint {
    return BigInt(Math.ceil((bytes * 1000) / bytesPerUs));
  }

  protected trace(text: string): void {
    this.ctx.trace?.add('device', this.fn.bdf, text);
  }
}

/** The dirty log: granule-aligned IOVAs written inside the logged ranges. */
class DmaLogState implements DeviceDmaLog {
  active = false;
  granule = 4096n;
  private ranges: DmaLogRange[] = [];
  private dirty = new Set<bigint>();

  start(ranges: readonly DmaLogRange[], granule: bigint): void {
    this.active = true;
    this.granule = granule;
    this.ranges = [...ranges];
    this.dirty.clear();
  }

  stop(): void {
    this.active = false;
    this.ranges = [];
    this.dirty.clear();
  }

  record(addr: bigint, len: bigint): void {
    const end = addr + len;
    for (const r of this.ranges) {
      const lo = addr > r.iova ? addr : r.iova;
      const hi = end < r.iova + r.length ? end : r.iova + r.length;
      for (let p = lo - (lo % this.granule); p < hi; p += this.granule) this.dirty.add(p);
    }
  }

  readAndClear(iova: bigint, length: bigint): bigint[] {
    const out: bigint[] = [];
    for (const p of this.dirty) if (p + this.granule > iova && p < iova + length) out.push(p);
    out.sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
    for (const p of out) this.dirty.delete(p);
    return out;
  }
}

/** Bytes of [addr, addr+len) below MAXPHYADDR: beyond it nothing answers (master abort). */
function reachable(addr: bigint, len: number): number {
  const limit = BigInt(MAX_PHYS);
  if (addr >= limit) return 0;
  return addr + BigInt(len) > limit ? Number(limit - addr) : len;
}

/** A read of physical memory without an IOMMU: all ones where nothing answers. */
function readDirect(phys: PhysMem, addr: bigint, len: number): Uint8Array {
  const out = new Uint8Array(len).fill(0xff);
  const n = reachable(addr, len);
  if (n > 0) out.set(phys.read(addr, n));
  return out;
}

/** A failed fabric transfer as a DmaOutcome: an ACS drop or an IOMMU fault. */
function fabricFailure(r: { bytesDone: number; fault?: FaultRecord; dropped?: unknown }): DmaOutcome {
  const reason = r.dropped !== undefined ? 'acs-violation' : 'iommu-fault';
  return r.fault !== undefined ? { ok: false, reason, fault: r.fault, bytesDone: r.bytesDone } : { ok: false, reason, bytesDone: r.bytesDone };
}

function overlaps(off: number, len: number, at: number, n: number): boolean {
  return off < at + n && off + len > at;
}

/** Read `size` bytes little-endian from a byte array as a bigint. */
export function getLE(buf: Uint8Array, off: number, size: number): bigint {
  let v = 0n;
  for (let i = size - 1; i >= 0; i--) v = (v << 8n) | BigInt(buf[off + i] ?? 0);
  return v;
}

export function putLE(buf: Uint8Array, off: number, size: number, v: bigint): void {
  for (let i = 0; i < size; i++) buf[off + i] = Number((v >> BigInt(8 * i)) & 0xffn);
}

export { U32 };
