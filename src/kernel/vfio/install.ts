/**
 * Wiring of the VFIO layers into a booting kernel: the vfio-pci driver, the container node
 * /dev/vfio/vfio, /dev/iommu, and the openers of group nodes and device cdevs.
 */
import { fail, okVoid } from '../../base/result.js';
import type { Kernel } from '../kernel.js';
import { vfioPciDriver } from '../vfio-pci/vfio-pci-driver.js';
import type { VfioDeviceOps } from './vfio-device.js';

/** Placeholder device ops until the vfio-pci device layer provides its own. */
const stubDeviceOps: VfioDeviceOps = { name: 'vfio-pci', fops: { kind: 'vfio-device' } };

export function installVfio(k: Kernel): void {
  k.pci.registerDriver(vfioPciDriver(k, () => stubDeviceOps));
  k.vfio.openers = {
    openGroup: () => fail('ENODEV', 'group fds are not implemented yet'),
    openCdev: () => fail('ENODEV', 'device cdevs are not implemented yet'),
  };
  void okVoid;
}
