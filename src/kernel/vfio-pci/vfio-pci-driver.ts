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
import { VfioPciCoreDevice } from './vfio-pci-core.js';
import { vfioPciDeviceOps } from './vfio-pci-ops.js';
import { captureVf, coreSriovConfigure, vfInit, vfioPciSriovConfigure } from './sriov.js';

export function vfioPciDriver(k: Kernel): PciDriver {
  return {
    name: 'vfio-pci',
    driverManagedDma: true,
    ids: [],
    dynamicIds: [],
    probe(dev) {
      if (dev.fn.headerType !== 0) return fail('EINVAL', 'vfio_pci_probe: not a normal (type 0) header');
      // vfio_pci_core_register_device(): the VFs of an enabled PF cannot be captured or tracked
      if ((dev.sriov?.numVfs ?? 0) > 0) return fail('EBUSY', 'vfio_pci_core_register_device: Cannot bind to PF with SR-IOV enabled');
      const r = k.vfio.register(dev, vfioPciDeviceOps);
      if (!r.ok) return r;
      r.value.core = new VfioPciCoreDevice(k, r.value);
      dev.drvdata = { driver: 'vfio-pci', vdev: r.value };
      vfInit(k, r.value.core);
      return okVoid();
    },
    sriovConfigure: (dev, n) => vfioPciSriovConfigure(k, dev, n),
    vfAdded: (pf, vf) => captureVf(k, pf, vf),
    inUse: (dev) => (dev.vfioDevice?.openCount ?? 0) > 0,
    remove(dev, done) {
      const device = dev.vfioDevice;
      if (device === null) return 'done';
      // vfio_pci_core_unregister_device() starts with vfio_pci_core_sriov_configure(vdev, 0)
      if (device.core?.sriovPfsItem) {
        const r = coreSriovConfigure(k, device.core, dev, 0);
        if (!r.ok) k.trace.add('driver', dev.bdf, `vfio-pci: VFs stay enabled: ${r.why ?? r.code}`);
      }
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
      k.devfs.remove(`vfio/devices/${device.cdevName}`);
      device.awaitRelease(finish);
      device.ops.request?.(device, 0);
      return 'deferred';
    },
  };
}
