/**
 * Built-in device models: the PCI identity, BAR layout, interrupt pin and capabilities each
 * model advertises, used as defaults when a topology names `"model": "…"`. Behaviour lives
 * in src/hardware/devices; this table is only what enumeration sees.
 *
 * A catalog is an immutable value: `builtinModels.with(entry)` returns a new catalog, so
 * two machines in one process never share mutable registry state.
 */
import { z } from 'zod';
import { u64Field } from './schema.js';

export interface ModelBar {
  readonly index: number;
  readonly size: bigint;
  readonly prefetchable: boolean;
  readonly is64: boolean;
  readonly io: boolean;
}

export interface DeviceModelInfo {
  readonly name: string;
  readonly description: string;
  readonly vendor: number;
  readonly device: number;
  readonly subsystemVendor: number;
  readonly subsystemDevice: number;
  readonly classCode: number;
  readonly revision: number;
  /** 0 none, 1 = INTA. */
  readonly interruptPin: number;
  readonly bars: readonly ModelBar[];
  readonly msi: { readonly vectors: number; readonly is64: boolean; readonly perVectorMask: boolean } | null;
  readonly msix: {
    readonly vectors: number; readonly tableBar: number; readonly tableOffset: bigint;
    readonly pbaBar: number; readonly pbaOffset: bigint;
  } | null;
  /** The real model carries a PCI Express capability (QEMU's edu does not). */
  readonly pcie: boolean;
  readonly pm: boolean;
  readonly flr: boolean;
  /** Validates `params`; absent = the model takes none. */
  readonly params?: z.ZodType<Record<string, unknown>>;
}

/**
 * Tuning shared by the models that move data (docs/device-models.md): DMA bandwidth in bytes
 * per microsecond, descriptor fetch time and interrupt latency in nanoseconds, and the
 * live-migration / DMA-logging opt-ins a vfio variant driver would offer.
 */
const bytesPerUs = z.number().positive().max(1e9);
const nsField = u64Field;
const migration = z.union([z.boolean(), z.array(z.enum(['stop-copy', 'p2p', 'pre-copy']))]);

const mmio = (index: number, size: bigint): ModelBar =>
  ({ index, size, prefetchable: false, is64: false, io: false });

/** QEMU hw/misc/edu.c: 1234:11e8 rev 0x10, PCI_CLASS_OTHERS, BAR0 1 MiB, INTA, one MSI. */
const EDU: DeviceModelInfo = {
  name: 'edu',
  description: "QEMU's educational device (factorial, interrupts, 4 KiB DMA buffer)",
  vendor: 0x1234, device: 0x11e8, subsystemVendor: 0x1af4, subsystemDevice: 0x1100,
  classCode: 0x00ff00, revision: 0x10, interruptPin: 1,
  bars: [mmio(0, 0x10_0000n)],
  msi: { vectors: 1, is64: true, perVectorMask: false },
  msix: null,
  pcie: false, pm: false, flr: false,
  params: z.strictObject({ dmaMask: u64Field.optional(), irqLatencyNs: nsField.optional() }),
};

/**
 * A memcpy DMA engine with a descriptor ring. Placeholder identity in the Red Hat/QEMU
 * vendor space (0x1b36, device 0x10f0 is unused by QEMU); refined by the devices layer.
 */
const DMA_ENGINE: DeviceModelInfo = {
  name: 'dma-engine',
  description: 'memcpy DMA engine with a descriptor ring and MSI-X (placeholder identity)',
  vendor: 0x1b36, device: 0x10f0, subsystemVendor: 0x1b36, subsystemDevice: 0x0000,
  classCode: 0x080100, revision: 0x01, interruptPin: 1,
  bars: [mmio(0, 0x4000n)],
  msi: null,
  msix: { vectors: 4, tableBar: 0, tableOffset: 0x2000n, pbaBar: 0, pbaOffset: 0x3000n },
  pcie: true, pm: true, flr: true,
  params: z.strictObject({
    bytesPerUs: bytesPerUs.optional(), fetchNs: nsField.optional(), irqLatencyNs: nsField.optional(),
    migration: migration.optional(), dmaLogging: z.boolean().optional(),
  }),
};

