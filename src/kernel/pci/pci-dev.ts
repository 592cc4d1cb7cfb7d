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
import type { UioPciGdev } from '../uio/uio-pci-generic.js';
import type { VfioDevice } from '../vfio/vfio-device.js';

/** The kernel's side of a PF's SR-IOV capability (struct pci_sriov). */
export interface SriovState {
  /** num_VFs: how many VFs are enabled (sriov_numvfs). */
  numVfs: number;
  /** The enabled VFs, VF 0 first (virtfn0…). */
  vfs: PciDev[];
  /** drivers_autoprobe: whether a new VF is offered to the drivers at once. */
  driversAutoprobe: boolean;
}

/**
 * What a bound driver keeps in dev_set_drvdata(), tagged by the driver that set it (the C
 * pointer's type is implied by the driver; here the tag says it).
 */
export type PciDrvdata = { readonly driver: 'vfio-pci'; readonly vdev: VfioDevice } | { readonly driver: 'uio_pci_generic'; readonly gdev: UioPciGdev };

export class PciDev {
  driver: PciDriver | null = null;
  /** `driver_override` (null prints as "(null)"). */
  driverOverride: string | null = null;
  group: IommuGroup | null = null;
  /** The bound driver's private data (dev_set_drvdata). */
  drvdata: PciDrvdata | null = null;
  /** An unbind waits for the driver to let go (vfio: until every device fd is closed). */
  unbindPending = false;
  /** struct pci_sriov of an SR-IOV capable PF (iov.ts), null for every other function. */
  readonly sriov: SriovState | null;

  constructor(readonly fn: PciFunction) {
    this.sriov = fn.sriov === null ? null : { numVfs: 0, vfs: [], driversAutoprobe: true };
  }

  get bdf(): string {
    return this.fn.bdf;
  }

  /** The VFIO device vfio-pci registered for this device (its drvdata), or null under any other driver. */
  get vfioDevice(): VfioDevice | null {
    const d = this.drvdata;
    return d?.driver === 'vfio-pci' ? d.vdev : null;
  }
}
