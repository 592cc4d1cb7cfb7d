/**
 * The VFIO core's registry (drivers/vfio/vfio_main.c, group.c): registering a bus
 * driver's device creates or joins its VFIO group — making /dev/vfio/<group> appear with
 * the first device — and gives it a cdev /dev/vfio/devices/vfio<index> (noiommu-vfio<index>
 * for a no-IOMMU device: vfio_device_set_noiommu_and_name).
 *
 * Invariants: a VfioGroup exists exactly while it has registered devices; device indexes
 * come from an IDA (lowest free); no-IOMMU groups are made only while
 * vfio.enable_unsafe_noiommu_mode is set, for devices the IOMMU does not cover.
 */
import { charDevice, type CharDevNode } from '../fs/node.js';
import { fail, ok, type Result } from '../../base/result.js';
import type { OpenFile } from '../fs/file.js';
import type { Kernel } from '../kernel.js';
import type { PciDev } from '../pci/pci-dev.js';
import { openContainer, type IommuBackend, type VfioContainer } from './container.js';
import { openCdev } from './device-fd.js';
import { groupRemoved, openGroup } from './group-fd.js';
import { noiommuBackend } from './noiommu.js';
import { type1Backend } from './type1/index.js';
import { VfioDevice, type VfioDeviceOps } from './vfio-device.js';
import { VfioGroup } from './group.js';

/** The IOMMU backends in the order the kernel's driver list holds them (type1 registers last and sits first). */
const IOMMU_BACKENDS: readonly IommuBackend[] = [type1Backend, noiommuBackend];

export class VfioCore {
  /** VFIO groups by IOMMU group id. */
  readonly groups = new Map<number, VfioGroup>();
  readonly devices = new Map<string, VfioDevice>();
  private readonly indexes = new Set<number>();
  /** Id of the next container /dev/vfio/vfio makes (for traces and pictures). */
  private nextContainerId = 0;

  constructor(private readonly k: Kernel) {}

  /** vfio_fops_open(): every open of /dev/vfio/vfio makes a new, independent container. */
  openContainer(flags: number, path: string): OpenFile<VfioContainer> {
    return openContainer(this.k, IOMMU_BACKENDS, this.nextContainerId++, flags, path);
  }

  private allocIndex(): number {
    let i = 0;
    while (this.indexes.has(i)) i++;
    this.indexes.add(i);
    return i;
  }

  /**
   * vfio_register_group_dev(): find or create the device's VFIO group
   * (vfio_group_find_or_alloc) and publish its nodes.
   */
  register(pdev: PciDev, ops: VfioDeviceOps): Result<VfioDevice> {
    let iommuGroup = pdev.group;
    let type: 'iommu' | 'noiommu' = 'iommu';
    if (iommuGroup === null) {
      if (!this.k.params.bool('vfio', 'enable_unsafe_noiommu_mode')) {
        return fail('EINVAL', 'vfio_group_find_or_alloc: device has no IOMMU group');
      }
      iommuGroup = this.k.iommuCore.create({ reservedRegions: [], rids: [], defaultType: 'DMA', hardware: false });
      iommuGroup.name = 'vfio-noiommu';
      iommuGroup.devices.push(pdev);
      pdev.group = iommuGroup;
      type = 'noiommu';
      this.k.taint('vfio-noiommu: device added to an unsafe no-IOMMU group');
    }
    let group = this.groups.get(iommuGroup.id);
    if (group === undefined) {
      group = new VfioGroup(iommuGroup, type);
      this.groups.set(iommuGroup.id, group);
      this.k.devfs.create(group.nodeName, this.groupNode(group));
      this.k.trace.add('kernel', 'vfio', `group ${group.id} created: /dev/${group.nodeName}`);
    }
    const device = new VfioDevice(pdev, this.allocIndex(), group, ops);
    group.devices.push(device);
    this.devices.set(pdev.bdf, device);
    this.k.devfs.create(`vfio/devices/${device.cdevName}`, this.cdevNode(device));
    return ok(device);
  }

  /** vfio_unregister_group_dev(), once the device has no open fds. */
  unregister(device: VfioDevice): void {
    const group = device.group;
    group.devices.splice(group.devices.indexOf(device), 1);
    this.devices.delete(device.name);
    this.indexes.delete(device.index);
    this.k.devfs.remove(`vfio/devices/${device.cdevName}`);
    if (group.devices.length > 0) return;
    this.groups.delete(group.id);
    this.k.devfs.remove(group.nodeName);
    groupRemoved(group);
    group.dead = true;
    if (group.type === 'noiommu') {
      this.k.iommuCore.remove(group.id);
      device.pdev.group = null;
    }
    this.k.trace.add('kernel', 'vfio', `group ${group.id} removed: /dev/${group.nodeName} is gone`);
  }

  private groupNode(group: VfioGroup): CharDevNode {
    return charDevice(0o600, (ctx, flags, path) => openGroup(ctx, group, flags, path));
  }

  private cdevNode(device: VfioDevice): CharDevNode {
    return charDevice(0o600, (ctx, flags, path) => openCdev(ctx, device, flags, path));
  }
}
