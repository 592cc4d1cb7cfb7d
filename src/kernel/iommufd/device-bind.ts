/**
 * VFIO device cdevs (drivers/vfio/device_cdev.c, drivers/vfio/iommufd.c): the three
 * cdev-only requests VFIO_DEVICE_BIND_IOMMUFD, VFIO_DEVICE_ATTACH_IOMMUFD_PT and
 * VFIO_DEVICE_DETACH_IOMMUFD_PT, and the unbind at release. The device fd's static
 * operations (vfio/device-fd.ts) call them.
 *
 * Invariants:
 *  - a cdev fd is "granted" (`priv.iommufd !== null`) exactly while its device is bound to
 *    an iommufd through it; then it holds the DEVICE object, a reference on the iommufd
 *    file, one fdOpened() count and one "cdev user" of the VFIO group;
 *  - at most one fd per device is bound, and never while the device is open another way;
 *  - a group with cdev users (`VfioGroup.cdevUsers`) cannot be opened as /dev/vfio/<group>
 *    and vice versa.
 */
import { fail, ok, okVoid, type Result } from '../../base/result.js';
import { UUID_SIZE } from '../../base/uuid.js';
import { offsetofend } from '../../uapi/structs.js';
import * as V from '../../uapi/vfio.js';
import type { OpenFile, SyscallContext } from '../fs/file.js';
import type { IommuGroup } from '../iommu/iommu-group.js';
import type { VfioDevice, VfioDeviceFile } from '../vfio/vfio-device.js';
import type { VfioGroup } from '../vfio/group.js';
import type { IommufdCtx } from './context.js';
import { attachDeviceTo, bindDevice, detachDevice, unbindDevice, type IommufdDevice } from './device.js';
import { iommufdCtxOfFile } from './main.js';
import { dispatch, sizedOp, structOp, type IoctlOp, type StructArg } from '../ioctl-table.js';
import { respond, u32 } from '../uaccess.js';

type DevFile = OpenFile<VfioDeviceFile>;

/** What a bound cdev fd holds (`VfioDeviceFile.iommufd`): the DEVICE object and its context. */
export interface CdevBinding {
  readonly idev: IommufdDevice;
  readonly ictx: IommufdCtx;
}

/** vfio_device_block_group(): EBUSY while the group node is open. */
function blockGroup(group: VfioGroup): Result<void> {
  if (group.opened !== null) return fail('EBUSY', 'vfio_device_block_group: the group is open through /dev/vfio/<group>');
  group.cdevUsers++;
  return okVoid();
}

function unblockGroup(group: VfioGroup): void {
  group.cdevUsers = Math.max(0, group.cdevUsers - 1);
}

/** iommufd_ctx_from_fd(): EBADF for a closed fd, EBADFD for a file that is not an iommufd. */
function ctxFromFd(sc: SyscallContext, fd: number): Result<IommufdCtx> {
  const file = sc.task.file(fd);
  if (file === undefined) return fail('EBADF', 'iommufd_ctx_from_fd: fd is not open');
  const ctx = iommufdCtxOfFile(file);
  return ctx === null ? fail('EBADFD', 'iommufd_ctx_from_fd: fd is not an iommufd') : ok(ctx);
}

/**
 * The checks of vfio_df_ioctl_bind_iommufd() after the copy (the table row did get_user(argsz),
 * EINVAL below minsz and copy_struct_from_user up to argsz) and before the group is blocked.
 * `token`: null without VFIO_DEVICE_BIND_FLAG_TOKEN, else the token_uuid_ptr value.
 */
