/**
 * Audit against Linux (spec device-pci.md §3.3, §3.4, §5.4 row by row, §9 items 1-13): every
 * legal and illegal SET_IRQS combination with its exact errno, in the order of
 * vfio_set_irqs_validate_and_prepare and the vfio_pci_set_* handlers.
 */
import { describe, expect, it } from 'vitest';
import { uapi } from '../../src/index.js';
import { EDU } from '../../src/hardware/devices/edu.js';
import { drain, EDU_BDF, machine, NIC_BDF, openDevice, setIrqs, u32, type Opened } from './helpers.js';
import { errnoOf } from '../support/errno.js';

const { VFIO_IRQ_SET_DATA_NONE: NONE, VFIO_IRQ_SET_DATA_BOOL: BOOL, VFIO_IRQ_SET_DATA_EVENTFD: EVENTFD } = uapi;
const { VFIO_IRQ_SET_ACTION_MASK: MASK, VFIO_IRQ_SET_ACTION_UNMASK: UNMASK, VFIO_IRQ_SET_ACTION_TRIGGER: TRIGGER } = uapi;
const INTX = uapi.VFIO_PCI_INTX_IRQ_INDEX;
const MSI = uapi.VFIO_PCI_MSI_IRQ_INDEX;
const MSIX = uapi.VFIO_PCI_MSIX_IRQ_INDEX;
const ERR = uapi.VFIO_PCI_ERR_IRQ_INDEX;
const REQ = uapi.VFIO_PCI_REQ_IRQ_INDEX;

const raw = (o: Opened, a: object): string => errnoOf(() => o.p.ioctl(o.device, uapi.VFIO_DEVICE_SET_IRQS, a));
const raise = (o: Opened): void => void o.p.pwrite(o.device, u32(1), BigInt(EDU.IRQ_RAISE));
const ack = (o: Opened): void => void o.p.pwrite(o.device, u32(1), BigInt(EDU.IRQ_ACK));

describe('vfio_set_irqs_validate_and_prepare', () => {
  it('the overflow guard count >= U32_MAX - start is EINVAL before the range check', () => {
    const o = openDevice(machine(), EDU_BDF);
    expect(raw(o, { argsz: 20, flags: NONE | TRIGGER, index: INTX, start: 1, count: 0xffff_fffe })).toBe('EINVAL');
    expect(raw(o, { argsz: 20, flags: NONE | TRIGGER, index: INTX, start: 1, count: 0 })).toBe('EINVAL'); // start >= max
    expect(raw(o, { argsz: 20, flags: NONE | TRIGGER, index: INTX, start: 0, count: 2 })).toBe('EINVAL'); // start + count > max
  });

  it('ERR on a PCIe device and REQ exist; a non-PCIe device has ERR count 0, so every SET_IRQS on it is EINVAL', () => {
    const o = openDevice(machine({ edu: { conventional: true } }), EDU_BDF);
    expect(raw(o, { argsz: 20, flags: NONE | UNMASK, index: ERR, start: 0, count: 0 })).toBe('EINVAL'); // not ENOTTY: range first
    expect(raw(o, { argsz: 20, flags: NONE | UNMASK, index: REQ, start: 0, count: 0 })).toBe('ENOTTY');
  });
});

