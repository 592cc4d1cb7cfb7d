/** Public surface of the hardware topology layer. */
export type {
  AddressRange, Bar, BridgeWindows, FunctionCapabilities, FunctionQuirks, FunctionType,
  GroupingAlgorithm, IommuConfig, KernelConfig, MsiCapability, MsixCapability, OwnershipModel,
  PciBus, PciFunction, Platform, RamRange, ReservedRegion, ReservedRegionType, ResetMethod,
  SriovInfo, Topology,
} from './model.js';
export { parseTopology, loadTopology, safeParseTopology } from './parse.js';
export type { ParseOptions, SafeParseResult } from './parse.js';
export { TopologyError } from './issues.js';
export type { TopologyIssue } from './issues.js';
export { topologySchema, pciNodeSchema, iommuSchema, kernelSchema } from './schema.js';
export type { TopologyInput, TopologyParsed, PciNodeInput } from './schema.js';
export { ModelCatalog } from './model-catalog.js';
export { builtinModels } from '../devices/catalog.js';
export type { DeviceModelInfo, ModelBar } from './model-catalog.js';
export {
  devfnOf, ridOf, parseBdf, parseBdfLoose, parseDevfn, formatBdf, formatDevfn, formatRid, normalizeBdf,
} from './bdf.js';
export type { BdfParts } from './bdf.js';
export { PCI_ACS, PCI_EXP_TYPE, PCI_CLASS, ACS_NAMES } from './pci-consts.js';
export type { AcsName } from './pci-consts.js';
export { ramLayout, MMIO32_WINDOW, MMIO_HOLE_START } from './ram.js';
