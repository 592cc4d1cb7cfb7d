/**
 * The PCIe fabric between devices and the IOMMU: peer-to-peer routing and ACS (spec §3.7).
 */
export { routeRequest, acsControls, barDecoding, type Route, type RouteRequest, type RouteOptions, type PeerVia, type AddressType } from './route.js';
export { Fabric, type FabricOptions, type FabricDmaOptions, type FabricDmaResult, type FabricEvent } from './fabric.js';
