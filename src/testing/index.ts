/**
 * `vfio-sim/testing`: the property-testing kit (docs/testing-kit.md) and the isolation lab
 * (docs/isolation-lab.md). fast-check is a peer dependency of this entry point.
 */
export { topologyArb, mappingArb, u64Arb, junkArb, structArgArb, type TopologyArbOptions, type MappingDraw } from './arbitraries.js';
export { syscallCommands, syscallWorld, guardedStep, observableState, SyscallWorld, type SyscallCommandOptions } from './commands.js';
export { assertProperty } from './assert-property.js';
export { stateChanges } from './state-changes.js';
export { checkInvariants, ownerOf, type IsolationReport, type Violation, type Exposure, type ExposureKind, type CheckOptions } from './invariants.js';
export { IsolationLab } from './lab.js';
export { sw2Topology, SW2, type Sw2Options, type AcsCtl } from './reference-switch.js';
export { openVfio, openContainerAndGroup, attachContainer, mapDma, enableDevice, groupIdOf, barRead32, barWrite32, type VfioSession, type SessionOptions } from './session.js';
export { HostileModel, HOSTILE, type AttackRequest, type AttackResult } from '../hardware/devices/hostile.js';
export { Fabric, routeRequest, type Route, type FabricEvent } from '../hardware/fabric/index.js';
