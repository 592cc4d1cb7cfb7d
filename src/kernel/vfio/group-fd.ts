/**
 * The group fd (drivers/vfio/group.c): open of /dev/vfio/<N> and the VFIO_GROUP_* ioctls —
 * GET_STATUS, SET_CONTAINER, UNSET_CONTAINER, GET_DEVICE_FD. The device fds it hands out are
 * ordinary device files (device-fd.ts), whose release runs the group path's close.
 *
 * Reference rules (spec §1.2): a group fd can be open once; each device's first open takes a
 * reference on the group's open file and a container_users slot, so closing the group fd
 * while a device fd is open defers the release (detaching the container) until the last
 * device closes. container_users is 1 while attached, +1 per opened device.
 */
import { fail, failType, ok, type Result } from '../../base/result.js';
import { uuidParse } from '../../base/uuid.js';
import {
  VFIO_GROUP_FLAGS_CONTAINER_SET,
  VFIO_GROUP_FLAGS_VIABLE,
  VFIO_GROUP_GET_DEVICE_FD,
  VFIO_GROUP_GET_STATUS,
  VFIO_GROUP_SET_CONTAINER,
  VFIO_GROUP_UNSET_CONTAINER,
} from '../../uapi/vfio.js';
import { OpenFile, type FileOperations, type SyscallContext } from '../fs/file.js';
import { O_RDWR } from '../../uapi/posix.js';
import { compatIoasCreate, compatSetNoIommu } from '../iommufd/compat.js';
import { compatBindGroupDevice } from '../iommufd/group-compat.js';
import { iommufdCtxOfFile } from '../iommufd/main.js';
import type { IommufdCtx } from '../iommufd/context.js';
import type { IommufdDevice } from '../iommufd/device.js';
import { containerOfFile } from './container.js';
import { openDeviceFile } from './device-fd.js';
import { dispatch, rawOp, structOp, type IoctlOp, type StructArg } from '../ioctl-table.js';
import type { VfioDevice } from './vfio-device.js';
import type { VfioGroup } from './group.js';

/** What VfioGroup.opened holds while the group fd is open (group->opened_file et al.). */
export interface GroupFileState {
  readonly file: OpenFile<VfioGroup>;
  containerUsers: number;
}

/**
 * group->iommufd: the group was given an iommufd instead of a container
 * (VFIO_GROUP_SET_CONTAINER with an iommufd fd). Its devices bind to that iommufd on first
 * open and attach to its compat IOAS (vfio_df_group_open → vfio_df_iommufd_bind).
 */
export class GroupIommufd {
  readonly devices = new Map<VfioDevice, IommufdDevice>();
  constructor(
    readonly ctx: IommufdCtx,
    readonly file: OpenFile,
  ) {}
}

/** vfio_group_fops_open(). */
export function openGroup(ctx: SyscallContext, group: VfioGroup, flags: number, path: string): Result<OpenFile> {
  if (group.dead || group.devices.length === 0) return fail('ENODEV', 'vfio_group_fops_open: no VFIO driver in the group');
  if (group.type === 'noiommu' && !ctx.task.capable('CAP_SYS_RAWIO')) return fail('EPERM', 'vfio_group_fops_open: no-IOMMU group needs CAP_SYS_RAWIO');
  if (group.opened !== null) return fail('EBUSY', 'vfio_group_fops_open: group already open');
  if (group.cdevUsers > 0) return fail('EBUSY', 'vfio_group_fops_open: a device of the group is bound through its cdev');
  const file = new OpenFile<VfioGroup>(groupFops, group, flags, path);
  const st: GroupFileState = { file, containerUsers: 0 };
  group.opened = st;
  return ok(file as OpenFile);
}

/** vfio_group_detach_container() from the group's side. */
function detach(group: VfioGroup): void {
  const link = group.iommufd;
  if (link !== null) {
    group.iommufd = null;
    link.file.put();
    const st = group.opened;
    if (st !== null) st.containerUsers = 0;
    return;
  }
  const c = group.container;
  if (c === null) return;
  c.detachGroup(group);
  const st = group.opened;
  if (st !== null) st.containerUsers = 0;
}

/** The group's IOMMU group went away (vfio_device_remove_group): revoke the container. */
export function groupRemoved(group: VfioGroup): void {
  detach(group);
}

