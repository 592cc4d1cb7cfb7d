/**
 * The shapes around one IOMMU unit: its configuration (width, page sizes, platform,
 * invalidation policy, fault recording, scope) and what a DMA through it returns (bytes moved
 * or a fault record; for an ATS translation request, the translation).
 */
import type { FaultRecord } from './faults.js';
import type { InvalidationPolicy } from './iotlb.js';
import type { MsiMessage } from './interrupt-remap.js';

export type Platform = 'intel' | 'amd' | 'arm';
export type AddressType = 'untranslated' | 'translated' | 'translation-request';

/**
 * Where a translated access goes when its physical range may not be RAM: the fabric routes
 * the part a BAR decodes to that device's registers (policed P2P) and the rest to memory, and
 * returns true; false (or no sink) means plain memory.
 */
export type PhysSink = (pa: number, write: boolean, buf: Uint8Array, bufOff: number, n: number) => boolean;

export interface IommuConfig {
  /** Input address width in bits: 39, 48 (default) or 57. */
  addressWidth?: number;
  /** Leaf sizes the unit supports (default 4K|2M|1G). */
  pageSizes?: bigint;
  /** Interrupt remapping present and enabled (default true). */
  interruptRemapping?: boolean;
  /** Boot invalidation policy for 'DMA' domains (iommu.strict); default 'strict'. */
  invalidation?: InvalidationPolicy;
  /** 'intel' and 'amd' have the x86 interrupt window; 'arm' translates MSI doorbells like DMA. */
  platform?: Platform;
  fqSize?: number;
  fqTimeoutNs?: bigint;
  /** Fault recording slots (Intel CAP.NFR + 1); default 8. */
  faultSlots?: number;
  /** Fold a fault into a pending record from the same source (QEMU VT-d behaviour). */
  faultCompression?: boolean;
  /**
   * Page-table pages the driver can allocate for this unit's domains (table-pages.ts); a map
   * that needs more is ENOMEM. Absent: unlimited.
   */
  pageTablePages?: number;
  /** IOTLB entries before flush-all; 0 = unbounded (default). QEMU VT-d uses 1024. */
  iotlbCapacity?: number;
  irteCount?: number;
  /** DRHD scope: which RIDs this unit translates (default all). */
  covers?: (rid: number) => boolean;
  ridName?: (rid: number) => string;
  /** Where a delivered interrupt message goes (the CPUs' interrupt controller). */
  msiSink?: (msg: MsiMessage) => void;
  /** After translation, the physical access (the machine's fabric; default plain memory). */
  physSink?: PhysSink;
  onEvent?: (kind: string, text: string) => void;
}

export interface DmaOptions {
  at?: AddressType;
  pasid?: number;
}

/** What an ATS translation request returns to the device's ATC. */
export interface AtsTranslation {
  readonly pa: bigint;
  readonly size: bigint;
  readonly read: boolean;
  readonly write: boolean;
}

export type DmaResult =
  | { readonly ok: true; readonly data?: Uint8Array; readonly bytes: number; readonly translation?: AtsTranslation }
  | { readonly ok: false; readonly bytesDone: number; readonly fault: FaultRecord; readonly data?: Uint8Array };
