/**
 * A virtual function made at run time, when the PF's driver enables SR-IOV (Linux
 * pci_iov_add_virtfn → pci_iov_virtfn_bus/devfn, pci_read_vf_config_common). VF n (0-based)
 * has Routing ID `PF RID + offset + n * stride`; it is a PCIe endpoint with the PF's vendor,
 * the VF device id, no INTx pin, FLR, and no ACS capability of its own.
 *
 * What holds: the function is a new value; the PF, its bus and the topology are not changed
 * (the Machine and the kernel keep the VFs that exist). A VF gets no BARs: the PF's VF BAR
 * registers (SR-IOV capability, PCI_SRIOV_BAR) are not modelled, so there is nothing to
 * carve them from; its model is the inert one (config space only).
 */
import { formatBdf, ridOf } from './bdf.js';
import type { PciFunction } from './model.js';
import { PCI_EXP_TYPE } from './pci-consts.js';

/** Where VF `index` of `pf` sits, or null when its RID leaves the PF's bus (a new virtual bus is not modelled). */
export function vfPlacement(pf: PciFunction, index: number): { bus: number; devfn: number; bdf: string } | null {
  const s = pf.sriov;
  if (s === null) return null;
  const rid = pf.rid + s.offset + index * s.stride;
  if (rid > 0xffff || rid >> 8 !== pf.bus) return null;
  return { bus: rid >> 8, devfn: rid & 0xff, bdf: formatBdf(pf.segment, rid >> 8, rid & 0xff) };
}

/** The VF `index` of `pf` (pf must have `sriov`, and vfPlacement must have found it a place). */
export function makeVf(pf: PciFunction, index: number): PciFunction {
  const s = pf.sriov!;
  const at = vfPlacement(pf, index)!;
  return {
    ...pf,
    bdf: at.bdf, bus: at.bus, devfn: at.devfn, slot: at.devfn >> 3, fn: at.devfn & 7,
    rid: ridOf(at.bus, at.devfn), path: `${pf.path}.sriov`, type: 'endpoint', isPcie: true,
    portType: PCI_EXP_TYPE.ENDPOINT, headerType: 0, isBridge: false, multifunction: false,
    acsCap: null, acsCtrl: null, acsNames: null, subordinate: null, children: [],
    secondaryBus: null, subordinateBus: null, windows: null, dmaAliasDevfns: [],
    quirks: { acs: null, pcieBridgeAlias: false, xlateRoot: false }, realDmaDev: null,
    physfn: pf, isVf: true, vfIndex: index, vfs: [], sriov: null,
    device: s.vfDevice ?? pf.device,
    interruptPin: 0, model: null, modelInfo: null, params: {}, driver: s.vfDriver, bars: [],
    capabilities: { msi: null, msix: null, pm: false, flr: true },
    reservedRegions: [], internalP2P: false, resetMethods: ['flr'], hasMmio: false,
  };
}
