/**
 * A group's reserved regions (`/sys/kernel/iommu_groups/N/reserved_regions`): the platform
 * profile's regions plus each member's firmware direct-map ranges, combined the way
 * `iommu_insert_resv_region()` does: sorted by start (then by type), overlapping or
 * adjacent regions of the *same* type merged, different types never merged.
 */
import type { PciFunction, Platform, ReservedRegion, ReservedRegionType } from '../topology/index.js';
import { PCI_CLASS } from '../topology/index.js';
import { IOAPIC_RANGE_END, IOAPIC_RANGE_START } from '../../uapi/x86.js';

/** enum iommu_resv_type order (DIRECT, DIRECT_RELAXABLE, RESERVED, MSI). */
const TYPE_ORDER: Record<ReservedRegionType, number> = { direct: 0, 'direct-relaxable': 1, reserved: 2, msi: 3 };

const PLATFORM_REGIONS: Readonly<Record<Platform, readonly ReservedRegion[]>> = {
  // IOAPIC_RANGE_START..END (drivers/iommu/intel/iommu.c): the interrupt window.
  intel: [{ start: IOAPIC_RANGE_START, end: IOAPIC_RANGE_END, type: 'msi' }],
  // AMD-Vi: MSI window and the HyperTransport range.
  amd: [
    { start: IOAPIC_RANGE_START, end: IOAPIC_RANGE_END, type: 'msi' },
    { start: 0xfd_0000_0000n, end: 0xff_ffff_ffffn, type: 'reserved' },
  ],
  // Arm SMMU without a hardware MSI window: MSI_IOVA_BASE, 1 MiB software MSI window.
  arm: [{ start: 0x0800_0000n, end: 0x080f_ffffn, type: 'msi' }],
};

export function platformRegions(platform: Platform): readonly ReservedRegion[] {
  return PLATFORM_REGIONS[platform];
}

/** Regions one function contributes (Intel adds the 16 MiB floppy workaround for ISA bridges). */
export function deviceRegions(f: PciFunction, platform: Platform): ReservedRegion[] {
  const out = [...f.reservedRegions];
  if (platform === 'intel' && (f.classCode >> 8) === (PCI_CLASS.BRIDGE_ISA >> 8)) {
    out.push({ start: 0n, end: 0xff_ffffn, type: 'direct-relaxable' });
  }
  return out;
}

/** iommu_insert_resv_region(), applied to each region in turn. */
export function insertRegion(list: ReservedRegion[], r: ReservedRegion): ReservedRegion[] {
  const sorted = [...list, r].sort((a, b) =>
    a.start < b.start ? -1 : a.start > b.start ? 1 : TYPE_ORDER[a.type] - TYPE_ORDER[b.type]);
  const out: ReservedRegion[] = [];
  for (const cur of sorted) {
    let top = -1;
    for (let i = out.length - 1; i >= 0; i--) if (out[i]!.type === cur.type) { top = i; break; }
    const t = top >= 0 ? out[top]! : null;
    if (cur.type === r.type && t && cur.start <= t.end + 1n) {
      out[top] = { start: t.start, end: cur.end > t.end ? cur.end : t.end, type: t.type };
    } else {
      out.push(cur);
    }
  }
  return out;
}

export function groupRegions(members: readonly PciFunction[], platform: Platform): ReservedRegion[] {
  let list: ReservedRegion[] = [];
  for (const m of members) {
    for (const r of [...platformRegions(platform), ...deviceRegions(m, platform)]) list = insertRegion(list, r);
  }
  return list;
}
