/**
 * A PCI device as the kernel tracks it (struct pci_dev): the hardware function it stands
 * for, its IOMMU group, its bound driver and `driver_override`.
 *
 * Invariants: `driver` changes only through the driver core (pci/driver-core.ts);
 * `group` is set once, at IOMMU probe, and never changes.
 */
import type { PciFunction } from '../../hardware/topology/model.js';
import type { IommuGroup } from '../iommu/iommu-group.js';
import type { PciDriver } from './driver.js';

export class PciDev {
  driver: PciDriver | null = null;
  /** `driver_override` (null prints as "(null)"). */
  driverOverride: string | null = null;
  group: IommuGroup | null = null;
  /** The bound driver's private data (dev_set_drvdata). */
  drvdata: unknown = null;
  /** An unbind waits for the driver to let go (vfio: until every device fd is closed). */
  unbindPending = false;

  constructor(readonly fn: PciFunction) {}

  get bdf(): string {
    return this.fn.bdf;
  }
}
