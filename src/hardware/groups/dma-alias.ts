/**
 * The DMA alias walk (Linux `pci_for_each_dma_alias()`, drivers/pci/search.c): every
 * (device, RID) pair under which the IOMMU may see DMA issued by a function, in order.
 * The function's real DMA device first (its own RID, then its quirk aliases on the same
 * bus), then each bridge on the way up that re-issues the request: a PCIe-to-PCI bridge as
 * `secondary:00.0`, a reverse or conventional bridge as itself. PCIe ports keep the RID;
 * virtual buses are skipped; a translating bridge (`xlateRoot`) ends the walk.
 */
import type { PciFunction } from '../topology/index.js';
import { ridOf } from '../topology/bdf.js';
import { PCI_EXP_TYPE } from '../topology/pci-consts.js';

export interface DmaAlias {
  readonly device: PciFunction;
  readonly rid: number;
}

/** Calls `fn` per alias; stops and returns true as soon as `fn` returns true. */
export function forEachDmaAlias(dev: PciFunction, fn: (device: PciFunction, rid: number) => boolean): boolean {
  const pdev = dev.realDmaDev ?? dev;
  if (fn(pdev, pdev.rid)) return true;
  for (const d of pdev.dmaAliasDevfns) if (fn(pdev, ridOf(pdev.bus, d))) return true;
  for (let bus = pdev.parentBus; !bus.isRoot; bus = bus.parent!) {
    const b = bus.self;
    if (!b) continue;
    if (b.quirks.xlateRoot) return false;
    const rid = bridgeAlias(b);
    if (rid !== null && fn(b, rid)) return true;
  }
  return false;
}

function bridgeAlias(b: PciFunction): number | null {
  const secondaryRid = ridOf(b.secondaryBus ?? 0, 0);
  if (b.isPcie) {
    if (b.portType === PCI_EXP_TYPE.PCI_BRIDGE) return secondaryRid;
    if (b.portType === PCI_EXP_TYPE.PCIE_BRIDGE) return b.rid;
    return null; // root, upstream and downstream ports forward the RID unchanged
  }
  return b.quirks.pcieBridgeAlias ? secondaryRid : b.rid;
}

export function dmaAliases(dev: PciFunction): DmaAlias[] {
  const out: DmaAlias[] = [];
  forEachDmaAlias(dev, (device, rid) => { out.push({ device, rid }); return false; });
  return out;
}

/** Linux `pci_devs_are_dma_aliases()`: quirk aliases either way, or one issues the other's DMA. */
export function devsAreDmaAliases(a: PciFunction, b: PciFunction): boolean {
  return a.dmaAliasDevfns.includes(b.devfn) || b.dmaAliasDevfns.includes(a.devfn) ||
    a.realDmaDev === b || b.realDmaDev === a;
}
