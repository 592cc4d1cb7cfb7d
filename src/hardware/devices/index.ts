/**
 * Device models: the factory the machine uses to give every PCI function its behaviour,
 * and the built-in models (contract §8). Users write their own by extending PciDeviceModel
 * (docs/device-models.md) and passing a factory table that includes theirs.
 */
import type { PciFunction } from '../topology/model.js';
import { DmaEngineModel } from './dma-engine.js';
import { EduModel } from './edu.js';
import { InertModel } from './inert.js';
import type { DeviceContext, DeviceModel } from './model.js';
import { NicModel } from './nic.js';
import { HostileModel } from './hostile.js';
import { IoatModel } from './ioat.js';

export type DeviceModelFactory = (fn: PciFunction, ctx: DeviceContext) => DeviceModel;

/** The built-in models by the names topologies use. */
export const builtinFactories: ReadonlyMap<string, DeviceModelFactory> = new Map<string, DeviceModelFactory>([
  ['edu', (fn, ctx) => new EduModel(fn, ctx)],
  ['dma-engine', (fn, ctx) => new DmaEngineModel(fn, ctx)],
  ['nic', (fn, ctx) => new NicModel(fn, ctx)],
  ['hostile', (fn, ctx) => new HostileModel(fn, ctx)],
  ['ioat', (fn, ctx) => new IoatModel(fn, ctx)],
]);

/** The model instance for `fn`: its named model, or an inert one (config space and BARs). */
export function createDeviceModel(fn: PciFunction, ctx: DeviceContext, factories: ReadonlyMap<string, DeviceModelFactory> = builtinFactories): DeviceModel {
  const f = fn.model === null ? undefined : factories.get(fn.model);
  return f === undefined ? new InertModel(fn, ctx) : f(fn, ctx);
}

export { PciDeviceModel, getLE, putLE, type DeviceContext, type DeviceModel, type DmaOutcome, type AccessSize } from './model.js';
export { ConfigSpace, buildConfigSpace, CFG, CMD } from './config-space.js';
export { EduModel, EDU } from './edu.js';
export { DmaEngineModel, DMAE } from './dma-engine.js';
export { NicModel, NIC } from './nic.js';
export { InertModel } from './inert.js';
export { IoatModel, IOAT } from './ioat.js';
export { HostileModel, HOSTILE, type AttackRequest, type AttackResult } from './hostile.js';
