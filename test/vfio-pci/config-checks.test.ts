/**
 * Audit against Linux (spec device-pci.md §4.3, §6, §6.5, §9 items 16, 24-30): config space
 * virtualization of vfio_pci_config.c as a user driver sees it through the config region.
 */
import { describe, expect, it } from 'vitest';
import { Host, uapi } from '../../src/index.js';
import { EDU } from '../../src/hardware/devices/edu.js';
import { cfgRead, cfgWrite, CFG_OFF, drain, EDU_BDF, le32, machine, NIC_BDF, openDevice, setIrqs, u32, type Opened } from './helpers.js';
import { errnoOf } from '../support/errno.js';

function capAt(o: Opened, id: number): number {
  let at = cfgRead(o, uapi.PCI_CAPABILITY_LIST, 1);
  while (at !== 0 && cfgRead(o, at, 1) !== id) at = cfgRead(o, at + 1, 1);
  return at;
}

describe('MSI capability (vfio_msi_config_write)', () => {
  it('clearing Enable while MSI is the active type reaches the device: its MSIs stop until Enable is set again', () => {
    const host = machine();
    const o = openDevice(host, EDU_BDF);
    cfgWrite(o, uapi.PCI_COMMAND, 2, cfgRead(o, uapi.PCI_COMMAND, 2) | uapi.PCI_COMMAND_MASTER);
    const msi = capAt(o, uapi.PCI_CAP_ID_MSI);
    const efd = o.p.eventfd();
    setIrqs(o, uapi.VFIO_PCI_MSI_IRQ_INDEX, uapi.VFIO_IRQ_SET_DATA_EVENTFD | uapi.VFIO_IRQ_SET_ACTION_TRIGGER, 0, [efd]);
    // SET_IRQS does not touch vconfig: Enable reads 0 until the user writes it
    expect(cfgRead(o, msi + uapi.PCI_MSI_FLAGS, 2) & uapi.PCI_MSI_FLAGS_ENABLE).toBe(0);
    o.p.pwrite(o.device, u32(1), BigInt(EDU.IRQ_RAISE));
    expect(drain(o.p, efd)).toBe(1n);
    // writing back what was read (Enable 0) disables MSI in the device
    cfgWrite(o, msi + uapi.PCI_MSI_FLAGS, 2, cfgRead(o, msi + uapi.PCI_MSI_FLAGS, 2));
    o.p.pwrite(o.device, u32(1), BigInt(EDU.IRQ_RAISE));
    expect(drain(o.p, efd)).toBe(0n);
    cfgWrite(o, msi + uapi.PCI_MSI_FLAGS, 2, cfgRead(o, msi + uapi.PCI_MSI_FLAGS, 2) | uapi.PCI_MSI_FLAGS_ENABLE);
    expect(cfgRead(o, msi + uapi.PCI_MSI_FLAGS, 2) & uapi.PCI_MSI_FLAGS_ENABLE).toBe(1);
    o.p.pwrite(o.device, u32(1), BigInt(EDU.IRQ_RAISE));
    expect(drain(o.p, efd)).toBe(1n);
    // disabling through SET_IRQS leaves the user's virtual Enable bit as written
    setIrqs(o, uapi.VFIO_PCI_MSI_IRQ_INDEX, uapi.VFIO_IRQ_SET_DATA_NONE | uapi.VFIO_IRQ_SET_ACTION_TRIGGER, 0, null, 0);
    expect(cfgRead(o, msi + uapi.PCI_MSI_FLAGS, 2) & uapi.PCI_MSI_FLAGS_ENABLE).toBe(1);
  });

  it('Multiple Message Enable is clamped to msi_qmax; address and data stay virtual', () => {
    const o = openDevice(machine(), EDU_BDF);
    const msi = capAt(o, uapi.PCI_CAP_ID_MSI);
    cfgWrite(o, msi + uapi.PCI_MSI_FLAGS, 1, 0x70 | 1);
    expect(cfgRead(o, msi + uapi.PCI_MSI_FLAGS, 1) & 0x71).toBe(0);
    cfgWrite(o, msi + uapi.PCI_MSI_ADDRESS_LO, 4, 0xfee01000);
    expect(cfgRead(o, msi + uapi.PCI_MSI_ADDRESS_LO, 4) >>> 0).toBe(0xfee01000);
  });
});