describe('INTx rows (vfio_pci_set_intx_trigger / _mask / _unmask)', () => {
  it('TRIGGER: BOOL/EVENTFD with count 0 EINVAL; NONE/BOOL loopback while idle EINVAL; any TRIGGER while MSI is active EINVAL', () => {
    const o = openDevice(machine(), EDU_BDF);
    const efd = o.p.eventfd();
    expect(errnoOf(() => setIrqs(o, INTX, EVENTFD | TRIGGER, 0, [], 0))).toBe('EINVAL');
    expect(errnoOf(() => setIrqs(o, INTX, BOOL | TRIGGER, 0, [], 0))).toBe('EINVAL');
    expect(errnoOf(() => setIrqs(o, INTX, BOOL | TRIGGER, 0, [true]))).toBe('EINVAL');
    setIrqs(o, MSI, EVENTFD | TRIGGER, 0, [efd]);
    expect(errnoOf(() => setIrqs(o, INTX, EVENTFD | TRIGGER, 0, [efd]))).toBe('EINVAL');
    expect(errnoOf(() => setIrqs(o, INTX, NONE | TRIGGER, 0, null, 0))).toBe('EINVAL');
    expect(errnoOf(() => setIrqs(o, INTX, NONE | UNMASK, 0, null, 1))).toBe('EINVAL');
  });

  it('rebinding an enabled INTx with fd -1 unbinds the trigger but INTx stays the active type', () => {
    const o = openDevice(machine(), EDU_BDF);
    const efd = o.p.eventfd();
    setIrqs(o, INTX, EVENTFD | TRIGGER, 0, [efd]);
    expect(setIrqs(o, INTX, EVENTFD | TRIGGER, 0, [-1])).toBe(0);
    setIrqs(o, INTX, NONE | TRIGGER, 0, null, 1);
    expect(drain(o.p, efd)).toBe(0n);
    expect(errnoOf(() => setIrqs(o, MSI, EVENTFD | TRIGGER, 0, [efd]))).toBe('EINVAL'); // INTx still active
    expect(setIrqs(o, INTX, EVENTFD | TRIGGER, 0, [efd])).toBe(0); // replace
    setIrqs(o, INTX, NONE | TRIGGER, 0, null, 1);
    expect(drain(o.p, efd)).toBe(1n);
  });

  it('MASK/UNMASK with count 0 EINVAL; BOOL masks/unmasks only on a non-zero byte', () => {
    const o = openDevice(machine(), EDU_BDF);
    const efd = o.p.eventfd();
    setIrqs(o, INTX, EVENTFD | TRIGGER, 0, [efd]);
    expect(errnoOf(() => setIrqs(o, INTX, NONE | MASK, 0, null, 0))).toBe('EINVAL');
    expect(errnoOf(() => setIrqs(o, INTX, NONE | UNMASK, 0, null, 0))).toBe('EINVAL');
    setIrqs(o, INTX, BOOL | MASK, 0, [false]);
    raise(o);
    expect(drain(o.p, efd)).toBe(1n); // was not masked
    ack(o);
    setIrqs(o, INTX, BOOL | UNMASK, 0, [false]);
    raise(o);
    expect(drain(o.p, efd)).toBe(0n); // still automasked
    ack(o);
    setIrqs(o, INTX, BOOL | UNMASK, 0, [true]);
    setIrqs(o, INTX, BOOL | MASK, 0, [true]);
    raise(o);
    expect(drain(o.p, efd)).toBe(0n); // masked by the ioctl
    setIrqs(o, INTX, NONE | UNMASK, 0, null, 1); // still asserted: re-signal, stays masked
    expect(drain(o.p, efd)).toBe(1n);
  });
});

describe('MSI / MSI-X rows (vfio_pci_set_msi_trigger)', () => {
  it('NONE/BOOL while idle EINVAL (NONE count 0 too); EVENTFD start 0 count 0 on an idle index ERANGE', () => {
    const o = openDevice(machine(), NIC_BDF);
    expect(errnoOf(() => setIrqs(o, MSIX, NONE | TRIGGER, 0, null, 0))).toBe('EINVAL');
    expect(errnoOf(() => setIrqs(o, MSIX, NONE | TRIGGER, 0, null, 1))).toBe('EINVAL');
    expect(errnoOf(() => setIrqs(o, MSIX, BOOL | TRIGGER, 0, [true]))).toBe('EINVAL');
    expect(errnoOf(() => setIrqs(o, MSIX, EVENTFD | TRIGGER, 0, [], 0))).toBe('ERANGE');
    expect(errnoOf(() => setIrqs(o, MSIX, NONE | UNMASK, 0, null, 1))).toBe('ENOTTY');
  });

  it('EVENTFD count 0 while active is a no-op; INTx cannot be enabled over MSI-X; a failed first enable enables nothing', () => {
    const o = openDevice(machine(), NIC_BDF);
    const a = o.p.eventfd();
    expect(errnoOf(() => setIrqs(o, MSIX, EVENTFD | TRIGGER, 0, [a, 99]))).toBe('EBADF');
    expect(errnoOf(() => setIrqs(o, MSIX, NONE | TRIGGER, 0, null, 0))).toBe('EINVAL'); // nothing enabled
    setIrqs(o, MSIX, EVENTFD | TRIGGER, 0, [a]);
    expect(setIrqs(o, MSIX, EVENTFD | TRIGGER, 0, [], 0)).toBe(0);
    setIrqs(o, MSIX, NONE | TRIGGER, 0, null, 1);
    expect(drain(o.p, a)).toBe(1n); // still bound
    expect(errnoOf(() => setIrqs(o, INTX, EVENTFD | TRIGGER, 0, [a]))).toBe('EINVAL');
    expect(errnoOf(() => setIrqs(o, MSI, EVENTFD | TRIGGER, 0, [a]))).toBe('EINVAL'); // the NIC has no MSI: count 0
  });
});

