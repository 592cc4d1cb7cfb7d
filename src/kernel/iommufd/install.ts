/**
 * Installs iommufd: /dev/iommu (root:root 0660, a misc device), the opener of device cdevs
 * /dev/vfio/devices/vfio<N>, and the device-fd hook for the cdev-only requests (one hook for
 * every Host: the calling task names its kernel).
 */
import { charDevice } from '../fs/node.js';
import type { Kernel } from '../kernel.js';
import { cdevIoctlHook } from '../vfio/device-fd.js';
import { cdevIoctl, openCdev } from './device-bind.js';
import { openIommufd } from './main.js';

export function installIommufd(k: Kernel): void {
  k.devfs.create('iommu', charDevice(0o660, (_ctx, flags, path) => ({ ok: true, value: openIommufd(k, flags, path) })));
  k.vfio.openers.openCdev = (_ctx, device, flags, path) => openCdev(k, device, flags, path);
  cdevIoctlHook.handle = (f, request, arg, ctx) => cdevIoctl(ctx.task.kernel, f, request, arg, ctx);
}
