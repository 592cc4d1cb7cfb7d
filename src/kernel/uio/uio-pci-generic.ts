/**
 * uio_pci_generic (drivers/uio/uio_pci_generic.c): hands any PCI 2.3 device to user space
 * through /dev/uioN (interrupts) and sysfs (config space and `resource<N>` BAR mmaps).
 * It is the contrast to vfio-pci:
 *  - it is an ordinary DMA-API driver (driver_managed_dma false): the device keeps its
 *    group's kernel default domain, so its DMA reaches whatever the kernel maps for it — or
 *    all of memory with an identity default domain or no IOMMU at all. User space has no
 *    way to map memory for the device; it must know physical addresses.
 *  - INTx only: the handler masks the line with Command.INTX_DISABLE
 *    (pci_check_and_mask_intx) and UIO counts the event; user space re-enables it by
 *    clearing that bit through the config file. The driver has no irqcontrol, so write()
 *    on /dev/uioN is ENOSYS, as in Linux.
 *  - everything is root-only by default (/dev/uioN 0600, resource files 0600).
 *
 * probe, in the driver's order: pcim_enable_device (memory/IO decoding on); with an
 * interrupt pin, INTx masking must work (pci_intx_mask_supported, checked by flipping
 * INTX_DISABLE and reading it back) or ENODEV; then uio_register_device. No id table:
 * devices come through new_id or driver_override. Closing /dev/uioN clears bus mastering
 * (the driver's release hook); remove disables the device (pci_disable_device).
 */
import { fail, okVoid, type Result } from '../../base/result.js';
import { CFG, CMD, STATUS_INTERRUPT } from '../../hardware/devices/config-space.js';
import type { DeviceModel } from '../../hardware/devices/model-types.js';
import type { Kernel } from '../kernel.js';
import type { PciDriver } from '../pci/driver.js';
import type { PciDev } from '../pci/pci-dev.js';
import type { UioDevice } from './uio.js';

export const UIO_PCI_GENERIC = 'uio_pci_generic';
const DRIVER_VERSION = '0.01.0';

/** uio_pci_generic's per-device data (struct uio_pci_generic_dev). */
export interface UioPciGdev {
  readonly model: DeviceModel;
  readonly uio: UioDevice;
}

function command(m: DeviceModel): number {
  return m.configRead(CFG.COMMAND, 2);
}

/** pci_intx_mask_supported(): does INTX_DISABLE stick when flipped? (restores the register). */
function intxMaskSupported(m: DeviceModel): boolean {
  const orig = command(m);
  m.configWrite(CFG.COMMAND, 2, orig ^ CMD.INTX_DISABLE);
  const now = command(m);
  m.configWrite(CFG.COMMAND, 2, orig);
  return ((now ^ orig) & CMD.INTX_DISABLE) !== 0;
}

/** pci_check_and_mask_intx(): our interrupt? then mask it. */
function checkAndMaskIntx(m: DeviceModel): boolean {
  const cmdStatus = m.configRead(CFG.COMMAND, 4);
  if (((cmdStatus >>> 16) & STATUS_INTERRUPT) === 0) return false;
  const cmd = cmdStatus & 0xffff;
  if ((cmd & CMD.INTX_DISABLE) === 0) m.configWrite(CFG.COMMAND, 2, cmd | CMD.INTX_DISABLE);
  return true;
}

/** The uio_pci_generic PCI driver of kernel `k`. */
export function uioPciGenericDriver(k: Kernel): PciDriver {
  const uio = k.uio;
  return {
    name: UIO_PCI_GENERIC,
    driverManagedDma: false,
    ids: [],
    dynamicIds: [],
    probe(dev: PciDev): Result<void> {
      const model = k.machine.modelOf(dev.fn);
      const savedCommand = command(model);
      // pcim_enable_device(): turn on decoding of the BARs the device has
      const decode = (dev.fn.bars.some((b) => !b.io && b.index < 6) ? CMD.MEMORY : 0) | (dev.fn.bars.some((b) => b.io) ? CMD.IO : 0);
      model.configWrite(CFG.COMMAND, 2, savedCommand | decode);
      const irq = dev.fn.interruptPin !== 0;
      if (irq && !intxMaskSupported(model)) {
        model.configWrite(CFG.COMMAND, 2, savedCommand);
        return fail('ENODEV', 'uio_pci_generic probe: pci_intx_mask_supported() is false');
      }
      const info = {
        name: UIO_PCI_GENERIC, version: DRIVER_VERSION, irq,
        // release(): "make sure DMA isn't left enabled after the userspace driver closes the fd"
        release: () => model.configWrite(CFG.COMMAND, 2, command(model) & ~CMD.MASTER),
      };
      const u = uio.register(info, dev.bdf);
      if (irq) {
        k.machine.interrupts.requestLine(dev.bdf, (asserted) => {
          if (asserted && u.live && checkAndMaskIntx(model)) uio.notify(u);
        });
      }
      dev.drvdata = { driver: 'uio_pci_generic', gdev: { model, uio: u } };
      return okVoid();
    },
    remove(dev: PciDev): 'done' {
      const d = dev.drvdata;
      if (d?.driver !== 'uio_pci_generic') return 'done';
      const g = d.gdev;
      uio.unregister(g.uio);
      if (dev.fn.interruptPin !== 0) k.machine.interrupts.freeLine(dev.bdf);
      // pci_disable_device(): bus mastering off
      g.model.configWrite(CFG.COMMAND, 2, command(g.model) & ~CMD.MASTER);
      dev.drvdata = null;
      return 'done';
    },
  };
}
