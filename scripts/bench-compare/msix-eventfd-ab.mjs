// node --expose-gc msix-eventfd-ab.mjs <treeA> <treeB>: msix-eventfd.mjs's rig (doorbell store -> MSI-X ->
// IOMMU IR -> eventfd, batches of 64) for both trees in ONE process, batches alternated A/B, B/A, so a
// change in the machine speed lands on both; prints the median wall ns per interrupt and the ratio B/A.
// NOTRACE=1: the hosts trace nothing. N = batches per tree (default 4000).
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
const [A, Bt] = process.argv.slice(2);
async function rig(tree) {
  const dist = pathToFileURL(resolve(tree, 'dist-bench')).href;
  const uapi = await import(`${dist}/src/uapi/index.js`);
  const { PciDeviceModel } = await import(`${dist}/src/hardware/devices/index.js`);
  const BDF = '0000:01:00.0';
  const { Host } = await import(`${dist}/src/index.js`);
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
  
  if (process.env.NOTRACE) host.trace.enabled = false;
  const per = [];
  return { tree, per, batch(rec) {
    const a = process.hrtime.bigint();
    for (let i = 0; i < 64; i++) p.write32(bar, 0);
    host.run();
    const got = new DataView(p.read(efd, 8).buffer).getBigUint64(0, true);
    const b = process.hrtime.bigint();
    if (got !== 64n) throw new Error('lost irq');
    if (rec) per.push(Number(b - a) / 64);
  } };
}
const a = await rig(A), b = await rig(Bt);
const N = Number(process.env.N ?? 4000);
for (let i = 0; i < N; i++) { const rec = i > N / 5; if (i & 1) { a.batch(rec); b.batch(rec); } else { b.batch(rec); a.batch(rec); } }
const med = (x) => { const s = [...x].sort((p, q) => p - q); return Math.round(s[s.length >> 1]); };
for (const r of [a, b]) console.log(r.tree.padEnd(12), 'ns/irq', med(r.per));
console.log('ratio B/A', (med(b.per) / med(a.per)).toFixed(3));
