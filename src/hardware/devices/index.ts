/**
 * Device models: the built-in models (contract §8), each a file with its identity, BARs,
 * capabilities and behaviour, the catalog that lists them, and `createDeviceModel`, which the
 * machine uses to give every PCI function its behaviour. Users write their own by extending
 * PciDeviceModel (docs/device-models.md) and handing a `DeviceModelMaker` to the Host.
 */
export { builtinModels, createDeviceModel } from './catalog.js';
export { getLE, putLE } from './le-bytes.js';
export { PciDeviceModel } from './model.js';
export type { DeviceContext, DeviceModel, DeviceModelMaker, DmaOutcome, AccessSize } from './model-types.js';
export { ConfigSpace, buildConfigSpace, CFG, CMD } from './config-space.js';
export { EduModel, EDU, eduDevice } from './edu.js';
export { DmaEngineModel, DMAE, dmaEngineDevice } from './dma-engine.js';
export { NicModel, NIC, nicDevice } from './nic.js';
export { InertModel } from './inert.js';
export { IoatModel, IOAT, ioatDevice } from './ioat.js';
export { HostileModel, HOSTILE, hostileDevice, type AttackRequest, type AttackResult } from './hostile.js';
