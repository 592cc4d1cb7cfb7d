/**
 * Installs iommufd: /dev/iommu (root:root 0660) and the opener of device cdevs
 * /dev/vfio/devices/vfio<N>.
 */
import { fail } from '../../base/result.js';
import type { Kernel } from '../kernel.js';

export function installIommufd(k: Kernel): void {
  k.vfio.openers.openCdev = () => fail('ENODEV', 'device cdevs are not implemented yet');
}
