/**
 * The parsed machine: a PCI tree with every default resolved. Built once by parse.ts and
 * then read-only; what changes at run time (driver binding, domains, config space writes)
 * lives in the kernel and device layers, keyed by `bdf`.
 *
 * Invariants: `functions` is in Linux probe order (per bus ascending devfn, then each
 * bridge's secondary bus in devfn order, recursively; SR-IOV VFs last, per PF); every
 * `{start,end}` in this layer has an **inclusive** end, as sysfs prints it; addresses and
 * sizes are bigint.
 */
import type { AcsName } from './pci-consts.js';
import type { DeviceModelInfo } from './model-catalog.js';

export type FunctionType =
  | 'host-bridge' | 'root-port' | 'switch-upstream' | 'switch-downstream'
  | 'pcie-to-pci-bridge' | 'pci-to-pcie-bridge' | 'pci-bridge'
  | 'endpoint' | 'rciep' | 'rcec' | 'legacy-endpoint';
export type Platform = 'intel' | 'amd' | 'arm';
export type ReservedRegionType = 'direct' | 'direct-relaxable' | 'reserved' | 'msi';
export type ResetMethod = 'flr' | 'pm' | 'slot' | 'bus';
export type GroupingAlgorithm = 'classic' | 'bus-isolation';
export type OwnershipModel = 'dma-owner' | 'legacy-viability';

/** An address range; `end` is the last byte (inclusive). */
export interface AddressRange {
  readonly start: bigint;
  readonly end: bigint;
}

export interface ReservedRegion extends AddressRange {
  readonly type: ReservedRegionType;
}

export interface Bar {
  readonly index: number;
  readonly size: bigint;
  readonly address: bigint;
  readonly prefetchable: boolean;
  readonly is64: boolean;
  /** An I/O-port BAR (address is a port number). */
  readonly io: boolean;
  /** `explicit` when the topology placed it, `firmware` when assigned here. */
  readonly placement: 'explicit' | 'firmware';
}

/** A bridge's forwarding windows, derived from what sits below it; `null` = closed. */
export interface BridgeWindows {
  readonly io: AddressRange | null;
  readonly mem: AddressRange | null;
  readonly prefMem: AddressRange | null;
}

export interface IommuConfig {
  readonly platform: Platform;
  readonly addressWidth: 39 | 48 | 57;
  /** Supported leaf sizes, ascending. */
  readonly pageSizes: readonly bigint[];
  /** The same as a bitmap (`iova_pgsizes` / `pgsize_bitmap`). */
  readonly pageSizeBitmap: bigint;
  readonly interruptRemapping: boolean;
  readonly invalidation: 'strict' | 'lazy';
  /** Flush-queue depth (Linux `IOVA_FQ_SIZE`). */
  readonly fqSize: number;
  /** Flush-queue timeout in ns (Linux `IOVA_FQ_TIMEOUT`, 10 ms). */
  readonly fqTimeoutNs: bigint;
  /** Fault-recording slots (VT-d `CAP.NFR + 1`). */
  readonly faultSlots: number;
  /** The unit can track dirty pages in second-stage tables (IOMMU_CAP_DIRTY_TRACKING). */
  readonly dirtyTracking: boolean;
  /**
   * Host ns at which translation starts (VT-d GCMD.TE); before it device requests reach
   * memory untranslated — the pre-IOMMU boot window (threat T12). 0: from power-on.
   */
  readonly enabledAtNs: bigint;
  /**
   * Page-table pages the kernel can allocate for this unit's domains (iommu_alloc_pages_node_sz,
   * src/hardware/iommu/table-pages.ts); null: as many as needed.
   */
  readonly pageTablePages: number | null;
}

export interface KernelConfig {
  readonly grouping: GroupingAlgorithm;
  /** `"module.param"` → value, e.g. `vfio_iommu_type1.allow_unsafe_interrupts`. */
  readonly params: Readonly<Record<string, boolean | number>>;
  readonly ownershipModel: OwnershipModel;
}

export interface MsiCapability {
  readonly vectors: number;
  readonly is64: boolean;
  readonly perVectorMask: boolean;
}

export interface MsixCapability {
  readonly vectors: number;
  readonly tableBar: number;
  readonly tableOffset: bigint;
  readonly pbaBar: number;
  readonly pbaOffset: bigint;
}

/** The capabilities a function advertises in config space. */
export interface FunctionCapabilities {
  readonly msi: MsiCapability | null;
  readonly msix: MsixCapability | null;
  readonly pm: boolean;
  /** PCIe Device Capabilities: Function Level Reset supported. */
  readonly flr: boolean;
}

export interface SriovInfo {
  readonly totalVfs: number;
  readonly numVfs: number;
  readonly offset: number;
  readonly stride: number;
  readonly vfModel: string | null;
  /** VF device id (absent: the VF model's, else the PF's). */
  readonly vfDevice: number | null;
  /** Driver bound to each VF at creation, null for none. */
  readonly vfDriver: string | null;
}

/** Device-specific facts Linux gets from quirks (drivers/pci/quirks.c), as data. */
export interface FunctionQuirks {
  /** `pci_dev_specific_acs_enabled()` opinion, or null for none. */
  readonly acs: 'isolated' | 'not-isolated' | null;
  /** `PCI_DEV_FLAG_PCIE_BRIDGE_ALIAS`. */
  readonly pcieBridgeAlias: boolean;
  /** `PCI_DEV_FLAGS_BRIDGE_XLATE_ROOT`. */
  readonly xlateRoot: boolean;
}