/** A simple NIC with rx/tx rings and MSI-X (placeholder identity 1b36:10f1). */
const NIC: DeviceModelInfo = {
  name: 'nic',
  description: 'Ethernet NIC with rx/tx descriptor rings and MSI-X (placeholder identity)',
  vendor: 0x1b36, device: 0x10f1, subsystemVendor: 0x1b36, subsystemDevice: 0x0000,
  classCode: 0x020000, revision: 0x01, interruptPin: 1,
  bars: [mmio(0, 0x2_0000n)],
  msi: null,
  msix: { vectors: 8, tableBar: 0, tableOffset: 0x1_0000n, pbaBar: 0, pbaOffset: 0x1_8000n },
  pcie: true, pm: true, flr: true,
  params: z.strictObject({ bytesPerUs: bytesPerUs.optional(), irqLatencyNs: nsField.optional() }),
};

/**
 * The attacker of the isolation lab (src/hardware/devices/hostile.ts): emits arbitrary
 * requests, forged requester ids, translated requests and raw MSIs. Placeholder identity 1b36:10ff.
 */
const HOSTILE: DeviceModelInfo = {
  name: 'hostile',
  description: 'hostile device for the isolation lab: arbitrary DMA, forged RIDs, ATS, raw MSIs',
  vendor: 0x1b36, device: 0x10ff, subsystemVendor: 0x1b36, subsystemDevice: 0x0000,
  classCode: 0xff0000, revision: 0x01, interruptPin: 1,
  bars: [mmio(0, 0x4000n)],
  msi: { vectors: 1, is64: true, perVectorMask: false },
  msix: null,
  pcie: true, pm: false, flr: true,
  params: z.strictObject({ respectBusMaster: z.boolean().optional(), honourAtsInvalidation: z.boolean().optional() }),
};

/**
 * Intel I/OAT (CBDMA) channel of a Skylake-SP Xeon: 8086:2021 rev 4, class 0x088000, BAR0
 * 16 KiB 64-bit with the MSI-X table at 0x2000 and PBA at 0x3000, one vector, INTA, PCIe
 * (RCiEP), PM, FLR. Behaviour: src/hardware/devices/ioat.ts.
 */
const IOAT: DeviceModelInfo = {
  name: 'ioat',
  description: 'Intel I/OAT DMA channel (Skylake-SP CBDMA, CBVER 3.3): the kernel VFIO selftests\' ioat driver',
  vendor: 0x8086, device: 0x2021, subsystemVendor: 0x8086, subsystemDevice: 0x0000,
  classCode: 0x088000, revision: 0x04, interruptPin: 1,
  bars: [{ index: 0, size: 0x4000n, prefetchable: false, is64: true, io: false }],
  msi: null,
  msix: { vectors: 1, tableBar: 0, tableOffset: 0x2000n, pbaBar: 0, pbaOffset: 0x3000n },
  pcie: true, pm: true, flr: true,
  params: z.strictObject({ bytesPerUs: bytesPerUs.optional(), fetchNs: nsField.optional(), irqLatencyNs: nsField.optional() }),
};

export class ModelCatalog {
  readonly #models: ReadonlyMap<string, DeviceModelInfo>;

  constructor(models: Iterable<DeviceModelInfo> = []) {
    const map = new Map<string, DeviceModelInfo>();
    for (const m of models) map.set(m.name, Object.freeze({ ...m }));
    this.#models = map;
  }

  get(name: string): DeviceModelInfo | undefined {
    return this.#models.get(name);
  }

  has(name: string): boolean {
    return this.#models.has(name);
  }

  /** Model names in registration order. */
  names(): string[] {
    return [...this.#models.keys()];
  }

  /** A new catalog with `models` added (replacing same-named entries). */
  with(...models: DeviceModelInfo[]): ModelCatalog {
    return new ModelCatalog([...this.#models.values(), ...models]);
  }
}

export const builtinModels: ModelCatalog = new ModelCatalog([EDU, DMA_ENGINE, NIC, HOSTILE, IOAT]);
