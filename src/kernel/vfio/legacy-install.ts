/**
 * Installs the legacy VFIO path: /dev/vfio/vfio (the container, 0666) and the opener of
 * group nodes /dev/vfio/<group>.
 */
import { fail } from '../../base/result.js';
import type { Kernel } from '../kernel.js';

export function installLegacyVfio(k: Kernel): void {
  k.vfio.openers.openGroup = () => fail('ENODEV', 'group fds are not implemented yet');
}
