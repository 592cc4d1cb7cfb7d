/**
 * VFIO device cdevs (drivers/vfio/device_cdev.c, drivers/vfio/iommufd.c): opening
 * /dev/vfio/devices/vfioN, and the three cdev-only requests VFIO_DEVICE_BIND_IOMMUFD,
 * VFIO_DEVICE_ATTACH_IOMMUFD_PT and VFIO_DEVICE_DETACH_IOMMUFD_PT.
 *
 * Invariants:
 *  - a cdev fd is "granted" (`priv.bound`) exactly while its device is bound to an iommufd
 *    through it; then it holds the DEVICE object, a reference on the iommufd file, one
 *    deviceOpened() count and one "cdev user" of the VFIO group;
 *  - at most one fd per device is bound, and never while the device is open another way;
 *  - a group with cdev users cannot be opened as /dev/vfio/<group> and vice versa
 *    (`groupCdevUsers` is what the group opener checks).
 */
import { fail, ok, okVoid, type Result } from '../../base/result.js';
import { offsetofend, sizeofStruct } from '../../uapi/structs.js';
import * as V from '../../uapi/vfio.js';
import { OpenFile, type FileOperations, type SyscallContext } from '../fs/file.js';
import type { Kernel } from '../kernel.js';
import type { VfioDevice, VfioDeviceFile } from '../vfio/vfio-device.js';
import type { VfioGroup } from '../vfio/vfio-group.js';
import type { IommufdCtx } from './context.js';
import { attachDeviceTo, bindDevice, detachDevice, unbindDevice, type IommufdDevice } from './device.js';
import { iommufdCtxOfFile } from './main.js';
import { copyStructFromUser, leadingSize, respond, u32, userArg } from './ucmd.js';

type DevFile = OpenFile<VfioDeviceFile>;

/** group->cdev_device_open_cnt. */
const cdevUsers = new WeakMap<VfioGroup, number>();

/** How many devices of `group` are bound through their cdev (the group node refuses to open while > 0). */
export function groupCdevUsers(group: VfioGroup): number {
  return cdevUsers.get(group) ?? 0;
}

/** What a bound cdev fd keeps in `priv.extra`. */
interface CdevBinding {
  readonly idev: IommufdDevice;
  readonly ictx: IommufdCtx;
}

const BINDING = 'iommufd';

function bindingOf(f: DevFile): CdevBinding | undefined {
  return f.priv.extra[BINDING] as CdevBinding | undefined;
}

/** vfio_device_block_group(): EBUSY while the group node is open. */
function blockGroup(group: VfioGroup): Result<void> {
  if (group.opened !== null) return fail('EBUSY', 'vfio_device_block_group: the group is open through /dev/vfio/<group>');
  cdevUsers.set(group, groupCdevUsers(group) + 1);
  return okVoid();
}

function unblockGroup(group: VfioGroup): void {
  cdevUsers.set(group, Math.max(0, groupCdevUsers(group) - 1));
}

/** iommufd_ctx_from_fd(): EBADF for a closed fd, EBADFD for a file that is not an iommufd. */
function ctxFromFd(sc: SyscallContext, fd: number): Result<IommufdCtx> {
  const file = sc.task.file(fd);
  if (file === undefined) return fail('EBADF', 'iommufd_ctx_from_fd: fd is not open');
  const ctx = iommufdCtxOfFile(file);
  return ctx === null ? fail('EBADFD', 'iommufd_ctx_from_fd: fd is not an iommufd') : ok(ctx);
}