describe('ERR / REQ rows (vfio_pci_set_ctx_trigger_single)', () => {
  it('covers every row of the table', () => {
    const o = openDevice(machine(), NIC_BDF);
    const e = o.p.eventfd();
    const f = o.p.eventfd();
    expect(errnoOf(() => setIrqs(o, REQ, NONE | TRIGGER, 0, null, 0))).toBe('EINVAL'); // nothing bound
    expect(setIrqs(o, REQ, BOOL | TRIGGER, 0, [true])).toBe(0); // nothing bound: still 0
    expect(errnoOf(() => setIrqs(o, REQ, BOOL | TRIGGER, 0, [], 0))).toBe('EINVAL');
    expect(setIrqs(o, REQ, EVENTFD | TRIGGER, 0, [-1])).toBe(0); // unbind with nothing bound
    expect(setIrqs(o, REQ, EVENTFD | TRIGGER, 0, [e])).toBe(0);
    expect(errnoOf(() => setIrqs(o, REQ, EVENTFD | TRIGGER, 0, [99]))).toBe('EBADF');
    expect(errnoOf(() => setIrqs(o, REQ, EVENTFD | TRIGGER, 0, [o.container]))).toBe('EINVAL');
    setIrqs(o, REQ, BOOL | TRIGGER, 0, [true]);
    expect(drain(o.p, e)).toBe(1n); // the previous binding was kept
    setIrqs(o, REQ, BOOL | TRIGGER, 0, [false]);
    expect(drain(o.p, e)).toBe(0n);
    expect(setIrqs(o, REQ, EVENTFD | TRIGGER, 0, [f])).toBe(0); // replace
    setIrqs(o, REQ, NONE | TRIGGER, 0, null, 1);
    expect([drain(o.p, e), drain(o.p, f)]).toEqual([0n, 1n]);
    expect(setIrqs(o, REQ, NONE | TRIGGER, 0, null, 0)).toBe(0); // unbind
    expect(errnoOf(() => setIrqs(o, REQ, NONE | TRIGGER, 0, null, 1))).toBe('EINVAL');
    setIrqs(o, ERR, EVENTFD | TRIGGER, 0, [e]);
    expect(setIrqs(o, ERR, EVENTFD | TRIGGER, 0, [-1])).toBe(0);
    expect(errnoOf(() => setIrqs(o, ERR, NONE | TRIGGER, 0, null, 1))).toBe('EINVAL');
    expect(errnoOf(() => setIrqs(o, ERR, NONE | MASK, 0, null, 1))).toBe('ENOTTY');
  });
});

describe('GET_INFO and request dispatch', () => {
  it('GET_INFO: argsz < 16 EINVAL; flags PCI|RESET; the write-back stops at argsz', () => {
    const o = openDevice(machine(), NIC_BDF);
    expect(errnoOf(() => o.p.ioctl(o.device, uapi.VFIO_DEVICE_GET_INFO, { argsz: 15 }))).toBe('EINVAL');
    const a: Record<string, number> = { argsz: 16 };
    o.p.ioctl(o.device, uapi.VFIO_DEVICE_GET_INFO, a);
    expect(a).toEqual({ argsz: 16, flags: uapi.VFIO_DEVICE_FLAGS_PCI | uapi.VFIO_DEVICE_FLAGS_RESET, num_regions: 9, num_irqs: 5 });
  });

  it('0x3B70 is GET_PCI_HOT_RESET_INFO on a device fd and VFIO_IOMMU_GET_INFO on the container', () => {
    const o = openDevice(machine(), EDU_BDF);
    expect(uapi.VFIO_DEVICE_GET_PCI_HOT_RESET_INFO).toBe(0x3b70);
    expect(uapi.VFIO_IOMMU_GET_INFO).toBe(0x3b70);
    const info = { argsz: 12, flags: 0, count: 0 };
    expect(errnoOf(() => o.p.ioctl(o.device, 0x3b70, info))).toBe('ENOSPC');
    expect(info.count).toBe(1);
    expect(o.p.ioctl(o.container, 0x3b70, { argsz: 16, flags: 0, iova_pgsizes: 0n })).toBe(0);
  });
});

describe('VFIO_DEVICE_RESET without a reset method', () => {
  it('is EINVAL (not ENOTTY) and GET_INFO lacks VFIO_DEVICE_FLAGS_RESET', () => {
    const o = openDevice(machine({ edu: { resetMethods: [] } }), EDU_BDF);
    expect(errnoOf(() => o.p.ioctl(o.device, uapi.VFIO_DEVICE_RESET))).toBe('EINVAL');
    const a = { argsz: 16, flags: 0, num_regions: 0, num_irqs: 0 };
    o.p.ioctl(o.device, uapi.VFIO_DEVICE_GET_INFO, a);
    expect(a.flags).toBe(uapi.VFIO_DEVICE_FLAGS_PCI);
  });
});
