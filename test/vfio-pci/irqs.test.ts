import { describe, expect, it } from 'vitest';
import { uapi } from '../../src/index.js';
import { EDU } from '../../src/hardware/devices/edu.js';
import { cfgRead, cfgWrite, drain, EDU_BDF, machine, NIC_BDF, openDevice, setIrqs, u32 } from './helpers.js';
import { errnoOf } from '../support/errno.js';

const { VFIO_IRQ_SET_DATA_NONE: NONE, VFIO_IRQ_SET_DATA_BOOL: BOOL, VFIO_IRQ_SET_DATA_EVENTFD: EVENTFD } = uapi;
const { VFIO_IRQ_SET_ACTION_MASK: MASK, VFIO_IRQ_SET_ACTION_UNMASK: UNMASK, VFIO_IRQ_SET_ACTION_TRIGGER: TRIGGER } = uapi;
const INTX = uapi.VFIO_PCI_INTX_IRQ_INDEX;
const MSI = uapi.VFIO_PCI_MSI_IRQ_INDEX;
const MSIX = uapi.VFIO_PCI_MSIX_IRQ_INDEX;
const ERR = uapi.VFIO_PCI_ERR_IRQ_INDEX;
const REQ = uapi.VFIO_PCI_REQ_IRQ_INDEX;

function edu() {
  const host = machine();
  const o = openDevice(host, EDU_BDF);
  cfgWrite(o, uapi.PCI_COMMAND, 2, cfgRead(o, uapi.PCI_COMMAND, 2) | uapi.PCI_COMMAND_MASTER | uapi.PCI_COMMAND_MEMORY);
  return { host, o };
}

describe('GET_IRQ_INFO', () => {
  it('reports counts from the hardware and the flags of spec §3.3', () => {
    const { o } = edu();
    const q = (index: number) => {
      const a = { argsz: 16, flags: 0, index, count: 0 };
      o.p.ioctl(o.device, uapi.VFIO_DEVICE_GET_IRQ_INFO, a);
      return [a.count, a.flags];
    };
    expect(q(INTX)).toEqual([1, 0x7]);
    expect(q(MSI)).toEqual([1, 0x9]);
    expect(q(MSIX)).toEqual([0, 0x9]); // edu has no MSI-X
    expect(q(REQ)).toEqual([1, 0x9]);
    expect(q(ERR)).toEqual([1, 0x9]); // a PCIe endpoint
    expect(errnoOf(() => q(5))).toBe('EINVAL');
    expect(errnoOf(() => o.p.ioctl(o.device, uapi.VFIO_DEVICE_GET_IRQ_INFO, { argsz: 15, index: 0 }))).toBe('EINVAL');
    expect(errnoOf(() => o.p.ioctl(o.device, uapi.VFIO_DEVICE_GET_IRQ_INFO))).toBe('EFAULT');
    // @ts-expect-error -- the wrong JS type is refused by the compiler too; this checks the run-time TypeError
    expect(() => o.p.ioctl(o.device, uapi.VFIO_DEVICE_GET_IRQ_INFO, { argsz: 16n, index: 0 })).toThrow(TypeError);
  });
});

describe('GET_IRQ_INFO on conventional PCI', () => {
  it('ERR is EINVAL although num_irqs is 5', () => {
    const host = machine({ edu: { conventional: true } });
    const o = openDevice(host, EDU_BDF);
    expect(errnoOf(() => o.p.ioctl(o.device, uapi.VFIO_DEVICE_GET_IRQ_INFO, { argsz: 16, index: ERR }))).toBe('EINVAL');
    const info = { argsz: 24, flags: 0, num_regions: 0, num_irqs: 0 };
    o.p.ioctl(o.device, uapi.VFIO_DEVICE_GET_INFO, info);
    expect(info.num_irqs).toBe(5);
  });
});

