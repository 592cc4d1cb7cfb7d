/**
 * An edu driver: compute a factorial on the device and wait for its interrupt, first with
 * MSI, then with INTx (acknowledging and unmasking as a level-triggered driver must).
 */
import { uapi, type Host } from '../src/index.js';
import { EDU } from '../src/hardware/devices/edu.js';
import { openVfio } from '../src/testing/session.js';

export function eduFactorial(host: Host, bdf: string, n: number, mode: 'msi' | 'intx'): { result: number; irqStatus: number; at: bigint } {
  // bind to vfio-pci, container + group + type1v2 + device fd: the vfio.rst opening sequence
  // (examples/vfio-rst-example.ts spells out each step); device enabling stays below, as a driver does it
  const { p, device } = openVfio(host, bdf, { enable: false });

  const bar0 = p.mmap(0n, 0x100000n, uapi.PROT_READ | uapi.PROT_WRITE, uapi.MAP_SHARED, device, 0n);
  if (p.read32(bar0 + BigInt(EDU.ID)) !== EDU.IDENT) throw new Error('not an edu');
  p.write32(bar0 + BigInt(EDU.LIVENESS), 0xcafe);
  if (p.read32(bar0 + BigInt(EDU.LIVENESS)) !== (~0xcafe >>> 0)) throw new Error('edu is not alive');

  // an MSI is a memory write by the device: it needs bus mastering (pci_set_master)
  const cfg = BigInt(uapi.VFIO_PCI_CONFIG_REGION_INDEX) << 40n;
  const cmd = p.pread(device, 2, cfg + BigInt(uapi.PCI_COMMAND));
  cmd[0] = cmd[0]! | uapi.PCI_COMMAND_MASTER;
  p.pwrite(device, cmd, cfg + BigInt(uapi.PCI_COMMAND));

  const efd = p.eventfd();
  const index = mode === 'msi' ? uapi.VFIO_PCI_MSI_IRQ_INDEX : uapi.VFIO_PCI_INTX_IRQ_INDEX;
  p.ioctl(device, uapi.VFIO_DEVICE_SET_IRQS, {
    argsz: 24, flags: uapi.VFIO_IRQ_SET_DATA_EVENTFD | uapi.VFIO_IRQ_SET_ACTION_TRIGGER, index, start: 0, count: 1, data: [efd],
  });
  p.write32(bar0 + BigInt(EDU.STATUS), EDU.STATUS_IRQFACT);
  p.write32(bar0 + BigInt(EDU.FACTORIAL), n);
  p.read(efd, 8); // blocks: the clock runs until the device interrupts
  const at = host.clock.now();
  const irqStatus = p.read32(bar0 + BigInt(EDU.IRQ_STATUS));
  const result = p.read32(bar0 + BigInt(EDU.FACTORIAL));
  p.write32(bar0 + BigInt(EDU.IRQ_ACK), irqStatus);
  if (mode === 'intx') {
    p.ioctl(device, uapi.VFIO_DEVICE_SET_IRQS, { argsz: 20, flags: uapi.VFIO_IRQ_SET_DATA_NONE | uapi.VFIO_IRQ_SET_ACTION_UNMASK, index, start: 0, count: 1 });
  }
  return { result, irqStatus, at };
}
