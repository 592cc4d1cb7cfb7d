// The doorbell rig of the MSI-X drivers (msix-eventfd.mjs, msix-eventfd-ab.mjs): a device whose
// BAR0 store at offset 0 sends MSI-X vector `value`, bound to vfio-pci, its vector 0 on an eventfd
// through VFIO_DEVICE_SET_IRQS, BAR0 mapped. It repeats bench/cases/interrupts.ts's open() on
// purpose: a build from before the house round (4987b32) does not export it, and both trees must
// run the same steps.
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';

/** The rig on <tree>/dist-bench: { uapi, host, p, bar, efd }. */
export async function openDoorbellRig(tree) {
  const dist = pathToFileURL(resolve(tree, 'dist-bench')).href;
  const { Host } = await import(`${dist}/src/index.js`);
  const uapi = await import(`${dist}/src/uapi/index.js`);
  const { PciDeviceModel } = await import(`${dist}/src/hardware/devices/index.js`);
  const BDF = '0000:01:00.0';
  const DoorbellModel = class extends PciDeviceModel {
    mmioRead() { return 0n; }
    mmioWrite(bar, off, _s, value) { if (bar === 0 && off === 0) this.sendMsi(Number(value)); }
    onReset() {}
  }
  const host = new Host({
    name: 'bench-irq', ramBytes: '0x40000000',
    iommu: { addressWidth: 48, pageSizes: ['4K', '2M', '1G'], interruptRemapping: true, invalidation: 'strict', platform: 'intel' },
    pci: [{ bdf: '0000:00:00.0', type: 'host-bridge' },
      { bdf: '0000:00:01.0', type: 'root-port', acs: ['SV', 'RR', 'CR', 'UF'], children: [{ bdf: BDF, type: 'endpoint', model: 'nic', driver: null }] }],
  });
  host.setDeviceModel(BDF, (fn, ctx) => new DoorbellModel(fn, ctx));
  host.bind(BDF, 'vfio-pci');
  const p = host.spawn();
  const groupId = p.readlink(`/sys/bus/pci/devices/${BDF}/iommu_group`).split('/').pop();
  const container = p.open('/dev/vfio/vfio');
  const group = p.open(`/dev/vfio/${groupId}`);
  p.ioctl(group, uapi.VFIO_GROUP_SET_CONTAINER, container);
  p.ioctl(container, uapi.VFIO_SET_IOMMU, uapi.VFIO_TYPE1v2_IOMMU);
  const device = p.ioctl(group, uapi.VFIO_GROUP_GET_DEVICE_FD, BDF);
  const cfg = BigInt(uapi.VFIO_PCI_CONFIG_REGION_INDEX) << 40n;
  const cmd = p.pread(device, 2, cfg + BigInt(uapi.PCI_COMMAND));
  const v = (cmd[0] | (cmd[1] << 8)) | uapi.PCI_COMMAND_MEMORY | uapi.PCI_COMMAND_MASTER;
  p.pwrite(device, Uint8Array.of(v & 0xff, v >> 8), cfg + BigInt(uapi.PCI_COMMAND));
  const efd = p.eventfd(0, uapi.EFD_NONBLOCK);
  const flags = uapi.VFIO_IRQ_SET_DATA_EVENTFD | uapi.VFIO_IRQ_SET_ACTION_TRIGGER;
  p.ioctl(device, uapi.VFIO_DEVICE_SET_IRQS, { argsz: 24, flags, index: uapi.VFIO_PCI_MSIX_IRQ_INDEX, start: 0, count: 1, data: [efd] });
  const bar = p.mmap(0n, 0x1000n, uapi.PROT_READ | uapi.PROT_WRITE, uapi.MAP_SHARED, device, BigInt(uapi.VFIO_PCI_BAR0_REGION_INDEX) << 40n);
  return { uapi, host, p, bar, efd };
}
