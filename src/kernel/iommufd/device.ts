/**
 * The DEVICE object and its attachment (struct iommufd_device, device.c): a VFIO device
 * bound to a context holds DMA ownership of its IOMMU group, and attaching it points the
 * whole group at one HWPT_PAGING.
 *
 * A no-IOMMU device (vfio's no-IOMMU mode through its cdev) binds without a group or DMA
 * ownership and "attaches" without touching any hardware: the HWPT only records its IOAS's
 * mappings for IOMMU_IOAS_NOIOMMU_GET_PA (iommufd_device_is_noiommu() paths of device.c).
 *
 * Invariants:
 *  - a bound device has `users === 2` (the table and the binding driver; attachments are
 *    counted on the HWPT), so IOMMU_DESTROY of it is always EBUSY.
 *  - a device is in `igroup.attached` exactly while `attached`; the group's RIDs point at
 *    `igroup.hwpt.domain` while that list is non-empty, at the blocking domain otherwise.
 *  - an attached device's reserved regions are reserved in its HWPT's IOAS, owned by it.
 */
import { fail, ok, okVoid, type Result } from '../../base/result.js';
import type { IommuGroup } from '../iommu/iommu-group.js';
import type { VfioDevice } from '../vfio/vfio-device.js';
import { IommufdCtx, type IGroup } from './context.js';
import { checkIopf } from './fault.js';
import { allocHwptPaging, HwptPaging, publishHwpt } from './hwpt.js';
import { Ioas } from './ioas.js';
import type { IovaRange } from './iova-ranges.js';
import { IommufdObject } from './objects.js';

export class IommufdDevice extends IommufdObject {
  readonly type = 'device' as const;
  attached = false;

  constructor(
    readonly ctx: IommufdCtx,
    readonly vdev: VfioDevice,
    readonly igroup: IGroup,
  ) {
    super();
  }

  get group(): IommuGroup | null {
    return this.igroup.group;
  }

  /** iommufd_device_is_noiommu(): no IOMMU driver manages the device (its igroup has no group). */
  get noiommu(): boolean {
    return this.igroup.group === null;
  }

  /**
   * The regions iopt_table_enforce_dev_resv_regions() reserves (all but direct-relaxable);
   * none for a no-IOMMU device (no attach_resv).
   */
  resvRegions(): IovaRange[] {
    const g = this.group;
    if (g === null) return [];
    return g.reservedRegions.filter((r) => r.type !== 'direct-relaxable').map((r) => ({ start: r.start, last: r.end }));
  }

  destroy(): void {
    const ig = this.igroup;
    ig.bound.splice(ig.bound.indexOf(this), 1);
    if (ig.group === null) return; // a no-IOMMU device owns no group
    if (ig.bound.length === 0) this.ctx.igroups.delete(ig.group);
    ig.group.releaseDmaOwner();
  }
}

/**
 * iommufd_device_bind(): claim DMA ownership of the device's group for this context and
 * create the DEVICE object (users 2: the table and the binding driver). A no-IOMMU device
 * gets a dummy igroup of its own and claims nothing (iommufd_bind_noiommu).
 * ENODEV without an IOMMU group, EPERM without MSI isolation (unless
 * iommufd.allow_unsafe_interrupts), EPERM when another owner or a kernel driver holds the
 * group (iommu_device_claim_dma_owner).
 */
export function bindDevice(ctx: IommufdCtx, vdev: VfioDevice): Result<IommufdDevice> {
  const k = ctx.k;
  if (vdev.noiommu) return insertDevice(ctx, new IommufdDevice(ctx, vdev, IommufdCtx.noiommuIgroup()));
  if (vdev.pdev.group === null || k.iommu === null) {
    return fail('ENODEV', 'iommufd_device_bind: device has no IOMMU group');
  }
  if (k.iommu.irt === null && !k.params.bool('iommufd', 'allow_unsafe_interrupts')) {
    return fail('EPERM', 'iommufd_device_bind: no interrupt remapping and iommufd.allow_unsafe_interrupts is off');
  }
  const group = vdev.pdev.group;
  const c = group.claimDeviceDmaOwner(ctx);
  if (!c.ok) return c;
  const idev = new IommufdDevice(ctx, vdev, ctx.igroupOf(group));
  const r = insertDevice(ctx, idev);
  if (!r.ok) group.releaseDmaOwner();
  return r;
}

/** The end of iommufd_device_bind(): the object in the table, with the binding driver's reference. */
function insertDevice(ctx: IommufdCtx, idev: IommufdDevice): Result<IommufdDevice> {
  const r = ctx.table.insert(idev);
  if (!r.ok) return r;
  idev.users++;
  idev.igroup.bound.push(idev);
  return ok(idev);
}

