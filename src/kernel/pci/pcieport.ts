/**
 * pcieport (drivers/pci/pcie/portdrv.c) as the driver core sees it: its id table
 * (port_pci_ids) matches by class alone — a PCI-to-PCI bridge, normal or subtractive decode,
 * or a Root Complex Event Collector — and its probe (pcie_portdrv_probe) then takes only PCIe
 * root ports, switch upstream and downstream ports, and RCECs; any other function is ENODEV,
 * which the driver core reads as "not mine" and tries the next driver. The port services
 * (AER, PME, DPC, hotplug, bandwidth control, pcie_link_rcec's RCiEP association) are not
 * modelled: the driver holds the port and owns its DMA (driver_managed_dma).
 */
import { fail, okVoid } from '../../base/result.js';
import { PCI_CLASS } from '../../hardware/topology/pci-consts.js';
import { PCI_EXP_TYPE_DOWNSTREAM, PCI_EXP_TYPE_RC_EC, PCI_EXP_TYPE_ROOT_PORT, PCI_EXP_TYPE_UPSTREAM } from '../../uapi/pci_regs_exp.js';
import { hostDriver, type PciDriver } from './driver.js';

/** port_pci_ids: full class codes (class_mask ~0). */
const PORT_CLASSES: readonly number[] = [PCI_CLASS.BRIDGE_PCI, PCI_CLASS.BRIDGE_PCI_SUBTRACTIVE, PCI_CLASS.SYSTEM_RCEC];

/** The PCIe types pcie_portdrv_probe accepts. */
const PORT_TYPES: readonly number[] = [PCI_EXP_TYPE_ROOT_PORT, PCI_EXP_TYPE_UPSTREAM, PCI_EXP_TYPE_DOWNSTREAM, PCI_EXP_TYPE_RC_EC];

export function pcieportDriver(): PciDriver {
  return {
    ...hostDriver('pcieport', { driverManagedDma: true, matchExtra: (d) => PORT_CLASSES.includes(d.fn.classCode) }),
    probe(d) {
      if (d.fn.isPcie && d.fn.portType !== null && PORT_TYPES.includes(d.fn.portType)) return okVoid();
      const what = d.fn.isPcie ? `PCIe type 0x${(d.fn.portType ?? 0).toString(16)}` : 'no PCIe capability';
      return fail('ENODEV', `pcie_portdrv_probe: ${what}, not a root port, switch port or RCEC`);
    },
  };
}
