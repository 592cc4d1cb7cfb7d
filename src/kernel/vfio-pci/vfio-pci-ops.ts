/**
 * vfio-pci's device operations (vfio_pci_core_ioctl and friends, struct vfio_device_ops
 * vfio_pci_ops): what the generic device fd dispatch calls after its own steps, plus
 * open_device / close_device / request. One static table; each call reaches the core
 * device through the VFIO device. Unknown requests (including the mdev-only GFX ones) are ENOTTY.
 */
import type { Result } from '../../base/result.js';
import * as V from '../../uapi/vfio.js';
import type { OpenFile, SyscallContext } from '../fs/file.js';
import type { VfioDeviceFile, VfioDeviceOps } from '../vfio/vfio-device.js';
import { deviceFeature, wake } from './features.js';
import { validateVfToken, vfTokenUserAdd } from './sriov.js';
import { getIrqInfo, setIrqs } from './intrs.js';
import { ioeventfd, regionRw } from './rdwr.js';
import { deviceInfo, mmapRegion, regionInfo } from './regions.js';
import { deviceReset, hotReset, hotResetInfo } from './reset.js';
import { dispatch, rawOp, structOp, type IoctlOp } from '../ioctl-table.js';
import { coreOf, type VfioPciCoreDevice } from './vfio-pci-core.js';

type DevFile = OpenFile<VfioDeviceFile>;

/** What a vfio-pci ioctl handler works on: the device fd and the core device. */
interface DevCall {
  readonly f: DevFile;
  readonly d: VfioPciCoreDevice;
}

/** vfio_pci_core_ioctl() (and the feature / region-info steps the generic fd routes here), as a table. */
export const VFIO_PCI_IOCTLS: readonly IoctlOp<DevCall>[] = [
  structOp(V.VFIO_DEVICE_GET_INFO, 'vfio_device_info', 'num_irqs', (c, a) => deviceInfo(c.d, a)),
  structOp(V.VFIO_DEVICE_GET_REGION_INFO, 'vfio_region_info', 'offset', (c, a) => regionInfo(c.d, a)),
  structOp(V.VFIO_DEVICE_GET_IRQ_INFO, 'vfio_irq_info', 'count', (c, a) => getIrqInfo(c.d, a)),
  structOp(V.VFIO_DEVICE_SET_IRQS, 'vfio_irq_set', 'count', (c, a, sc) => setIrqs(c.d, a, sc)),
  rawOp(V.VFIO_DEVICE_RESET, (c) => deviceReset(c.d)),
  structOp(V.VFIO_DEVICE_GET_PCI_HOT_RESET_INFO, 'vfio_pci_hot_reset_info', 'count', (c, a) => hotResetInfo(c.d.k, c.d, c.f, a)),
  structOp(V.VFIO_DEVICE_PCI_HOT_RESET, 'vfio_pci_hot_reset', 'count', (c, a, sc) => hotReset(c.d.k, c.d, c.f, a, sc)),
  structOp(V.VFIO_DEVICE_IOEVENTFD, 'vfio_device_ioeventfd', 'fd', (c, a, sc) => ioeventfd(c.d, a, sc)),
  structOp(V.VFIO_DEVICE_FEATURE, 'vfio_device_feature', 'flags', (c, a, sc) => deviceFeature(c.d, a, sc)),
];

function coreIoctl(f: DevFile, request: number, arg: unknown, ctx: SyscallContext): Result<number> {
  return dispatch(VFIO_PCI_IOCTLS, { f, d: coreOf(f.priv.device) }, request, arg, ctx, 'vfio_pci_core_ioctl');
}

export const vfioPciDeviceOps: VfioDeviceOps = {
  name: 'vfio-pci',
  openDevice: (dev) => {
    coreOf(dev).enable();
    vfTokenUserAdd(coreOf(dev).k, coreOf(dev), 1);
  },
  closeDevice: (dev) => {
    vfTokenUserAdd(coreOf(dev).k, coreOf(dev), -1);
    coreOf(dev).disable();
  },
  matchTokenUuid: (dev, uuid) => validateVfToken(coreOf(dev), uuid),
  request: (dev) => coreOf(dev).reqTrigger?.signal(),
  wake: (f) => wake(coreOf(f.priv.device)),
  feature: (f, arg, ctx) => coreIoctl(f, V.VFIO_DEVICE_FEATURE, arg, ctx),
  regionInfo: (f, arg, ctx) => coreIoctl(f, V.VFIO_DEVICE_GET_REGION_INFO, arg, ctx),
  ioctl: coreIoctl,
  rw: (f, data, off, write) => regionRw(coreOf(f.priv.device), data, off, write),
  mmap: (f, req) => mmapRegion(coreOf(f.priv.device), f, req),
};