/** The checks of vfio_df_ioctl_bind_iommufd() before the group is blocked. */
function bindArgs(f: DevFile, arg: unknown): Result<{ obj: Record<string, unknown>; size: number; iommufd: number; token: boolean }> {
  const o = userArg(arg);
  if (!o.ok) return o;
  const argsz = leadingSize(o.value, 'argsz');
  if (!argsz.ok) return argsz;
  if (argsz.value < offsetofend('vfio_device_bind_iommufd', 'out_devid')) return fail('EINVAL', 'vfio_df_ioctl_bind_iommufd: argsz < 16');
  const fl = copyStructFromUser(o.value, 'vfio_device_bind_iommufd', argsz.value);
  if (!fl.ok) return fl;
  const iommufd = fl.value.iommufd as number;
  if (iommufd < 0 || (u32(fl.value, 'flags') & ~V.VFIO_DEVICE_BIND_FLAG_TOKEN) !== 0) return fail('EINVAL', 'vfio_df_ioctl_bind_iommufd: negative iommufd or unknown flags');
  if (f.priv.via !== 'cdev') return fail('EINVAL', 'vfio_df_ioctl_bind_iommufd: fd was obtained from a group');
  return ok({ obj: o.value, size: argsz.value, iommufd, token: (u32(fl.value, 'flags') & V.VFIO_DEVICE_BIND_FLAG_TOKEN) !== 0 });
}

/** vfio_df_ioctl_bind_iommufd(). */
export function bindIommufd(k: Kernel, f: DevFile, arg: unknown, sc: SyscallContext): Result<number> {
  const a = bindArgs(f, arg);
  if (!a.ok) return a;
  const device = f.priv.device;
  const b = blockGroup(device.group);
  if (!b.ok) return b;
  const r = bindSteps(k, f, a.value.iommufd, a.value.token, sc);
  if (!r.ok) {
    unblockGroup(device.group);
    return r;
  }
  respond(a.value.obj, 'vfio_device_bind_iommufd', a.value.size, { out_devid: r.value.idev.id });
  return ok(0);
}

/** The part of the bind after the group is blocked: EINVAL, EBADF/EBADFD, then the iommufd bind. */
function bindSteps(k: Kernel, f: DevFile, fd: number, token: boolean, sc: SyscallContext): Result<CdevBinding> {
  const device = f.priv.device;
  if (f.priv.bound) return fail('EINVAL', 'vfio_df_ioctl_bind_iommufd: fd already bound');
  // vfio-sim models no VF tokens: a token for an ordinary function is EINVAL, as vfio-pci answers
  if (token) return fail('EINVAL', 'vfio_pci_validate_vf_token: token given for a device that is neither PF nor VF');
  const c = ctxFromFd(sc, fd);
  if (!c.ok) return c;
  if (device.openCount !== 0) return fail('EINVAL', 'vfio_df_open: device already opened through another fd');
  const idev = bindDevice(c.value, device);
  if (!idev.ok) return idev;
  const binding: CdevBinding = { idev: idev.value, ictx: c.value };
  c.value.file?.get();
  f.priv.extra[BINDING] = binding;
  f.priv.bound = true;
  k.vfio.deviceOpened(device);
  return ok(binding);
}

/** vfio_df_ioctl_attach_pt(): first attach or atomic replace; writes back the HWPT id used. */
export function attachPt(f: DevFile, arg: unknown): Result<number> {
  const o = userArg(arg);
  if (!o.ok) return o;
  const minsz = offsetofend('vfio_device_attach_iommufd_pt', 'pt_id');
  const fl = copyStructFromUser(o.value, 'vfio_device_attach_iommufd_pt', sizeofStruct('vfio_device_attach_iommufd_pt'));
  if (!fl.ok) return fl;
  const argsz = u32(fl.value, 'argsz');
  if (argsz < minsz) return fail('EINVAL', 'vfio_df_ioctl_attach_pt: argsz < 12');
  const flags = u32(fl.value, 'flags');
  if ((flags & ~V.VFIO_DEVICE_ATTACH_PASID) !== 0) return fail('EINVAL', 'vfio_df_ioctl_attach_pt: unknown flags');
  if (flags & V.VFIO_DEVICE_ATTACH_PASID) {
    if (argsz < offsetofend('vfio_device_attach_iommufd_pt', 'pasid')) return fail('EINVAL', 'vfio_df_ioctl_attach_pt: PASID flag with argsz < 16');
    return fail('EINVAL', 'iommufd_device_attach: device has no PASID capability');
  }
  const b = bindingOf(f)!;
  const r = attachDeviceTo(b.idev, u32(fl.value, 'pt_id'));
  if (!r.ok) return r;
  o.value.pt_id = r.value;
  return ok(0);
}

