import { describe, expect, it } from 'vitest';
import * as R from './pci_regs.js';
import * as X from './pci_regs_exp.js';
import * as E from './pci_regs_ext.js';

describe('pci_regs.h', () => {
  it('standard header', () => {
    expect(R.PCI_BASE_ADDRESS_5).toBe(0x24);
    expect(R.PCI_CAPABILITY_LIST).toBe(0x34);
    expect(R.PCI_INTERRUPT_PIN).toBe(0x3d);
    expect(R.PCI_STATUS_CAP_LIST).toBe(0x10);
    expect(R.PCI_COMMAND_INTX_DISABLE).toBe(0x400);
    expect(R.PCI_BRIDGE_CTL_BUS_RESET).toBe(0x40);
  });

  it('BAR decode masks are 32-bit', () => {
    expect((0xfebf100c & R.PCI_BASE_ADDRESS_MEM_MASK) >>> 0).toBe(0xfebf1000);
    expect((0xe001 & R.PCI_BASE_ADDRESS_IO_MASK) >>> 0).toBe(0xe000);
  });

  it('devfn packing', () => {
    expect(R.PCI_DEVFN(0x1f, 3)).toBe(0xfb);
    expect(R.PCI_SLOT(0xfb)).toBe(0x1f);
    expect(R.PCI_FUNC(0xfb)).toBe(3);
  });

  it('PCIe capability', () => {
    expect(X.PCI_EXP_DEVCAP_FLR).toBe(0x10000000);
    expect(X.PCI_EXP_DEVCTL_BCR_FLR).toBe(0x8000);
    expect(X.PCI_EXP_DEVCAP2).toBe(36);
    expect(X.PCI_EXP_TYPE_RC_END).toBe(9);
  });

  it('extended capability header helpers', () => {
    // AER v2 at 0x100 pointing at ACS at 0x148.
    const header = (0x148 << 20) | (2 << 16) | E.PCI_EXT_CAP_ID_ERR;
    expect(E.PCI_EXT_CAP_ID(header)).toBe(1);
    expect(E.PCI_EXT_CAP_VER(header)).toBe(2);
    expect(E.PCI_EXT_CAP_NEXT(header)).toBe(0x148);
    expect(E.PCI_EXT_CAP_NEXT(0xffffffff)).toBe(0xffc);
  });

  it('ACS bits', () => {
    expect(E.PCI_ACS_SV | E.PCI_ACS_RR | E.PCI_ACS_CR | E.PCI_ACS_UF).toBe(0x1d);
    expect(E.PCI_ACS_CTRL).toBe(6);
  });
});
