/**
 * The uapi namespace: every constant, request number and struct layout named as Linux names
 * them. `import * as uapi from './uapi/index.js'` gives `uapi.VFIO_GET_API_VERSION`,
 * `uapi.IOMMU_IOAS_MAP`, `uapi.PCI_COMMAND_MASTER`, `uapi.O_RDWR`, `uapi.offsetofend(...)`.
 * Leaf layer: nothing here imports from outside src/uapi.
 */
export * from './ioctl.js';
export * from './vfio.js';
export * from './iommufd.js';
export * from './pci_regs.js';
export * from './pci_regs_exp.js';
export * from './pci_regs_ext.js';
export * from './posix.js';
export * from './structs.js';
export * from './ioctls.js';
export * from './features.js';
export * from './names.js';
export type { Ioctl, IoctlArg, IoctlOut, Request, RequestName } from './requests.js';
export type { CapabilityObject, FieldName, Struct, StructArg, UserPointer } from './struct-types.js';
export { describeUnknownField, extraArgFields, unknownArgFields, type UnknownArgField } from './arg-fields.js';
export { struct } from './struct-init.js';
