/**
 * What each topology `type` means in PCI terms and the identity an inert function of that
 * type gets when the topology gives none. Identities follow the devices QEMU emulates
 * (q35 host bridge, pcie-root-port, xio3130 switch ports, pcie-pci-bridge, pci-bridge);
 * an endpoint with neither ids nor a model gets the placeholder 1b36:10ff, class 0xff0000.
 */
import type { FunctionType } from './model.js';
import { PCI_CLASS, PCI_EXP_TYPE } from './pci-consts.js';

export interface TypeInfo {
  /** PCI_EXP_TYPE_* when the function has a PCIe capability; null = conventional. */
  readonly portType: number | null;
  readonly headerType: 0 | 1;
  readonly vendor: number;
  readonly device: number;
  readonly classCode: number;
  /** Linux binds `pcieport` to it at boot. */
  readonly pciePort: boolean;
  /** The secondary bus it creates is conventional PCI. */
  readonly conventionalBelow: boolean;
}

const bridge = (portType: number | null, vendor: number, device: number, conventionalBelow = false,
  pciePort = false): TypeInfo =>
  ({ portType, headerType: 1, vendor, device, classCode: PCI_CLASS.BRIDGE_PCI, pciePort, conventionalBelow });
const endpoint = (portType: number): TypeInfo =>
  ({ portType, headerType: 0, vendor: 0x1b36, device: 0x10ff, classCode: PCI_CLASS.UNASSIGNED, pciePort: false, conventionalBelow: false });

export const TYPE_INFO: Readonly<Record<FunctionType, TypeInfo>> = {
  'host-bridge': { portType: null, headerType: 0, vendor: 0x8086, device: 0x29c0,
    classCode: PCI_CLASS.BRIDGE_HOST, pciePort: false, conventionalBelow: false },
  'root-port': bridge(PCI_EXP_TYPE.ROOT_PORT, 0x1b36, 0x000c, false, true),
  'switch-upstream': bridge(PCI_EXP_TYPE.UPSTREAM, 0x104c, 0x8232, false, true),
  'switch-downstream': bridge(PCI_EXP_TYPE.DOWNSTREAM, 0x104c, 0x8233, false, true),
  'pcie-to-pci-bridge': bridge(PCI_EXP_TYPE.PCI_BRIDGE, 0x1b36, 0x000e, true),
  // Pericom PI7C9X110, a reversible PCIe/PCI bridge, used in its PCI→PCIe direction.
  'pci-to-pcie-bridge': bridge(PCI_EXP_TYPE.PCIE_BRIDGE, 0x12d8, 0xe110),
  'pci-bridge': bridge(null, 0x1b36, 0x0001, true),
  endpoint: endpoint(PCI_EXP_TYPE.ENDPOINT),
  'legacy-endpoint': endpoint(PCI_EXP_TYPE.LEG_END),
  rciep: endpoint(PCI_EXP_TYPE.RC_END),
  // A Root Complex Event Collector: a type 0 function on the root bus, class 0x0807, that
  // pcieport binds (port_pci_ids' RCEC class entry; pcie_portdrv_probe accepts RC_EC).
  rcec: { portType: PCI_EXP_TYPE.RC_EC, headerType: 0, vendor: 0x1b36, device: 0x10ff,
    classCode: PCI_CLASS.SYSTEM_RCEC, pciePort: true, conventionalBelow: false },
};

/** QEMU's default subsystem ids (PCI_SUBVENDOR_ID_REDHAT_QUMRANET / PCI_SUBDEVICE_ID_QEMU). */
export const DEFAULT_SUBSYSTEM = { vendor: 0x1af4, device: 0x1100 } as const;
