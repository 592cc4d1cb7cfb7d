/**
 * The device-model interface: what the kernel (vfio-pci, the PCI core, the fabric) may do to
 * any PCI function's model, what a model needs from the machine, and the shapes that cross
 * between them (DMA outcomes, migration, DMA dirty logging, saved state). Pure types: the
 * behaviour shared by the built-in models lives in model.ts (PciDeviceModel).
 */
import type { Scheduler } from '../../base/clock.js';
import type { Rng } from '../../base/rng.js';
import type { Iommu } from '../iommu/iommu.js';
import type { FaultRecord } from '../iommu/faults.js';
import type { MsiMessage } from '../iommu/interrupt-remap.js';
import type { Fabric } from '../fabric/fabric.js';
import type { PhysMem } from '../memory/phys-mem.js';
import type { PciFunction } from '../topology/model.js';
import type { ConfigSpace } from './config-space.js';

/** What a model needs from the machine. */
export interface DeviceContext {
  readonly clock: Scheduler;
  readonly phys: PhysMem;
  /** The machine's IOMMU; null on a machine without one (DMA reaches memory untranslated). */
  readonly iommu: Iommu | null;
  /** Where an MSI lands when no IOMMU decodes it (machines without an IOMMU). */
  readonly msiSink?: (msg: MsiMessage) => void;
  /** Where the function's INTx line goes when its level changes (the interrupt controller). */
  readonly intxSink?: (bdf: string, asserted: boolean) => void;
  /** The host trace (kind 'dma' | 'irq' | 'device'). */
  readonly trace?: { add(kind: 'dma' | 'irq' | 'device', who: string, text: string): void };
  /** The PCIe fabric: when present, DMA goes fabric (P2P, ACS) → IOMMU → memory. */
  readonly fabric?: Fabric;
  /** The machine's seeded PRNG: the only randomness a model may use (jitter, drops, ids). */
  readonly rng: Rng;
}

/** Makes the device model of one PCI function (built-in and user models alike). */
export type DeviceModelMaker = (fn: PciFunction, ctx: DeviceContext) => DeviceModel;

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