/** vfio_df_ioctl_detach_pt(): detaching a device that is not attached succeeds. */
export function detachPt(f: DevFile, arg: unknown): Result<number> {
  const o = userArg(arg);
  if (!o.ok) return o;
  const fl = copyStructFromUser(o.value, 'vfio_device_detach_iommufd_pt', sizeofStruct('vfio_device_detach_iommufd_pt'));
  if (!fl.ok) return fl;
  const argsz = u32(fl.value, 'argsz');
  if (argsz < offsetofend('vfio_device_detach_iommufd_pt', 'flags')) return fail('EINVAL', 'vfio_df_ioctl_detach_pt: argsz < 8');
  const flags = u32(fl.value, 'flags');
  if ((flags & ~V.VFIO_DEVICE_DETACH_PASID) !== 0) return fail('EINVAL', 'vfio_df_ioctl_detach_pt: unknown flags');
  if (flags & V.VFIO_DEVICE_DETACH_PASID) {
    if (argsz < offsetofend('vfio_device_detach_iommufd_pt', 'pasid')) return fail('EINVAL', 'vfio_df_ioctl_detach_pt: PASID flag with argsz < 12');
    return ok(0);
  }
  detachDevice(bindingOf(f)!.idev);
  return ok(0);
}

/**
 * The hook device-fd.ts calls for the cdev requests. BIND on a group-derived fd is EINVAL;
 * ATTACH/DETACH are only handled for cdev fds (a group fd's fall through to the driver).
 */
export function cdevIoctl(k: Kernel, f: DevFile, request: number, arg: unknown, sc: SyscallContext): Result<number> | null {
  if (request === V.VFIO_DEVICE_BIND_IOMMUFD) return bindIommufd(k, f, arg, sc);
  if (f.priv.via !== 'cdev' || !f.priv.bound) return null;
  if (request === V.VFIO_DEVICE_ATTACH_IOMMUFD_PT) return attachPt(f, arg);
  if (request === V.VFIO_DEVICE_DETACH_IOMMUFD_PT) return detachPt(f, arg);
  return null;
}

/** vfio_df_unbind_iommufd() + vfio_df_close() for a bound cdev fd being released. */
function unbindCdev(k: Kernel, f: DevFile, inner: FileOperations<VfioDeviceFile>): void {
  const b = bindingOf(f);
  inner.release?.(f);
  if (b === undefined) return;
  const device = f.priv.device;
  const before = device.openCount;
  unbindDevice(b.idev);
  delete f.priv.extra[BINDING];
  f.priv.bound = false;
  unblockGroup(device.group);
  if (device.openCount === before) k.vfio.deviceClosed(device);
  b.ictx.file?.put();
}

/** The driver's device fops with the cdev release (the bind is undone at close). */
function cdevFops(k: Kernel, inner: FileOperations<VfioDeviceFile>): FileOperations<VfioDeviceFile> {
  return { ...inner, release: (f) => unbindCdev(k, f, inner) };
}

/**
 * vfio_device_fops_cdev_open(): no ownership check, any number of opens; ENODEV for a
 * no-IOMMU device, which has no cdev in Linux (the cdev interface does not support them).
 */
export function openCdev(k: Kernel, device: VfioDevice, flags: number, path: string): Result<OpenFile> {
  if (device.group.type === 'noiommu') return fail('ENODEV', 'vfio_device_fops_cdev_open: no-IOMMU devices have no cdev');
  if (device.group.dead) return fail('ENODEV', 'vfio_device_fops_cdev_open: device is being unregistered');
  const priv: VfioDeviceFile = { device, via: 'cdev', bound: false, extra: {} };
  return ok(new OpenFile<VfioDeviceFile>(cdevFops(k, device.ops.fops), priv, flags, path) as OpenFile);
}
