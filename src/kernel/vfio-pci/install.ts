/**
 * Installs vfio-pci: registers the PCI driver whose devices get VFIO device fds, with the
 * vfio-pci core's device operations, and hooks the kernel's interrupt layer to the IOMMU.
 */
import type { Kernel } from '../kernel.js';
import { hostIrqs } from './host-irq.js';
import { vfioPciDeviceOps } from './vfio-pci-ops.js';
import { vfioPciDriver } from './vfio-pci-driver.js';
import './intrs.js';

export function installVfioPci(k: Kernel): void {
  hostIrqs(k);
  const ops = vfioPciDeviceOps(k);
  k.pci.registerDriver(vfioPciDriver(k, () => ops));
}
