/**
 * The built-in device models, one entry per model file (identity, BARs, capabilities,
 * params and behaviour all live in devices/<name>.ts, as in QEMU's hw/misc/edu.c). Adding a
 * model is one import and one entry here. The catalog is what a topology's `"model": "…"`
 * may name; `createDeviceModel` gives a function the behaviour its entry carries.
 */
import type { PciFunction } from '../topology/model.js';
import { ModelCatalog } from '../topology/model-catalog.js';
import { dmaEngineDevice } from './dma-engine.js';
import { eduDevice } from './edu.js';
import { hostileDevice } from './hostile.js';
import { InertModel } from './inert.js';
import { ioatDevice } from './ioat.js';
import type { DeviceContext, DeviceModel } from './model-types.js';
import { nicDevice } from './nic.js';

export const builtinModels: ModelCatalog = new ModelCatalog([
  eduDevice,
  dmaEngineDevice,
  nicDevice,
  hostileDevice,
  ioatDevice,
]);

/**
 * The model instance for `fn`: made by its catalog entry, else by the built-in of that name
 * (a catalog entry that only restates identity), else an inert one (config space and BARs).
 */
export function createDeviceModel(fn: PciFunction, ctx: DeviceContext): DeviceModel {
  const make = fn.modelInfo?.create ?? (fn.model === null ? undefined : builtinModels.get(fn.model)?.create);
  return make === undefined ? new InertModel(fn, ctx) : make(fn, ctx);
}