describe('command register, status, read-only and unassigned bytes', () => {
  it('writes to read-only fields and to bytes outside every capability succeed with the full count', () => {
    const o = openDevice(machine(), EDU_BDF);
    expect(o.p.pwrite(o.device, Uint8Array.of(0xff, 0xff), CFG_OFF + BigInt(uapi.PCI_CLASS_DEVICE))).toBe(2);
    expect(cfgRead(o, uapi.PCI_CLASS_DEVICE, 2)).toBe(0x00ff);
    expect(o.p.pwrite(o.device, new Uint8Array(16).fill(0x5a), CFG_OFF + 0xc0n)).toBe(16);
    expect(o.p.pwrite(o.device, Uint8Array.of(0xff), CFG_OFF + BigInt(uapi.PCI_INTERRUPT_PIN))).toBe(1);
    expect(cfgRead(o, uapi.PCI_INTERRUPT_PIN, 1)).toBe(1);
  });

  it('an unaligned 4-byte config read is served in naturally aligned pieces and returns the same bytes', () => {
    const o = openDevice(machine(), EDU_BDF);
    const whole = o.p.pread(o.device, 8, CFG_OFF);
    expect([...o.p.pread(o.device, 4, CFG_OFF + 1n)]).toEqual([...whole.subarray(1, 5)]);
    expect(errnoOf(() => o.p.pread(o.device, 2, CFG_OFF + 4095n))).toBe('EFAULT');
    expect(errnoOf(() => o.p.pwrite(o.device, Uint8Array.of(0), CFG_OFF + 4096n))).toBe('EFAULT');
  });

  it('INTx disable in COMMAND suppresses signals and makes unmask a no-op; clearing it unmasks (re-signal while asserted)', () => {
    const o = openDevice(machine(), EDU_BDF);
    const efd = o.p.eventfd();
    setIrqs(o, uapi.VFIO_PCI_INTX_IRQ_INDEX, uapi.VFIO_IRQ_SET_DATA_EVENTFD | uapi.VFIO_IRQ_SET_ACTION_TRIGGER, 0, [efd]);
    const cmd = cfgRead(o, uapi.PCI_COMMAND, 2);
    cfgWrite(o, uapi.PCI_COMMAND + 1, 1, (cmd | uapi.PCI_COMMAND_INTX_DISABLE) >> 8); // byte write to offset 5
    o.p.pwrite(o.device, u32(1), BigInt(EDU.IRQ_RAISE));
    setIrqs(o, uapi.VFIO_PCI_INTX_IRQ_INDEX, uapi.VFIO_IRQ_SET_DATA_NONE | uapi.VFIO_IRQ_SET_ACTION_UNMASK, 0, null, 1);
    expect(drain(o.p, efd)).toBe(0n);
    cfgWrite(o, uapi.PCI_COMMAND, 2, cmd);
    expect(drain(o.p, efd)).toBe(1n);
  });

  it('BARs before any write show the host address; an MSI-X control write is dropped', () => {
    const host = machine();
    const o = openDevice(host, NIC_BDF);
    const addr = host.topology.byBdf(NIC_BDF)!.bars.find((b) => b.index === 0)!.address;
    expect(BigInt(cfgRead(o, uapi.PCI_BASE_ADDRESS_0, 4)) & ~0xfn).toBe(addr & 0xffff_fff0n);
    const msix = capAt(o, uapi.PCI_CAP_ID_MSIX);
    const before = cfgRead(o, msix + uapi.PCI_MSIX_FLAGS, 2);
    cfgWrite(o, msix + uapi.PCI_MSIX_FLAGS, 2, 0xc000);
    expect(cfgRead(o, msix + uapi.PCI_MSIX_FLAGS, 2)).toBe(before);
    expect(le32(o.p.pread(o.device, 4, 0n))).not.toBe(0xffffffff);
  });
});

