/**
 * Audit against Linux (spec device-pci.md §1.4, §3.5, §8): what every open, reset and last
 * close does to the device — the function reset at open, DisINTx cleared before vconfig is
 * built, D0 before any reset, and the last-close teardown.
 */
import { describe, expect, it } from 'vitest';
import { uapi } from '../../src/index.js';
import { EDU } from '../../src/hardware/devices/edu.js';
import { cfgRead, cfgWrite, drain, EDU_BDF, le32, machine, NIC_BDF, openDevice, setIrqs, u32, type Opened } from './helpers.js';
import { errnoOf } from '../support/errno.js';

const { VFIO_IRQ_SET_DATA_NONE: NONE, VFIO_IRQ_SET_DATA_EVENTFD: EVENTFD, VFIO_IRQ_SET_ACTION_TRIGGER: TRIGGER } = uapi;

function reopen(o: Opened, bdf: string): void {
  o.p.close(o.device);
  o.device = o.p.ioctl(o.group, uapi.VFIO_GROUP_GET_DEVICE_FD, bdf);
}

function capAt(o: Opened, id: number): number {
  let at = cfgRead(o, uapi.PCI_CAPABILITY_LIST, 1);
  while (at !== 0 && cfgRead(o, at, 1) !== id) at = cfgRead(o, at + 1, 1);
  return at;
}

describe('open and last close (vfio_pci_core_enable / vfio_pci_core_disable)', () => {
  it('a reopened device starts with INTx virtually enabled: the last close left DisINTx set, the open clears it', () => {
    const host = machine();
    const o = openDevice(host, EDU_BDF);
    reopen(o, EDU_BDF);
    expect(cfgRead(o, uapi.PCI_COMMAND, 2) & uapi.PCI_COMMAND_INTX_DISABLE).toBe(0);
    const efd = o.p.eventfd();
    setIrqs(o, uapi.VFIO_PCI_INTX_IRQ_INDEX, EVENTFD | TRIGGER, 0, [efd]);
    o.p.pwrite(o.device, u32(1), BigInt(EDU.IRQ_RAISE));
    expect(drain(o.p, efd)).toBe(1n);
  });

  it('every first open resets the function; the last close tears interrupts down', () => {
    const host = machine();
    const o = openDevice(host, EDU_BDF);
    o.p.pwrite(o.device, u32(5), BigInt(EDU.LIVENESS));
    const efd = o.p.eventfd();
    setIrqs(o, uapi.VFIO_PCI_INTX_IRQ_INDEX, EVENTFD | TRIGGER, 0, [efd]);
    reopen(o, EDU_BDF);
    expect(le32(o.p.pread(o.device, 4, BigInt(EDU.LIVENESS)))).toBe(0);
    // INTx is no longer the active type: a disable is EINVAL (vfio_pci_set_intx_trigger)
    expect(errnoOf(() => setIrqs(o, uapi.VFIO_PCI_INTX_IRQ_INDEX, NONE | TRIGGER, 0, null, 0))).toBe('EINVAL');
  });
});

describe('power state around resets (vfio_pci_set_power_state(D0) before every reset)', () => {
  it('VFIO_DEVICE_RESET from D3hot leaves a working device in D0', () => {
    const o = openDevice(machine(), NIC_BDF);
    const pm = capAt(o, uapi.PCI_CAP_ID_PM);
    expect(pm).not.toBe(0);
    const id = le32(o.p.pread(o.device, 4, 0n));
    expect(id).not.toBe(0xffffffff);
    cfgWrite(o, pm + uapi.PCI_PM_CTRL, 2, 3);
    expect(cfgRead(o, pm + uapi.PCI_PM_CTRL, 2) & 3).toBe(3);
    expect(errnoOf(() => o.p.pread(o.device, 4, 0n))).toBe('EIO');
    o.p.ioctl(o.device, uapi.VFIO_DEVICE_RESET);
    expect(cfgRead(o, pm + uapi.PCI_PM_CTRL, 2) & 3).toBe(0);
    expect(le32(o.p.pread(o.device, 4, 0n))).toBe(id);
  });

  it('a device closed in D3hot opens again in D0 with working BARs', () => {
    const o = openDevice(machine(), NIC_BDF);
    const before = le32(o.p.pread(o.device, 4, 0n));
    const pm = capAt(o, uapi.PCI_CAP_ID_PM);
    cfgWrite(o, pm + uapi.PCI_PM_CTRL, 2, 3);
    reopen(o, NIC_BDF);
    expect(cfgRead(o, pm + uapi.PCI_PM_CTRL, 2) & 3).toBe(0);
    expect(le32(o.p.pread(o.device, 4, 0n))).toBe(before);
  });
});
