/**
 * The vfio-pci driver as the PCI driver core sees it (drivers/vfio/pci/vfio_pci.c):
 * it matches nothing by itself (only through driver_override or new_id), refuses
 * bridges, manages DMA itself (driver_managed_dma), and registers each device with the
 * VFIO core. Removal waits while user space holds the device open, signalling the REQ
 * interrupt meanwhile, as vfio_unregister_group_dev() does.
 */
import { fail, okVoid } from '../../base/result.js';
import type { Kernel } from '../kernel.js';
import type { PciDriver } from '../pci/driver.js';
import type { VfioDevice } from '../vfio/vfio-device.js';
import { VfioPciCoreDevice } from './vfio-pci-core.js';
import { vfioPciDeviceOps } from './vfio-pci-ops.js';

export function vfioPciDriver(k: Kernel): PciDriver {
  return {
    name: 'vfio-pci',
    driverManagedDma: true,
    ids: [],
    dynamicIds: [],
    probe(dev) {
      if (dev.fn.headerType !== 0) return fail('EINVAL', 'vfio_pci_probe: not a normal (type 0) header');
      const r = k.vfio.register(dev, vfioPciDeviceOps);
      if (!r.ok) return r;
      r.value.core = new VfioPciCoreDevice(k, r.value);
      dev.drvdata = r.value;
      return okVoid();
    },
    remove(dev, done) {
      const device = dev.drvdata as VfioDevice;
      const finish = (): void => {
        k.vfio.unregister(device);
        done();
      };
      if (device.openCount === 0) {
        finish();
        return 'done';
      }
      // vfio_unregister_group_dev(): the cdev goes away first (vfio_device_del), so no new
      // user can open the device while the unbind waits for the current ones.
      k.devfs.remove(`vfio/devices/vfio${device.index}`);
      device.releaseWaiter = finish;
      device.ops.request?.(device, 0);
      return 'deferred';
    },
  };
}
