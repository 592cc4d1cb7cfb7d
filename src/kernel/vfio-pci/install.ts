/**
 * Installs vfio-pci: registers the PCI driver whose devices get VFIO device fds.
 */
import type { Kernel } from '../kernel.js';
import type { VfioDeviceOps } from '../vfio/vfio-device.js';
import { vfioPciDriver } from './vfio-pci-driver.js';

/** Placeholder device ops until the vfio-pci device layer provides its own. */
const stubDeviceOps: VfioDeviceOps = { name: 'vfio-pci', fops: { kind: 'vfio-device' } };

export function installVfioPci(k: Kernel): void {
  k.pci.registerDriver(vfioPciDriver(k, () => stubDeviceOps));
}
