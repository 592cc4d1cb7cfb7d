/**
 * The VFIO device file (drivers/vfio/vfio_main.c vfio_device_fops): one static table for
 * every device fd, however it was opened; the bus driver's part is reached through the
 * device's ops (struct vfio_device_ops), the opening path through the file's private data.
 *
 * vfio_device_fops_unl_ioctl order:
 *   1. VFIO_DEVICE_BIND_IOMMUFD (the cdev layer; EINVAL on a group-path fd);
 *   2. a cdev fd not yet bound: EINVAL (read, write and mmap too);
 *   3. runtime-PM wake-up of the device;
 *   4. cdev only: VFIO_DEVICE_ATTACH_IOMMUFD_PT / DETACH_IOMMUFD_PT (the cdev layer); on a
 *      group-path fd they fall through to the driver and end in ENOTTY;
 *   5. VFIO_DEVICE_FEATURE → the feature core; 6. VFIO_DEVICE_GET_REGION_INFO;
 *   7. everything else → the driver's ioctl (ENOTTY for unknown requests).
 * Release (vfio_device_fops_release) undoes what the opening path did: the group path's
 * close (vfio_df_group_close) or the cdev's unbind (vfio_df_unbind_iommufd); either way the
 * device is closed exactly once per fd that opened it (VfioDevice.fdClosed).
 */
import { fail, ok, type Result } from '../../base/result.js';
import * as V from '../../uapi/vfio.js';
import { OpenFile, type FileOperations, type SyscallContext } from '../fs/file.js';
import { cdevIoctl, unbindCdev } from '../iommufd/device-bind.js';
import { compatUnbindGroupDevice } from '../iommufd/group-compat.js';
import type { VfioDevice, VfioDeviceFile } from './vfio-device.js';

type DevFile = OpenFile<VfioDeviceFile>;

function granted(f: DevFile): boolean {
  return f.priv.via === 'group' || f.priv.iommufd !== null;
}

const NOT_BOUND = 'vfio_device_fops: cdev fd not bound to an iommufd yet';

/** vfio_device_fops_read(): EINVAL until the fd is granted, then the driver's read. */
function devPread(f: DevFile, len: number, off: bigint): Result<Uint8Array> {
  if (!granted(f)) return fail('EINVAL', NOT_BOUND);
  const buf = new Uint8Array(len);
  const r = f.priv.device.ops.rw(f, buf, off, false);
  return r.ok ? ok(buf.subarray(0, r.value)) : r;
}

/** vfio_device_fops_write(). */
function devPwrite(f: DevFile, data: Uint8Array, off: bigint): Result<number> {
  if (!granted(f)) return fail('EINVAL', NOT_BOUND);
  return f.priv.device.ops.rw(f, data, off, true);
}

/** vfio_device_fops. */
const vfioDeviceFops: FileOperations<VfioDeviceFile> = {
  kind: 'vfio-device',
  ioctl(f, request, arg, ctx) {
    const drv = f.priv.device.ops;
    if (request === V.VFIO_DEVICE_BIND_IOMMUFD) return cdevIoctl(f, request, arg, ctx);
    if (!granted(f)) return fail('EINVAL', NOT_BOUND);
    drv.wake?.(f);
    if (f.priv.via === 'cdev' && (request === V.VFIO_DEVICE_ATTACH_IOMMUFD_PT || request === V.VFIO_DEVICE_DETACH_IOMMUFD_PT)) {
      return cdevIoctl(f, request, arg, ctx);
    }
    if (request === V.VFIO_DEVICE_FEATURE) return drv.feature(f, arg, ctx);
    if (request === V.VFIO_DEVICE_GET_REGION_INFO) return drv.regionInfo(f, arg, ctx);
    return drv.ioctl(f, request, arg, ctx);
  },
  // read/write: the driver does its runtime-PM wake-up itself, after its own zero-length
  // and region-index checks (vfio_pci_core_read → vfio_pci_rw).
  pread: devPread,
  pwrite: devPwrite,
  // read(2)/write(2) go to the same driver method at the file position, which the driver
  // moves by what it did (vfio_device_fops_read → vfio_pci_rw: `*ppos += done`); with no
  // llseek (ESPIPE) the position only grows from 0.
  read(f, len) {
    const r = devPread(f, len, f.pos);
    if (r.ok) f.pos += BigInt(r.value.length);
    return r;
  },
  write(f, data) {
    const r = devPwrite(f, data, f.pos);
    if (r.ok) f.pos += BigInt(r.value);
    return r;
  },
  mmap(f, req) {
    if (!granted(f)) return fail('EINVAL', NOT_BOUND);
    return f.priv.device.ops.mmap(f, req);
  },
  release(f) {
    if (f.priv.via === 'group') closeGroupDevice(f);
    else unbindCdev(f);
  },
};

/** A new device file for `device`, opened through its group or its cdev. */
export function openDeviceFile(device: VfioDevice, via: 'group' | 'cdev', flags: number, path: string): DevFile {
  return new OpenFile<VfioDeviceFile>(vfioDeviceFops, { device, via, iommufd: null }, flags, path);
}

/**
 * vfio_device_fops_cdev_open(): no ownership check, any number of opens. ENODEV once the
 * device is being unregistered (vfio_device_try_get_registration), then EPERM for a no-IOMMU
 * device (/dev/vfio/devices/noiommu-vfioN) without CAP_SYS_RAWIO.
 */
export function openCdev(ctx: SyscallContext, device: VfioDevice, flags: number, path: string): Result<OpenFile> {
  if (device.group.dead) return fail('ENODEV', 'vfio_device_fops_cdev_open: device is being unregistered');
  if (device.noiommu && !ctx.task.capable('CAP_SYS_RAWIO')) return fail('EPERM', 'vfio_device_fops_cdev_open: a no-IOMMU device needs CAP_SYS_RAWIO');
  return ok(openDeviceFile(device, 'cdev', flags, path) as OpenFile);
}

/**
 * vfio_df_group_close(): close_device on the last fd, then the container use is dropped
 * (and a group-iommufd binding undone), and only then may a waiting unbind proceed
 * (vfio_device_put_registration).
 */
function closeGroupDevice(f: DevFile): void {
  const device = f.priv.device;
  const last = device.openCount === 1;
  const waiter = last ? device.takeReleaseWaiter() : null;
  device.fdClosed();
  if (!last) return;
  const link = device.group.iommufd;
  const idev = link?.devices.get(device);
  if (link && idev) {
    link.devices.delete(device);
    compatUnbindGroupDevice(idev);
  }
  const st = device.group.opened;
  if (st !== null) {
    st.containerUsers--;
    st.file.put();
  }
  waiter?.();
}