describe('SET_IRQS validation (vfio_set_irqs_validate_and_prepare)', () => {
  it('checks in the kernel order with the exact errno', () => {
    const { o } = edu();
    const efd = o.p.eventfd();
    const call = (a: object) => errnoOf(() => o.p.ioctl(o.device, uapi.VFIO_DEVICE_SET_IRQS, a));
    expect(call({ argsz: 19, flags: NONE | TRIGGER, index: INTX, start: 0, count: 0 })).toBe('EINVAL');
    expect(call({ argsz: 20, flags: NONE | TRIGGER, index: 5, start: 0, count: 0 })).toBe('EINVAL');
    expect(call({ argsz: 20, flags: 0x40 | NONE | TRIGGER, index: INTX, start: 0, count: 0 })).toBe('EINVAL');
    // every call on an index with count 0 fails, even a disable
    expect(call({ argsz: 20, flags: NONE | TRIGGER, index: MSIX, start: 0, count: 0 })).toBe('EINVAL');
    expect(call({ argsz: 20, flags: NONE | BOOL | TRIGGER, index: INTX, start: 0, count: 1 })).toBe('EINVAL');
    expect(call({ argsz: 23, flags: EVENTFD | TRIGGER, index: INTX, start: 0, count: 1, data: [efd] })).toBe('EINVAL');
    expect(call({ argsz: 24, flags: EVENTFD | TRIGGER, index: INTX, start: 0, count: 1 })).toBe('EFAULT');
    expect(call({ argsz: 20, flags: NONE | MASK | UNMASK, index: INTX, start: 0, count: 1 })).toBe('ENOTTY');
    expect(call({ argsz: 20, flags: NONE | MASK, index: MSI, start: 0, count: 1 })).toBe('ENOTTY');
    expect(call({ argsz: 20, flags: NONE | UNMASK, index: REQ, start: 0, count: 1 })).toBe('ENOTTY');
    // an oversized argsz is accepted (QEMU sends one)
    expect(call({ argsz: 64, flags: EVENTFD | TRIGGER, index: INTX, start: 0, count: 1, data: [efd] })).toBe('ok');
  });
});

