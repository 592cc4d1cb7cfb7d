/**
 * The VFIO device file (drivers/vfio/vfio_main.c vfio_device_fops): the generic dispatch
 * every VFIO bus driver's device fd goes through before the driver sees a request.
 *
 * vfio_device_fops_unl_ioctl order:
 *   1. VFIO_DEVICE_BIND_IOMMUFD (the iommufd layer's hook; EINVAL on a group-path fd);
 *   2. a cdev fd not yet bound: EINVAL (read, write and mmap too);
 *   3. runtime-PM wake-up of the device;
 *   4. cdev only: VFIO_DEVICE_ATTACH_IOMMUFD_PT / DETACH_IOMMUFD_PT (hook); on a group-path
 *      fd they fall through to the driver and end in ENOTTY;
 *   5. VFIO_DEVICE_FEATURE → the feature core; 6. VFIO_DEVICE_GET_REGION_INFO;
 *   7. everything else → the driver's ioctl (ENOTTY for unknown requests).
 * Release is left to the path that opened the fd (group.ts / the cdev layer), which calls
 * k.vfio.deviceClosed() exactly as it called deviceOpened().
 */
import { fail, type Result } from '../../base/result.js';
import * as V from '../../uapi/vfio.js';
import type { DeviceMapping, FileOperations, MmapRequest, OpenFile, SyscallContext } from '../fs/file.js';
import type { Kernel } from '../kernel.js';
import type { VfioDeviceFile } from './vfio-device.js';

type DevFile = OpenFile<VfioDeviceFile>;

/**
 * HOOK for the iommufd (cdev) layer: handle VFIO_DEVICE_BIND_IOMMUFD, ATTACH_IOMMUFD_PT and
 * DETACH_IOMMUFD_PT on cdev fds. Return null to decline (the request then falls through).
 * On a successful bind it sets `f.priv.bound = true` and calls `k.vfio.deviceOpened()`.
 */
export const cdevIoctlHook: { handle?: (f: DevFile, request: number, arg: unknown, ctx: SyscallContext) => Result<number> | null } = {};

/** What a bus driver (vfio-pci) supplies behind the generic dispatch. */
export interface VfioDeviceDriver {
  /** Runtime-PM wake-up before an ioctl (vfio-pci: ends a low-power entry with wakeup); rw wakes itself. */
  wake?(f: DevFile): void;
  feature(f: DevFile, arg: unknown, ctx: SyscallContext): Result<number>;
  regionInfo(f: DevFile, arg: unknown): Result<number>;
  ioctl(f: DevFile, request: number, arg: unknown, ctx: SyscallContext): Result<number>;
  rw(f: DevFile, data: Uint8Array, off: bigint, write: boolean): Result<number>;
  mmap(f: DevFile, req: MmapRequest): Result<DeviceMapping>;
}

function granted(f: DevFile): boolean {
  return f.priv.via === 'group' || f.priv.bound;
}

const NOT_BOUND = 'vfio_device_fops: cdev fd not bound to an iommufd yet';

export function vfioDeviceFops(k: Kernel, drv: VfioDeviceDriver): FileOperations<VfioDeviceFile> {
  return {
    kind: 'vfio-device',
    ioctl(f, request, arg, ctx) {
      const cdev = f.priv.via === 'cdev';
      if (request === V.VFIO_DEVICE_BIND_IOMMUFD) {
        const r = cdevIoctlHook.handle?.(f, request, arg, ctx);
        return r ?? fail('ENOTTY', 'vfio_device_fops_unl_ioctl: no iommufd support installed');
      }
      if (!granted(f)) return fail('EINVAL', NOT_BOUND);
      drv.wake?.(f);
      if (cdev && (request === V.VFIO_DEVICE_ATTACH_IOMMUFD_PT || request === V.VFIO_DEVICE_DETACH_IOMMUFD_PT)) {
        const r = cdevIoctlHook.handle?.(f, request, arg, ctx);
        if (r) return r;
      }
      if (request === V.VFIO_DEVICE_FEATURE) return drv.feature(f, arg, ctx);
      if (request === V.VFIO_DEVICE_GET_REGION_INFO) return drv.regionInfo(f, arg);
      return drv.ioctl(f, request, arg, ctx);
    },
    // read/write: the driver does its runtime-PM wake-up itself, after its own zero-length
    // and region-index checks (vfio_pci_core_read → vfio_pci_rw).
    pread(f, len, off) {
      if (!granted(f)) return fail('EINVAL', NOT_BOUND);
      const buf = new Uint8Array(len);
      const r = drv.rw(f, buf, off, false);
      return r.ok ? { ok: true, value: buf.subarray(0, r.value) } : r;
    },
    pwrite(f, data, off) {
      if (!granted(f)) return fail('EINVAL', NOT_BOUND);
      return drv.rw(f, data, off, true);
    },
    mmap(f, req) {
      if (!granted(f)) return fail('EINVAL', NOT_BOUND);
      return drv.mmap(f, req);
    },
  };
}
