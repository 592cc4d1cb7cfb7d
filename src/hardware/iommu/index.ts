export { Iommu } from './iommu.js';
export type { IommuConfig, Platform, AddressType, DmaOptions, DmaResult, AtsTranslation } from './iommu-types.js';
export type { ContextEntry, AttachOptions } from './context-table.js';
export { IommuDomain, type DomainType } from './domain.js';
export { ContextTable } from './context-table.js';
export {
  IoPageTable,
  Leaf,
  levelsForWidth,
  SZ_4K,
  SZ_2M,
  SZ_1G,
  PGSIZES_4K_2M_1G,
  type Prot,
  type Translation,
  type LeafInfo,
} from './io-pgtable.js';
export { Iotlb, type IotlbOptions, type IotlbStats, type InvalidationPolicy, type QueuedInvalidation } from './iotlb.js';
export {
  FaultRecorder,
  FAULT,
  FAULT_REASONS,
  faultReason,
  linuxFaultLine,
  defaultRidName,
  type FaultRecord,
  type FaultCode,
  type FaultDisposition,
  type FaultInput,
  type FaultRecorderOptions,
} from './faults.js';
export {
  InterruptRemapTable,
  compatMessage,
  remappableAddress,
  type Irte,
  type IrteInit,
  type MsiMessage,
  type RemapOutcome,
  type SourceValidation,
} from './interrupt-remap.js';
