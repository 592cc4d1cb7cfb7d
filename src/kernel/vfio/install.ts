/**
 * Wiring of the VFIO layers into a booting kernel. Each layer installs itself:
 * the legacy container/group path (/dev/vfio/vfio, group fds), vfio-pci (the driver and
 * the device fd), and iommufd (/dev/iommu and the device cdevs).
 */
import type { Kernel } from '../kernel.js';
import { installIommufd } from '../iommufd/install.js';
import { installVfioPci } from '../vfio-pci/install.js';
import { installLegacyVfio } from './legacy-install.js';

export function installVfio(k: Kernel): void {
  installVfioPci(k);
  installLegacyVfio(k);
  installIommufd(k);
}
