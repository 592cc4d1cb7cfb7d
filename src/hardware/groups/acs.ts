/**
 * ACS predicates (Linux `pci_acs_enabled()` / `pci_acs_path_enabled()`, drivers/pci/pci.c).
 *
 * `acsEnabled(dev, flags)` asks whether `dev` isolates for every ACS feature in `flags`:
 * a device quirk's opinion wins; conventional PCI never isolates; PCIe-to-PCI, PCI-to-PCIe
 * bridges and RC event collectors never do; root and downstream ports need the bits
 * enabled; endpoints and upstream ports are isolated unless multifunction.
 * Two register masks exist: the classic one treats a feature missing from the Capability
 * register as hard-wired on (except EC); the 2025 series masks with SV|TB|RR|CR|UF|DT
 * and adds the Enhanced controls only when the capability advertises ACS Enhanced.
 */
import type { PciFunction } from '../topology/index.js';
import { PCI_ACS, PCI_EXP_TYPE } from '../topology/index.js';

export type AcsMaskVariant = 'classic' | 'bus-isolation';

/** `REQ_ACS_FLAGS` (renamed `PCI_ACS_ISOLATED` in the 2025 series). */
export const REQ_ACS_FLAGS = PCI_ACS.SV | PCI_ACS.RR | PCI_ACS.CR | PCI_ACS.UF;

const ENHANCED_CTRLS = PCI_ACS.IORB | PCI_ACS.DSP_MT_RB | PCI_ACS.DSP_MT_RR |
  PCI_ACS.USP_MT_RB | PCI_ACS.USP_MT_RR | PCI_ACS.UNCLAIMED_RR;
const BASIC = PCI_ACS.SV | PCI_ACS.TB | PCI_ACS.RR | PCI_ACS.CR | PCI_ACS.UF | PCI_ACS.DT;

/** Which requested bits the device must actually have enabled. */
export function acsRequiredBits(cap: number, flags: number, variant: AcsMaskVariant): number {
  if (variant === 'classic') return flags & (cap | PCI_ACS.EC);
  // pci_acs_ctrl_mask(): EC is dropped as the posted code does (its `mask =` overwrites EC).
  let mask = cap & BASIC;
  if (cap & PCI_ACS.ENHANCED) mask |= ENHANCED_CTRLS;
  return flags & mask;
}

/** `pci_acs_flags_enabled()`: no ACS capability → false. */
export function acsFlagsEnabled(dev: PciFunction, flags: number, variant: AcsMaskVariant = 'classic'): boolean {
  if (dev.acsCap === null) return false;
  const need = acsRequiredBits(dev.acsCap, flags, variant);
  return ((dev.acsCtrl ?? 0) & need) === need;
}

export function acsEnabled(dev: PciFunction, flags: number, variant: AcsMaskVariant = 'classic'): boolean {
  if (dev.quirks.acs !== null) return dev.quirks.acs === 'isolated';
  if (!dev.isPcie || dev.portType === null) return false;
  switch (dev.portType) {
    case PCI_EXP_TYPE.PCIE_BRIDGE:
    case PCI_EXP_TYPE.PCI_BRIDGE:
    case PCI_EXP_TYPE.RC_EC:
      return false;
    case PCI_EXP_TYPE.DOWNSTREAM:
    case PCI_EXP_TYPE.ROOT_PORT:
      return acsFlagsEnabled(dev, flags, variant);
    case PCI_EXP_TYPE.ENDPOINT:
    case PCI_EXP_TYPE.UPSTREAM:
    case PCI_EXP_TYPE.LEG_END:
    case PCI_EXP_TYPE.RC_END:
      return dev.multifunction ? acsFlagsEnabled(dev, flags, variant) : true;
    default:
      return true;
  }
}

/** The bridge above `dev`, skipping virtual (VF) buses; null on a root bus. */
export function upstreamBridge(dev: PciFunction): PciFunction | null {
  for (let bus = dev.parentBus; !bus.isRoot; bus = bus.parent!) {
    if (bus.self) return bus.self;
  }
  return null;
}

/**
 * Every device from `start` up to the root bus (or up to and including `end`) passes
 * acsEnabled. Reaching the root bus before `end` answers `end === null`.
 */
export function acsPathEnabled(start: PciFunction, end: PciFunction | null, flags: number,
  variant: AcsMaskVariant = 'classic'): boolean {
  let dev: PciFunction | null = start;
  while (dev) {
    if (!acsEnabled(dev, flags, variant)) return false;
    if (dev.parentBus.isRoot) return end === null;
    if (dev === end) return true;
    dev = upstreamBridge(dev);
  }
  return end === null;
}
