/**
 * Unbinding a device from vfio-pci while user space holds it (vfio_unregister_group_dev):
 * the unbind waits until every device fd is closed, and meanwhile VFIO asks user space to
 * release the device through the REQ interrupt.
 */
import { describe, expect, it } from 'vitest';
import { uapi } from '../../src/index.js';
import { EDU, setup } from './helpers.js';
import { readU64le } from '../support/bytes.js';

describe('unbind while the device is open', () => {
  it('waits for the last device fd, signalling REQ, then completes and removes the group node', () => {
    const s = setup();
    const dev = s.p.ioctl(s.g, uapi.VFIO_GROUP_GET_DEVICE_FD, EDU);
    const req = s.p.eventfd(0, uapi.EFD_NONBLOCK);
    s.p.ioctl(dev, uapi.VFIO_DEVICE_SET_IRQS, {
      argsz: 24,
      flags: uapi.VFIO_IRQ_SET_DATA_EVENTFD | uapi.VFIO_IRQ_SET_ACTION_TRIGGER,
      index: uapi.VFIO_PCI_REQ_IRQ_INDEX,
      start: 0,
      count: 1,
      data: [req],
    });
    const sh = s.host.spawn();
    sh.writeFile(`/sys/bus/pci/devices/${EDU}/driver/unbind`, EDU);

    // still bound: the unbind is waiting for user space
    expect(sh.readlink(`/sys/bus/pci/devices/${EDU}/driver`).endsWith('/vfio-pci')).toBe(true);
    expect(sh.readdir('/dev/vfio')).toContain(String(s.group));
    // the cdev is gone at once (vfio_device_del), so nobody new can open the device
    expect(sh.readdir('/dev/vfio')).not.toContain('devices');
    const counter = readU64le(s.p.read(req, 8));
    expect(counter).toBeGreaterThanOrEqual(1n);
    // no other driver may take the device meanwhile
    expect(() => sh.writeFile('/sys/bus/pci/drivers/vfio-pci/bind', EDU)).toThrow(expect.objectContaining({ code: 'EBUSY' }));

    s.p.close(dev);
    expect(() => sh.readlink(`/sys/bus/pci/devices/${EDU}/driver`)).toThrow(expect.objectContaining({ code: 'ENOENT' }));
    expect(sh.readdir('/dev/vfio')).not.toContain(String(s.group));
    // the open group fd lives on but its group is gone
    expect(() => s.p.ioctl(s.g, uapi.VFIO_GROUP_GET_STATUS, { argsz: 8 })).toThrow(expect.objectContaining({ code: 'ENODEV' }));
  });
});
