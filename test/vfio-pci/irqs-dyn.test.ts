/**
 * MSI-X sizing: dynamic MSI-X where the host's MSI domain allows it (x86: NORESIZE clear,
 * vectors added after enable work end to end), NORESIZE and EINVAL where it does not (arm64
 * ITS), and the positive "fewer host vectors" answer of vfio_msi_enable.
 */
import { describe, expect, it } from 'vitest';
import { Host, uapi } from '../../src/index.js';
import { DMAE } from '../../src/hardware/devices/dma-engine.js';
import { DMAE_BDF, drain, openDevice, setIrqs, type Opened } from './helpers.js';
import { errnoOf } from '../support/errno.js';
import { hostIrqs } from '../support/kernel-state.js';

const MSIX = uapi.VFIO_PCI_MSIX_IRQ_INDEX;
const MSI = uapi.VFIO_PCI_MSI_IRQ_INDEX;
const EVENTFD = uapi.VFIO_IRQ_SET_DATA_EVENTFD;
const NONE = uapi.VFIO_IRQ_SET_DATA_NONE;
const TRIGGER = uapi.VFIO_IRQ_SET_ACTION_TRIGGER;

function host(platform: 'intel' | 'arm', model = 'dma-engine'): Host {
  return new Host({
    name: 'dyn-msix',
    ramBytes: '0x40000000',
    iommu: { addressWidth: 48, pageSizes: ['4K', '2M', '1G'], interruptRemapping: true, invalidation: 'strict', platform },
    pci: [
      { bdf: '0000:00:00.0', type: 'host-bridge' },
      { bdf: '0000:00:02.0', type: 'root-port', acs: ['SV', 'RR', 'CR', 'UF'], children: [{ bdf: DMAE_BDF, type: 'endpoint', model, driver: null }] },
    ],
  });
}

function irqInfo(o: Opened, index: number): { count: number; flags: number } {
  const a = { argsz: 16, index, flags: 0, count: 0 };
  o.p.ioctl(o.device, uapi.VFIO_DEVICE_GET_IRQ_INFO, a);
  return a;
}

function enableMmio(o: Opened): void {
  const cmd = new Uint8Array(2);
  cmd[0] = uapi.PCI_COMMAND_MEMORY | uapi.PCI_COMMAND_MASTER;
  o.p.pwrite(o.device, cmd, (BigInt(uapi.VFIO_PCI_CONFIG_REGION_INDEX) << 40n) + BigInt(uapi.PCI_COMMAND));
}

function sendVector(o: Opened, v: number): void {
  const b = new Uint8Array(4);
  new DataView(b.buffer).setUint32(0, v, true);
  o.p.pwrite(o.device, b, BigInt(DMAE.MSI_TEST));
}

describe('dynamic MSI-X', () => {
  it('x86: NORESIZE clear, and a vector bound after enable receives the device message', () => {
    const o = openDevice(host('intel'), DMAE_BDF);
    expect(irqInfo(o, MSIX)).toEqual(expect.objectContaining({ count: 4, flags: uapi.VFIO_IRQ_INFO_EVENTFD }));
    enableMmio(o);
    const a = o.p.eventfd();
    const c = o.p.eventfd();
    expect(setIrqs(o, MSIX, EVENTFD | TRIGGER, 0, [a])).toBe(0); // one vector allocated
    expect(setIrqs(o, MSIX, EVENTFD | TRIGGER, 3, [c])).toBe(0); // vector 3 added on demand
    sendVector(o, 3);
    expect(drain(o.p, c)).toBe(1n);
    sendVector(o, 2); // never bound: lost
    sendVector(o, 0);
    expect(drain(o.p, a)).toBe(1n);
    expect(drain(o.p, c)).toBe(0n);
    expect(setIrqs(o, MSIX, NONE | TRIGGER, 0, null, 0)).toBe(0);
    sendVector(o, 3);
    expect(drain(o.p, c)).toBe(0n);
  });

  it('arm64 (ITS): NORESIZE set; a vector beyond those enabled is EINVAL with an fd, 0 with -1', () => {
    const o = openDevice(host('arm'), DMAE_BDF);
    expect(irqInfo(o, MSIX).flags).toBe(uapi.VFIO_IRQ_INFO_EVENTFD | uapi.VFIO_IRQ_INFO_NORESIZE);
    const a = o.p.eventfd();
    expect(setIrqs(o, MSIX, EVENTFD | TRIGGER, 0, [a])).toBe(0);
    expect(errnoOf(() => setIrqs(o, MSIX, EVENTFD | TRIGGER, 2, [a]))).toBe('EINVAL');
    expect(setIrqs(o, MSIX, EVENTFD | TRIGGER, 2, [-1])).toBe(0);
  });
});

describe('vfio_msi_enable on a host short of vectors', () => {
  it('returns how many it could get and enables nothing', () => {
    const h = host('intel');
    const o = openDevice(h, DMAE_BDF);
    const irqs = hostIrqs(h);
    irqs.vectorLimit = 2;
    const fds = [o.p.eventfd(), o.p.eventfd(), o.p.eventfd(), o.p.eventfd()];
    expect(setIrqs(o, MSIX, EVENTFD | TRIGGER, 0, fds)).toBe(2);
    expect(errnoOf(() => setIrqs(o, MSIX, NONE | TRIGGER, 0, null, 1))).toBe('EINVAL'); // nothing enabled: loopback refused
    expect(setIrqs(o, MSIX, EVENTFD | TRIGGER, 0, fds.slice(0, 2))).toBe(0);
    irqs.vectorLimit = 0;
    expect(setIrqs(o, MSIX, NONE | TRIGGER, 0, null, 0)).toBe(0);
    expect(errnoOf(() => setIrqs(o, MSIX, EVENTFD | TRIGGER, 0, fds.slice(0, 1)))).toBe('ENOSPC');
  });

  it('applies to MSI too (edu has one vector, so ask a host with none left)', () => {
    const h = host('intel', 'edu');
    const o = openDevice(h, DMAE_BDF);
    hostIrqs(h).vectorLimit = 0;
    expect(errnoOf(() => setIrqs(o, MSI, EVENTFD | TRIGGER, 0, [o.p.eventfd()]))).toBe('ENOSPC');
  });
});
