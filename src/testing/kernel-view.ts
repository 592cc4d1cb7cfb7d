/**
 * The testing kit's one window onto kernel-side state (the lab, the model-based commands and
 * the isolation invariants read facts no syscall shows: a group's DMA owner, the free RAM
 * extents, every task's accounting). The rest of src/testing reaches `host.kernel` only
 * through here, read-only, so when the Kernel's fields move this file changes and the kit
 * does not (test/architecture/test-support.test.ts enforces it, as it does for the tests'
 * own window, test/support/kernel-state.ts).
 */
import type { Host } from '../host/host.js';
import type { IommuGroup } from '../kernel/iommu/iommu-group.js';
import type { PciDev } from '../kernel/pci/pci-dev.js';
import type { Task } from '../kernel/task.js';
import type { VfioGroup } from '../kernel/vfio/group.js';

/** The driver core's device `bdf` (bound driver, IOMMU group), or undefined. */
export function pciDevice(host: Host, bdf: string): PciDev | undefined {
  return host.kernel.pci.find(bdf);
}

/** Every PCI device the driver core knows, in probe order. */
export function pciDevices(host: Host): readonly PciDev[] {
  return host.kernel.pci.devices;
}

/** The IOMMU group of `bdf`, or null (no device, or no IOMMU). */
export function iommuGroupOf(host: Host, bdf: string): IommuGroup | null {
  return host.kernel.pci.find(bdf)?.group ?? null;
}

/** Every IOMMU group, by number. */
export function iommuGroups(host: Host): readonly IommuGroup[] {
  return host.kernel.iommuCore.list();
}

/** Every VFIO group object (one per IOMMU group with a member on vfio-pci). */
export function vfioGroups(host: Host): Iterable<VfioGroup> {
  return host.kernel.vfio.groups.values();
}

/** Every live task, oldest first. */
export function tasks(host: Host): Iterable<Task> {
  return host.kernel.tasks.values();
}

/** The kernel's free RAM as sorted, disjoint [first frame, frame count] extents. */
export function freeFrameExtents(host: Host): ReadonlyArray<readonly [number, number]> {
  return host.kernel.frames.freeExtents();
}

/** How many RAM frames are free. */
export function freeFrames(host: Host): number {
  return host.kernel.frames.freeFrames();
}