/** The group fd's file operations (vfio_group_fops). */
const groupFops: FileOperations<VfioGroup> = {
  kind: 'vfio-group',
  ioctl: (file, request, arg, ctx) => groupIoctl(file.priv, request, arg, ctx),
  release: (file) => {
    detach(file.priv);
    file.priv.opened = null;
  },
};

/** The VFIO group behind a group fd (vfio_group_from_file), or null for any other file. */
export function groupOfFile(file: OpenFile): VfioGroup | null {
  return file.ops === (groupFops as FileOperations) ? (file.priv as VfioGroup) : null;
}

/** vfio_group_fops_unl_ioctl(): container requests on a group fd are ENOTTY. */
function groupIoctl(group: VfioGroup, request: number, arg: unknown, ctx: SyscallContext): Result<number> {
  return dispatch(GROUP_IOCTLS, group, request, arg, ctx, 'vfio_group_fops_unl_ioctl');
}

/** vfio_group_fops_unl_ioctl()'s requests, as a table. */
export const GROUP_IOCTLS: readonly IoctlOp<VfioGroup>[] = [
  structOp(VFIO_GROUP_GET_STATUS, 'vfio_group_status', 'flags', (g, a) => getStatus(g, a)),
  rawOp(VFIO_GROUP_SET_CONTAINER, (g, arg, ctx) => setContainer(g, arg, ctx)),
  rawOp(VFIO_GROUP_UNSET_CONTAINER, (g) => unsetContainer(g)),
  rawOp(VFIO_GROUP_GET_DEVICE_FD, (g, arg, ctx) => getDeviceFd(g, arg, ctx)),
];

/** vfio_group_ioctl_get_status(). */
function getStatus(group: VfioGroup, a: StructArg): Result<number> {
  if (a.argsz < a.minsz) return fail('EINVAL', `vfio_group_ioctl_get_status: argsz < ${a.minsz}`);
  if (group.dead) return fail('ENODEV', 'vfio_group_ioctl_get_status: the IOMMU group is gone');
  let flags = 0;
  if (group.attached) flags = VFIO_GROUP_FLAGS_CONTAINER_SET | VFIO_GROUP_FLAGS_VIABLE;
  else if (group.type === 'noiommu' || (group.iommuGroup.ownerCount === 0)) flags = VFIO_GROUP_FLAGS_VIABLE;
  a.obj['flags'] = flags;
  return ok(0);
}

/** vfio_group_ioctl_set_container(): the arg is the container fd number. */
function setContainer(group: VfioGroup, arg: unknown, ctx: SyscallContext): Result<number> {
  if (arg === undefined || arg === null) return fail('EFAULT', 'vfio_group_ioctl_set_container: NULL pointer');
  if (typeof arg !== 'number' || !Number.isInteger(arg)) return failType('arg', 'of type number', arg);
  const f = ctx.task.file(arg);
  if (f === undefined) return fail('EBADF', 'vfio_group_ioctl_set_container: fd not open');
  if (group.attached) return fail('EINVAL', 'vfio_group_ioctl_set_container: group already has an IOMMU');
  if (group.dead) return fail('ENODEV', 'vfio_group_ioctl_set_container: the IOMMU group is gone');
  const c = containerOfFile(f);
  if (c === null) return setIommufd(group, f);
  const r = c.attachGroup(group, ctx);
  if (!r.ok) return r;
  group.opened!.containerUsers = 1;
  return ok(0);
}

/** The iommufd branch of vfio_group_ioctl_set_container(); anything else is EBADFD. */
function setIommufd(group: VfioGroup, f: OpenFile): Result<number> {
  const ictx = iommufdCtxOfFile(f);
  if (ictx === null) return fail('EBADFD', 'vfio_group_ioctl_set_container: fd is neither a container nor an iommufd');
  const io = group.type === 'noiommu' ? compatSetNoIommu(ictx) : compatIoasCreate(ictx);
  if (!io.ok) return io;
  group.iommufd = new GroupIommufd(ictx, f.get());
  group.opened!.containerUsers = 1;
  return ok(0);
}

/** vfio_group_ioctl_unset_container(): with an iommufd, the reference is simply dropped. */
function unsetContainer(group: VfioGroup): Result<number> {
  if (!group.attached) return fail('EINVAL', 'vfio_group_ioctl_unset_container: no container');
  if (group.iommufd === null && group.opened!.containerUsers !== 1) return fail('EBUSY', 'vfio_group_ioctl_unset_container: a device is open');
  detach(group);
  return ok(0);
}

