/**
 * vfio-sim: a deterministic, in-memory simulator of Linux VFIO.
 *
 * The public surface (contract §1): Host, the uapi constants, SystemError, SignalError,
 * topology parsing, and the built-in device models.
 * @packageDocumentation
 */
export { Host, DEFAULT_RLIMIT_MEMLOCK, type HostOptions, type SpawnOptions } from './host/host.js';
export type { DeviceModelMaker } from './hardware/devices/model-types.js';
export { Process } from './process/process.js';
export { SystemError, SignalError, type SystemErrorInfo, type SignalName } from './base/errors.js';
export { ERRNO, errnoNumber, errnoCode, type ErrnoCode } from './base/errno.js';
export * as uapi from './uapi/index.js';
export { parseTopology, loadTopology, safeParseTopology, TopologyError } from './hardware/topology/index.js';
export type { Topology, PciFunction } from './hardware/topology/model.js';
export type { Machine, MachineOptions } from './hardware/machine.js';
export type { TraceEntry, TraceKind } from './base/trace.js';
export type { TraceAccess, TraceArg, TraceCall, TraceDetail, TraceStruct, TraceValue } from './base/trace-format.js';
export * as devices from './hardware/devices/index.js';
export * as scenario from './scenarios/index.js';