function bindArgs(f: DevFile, a: StructArg): Result<{ iommufd: number; token: unknown }> {
  const iommufd = a.f.iommufd as number;
  const flags = u32(a.f, 'flags');
  if (iommufd < 0 || (flags & ~V.VFIO_DEVICE_BIND_FLAG_TOKEN) !== 0) return fail('EINVAL', 'vfio_df_ioctl_bind_iommufd: negative iommufd or unknown flags');
  if (f.priv.via !== 'cdev') return fail('EINVAL', 'vfio_df_ioctl_bind_iommufd: fd was obtained from a group');
  const token = (flags & V.VFIO_DEVICE_BIND_FLAG_TOKEN) !== 0;
  // token_uuid_ptr as the caller gave it: a Uint8Array, or a pointer into its memory
  return ok({ iommufd, token: token ? (a.argsz > a.minsz ? a.obj['token_uuid_ptr'] ?? 0n : 0n) : null });
}

/** vfio_df_ioctl_bind_iommufd(). */
function bindIommufd(f: DevFile, a: StructArg, sc: SyscallContext): Result<number> {
  const b = bindArgs(f, a);
  if (!b.ok) return b;
  const device = f.priv.device;
  const blocked = blockGroup(device.group);
  if (!blocked.ok) return blocked;
  const r = bindSteps(f, b.value.iommufd, b.value.token, sc);
  if (!r.ok) {
    unblockGroup(device.group);
    return r;
  }
  respond(a.obj, 'vfio_device_bind_iommufd', a.argsz, { out_devid: r.value.idev.id });
  return ok(0);
}

/** The part of the bind after the group is blocked: EINVAL, EBADF/EBADFD, then the iommufd bind. */
function bindSteps(f: DevFile, fd: number, token: unknown, sc: SyscallContext): Result<CdevBinding> {
  const device = f.priv.device;
  if (f.priv.iommufd !== null) return fail('EINVAL', 'vfio_df_ioctl_bind_iommufd: fd already bound');
  const t = checkToken(device, token, sc);
  if (!t.ok) return t;
  const c = ctxFromFd(sc, fd);
  if (!c.ok) return c;
  if (device.openCount !== 0) return fail('EINVAL', 'vfio_df_open: device already opened through another fd');
  const idev = bindDevice(c.value, device);
  if (!idev.ok) return idev;
  const binding: CdevBinding = { idev: idev.value, ictx: c.value };
  c.value.file?.get();
  f.priv.iommufd = binding;
  device.fdOpened();
  return ok(binding);
}

/**
 * vfio_df_check_token(): a device without match_token_uuid takes no token (EINVAL); else
 * the driver checks the token, or its absence; the UUID is copied from token_uuid_ptr
 * (EFAULT when unreadable).
 */
function checkToken(device: VfioDevice, token: unknown, sc: SyscallContext): Result<void> {
  const match = device.ops.matchTokenUuid;
  if (match === undefined) return token === null ? okVoid() : fail('EINVAL', 'vfio_df_check_token: the driver takes no token');
  if (token === null) return match(device, null);
  let uuid: Uint8Array;
  if (token instanceof Uint8Array && token.length >= UUID_SIZE) {
    uuid = token.slice(0, UUID_SIZE);
  } else if (typeof token === 'bigint' && token !== 0n) {
    const r = sc.task.mm.load(token, UUID_SIZE);
    if (!('ok' in r) || !r.ok) return fail('EFAULT', 'vfio_df_check_token: token_uuid_ptr not readable');
    uuid = r.value.slice();
  } else {
    return fail('EFAULT', 'vfio_df_check_token: token_uuid_ptr is NULL or shorter than a UUID');
  }
  return match(device, uuid);
}

/** vfio_df_ioctl_attach_pt(): first attach or atomic replace; writes back the HWPT id used. */
function attachPt(f: DevFile, a: StructArg): Result<number> {
  const { argsz, minsz } = a;
  if (argsz < minsz) return fail('EINVAL', `vfio_df_ioctl_attach_pt: argsz < ${minsz}`);
  const flags = u32(a.f, 'flags');
  if ((flags & ~V.VFIO_DEVICE_ATTACH_PASID) !== 0) return fail('EINVAL', 'vfio_df_ioctl_attach_pt: unknown flags');
  if (flags & V.VFIO_DEVICE_ATTACH_PASID) {
    if (argsz < offsetofend('vfio_device_attach_iommufd_pt', 'pasid')) return fail('EINVAL', 'vfio_df_ioctl_attach_pt: PASID flag with argsz < offsetofend(pasid)');
    return fail('EINVAL', 'iommufd_device_attach: device has no PASID capability');
  }
  const b = f.priv.iommufd!;
  const r = attachDeviceTo(b.idev, u32(a.f, 'pt_id'));
  if (!r.ok) return r;
  a.obj.pt_id = r.value;
  return ok(0);
}

