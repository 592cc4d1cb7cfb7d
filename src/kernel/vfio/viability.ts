/**
 * Is an IOMMU group usable by VFIO? (`VFIO_GROUP_FLAGS_VIABLE`, drivers/vfio/group.c)
 *
 * dma-owner model (Linux >= 5.19): viable when VFIO already owns the group, or when no
 * member is bound to a driver that uses the DMA API (`owner_cnt == 0`): driverless
 * functions, vfio-pci, pci-stub and pcieport keep it viable.
 * legacy-viability model (before 5.19, vfio_dev_viable()): every member is driverless,
 * bound to a VFIO driver or pci-stub, or is not a normal (type 0) header.
 */
import type { IommuGroup } from '../iommu/iommu-group.js';
import type { PciDev } from '../pci/pci-dev.js';

export interface Viability {
  readonly viable: boolean;
  /** Members that make the group non-viable, with the driver they are bound to. */
  readonly blockers: ReadonlyArray<{ readonly bdf: string; readonly driver: string }>;
}

const LEGACY_ALLOWED: ReadonlySet<string> = new Set(['vfio-pci', 'pci-stub']);

function legacyMemberOk(d: PciDev): boolean {
  return d.driver === null || LEGACY_ALLOWED.has(d.driver.name) || d.fn.headerType !== 0;
}

export function groupViability(g: IommuGroup, model: 'dma-owner' | 'legacy-viability'): Viability {
  if (model === 'legacy-viability') {
    const blockers = g.devices.filter((d) => !legacyMemberOk(d)).map((d) => ({ bdf: d.bdf, driver: d.driver!.name }));
    return { viable: blockers.length === 0, blockers };
  }
  if (g.owner !== null) return { viable: true, blockers: [] };
  const blockers = g.devices
    .filter((d) => d.driver !== null && !d.driver.driverManagedDma)
    .map((d) => ({ bdf: d.bdf, driver: d.driver!.name }));
  return { viable: g.ownerCount === 0, blockers };
}
