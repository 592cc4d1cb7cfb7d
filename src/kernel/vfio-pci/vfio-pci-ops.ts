/**
 * vfio-pci's device operations (vfio_pci_core_ioctl and friends, struct vfio_device_ops
 * vfio_pci_ops): what the generic device fd dispatch calls after its own steps, plus
 * open_device / close_device / request. One static table; each call reaches the core
 * device through the VFIO device. Unknown requests (including the mdev-only GFX ones) are ENOTTY.
 */
import { fail, type Result } from '../../base/result.js';
import * as V from '../../uapi/vfio.js';
import type { OpenFile, SyscallContext } from '../fs/file.js';
import type { VfioDeviceFile, VfioDeviceOps } from '../vfio/vfio-device.js';
import { deviceFeature, wake } from './features.js';
import { getIrqInfo, setIrqs } from './intrs.js';
import { ioeventfd, regionRw } from './rdwr.js';
import { deviceInfo, mmapRegion, regionInfo } from './regions.js';
import { deviceReset, hotReset, hotResetInfo } from './reset.js';
import { coreOf } from './vfio-pci-core.js';

type DevFile = OpenFile<VfioDeviceFile>;

function coreIoctl(f: DevFile, request: number, arg: unknown, ctx: SyscallContext): Result<number> {
  const d = coreOf(f.priv.device);
  switch (request) {
    case V.VFIO_DEVICE_GET_INFO: return deviceInfo(d, arg);
    case V.VFIO_DEVICE_GET_IRQ_INFO: return getIrqInfo(d, arg);
    case V.VFIO_DEVICE_SET_IRQS: return setIrqs(d, arg, ctx);
    case V.VFIO_DEVICE_RESET: return deviceReset(d);
    case V.VFIO_DEVICE_GET_PCI_HOT_RESET_INFO: return hotResetInfo(d.k, d, f, arg);
    case V.VFIO_DEVICE_PCI_HOT_RESET: return hotReset(d.k, d, f, arg, ctx);
    case V.VFIO_DEVICE_IOEVENTFD: return ioeventfd(d, arg, ctx);
    default: return fail('ENOTTY', `vfio_pci_core_ioctl: unknown request 0x${request.toString(16)}`);
  }
}

export const vfioPciDeviceOps: VfioDeviceOps = {
  name: 'vfio-pci',
  openDevice: (dev) => coreOf(dev).enable(),
  closeDevice: (dev) => coreOf(dev).disable(),
  request: (dev) => coreOf(dev).reqTrigger?.signal(),
  wake: (f) => wake(coreOf(f.priv.device)),
  feature: (f, arg, ctx) => deviceFeature(coreOf(f.priv.device), arg, ctx),
  regionInfo: (f, arg) => regionInfo(coreOf(f.priv.device), arg),
  ioctl: coreIoctl,
  rw: (f, data, off, write) => regionRw(coreOf(f.priv.device), data, off, write),
  mmap: (f, req) => mmapRegion(coreOf(f.priv.device), f, req),
};