/** vfio_df_ioctl_detach_pt(): detaching a device that is not attached succeeds. */
function detachPt(f: DevFile, a: StructArg): Result<number> {
  const { argsz, minsz } = a;
  if (argsz < minsz) return fail('EINVAL', `vfio_df_ioctl_detach_pt: argsz < ${minsz}`);
  const flags = u32(a.f, 'flags');
  if ((flags & ~V.VFIO_DEVICE_DETACH_PASID) !== 0) return fail('EINVAL', 'vfio_df_ioctl_detach_pt: unknown flags');
  if (flags & V.VFIO_DEVICE_DETACH_PASID) {
    if (argsz < offsetofend('vfio_device_detach_iommufd_pt', 'pasid')) return fail('EINVAL', 'vfio_df_ioctl_detach_pt: PASID flag with argsz < offsetofend(pasid)');
    return ok(0);
  }
  detachDevice(f.priv.iommufd!.idev);
  return ok(0);
}

/**
 * vfio_iommufd_get_dev_id() for the iommufd the cdev fd `f` is bound to: the DEVICE id of
 * `vdev` when it is bound to that same iommufd, else null.
 */
export function devidInCtxOf(f: DevFile, vdev: VfioDevice): number | null {
  const ictx = f.priv.iommufd?.ictx;
  if (ictx === undefined) return null;
  // vfio_iommufd_device_ictx(vdev) == ictx: any DEVICE object of that context, a no-IOMMU one included
  const idev = ictx.table.list().find((o) => o.type === 'device' && (o as IommufdDevice).vdev === vdev);
  return idev?.id ?? null;
}

/** iommufd_ctx_has_group() for the iommufd the cdev fd `f` is bound to: a device of `group` is bound there. */
export function ctxOfHasGroup(f: DevFile, group: IommuGroup | null): boolean {
  const ictx = f.priv.iommufd?.ictx;
  return ictx !== undefined && group !== null && ictx.igroups.has(group);
}

/** The cdev layer's device requests (device_cdev.c: BIND, ATTACH_PT, DETACH_PT), as a table. */
export const CDEV_IOCTLS: readonly IoctlOp<DevFile>[] = [
  sizedOp(V.VFIO_DEVICE_BIND_IOMMUFD, 'vfio_device_bind_iommufd', 'out_devid', 'vfio_df_ioctl_bind_iommufd', bindIommufd),
  structOp(V.VFIO_DEVICE_ATTACH_IOMMUFD_PT, 'vfio_device_attach_iommufd_pt', 'pt_id', attachPt),
  structOp(V.VFIO_DEVICE_DETACH_IOMMUFD_PT, 'vfio_device_detach_iommufd_pt', 'flags', detachPt),
];

/** BIND_IOMMUFD on any device fd; ATTACH_IOMMUFD_PT / DETACH_IOMMUFD_PT on a bound cdev fd (vfio/device-fd.ts decides which reach here). */
export function cdevIoctl(f: DevFile, request: number, arg: unknown, sc: SyscallContext): Result<number> {
  return dispatch(CDEV_IOCTLS, f, request, arg, sc, 'vfio_device_fops_cdev_ioctl');
}

/** vfio_df_unbind_iommufd() + vfio_df_close() for a cdev fd being released (nothing when never bound). */
export function unbindCdev(f: DevFile): void {
  const b = f.priv.iommufd;
  if (b === null) return;
  const device = f.priv.device;
  unbindDevice(b.idev);
  f.priv.iommufd = null;
  unblockGroup(device.group);
  device.fdClosed();
  b.ictx.file?.put();
}