/** A PCI bus (Linux `struct pci_bus`). */
export interface PciBus {
  readonly segment: number;
  readonly number: number;
  /** The bridge that creates this bus; null on a root bus and on a virtual SR-IOV bus. */
  readonly self: PciFunction | null;
  /** The bus above; null only for a root bus (`pci_is_root_bus()`). */
  readonly parent: PciBus | null;
  /** Functions on this bus, in probe order. */
  readonly devices: readonly PciFunction[];
  readonly isRoot: boolean;
  /** A bus that only holds VF RIDs (Linux `virtfn` bus with `self == NULL`). */
  readonly isVirtual: boolean;
}

/** What config space says a function is (the IDs, class, revision, interrupt pin), as a model's catalog entry also states it. */
export interface PciIdentity {
  readonly vendor: number;
  readonly device: number;
  readonly subsystemVendor: number;
  readonly subsystemDevice: number;
  readonly classCode: number;
  readonly revision: number;
  /** 0 none, 1..4 = INTA..INTD. */
  readonly interruptPin: number;
}

export interface PciFunction extends PciIdentity {
  /** Canonical `DDDD:BB:SS.F`. */
  readonly bdf: string;
  readonly segment: number;
  readonly bus: number;
  readonly devfn: number;
  readonly slot: number;
  readonly fn: number;
  /** Requester ID `bus << 8 | devfn`. */
  readonly rid: number;
  /** Where it came from in the input, e.g. `pci[1].children[0]` (VFs: `…sriov`). */
  readonly path: string;
  readonly type: FunctionType;
  readonly isPcie: boolean;
  /** PCI_EXP_TYPE_* of the PCIe capability, null for conventional PCI. */
  readonly portType: number | null;
  /** 0 normal, 1 PCI-to-PCI bridge. */
  readonly headerType: 0 | 1;
  readonly isBridge: boolean;
  readonly multifunction: boolean;
  /** ACS Capability register, null when there is no ACS extended capability. */
  readonly acsCap: number | null;
  /** ACS Control register as the topology (or the kernel's enable step) left it. */
  readonly acsCtrl: number | null;
  readonly acsNames: readonly AcsName[] | null;
  /** The bus this function sits on. */
  readonly parentBus: PciBus;
  /** `parentBus.self`: the bridge above, null on a root bus or a virtual bus. */
  readonly parent: PciFunction | null;
  /** For bridges: the secondary bus, else null. */
  readonly subordinate: PciBus | null;
  /** For bridges: functions on the secondary bus (probe order). */
  readonly children: readonly PciFunction[];
  readonly secondaryBus: number | null;
  readonly subordinateBus: number | null;
  readonly windows: BridgeWindows | null;
  /** Extra devfns on the same bus this function DMAs as (`dma_alias_mask`), ascending. */
  readonly dmaAliasDevfns: readonly number[];
  readonly quirks: FunctionQuirks;
  /** Function that issues this one's DMA (`pci_real_dma_dev()`), null = itself. */
  readonly realDmaDev: PciFunction | null;
  /** For a VF its PF, else null. */
  readonly physfn: PciFunction | null;
  readonly isVf: boolean;
  readonly vfIndex: number | null;
  readonly vfs: readonly PciFunction[];
  readonly sriov: SriovInfo | null;
  readonly model: string | null;
  readonly modelInfo: DeviceModelInfo | null;
  readonly params: Readonly<Record<string, unknown>>;
  /** Host driver bound at boot, null for none. */
  readonly driver: string | null;
  readonly bars: readonly Bar[];
  readonly capabilities: FunctionCapabilities;
  /** Firmware-declared direct-mapped ranges (RMRR / IVMD) for this function. */
  readonly reservedRegions: readonly ReservedRegion[];
  /** May do P2P to sibling functions internally (no ACS, no quirk by default). */
  readonly internalP2P: boolean;
  readonly untrusted: boolean;
  readonly atsCapable: boolean;
  /** Has a PRI capability (page requests; used only together with ATS). */
  readonly priCapable: boolean;
  /** false when the IOMMU unit translating this function cannot track dirty pages. */
  readonly iommuDirtyTracking: boolean;
  readonly resetMethods: readonly ResetMethod[];
  /** Any memory BAR (Linux `pci_has_mmio()`). */
  readonly hasMmio: boolean;
}

export interface RamRange extends AddressRange {
  readonly size: bigint;
}

export interface Topology {
  readonly name: string;
  readonly description: string | null;
  readonly ramBytes: bigint;
  /** Where RAM sits in the physical address space, ascending. */
  readonly ramRanges: readonly RamRange[];
  /** `iommu.platform`, or `intel` for the memory map of a machine without an IOMMU. */
  readonly platform: Platform;
  readonly iommu: IommuConfig | null;
  readonly kernel: KernelConfig;
  /** Every function, in probe order. */
  readonly functions: readonly PciFunction[];
  /** Every bus, root first, then in the order probing reaches them. */
  readonly buses: readonly PciBus[];
  readonly rootBus: PciBus;
  /** Lookup by `DDDD:BB:SS.F` or `BB:SS.F`. */
  byBdf(bdf: string): PciFunction | undefined;
  /** Lookup by segment and RID. */
  byRid(rid: number, segment?: number): PciFunction | undefined;
}