/** iommufd_device_unbind(): detach, then drop the driver's reference and destroy the object. */
export function unbindDevice(idev: IommufdDevice): void {
  detachDevice(idev);
  idev.users--;
  idev.ctx.table.removeInternal(idev);
}

/**
 * iommufd_hw_pagetable_attach(): the first attach of a device. EINVAL when its group already
 * uses another HWPT; EADDRINUSE when its reserved regions meet mappings or allowed ranges;
 * ENODEV from the driver when the HWPT takes page faults and the device has no PRI.
 */
function attachTo(idev: IommufdDevice, hwpt: HwptPaging): Result<void> {
  const ig = idev.igroup;
  if (ig.hwpt !== null && ig.hwpt !== hwpt) return fail('EINVAL', 'iommufd_hw_pagetable_attach: group is attached to another HWPT');
  const group = ig.group;
  // a no-IOMMU device reserves nothing and iommufd_hwpt_attach_device() returns before the IOMMU
  if (group !== null) {
    if (hwpt.dirtyCapable && !dirtySupported(idev)) return fail('EINVAL', 'iommufd_hwpt_attach_device: device cannot track dirty pages');
    const r = hwpt.ioas.iopt.reserveAll(idev.resvRegions(), idev);
    if (!r.ok) return r;
    if (ig.attached.length === 0) {
      const a = hwAttach(idev, group, hwpt);
      if (!a.ok) {
        hwpt.ioas.iopt.unreserve(idev);
        return a;
      }
    }
  }
  ig.hwpt = hwpt;
  ig.attached.push(idev);
  idev.attached = true;
  hwpt.users++;
  return okVoid();
}

/**
 * iommu_attach_group_handle() of the group's first attach: EINVAL for the no-IOMMU software
 * domain (__iommu_attach_group: domain_iommu_ops_compatible() fails), else the driver's
 * attach_dev (ENODEV from iopf_for_domain_set() without PRI).
 */
function hwAttach(idev: IommufdDevice, group: IommuGroup, hwpt: HwptPaging): Result<void> {
  if (hwpt.noiommu) return fail('EINVAL', '__iommu_attach_group: the domain belongs to iommufd_noiommu_ops, not the device\'s IOMMU driver');
  const iopf = checkIopf(hwpt, idev);
  return iopf.ok ? group.attachDomain(hwpt.domain) : iopf;
}

/**
 * device_iommu_capable(dev, IOMMU_CAP_DIRTY_TRACKING): the IOMMU unit behind the device can
 * track dirty pages (intel ssads_supported(), amd_iommu_hd_support()) — the topology's
 * `iommu.dirtyTracking`, or a function's `iommuDirtyTracking: false` for a unit without it.
 */
export function dirtySupported(idev: IommufdDevice): boolean {
  const k = idev.ctx.k;
  return !idev.noiommu && k.iommu !== null && k.topology.iommu?.dirtyTracking === true && idev.vdev.pdev.fn.iommuDirtyTracking;
}

/** iommufd_hw_pagetable_put(): an auto domain dies with its last device. */
function putHwpt(hwpt: HwptPaging): void {
  if (hwpt.auto && hwpt.users === 1) hwpt.ctx.table.removeInternal(hwpt);
}

/** iommufd_device_detach(): back to blocking when the group's last device leaves. No-op if not attached. */
export function detachDevice(idev: IommufdDevice): void {
  if (!idev.attached) return;
  const ig = idev.igroup;
  const hwpt = ig.hwpt!;
  if (!idev.noiommu) hwpt.fault?.autoRespond(idev);
  ig.attached.splice(ig.attached.indexOf(idev), 1);
  idev.attached = false;
  hwpt.ioas.iopt.unreserve(idev);
  if (ig.attached.length === 0) {
    ig.group?.detachDomain();
    ig.hwpt = null;
  }
  hwpt.users--;
  putHwpt(hwpt);
}

/**
 * iommufd_device_do_replace(): move the whole group from its HWPT to `hwpt`, atomically.
 * Replacing with the HWPT in use is a no-op. A no-IOMMU device just moves (no reserved
 * regions, iommufd_hwpt_replace_device() returns before the IOMMU).
 */