describe('INTx', () => {
  it('automasks: one signal per unmask, a still-asserted line re-signals at unmask', () => {
    const { o } = edu();
    const efd = o.p.eventfd();
    expect(setIrqs(o, INTX, EVENTFD | TRIGGER, 0, [efd])).toBe(0);
    o.p.pwrite(o.device, u32(0x5), BigInt(EDU.IRQ_RAISE));
    expect(drain(o.p, efd)).toBe(1n);
    o.p.pwrite(o.device, u32(0x8), BigInt(EDU.IRQ_RAISE)); // masked: nothing
    expect(drain(o.p, efd)).toBe(0n);
    setIrqs(o, INTX, NONE | UNMASK, 0, null, 1); // line still high: re-signal, stay masked
    expect(drain(o.p, efd)).toBe(1n);
    o.p.pwrite(o.device, u32(0xd), BigInt(EDU.IRQ_ACK));
    setIrqs(o, INTX, NONE | UNMASK, 0, null, 1);
    expect(drain(o.p, efd)).toBe(0n);
    o.p.pwrite(o.device, u32(0x1), BigInt(EDU.IRQ_RAISE));
    expect(drain(o.p, efd)).toBe(1n);
  });

  it('loopback signals even while masked; INTX_DISABLE in config suppresses everything', () => {
    const { o } = edu();
    const efd = o.p.eventfd();
    setIrqs(o, INTX, EVENTFD | TRIGGER, 0, [efd]);
    setIrqs(o, INTX, NONE | MASK, 0, null, 1);
    setIrqs(o, INTX, NONE | TRIGGER, 0, null, 1);
    expect(drain(o.p, efd)).toBe(1n);
    setIrqs(o, INTX, BOOL | TRIGGER, 0, [false]);
    expect(drain(o.p, efd)).toBe(0n);
    cfgWrite(o, uapi.PCI_COMMAND, 2, cfgRead(o, uapi.PCI_COMMAND, 2) | uapi.PCI_COMMAND_INTX_DISABLE);
    setIrqs(o, INTX, NONE | TRIGGER, 0, null, 1);
    expect(drain(o.p, efd)).toBe(0n);
    expect(cfgRead(o, uapi.PCI_COMMAND, 2) & uapi.PCI_COMMAND_INTX_DISABLE).toBe(uapi.PCI_COMMAND_INTX_DISABLE);
  });

  it('follows the legal-combination table: EINVAL, ENOTTY, fd -1, disable', () => {
    const { o } = edu();
    const efd = o.p.eventfd();
    expect(errnoOf(() => setIrqs(o, INTX, NONE | TRIGGER, 0, null, 1))).toBe('EINVAL'); // loopback, not enabled
    expect(errnoOf(() => setIrqs(o, INTX, NONE | TRIGGER, 0, null, 0))).toBe('EINVAL'); // disable, not enabled
    expect(errnoOf(() => setIrqs(o, INTX, NONE | MASK, 0, null, 1))).toBe('EINVAL');
    expect(setIrqs(o, INTX, EVENTFD | TRIGGER, 0, [-1])).toBe(0); // enabled without a trigger
    expect(errnoOf(() => setIrqs(o, MSI, EVENTFD | TRIGGER, 0, [efd]))).toBe('EINVAL'); // another type active
    expect(errnoOf(() => setIrqs(o, INTX, EVENTFD | MASK, 0, [efd]))).toBe('ENOTTY');
    expect(errnoOf(() => setIrqs(o, INTX, EVENTFD | TRIGGER, 0, [999]))).toBe('EBADF');
    const other = o.p.open('/dev/vfio/vfio');
    expect(errnoOf(() => setIrqs(o, INTX, EVENTFD | TRIGGER, 0, [other]))).toBe('EINVAL');
    expect(setIrqs(o, INTX, EVENTFD | UNMASK, 0, [efd])).toBe(0);
    expect(errnoOf(() => setIrqs(o, INTX, EVENTFD | UNMASK, 0, [efd]))).toBe('EBUSY');
    expect(setIrqs(o, INTX, NONE | TRIGGER, 0, null, 0)).toBe(0);
    expect(setIrqs(o, MSI, EVENTFD | TRIGGER, 0, [efd])).toBe(0);
  });

  it('an unmask irqfd unmasks when signalled', () => {
    const { o } = edu();
    const trig = o.p.eventfd();
    const unmask = o.p.eventfd();
    setIrqs(o, INTX, EVENTFD | TRIGGER, 0, [trig]);
    setIrqs(o, INTX, EVENTFD | UNMASK, 0, [unmask]);
    o.p.pwrite(o.device, u32(1), BigInt(EDU.IRQ_RAISE));
    expect(drain(o.p, trig)).toBe(1n);
    o.p.pwrite(o.device, u32(1), BigInt(EDU.IRQ_ACK));
    o.p.write(unmask, new Uint8Array([1, 0, 0, 0, 0, 0, 0, 0]));
    o.p.pwrite(o.device, u32(1), BigInt(EDU.IRQ_RAISE));
    expect(drain(o.p, trig)).toBe(1n);
  });
});

