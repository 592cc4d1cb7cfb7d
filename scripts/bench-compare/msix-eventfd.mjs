// node msix-eventfd.mjs <tree> <n>: n doorbell stores → MSI-X → IOMMU IR → eventfd deliveries (the
// bench case `interrupts`, batches of 64) on <tree>/dist-bench; prints wall and user-CPU ns per interrupt.
// The rig repeats bench/cases/interrupts.ts's open() on purpose: a build from before the house round
// (4987b32) does not export it, and the driver must run the same steps on both trees.
const [tree, nStr] = process.argv.slice(2);
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
const n = Number(nStr);
const dist = pathToFileURL(resolve(tree, 'dist-bench')).href;
const { Host } = await import(`${dist}/src/index.js`);
const uapi = await import(`${dist}/src/uapi/index.js`);
const { PciDeviceModel } = await import(`${dist}/src/hardware/devices/index.js`);
const BDF = '0000:01:00.0';
class DoorbellModel extends PciDeviceModel {
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
const B = 64;
let ns = 0n, cnt = 0, c0 = 0;
const rounds = Math.ceil(n / B);
for (let r = 0; r < rounds; r++) {
  if (r === Math.floor(rounds / 5) + 1) c0 = process.cpuUsage().user;
  const a = process.hrtime.bigint();
  for (let i = 0; i < B; i++) p.write32(bar, 0);
  host.run();
  const got = new DataView(p.read(efd, 8).buffer).getBigUint64(0, true);
  const b = process.hrtime.bigint();
  if (got !== BigInt(B)) throw new Error('lost irq');
  if (r > rounds / 5) { ns += b - a; cnt += B; }
}
const cpu = process.cpuUsage().user - c0;
console.log(JSON.stringify({ tree, nsPerIrq: Math.round(Number(ns) / cnt), cpuNsPerIrq: Math.round(cpu * 1000 / cnt) }));
