/**
 * The bus-isolation grouping (Jason Gunthorpe's 2025 "Compute iommu_groups properly for
 * PCIe switches" series; spec §1.6.2). Isolation is a property of a bus: the first
 * non-isolated bus on the way down makes its whole downstream hierarchy one group, whose
 * `nonIsolated` flag makes every later device below join it. Upstream devices must be
 * grouped first; a device probed too early is deferred (`-EPROBE_DEFER`) and retried.
 */
import type { PciBus, PciFunction } from '../topology/index.js';
import { PCI_ACS, PCI_EXP_TYPE } from '../topology/index.js';
import { acsEnabled, REQ_ACS_FLAGS } from './acs.js';
import type { Decision, GroupAssignment } from './assignment.js';
import { SiblingSearch, siblingReason } from './classic.js';

export type BusIsolation =
  | 'PCIE_ISOLATED' | 'PCIE_SWITCH_DSP_NON_ISOLATED' | 'PCIE_NON_ISOLATED'
  | 'PCI_BUS_NON_ISOLATED' | 'PCI_BRIDGE_NON_ISOLATED';

export interface BusClass {
  readonly cls: BusIsolation;
  readonly why: string;
}

const V = 'bus-isolation' as const;
const hexBus = (b: PciBus) => b.number.toString(16).padStart(2, '0');

/** pcie_switch_isolated(): the interior bus of a switch, judged by its downstream ports. */
function switchIsolated(bus: PciBus): BusClass {
  for (const d of bus.devices) {
    if (!d.isPcie || d.portType !== PCI_EXP_TYPE.DOWNSTREAM || d.dmaAliasDevfns.length > 0) {
      return { cls: 'PCIE_NON_ISOLATED', why: `${d.bdf} on the switch's internal bus is not a plain downstream port` };
    }
    if (!acsEnabled(d, REQ_ACS_FLAGS | PCI_ACS.DSP_MT_RR | PCI_ACS.USP_MT_RR, V)) {
      if (!acsEnabled(d, PCI_ACS.USP_MT_RR, V)) {
        return { cls: 'PCIE_NON_ISOLATED', why: `downstream port ${d.bdf} lacks ACS and cannot be shown to keep requests off the upstream port's MMIO` };
      }
      return { cls: 'PCIE_SWITCH_DSP_NON_ISOLATED', why: `downstream port ${d.bdf} lacks ACS SV|RR|CR|UF, so the switch's downstream ports reach each other` };
    }
  }
  return { cls: 'PCIE_ISOLATED', why: 'every downstream port of the switch has ACS' };
}

function pciBridgeClass(bridge: PciFunction): BusClass {
  if (bridge.hasMmio) return { cls: 'PCI_BRIDGE_NON_ISOLATED', why: `PCIe-to-PCI bridge ${bridge.bdf} has MMIO and no ACS` };
  return { cls: 'PCI_BUS_NON_ISOLATED', why: `conventional bus below PCIe-to-PCI bridge ${bridge.bdf} (all devices alias to ${hexBus(bridge.subordinate!)}:00.0)` };
}

/** pci_bus_isolated(). */
export function busIsolation(bus: PciBus): BusClass {
  if (bus.isRoot) return { cls: 'PCIE_ISOLATED', why: 'the root bus (the root complex sends everything to the IOMMU)' };
  const b = bus.self;
  if (!b) return { cls: 'PCI_BRIDGE_NON_ISOLATED', why: 'a virtual bus' };
  let type = b.portType;
  if (!b.isPcie) {
    if (!b.quirks.pcieBridgeAlias) return { cls: 'PCI_BRIDGE_NON_ISOLATED', why: `conventional PCI bridge ${b.bdf} re-issues DMA as itself` };
    type = PCI_EXP_TYPE.PCI_BRIDGE;
  }
  switch (type) {
    case PCI_EXP_TYPE.ROOT_PORT:
      if (b.acsCap !== null && !acsEnabled(b, REQ_ACS_FLAGS | PCI_ACS.DSP_MT_RR, V)) {
        return { cls: 'PCIE_NON_ISOLATED', why: `root port ${b.bdf} has ACS but not SV|RR|CR|UF enabled` };
      }
      return { cls: 'PCIE_ISOLATED', why: b.acsCap === null ? `root port ${b.bdf} has no ACS capability (assumed no loopback)` : `root port ${b.bdf} has ACS` };
    case PCI_EXP_TYPE.DOWNSTREAM:
      return { cls: 'PCIE_ISOLATED', why: `point-to-point link below downstream port ${b.bdf}` };
    case PCI_EXP_TYPE.UPSTREAM:
      return switchIsolated(bus);
    case PCI_EXP_TYPE.PCI_BRIDGE:
      return pciBridgeClass(b);
    default:
      return { cls: 'PCI_BRIDGE_NON_ISOLATED', why: `bridge ${b.bdf} gives no isolation` };
  }
}

export type BusIsolationDecision = Decision | { readonly defer: string };

function isolatedBus(dev: PciFunction, st: GroupAssignment, c: BusClass): Decision {
  const search = new SiblingSearch(st, V);
  const found = search.alias(dev) ?? search.function(dev);
  if (found) return { group: found.group, reason: siblingReason(found, dev, dev, 'bus-isolation, isolated bus') };
  search.visited.delete(dev.devfn);
  if (search.visited.size > 0) {
    return { group: null, nonIsolated: true, reason: `new group {id} (non-isolated): ${c.why}, but it has ACS-less slot siblings or DMA aliases` };
  }
  return { group: null, reason: `new group {id}: ${c.why}` };
}

export function busIsolationDeviceGroup(dev: PciFunction, st: GroupAssignment): BusIsolationDecision {
  const real = dev.realDmaDev;
  if (real && real !== dev) {
    const g = st.groupOf(real);
    if (!g) return { defer: `real DMA device ${real.bdf} has no group yet` };
    return { group: g, reason: `joined group {id}: its DMA is issued by ${real.bdf} (realDmaDev)` };
  }
  if (dev.quirks.xlateRoot) return { group: null, reason: 'new group {id}: translation happens at this bridge (xlateRoot)' };
  const bus = (dev.physfn ?? dev).parentBus;
  if (!bus.isRoot) {
    const up = bus.self!;
    const g = st.groupOf(up);
    if (!g) return { defer: `upstream bridge ${up.bdf} has no group yet` };
    if (g.nonIsolated) return { group: g, reason: `joined group {id}: upstream bridge ${up.bdf} is in a non-isolated group, which everything below joins` };
  }
  const c = busIsolation(bus);
  switch (c.cls) {
    case 'PCIE_ISOLATED':
      return isolatedBus(dev, st, c);
    case 'PCI_BRIDGE_NON_ISOLATED':
    case 'PCIE_NON_ISOLATED':
      return { group: st.groupOf(bus.self!)!, nonIsolated: true, reason: `joined group {id} with ${bus.self!.bdf}: bus ${hexBus(bus)} is not isolated (${c.why})` };
    default: {
      const peer = bus.devices.find((d) => st.groupOf(d) !== undefined);
      if (peer) return { group: st.groupOf(peer)!, nonIsolated: true, reason: `joined group {id} with ${peer.bdf}: devices on bus ${hexBus(bus)} share a group (${c.why})` };
      return { group: null, nonIsolated: true, reason: `new group {id} (non-isolated) for bus ${hexBus(bus)}: ${c.why}` };
    }
  }
}