describe('MSI on edu (through interrupt remapping)', () => {
  it('a factorial with status bit 7 raises MSI vector 0 exactly once', () => {
    const { host, o } = edu();
    const efd = o.p.eventfd();
    setIrqs(o, MSI, EVENTFD | TRIGGER, 0, [efd]);
    o.p.pwrite(o.device, u32(EDU.STATUS_IRQFACT), BigInt(EDU.STATUS));
    o.p.pwrite(o.device, u32(10), BigInt(EDU.FACTORIAL));
    expect(drain(o.p, efd)).toBe(0n);
    host.run();
    expect(drain(o.p, efd)).toBe(1n);
    expect(new DataView(o.p.pread(o.device, 4, BigInt(EDU.FACTORIAL)).buffer).getUint32(0, true)).toBe(3628800);
    expect(new DataView(o.p.pread(o.device, 4, BigInt(EDU.IRQ_STATUS)).buffer).getUint32(0, true)).toBe(1);
    expect(host.iommu!.irt!.list().length).toBe(1);
    setIrqs(o, MSI, NONE | TRIGGER, 0, null, 0);
    expect(host.iommu!.irt!.list().length).toBe(0);
    o.p.pwrite(o.device, u32(1), BigInt(EDU.IRQ_RAISE)); // MSI disabled, INTx not enabled: nothing
    expect(drain(o.p, efd)).toBe(0n);
  });

  it('config MSI enable does nothing unless SET_IRQS enabled MSI', () => {
    const { o } = edu();
    const cap = cfgRead(o, uapi.PCI_CAPABILITY_LIST, 1);
    let at = cap;
    while (at !== 0 && cfgRead(o, at, 1) !== uapi.PCI_CAP_ID_MSI) at = cfgRead(o, at + 1, 1);
    expect(at).not.toBe(0);
    cfgWrite(o, at + 2, 2, cfgRead(o, at + 2, 2) | 1);
    expect(cfgRead(o, at + 2, 2) & 1).toBe(0);
    const efd = o.p.eventfd();
    setIrqs(o, MSI, EVENTFD | TRIGGER, 0, [efd]);
    cfgWrite(o, at + 2, 2, cfgRead(o, at + 2, 2) | 1);
    expect(cfgRead(o, at + 2, 2) & 1).toBe(1);
  });
});

describe('MSI-X, ERR and REQ on the NIC', () => {
  it('enables with fd -1 for vector 0, rebinds, loopback only reaches bound vectors', () => {
    const host = machine();
    const o = openDevice(host, NIC_BDF);
    const a = o.p.eventfd();
    const b = o.p.eventfd();
    expect(setIrqs(o, MSIX, EVENTFD | TRIGGER, 0, [-1])).toBe(0);
    expect(setIrqs(o, MSIX, EVENTFD | TRIGGER, 0, [a])).toBe(0);
    expect(setIrqs(o, MSIX, EVENTFD | TRIGGER, 1, [b])).toBe(0); // beyond nvec: x86 adds vector 1 (dynamic MSI-X)
    setIrqs(o, MSIX, NONE | TRIGGER, 0, null, 1);
    expect(drain(o.p, a)).toBe(1n);
    setIrqs(o, MSIX, NONE | TRIGGER, 0, null, 0);
    expect(setIrqs(o, MSIX, EVENTFD | TRIGGER, 1, [b])).toBe(0); // first enable with start 1, count 1
    setIrqs(o, MSIX, BOOL | TRIGGER, 0, [true, true]);
    expect(drain(o.p, a)).toBe(0n);
    expect(drain(o.p, b)).toBe(1n);
    expect(errnoOf(() => setIrqs(o, MSIX, EVENTFD | TRIGGER, 0, [a, 999]))).toBe('EBADF');
    setIrqs(o, MSIX, NONE | TRIGGER, 0, null, 2); // vector 0 left unbound by the failed rebind
    expect(drain(o.p, a)).toBe(0n);
    expect(drain(o.p, b)).toBe(0n);
  });

  it('ERR/REQ single triggers', () => {
    const host = machine();
    const o = openDevice(host, NIC_BDF);
    const e = o.p.eventfd();
    expect(errnoOf(() => setIrqs(o, ERR, NONE | TRIGGER, 0, null, 1))).toBe('EINVAL');
    expect(errnoOf(() => setIrqs(o, ERR, EVENTFD | TRIGGER, 0, [], 0))).toBe('EINVAL');
    expect(setIrqs(o, ERR, EVENTFD | TRIGGER, 0, [-5])).toBe(0);
    expect(setIrqs(o, ERR, EVENTFD | TRIGGER, 0, [e])).toBe(0);
    setIrqs(o, ERR, NONE | TRIGGER, 0, null, 1);
    expect(drain(o.p, e)).toBe(1n);
    setIrqs(o, REQ, EVENTFD | TRIGGER, 0, [e]);
    host.bind(NIC_BDF, null); // unbind waits for the device fd and signals REQ
    expect(drain(o.p, e)).toBe(1n);
  });
});