describe('PCIe DevCtl and PM (vfio_exp_config_write, vfio_pm_config_write)', () => {
  it('DevCtl.FLR resets the function and reads back 0', () => {
    const o = openDevice(machine(), NIC_BDF);
    const exp = capAt(o, uapi.PCI_CAP_ID_EXP);
    const reg = 0x004; // NIC CTRL
    o.p.pwrite(o.device, u32(0x3), BigInt(reg));
    const written = le32(o.p.pread(o.device, 4, BigInt(reg)));
    const ctl = cfgRead(o, exp + uapi.PCI_EXP_DEVCTL, 2);
    cfgWrite(o, exp + uapi.PCI_EXP_DEVCTL, 2, ctl | uapi.PCI_EXP_DEVCTL_BCR_FLR);
    expect(cfgRead(o, exp + uapi.PCI_EXP_DEVCTL, 2) & uapi.PCI_EXP_DEVCTL_BCR_FLR).toBe(0);
    expect(le32(o.p.pread(o.device, 4, BigInt(reg)))).not.toBe(written);
  });

  it('PM_CTRL D3hot gates BAR pread (EIO) like memory-disable; D0 ends it', () => {
    const o = openDevice(machine(), NIC_BDF);
    const pm = capAt(o, uapi.PCI_CAP_ID_PM);
    cfgWrite(o, pm + uapi.PCI_PM_CTRL, 2, 3);
    expect(errnoOf(() => o.p.pread(o.device, 4, 0n))).toBe('EIO');
    cfgWrite(o, pm + uapi.PCI_PM_CTRL, 2, 0);
    expect(errnoOf(() => o.p.pread(o.device, 4, 0n))).toBe('ok');
  });
});

describe('ROM region gate and range (vfio_pci_bar_rw)', () => {
  const rp = (bdf: string, child: object): object => ({ bdf, type: 'root-port', acs: ['SV', 'RR', 'CR', 'UF'], children: [child] });
  const romHost = () => new Host({
    name: 'rom-audit', ramBytes: '0x40000000',
    iommu: { addressWidth: 48, pageSizes: ['4K'], interruptRemapping: true, invalidation: 'strict', platform: 'intel' },
    pci: [
      { bdf: '0000:00:00.0', type: 'host-bridge' },
      rp('0000:00:05.0', { bdf: '0000:05:00.0', type: 'endpoint', vendor: '0x1234', device: '0x1111', class: '0x020000', driver: null,
        bars: [{ index: 0, size: '0x1000' }, { index: 6, size: '0x10000' }] }),
    ],
  });
  const ROM = BigInt(uapi.VFIO_PCI_ROM_REGION_INDEX) << 40n;

  it('beyond the ROM BAR is EINVAL even with memory decode off; the image is EIO then, the 0xFF tail is not gated', () => {
    const o = openDevice(romHost(), '0000:05:00.0');
    const image = o.p.pread(o.device, 4, ROM)[2]! * 512;
    cfgWrite(o, uapi.PCI_COMMAND, 2, cfgRead(o, uapi.PCI_COMMAND, 2) & ~uapi.PCI_COMMAND_MEMORY);
    expect(errnoOf(() => o.p.pread(o.device, 4, ROM + 0x10000n))).toBe('EINVAL');
    expect(errnoOf(() => o.p.pread(o.device, 4, ROM))).toBe('EIO');
    expect([...o.p.pread(o.device, 4, ROM + BigInt(image))]).toEqual([0xff, 0xff, 0xff, 0xff]);
  });
});
