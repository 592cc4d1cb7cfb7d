/**
 * What the legacy group path needs from iommufd when a group is given an iommufd as its
 * "container" (drivers/vfio/group.c + drivers/vfio/iommufd.c, CONFIG_IOMMUFD):
 *
 *   VFIO_GROUP_SET_CONTAINER(fd):  ctx = iommufdCtxOfFile(file) (null: not an iommufd);
 *                                  then compatIoasCreate(ctx) and keep ctx (and a file ref).
 *   VFIO_GROUP_GET_DEVICE_FD:      on the device's first open, compatBindGroupDevice(ctx, dev)
 *                                  (vfio_iommufd_physical_bind + vfio_iommufd_compat_attach_ioas).
 *   last close of that device:     compatUnbindGroupDevice(idev).
 *
 * The device then translates through the compat IOAS, which the container ioctls on the
 * iommufd fd (VFIO_IOMMU_MAP_DMA, ...) fill.
 */
import { ok, type Result } from '../../base/result.js';
import type { VfioDevice } from '../vfio/vfio-device.js';
import { compatIoasCreate } from './compat.js';
import type { IommufdCtx } from './context.js';
import { attachDeviceTo, bindDevice, unbindDevice, type IommufdDevice } from './device.js';

/** Bind a group-opened device to `ctx` and attach it to the compat IOAS (created if needed). */
export function compatBindGroupDevice(ctx: IommufdCtx, device: VfioDevice): Result<IommufdDevice> {
  const idev = bindDevice(ctx, device);
  if (!idev.ok) return idev;
  const io = compatIoasCreate(ctx);
  const a = io.ok ? attachDeviceTo(idev.value, io.value.id) : io;
  if (!a.ok) {
    unbindDevice(idev.value);
    return a;
  }
  ctx.file?.get();
  return ok(idev.value);
}

/** Undo compatBindGroupDevice at the device's last close. */
export function compatUnbindGroupDevice(idev: IommufdDevice): void {
  const ctx = idev.ctx;
  unbindDevice(idev);
  ctx.file?.put();
}
