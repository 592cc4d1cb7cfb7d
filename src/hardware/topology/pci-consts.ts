/**
 * PCI constants this layer needs, with the values and names Linux uses
 * (`include/uapi/linux/pci_regs.h`). Kept here rather than in src/uapi because they are
 * hardware facts the topology derives, not user API; where uapi already has a value (the PCIe
 * port types) it is named here, not copied.
 */
import * as E from '../../uapi/pci_regs_exp.js';

/** PCIe Device/Port Type field of the PCIe Capabilities register (`pci_pcie_type()`): uapi's values, by short name. */
export const PCI_EXP_TYPE = {
  ENDPOINT: E.PCI_EXP_TYPE_ENDPOINT,
  LEG_END: E.PCI_EXP_TYPE_LEG_END,
  ROOT_PORT: E.PCI_EXP_TYPE_ROOT_PORT,
  UPSTREAM: E.PCI_EXP_TYPE_UPSTREAM,
  DOWNSTREAM: E.PCI_EXP_TYPE_DOWNSTREAM,
  PCI_BRIDGE: E.PCI_EXP_TYPE_PCI_BRIDGE,
  PCIE_BRIDGE: E.PCI_EXP_TYPE_PCIE_BRIDGE,
  RC_END: E.PCI_EXP_TYPE_RC_END,
  RC_EC: E.PCI_EXP_TYPE_RC_EC,
} as const;

/** ACS Capability / Control register bits (same positions in both registers). */
export const PCI_ACS = {
  SV: 0x0001,
  TB: 0x0002,
  RR: 0x0004,
  CR: 0x0008,
  UF: 0x0010,
  EC: 0x0020,
  DT: 0x0040,
  /** Capability register only: ACS Enhanced Capability present. */
  ENHANCED: 0x0080,
  /** Control register: the ACS Enhanced controls (valid when ENHANCED is advertised). */
  IORB: 0x0080,
  DSP_MT_RB: 0x0100,
  DSP_MT_RR: 0x0200,
  USP_MT_RB: 0x0400,
  USP_MT_RR: 0x0800,
  UNCLAIMED_RR: 0x1000,
} as const;

/** Names accepted in the topology's `acs` / `acsCtrl` lists. */
export const ACS_BASIC_NAMES = ['SV', 'TB', 'RR', 'CR', 'UF', 'EC', 'DT'] as const;
export const ACS_ENHANCED_CTRL_NAMES = [
  'IORB', 'DSP_MT_RB', 'DSP_MT_RR', 'USP_MT_RB', 'USP_MT_RR', 'UNCLAIMED_RR',
] as const;
export const ACS_NAMES = [...ACS_BASIC_NAMES, 'ENHANCED', ...ACS_ENHANCED_CTRL_NAMES] as const;
export type AcsName = (typeof ACS_NAMES)[number];

/** PCI class codes (24-bit: base << 16 | sub << 8 | prog-if) used for defaults. */
export const PCI_CLASS = {
  BRIDGE_HOST: 0x060000,
  BRIDGE_ISA: 0x060100,
  BRIDGE_PCI: 0x060400,
  /** A subtractive-decode PCI-to-PCI bridge (programming interface 01). */
  BRIDGE_PCI_SUBTRACTIVE: 0x060401,
  DISPLAY_VGA: 0x030000,
  SERIAL_USB: 0x0c0300,
  /** PCI_CLASS_SYSTEM_RCEC << 8: a Root Complex Event Collector (programming interface 0). */
  SYSTEM_RCEC: 0x080700,
  UNASSIGNED: 0xff0000,
} as const;
