/**
 * PCI drivers as the driver core sees them (struct pci_driver + struct device_driver).
 *
 * Guarantees a driver gives the core:
 * - `probe` either binds and returns ok, or changes nothing and returns the errno;
 * - `remove` never fails; when it cannot finish at once (a device still in use) it
 *   returns 'deferred' and calls `done()` later, when the last user lets go.
 */
import { okVoid, type Result } from '../../base/result.js';
import type { PciDev } from './pci-dev.js';

export interface PciId {
  readonly vendor: number;
  readonly device: number;
}

export interface PciDriver {
  readonly name: string;
  /** struct device_driver.driver_managed_dma: no default-domain accounting when true. */
  readonly driverManagedDma: boolean;
  /** The static id table: which devices it claims without driver_override. */
  readonly ids: PciId[];
  /** Ids added through new_id. */
  readonly dynamicIds: PciId[];
  /** Extra static match (e.g. pcieport by class: port_pci_ids). */
  matchExtra?(dev: PciDev): boolean;
  probe(dev: PciDev): Result<void>;
  /**
   * pci_driver.sriov_configure: enable `n` VFs (n > 0; returns how many) or disable them
   * (n = 0). Absent: the driver cannot configure SR-IOV through sysfs (ENOENT).
   */
  sriovConfigure?(dev: PciDev, n: number): Result<number>;
  /** A VF of a PF bound to this driver appeared (BUS_NOTIFY_ADD_DEVICE as the PF driver sees it). */
  vfAdded?(pf: PciDev, vf: PciDev): void;
  /** Would remove() have to wait for user space (a vfio device that is open)? */
  inUse?(dev: PciDev): boolean;
  remove(dev: PciDev, done: () => void): 'done' | 'deferred';
}

/** A host kernel driver that owns its device's DMA (nvme, e1000e, snd_hda_intel, …). */
export function hostDriver(name: string, opts: {
  driverManagedDma?: boolean; matchExtra?: (d: PciDev) => boolean; sriovConfigure?: (d: PciDev, n: number) => Result<number>;
} = {}): PciDriver {
  const d: PciDriver = {
    name,
    driverManagedDma: opts.driverManagedDma ?? false,
    ids: [],
    dynamicIds: [],
    probe: () => okVoid(),
    remove: () => 'done',
  };
  if (opts.matchExtra) d.matchExtra = opts.matchExtra;
  if (opts.sriovConfigure) d.sriovConfigure = opts.sriovConfigure;
  return d;
}

/** pci_match_device(): driver_override decides alone when set; else dynamic, then static ids. */
export function driverMatches(drv: PciDriver, dev: PciDev): boolean {
  if (dev.driverOverride !== null) return dev.driverOverride === drv.name;
  const hit = (id: PciId): boolean => id.vendor === dev.fn.vendor && id.device === dev.fn.device;
  return drv.dynamicIds.some(hit) || drv.ids.some(hit) || (drv.matchExtra?.(dev) ?? false);
}