function replaceWith(idev: IommufdDevice, hwpt: HwptPaging): Result<void> {
  const ig = idev.igroup;
  const old = ig.hwpt!;
  if (old === hwpt) return okVoid();
  const group = ig.group;
  if (group === null) {
    moveAttachment(ig, old, hwpt);
    return okVoid();
  }
  if (hwpt.dirtyCapable && !dirtySupported(idev)) return fail('EINVAL', 'iommufd_hwpt_attach_device: device cannot track dirty pages');
  const moveIoas = hwpt.ioas !== old.ioas;
  if (moveIoas) {
    for (let i = 0; i < ig.attached.length; i++) {
      const d = ig.attached[i]!;
      const r = hwpt.ioas.iopt.reserveAll(d.resvRegions(), d);
      if (!r.ok) {
        for (let j = 0; j < i; j++) hwpt.ioas.iopt.unreserve(ig.attached[j]!);
        return r;
      }
    }
  }
  // iommu_replace_group_handle(): the software domain has no attach_dev (__iommu_attach_device)
  const iopf = hwpt.noiommu ? fail('ENODEV', '__iommu_attach_device: the no-IOMMU domain has no attach_dev') : checkIopf(hwpt, idev);
  if (!iopf.ok) {
    if (moveIoas) for (const d of ig.attached) hwpt.ioas.iopt.unreserve(d);
    return iopf;
  }
  group.attachDomain(hwpt.domain);
  for (const d of ig.attached) old.fault?.autoRespond(d);
  if (moveIoas) for (const d of ig.attached) old.ioas.iopt.unreserve(d);
  moveAttachment(ig, old, hwpt);
  return okVoid();
}

/** The end of a replace: the group's devices move their references from `old` to `hwpt`. */
function moveAttachment(ig: IGroup, old: HwptPaging, hwpt: HwptPaging): void {
  ig.hwpt = hwpt;
  const n = ig.attached.length;
  hwpt.users += n;
  old.users -= n;
  putHwpt(old);
}

/** Attach or replace onto an existing HWPT. */
function attachOrReplace(idev: IommufdDevice, hwpt: HwptPaging): Result<void> {
  return idev.attached ? replaceWith(idev, hwpt) : attachTo(idev, hwpt);
}

/**
 * The part of iommufd_hw_pagetable_attach() that runs before the domain exists in the IOAS:
 * EINVAL when the group already uses a HWPT (a new one is always another), EADDRINUSE when
 * the device's reserved regions meet mappings or allowed ranges. Changes nothing.
 */
function preAttachChecks(idev: IommufdDevice, ioas: Ioas): Result<void> {
  if (idev.igroup.hwpt !== null) return fail('EINVAL', 'iommufd_hw_pagetable_attach: group is attached to another HWPT');
  const r = ioas.iopt.reserveAll(idev.resvRegions(), idev);
  if (!r.ok) return r;
  ioas.iopt.unreserve(idev);
  return okVoid();
}

/**
 * iommufd_device_auto_get_domain(): reuse the first auto HWPT of the IOAS that accepts the
 * device (one refusing with EINVAL is skipped), else make a new auto HWPT.
 */
function attachAuto(idev: IommufdDevice, ioas: Ioas): Result<HwptPaging> {
  for (const h of [...ioas.hwptList]) {
    if (!h.auto) continue;
    const r = attachOrReplace(idev, h);
    if (r.ok) return ok(h);
    if (r.code !== 'EINVAL') return r;
  }
  if (!idev.attached) {
    // a first attach allocates with immediate_attach: the device is attached (group check,
    // its reserved regions) before iopt_table_add_domain() fills the new domain, so those
    // errors win over the alignment and pinning ones
    const pre = preAttachChecks(idev, ioas);
    if (!pre.ok) return pre;
  }
  const a = allocHwptPaging(idev.ctx, ioas, { auto: true, nestParent: false, dirty: false, noiommu: idev.noiommu });
  if (!a.ok) return a;
  const hwpt = a.value;
  // the kernel allocates the id before attaching, so a HWPT freed by a replace is not reused
  const p = publishHwpt(idev.ctx, hwpt);
  if (!p.ok) return p;
  const r = attachOrReplace(idev, hwpt);
  if (!r.ok) {
    idev.ctx.table.removeInternal(hwpt);
    return r;
  }
  return ok(hwpt);
}

/**
 * iommufd_device_attach() / iommufd_device_replace() by id: ENOENT for a missing id, an IOAS
 * gets an automatic domain, a HWPT_PAGING is used as is, anything else is EINVAL.
 * Returns the HWPT id actually used.
 */
export function attachDeviceTo(idev: IommufdDevice, ptId: number): Result<number> {
  const obj = idev.ctx.table.any(ptId);
  if (obj === undefined) return fail('ENOENT', `iommufd_device_change_pt: no object ${ptId}`);
  if (obj instanceof HwptPaging) {
    const r = attachOrReplace(idev, obj);
    return r.ok ? ok(obj.id) : r;
  }
  if (obj instanceof Ioas) {
    const r = attachAuto(idev, obj);
    return r.ok ? ok(r.value.id) : r;
  }
  return fail('EINVAL', `iommufd_device_change_pt: object ${ptId} is a ${obj.type}`);
}