/**
 * vfio_pci_core_match(): the name must be the device's PCI name, optionally followed by
 * space-separated options of which only one `vf_token=<uuid>` is known (unknown, duplicate
 * or malformed: EINVAL); then the driver checks the token (vfio_pci_validate_vf_token:
 * EACCES for a VF of a vfio-pci PF without the PF's token, EINVAL for a token nobody needs).
 * A device without a match op compares the name exactly (strcmp).
 * Returns 1 on a match, 0 for none, a Failure for a rejected suffix or token.
 */
function matchDevice(device: VfioDevice, name: string): number | ReturnType<typeof fail> {
  const dn = device.name;
  const check = device.ops.matchTokenUuid;
  if (check === undefined) return name === dn ? 1 : 0;
  if (!name.startsWith(dn)) return 0;
  if (name.length > dn.length && name[dn.length] !== ' ') return 0;
  let uuid: Uint8Array | null = null;
  for (const o of name.slice(dn.length).split(' ').filter((s) => s.length > 0)) {
    const u: Uint8Array | null = uuid === null && o.startsWith('vf_token=') ? uuidParse(o.slice('vf_token='.length)) : null;
    if (u === null) return fail('EINVAL', 'vfio_pci_core_match: unknown option, duplicate or malformed vf_token');
    uuid = u;
  }
  const v = check(device, uuid);
  return v.ok ? 1 : v;
}

/**
 * vfio_device_get_from_name(). A device whose unbind is waiting for its fds is already off
 * the group's list (vfio_unregister_group_dev → vfio_device_group_unregister), so it cannot
 * be opened again.
 */
function findDevice(group: VfioGroup, name: string): Result<VfioDevice> {
  for (const d of group.devices) {
    if (d.unregistering) continue;
    const m = matchDevice(d, name);
    if (typeof m !== 'number') return m;
    if (m > 0) return ok(d);
  }
  return fail('ENODEV', 'vfio_device_get_from_name: no device of this group has that name');
}

/** vfio_group_ioctl_get_device_fd(). */
function getDeviceFd(group: VfioGroup, arg: unknown, ctx: SyscallContext): Result<number> {
  if (arg === undefined || arg === null) return fail('EFAULT', 'strndup_user: NULL pointer');
  if (typeof arg !== 'string') return failType('arg', 'of type string', arg);
  const nul = arg.indexOf('\0');
  const name = nul < 0 ? arg : arg.slice(0, nul);
  if (name.length >= 4096) return fail('EINVAL', 'strndup_user: name not NUL-terminated within PAGE_SIZE');
  const d = findDevice(group, name);
  if (!d.ok) return d;
  const device = d.value;
  const task = ctx.task;
  if (task.openFds().length >= task.rlimitNofile) return fail('EMFILE', 'get_unused_fd_flags: no free fd');
  const container = group.container;
  const link = group.iommufd;
  if (container === null && link === null) return fail('EINVAL', 'vfio_df_group_open: group has no container');
  if (device.openCount === 0) {
    if (container !== null && container.backend === null) return fail('EINVAL', 'vfio_group_use_container: container has no IOMMU set');
    if (link !== null && device.noiommu) {
      // vfio_df_group_open(): no translation may have been asked for (no compat IOAS), and
      // CAP_SYS_RAWIO; then no binding and no attach (vfio_df_iommufd_bind, _compat_attach_ioas)
      if (!task.capable('CAP_SYS_RAWIO') || link.ctx.vfioIoas !== null) return fail('EPERM', 'vfio_df_group_open: no-IOMMU device with a compat IOAS or without CAP_SYS_RAWIO');
    } else if (link !== null) {
      const b = compatBindGroupDevice(link.ctx, device);
      if (!b.ok) return b;
      link.devices.set(device, b.value);
    }
    if (group.type === 'noiommu' && !task.capable('CAP_SYS_RAWIO')) return fail('EPERM', 'vfio_group_use_container: no-IOMMU needs CAP_SYS_RAWIO');
    const st = group.opened!;
    st.file.get();
    st.containerUsers++;
    if (group.type === 'noiommu') task.kernel.trace.add('kernel', 'vfio', `vfio-noiommu device opened by ${task.name}`);
  }
  device.fdOpened();
  const file = openDeviceFile(device, 'group', O_RDWR, '[vfio-device]');
  const fd = task.installFd(file as OpenFile, true)!;
  return ok(fd);
}
