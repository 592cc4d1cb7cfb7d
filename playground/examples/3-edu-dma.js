// The short tour (fixtures/scenarios/default.json) as code: edu DMA through a type1
// container, the completion interrupt through an eventfd. Then a mistake on purpose:
// mapping the same IOVA again fails EEXIST, and the error names the line.
import { Host, uapi, devices } from 'vfio-sim';
const { EDU } = devices;

const host = new Host(topology);
const bdf = '0000:06:00.0';
const sh = host.spawn();
sh.writeFile(`/sys/bus/pci/devices/${bdf}/driver_override`, 'vfio-pci');
sh.writeFile('/sys/bus/pci/drivers/vfio-pci/bind', bdf);
const group = sh.readlink(`/sys/bus/pci/devices/${bdf}/iommu_group`).split('/').pop();

const container = sh.open('/dev/vfio/vfio', uapi.O_RDWR);
const grp = sh.open(`/dev/vfio/${group}`, uapi.O_RDWR);
sh.ioctl(grp, uapi.VFIO_GROUP_SET_CONTAINER, container);
sh.ioctl(container, uapi.VFIO_SET_IOMMU, uapi.VFIO_TYPE1v2_IOMMU);

const buf = sh.mmap(0n, 0x10000n, uapi.PROT_READ | uapi.PROT_WRITE, uapi.MAP_PRIVATE | uapi.MAP_ANONYMOUS, -1, 0n);
sh.writeMem(buf, new TextEncoder().encode('hello, device'));
const iova = 0x100000n;
const map = { argsz: 32, flags: uapi.VFIO_DMA_MAP_FLAG_READ | uapi.VFIO_DMA_MAP_FLAG_WRITE, vaddr: buf, iova, size: 0x10000n };
sh.ioctl(container, uapi.VFIO_IOMMU_MAP_DMA, map);

const device = sh.ioctl(grp, uapi.VFIO_GROUP_GET_DEVICE_FD, bdf);
const bar = sh.mmap(0n, 0x100000n, uapi.PROT_READ | uapi.PROT_WRITE, uapi.MAP_SHARED, device, 0n);
console.log('edu id', sh.read32(bar + BigInt(EDU.ID)).toString(16));
const cfg = BigInt(uapi.VFIO_PCI_CONFIG_REGION_INDEX) << 40n;
sh.pwrite(device, Uint8Array.of(uapi.PCI_COMMAND_MEMORY | uapi.PCI_COMMAND_MASTER, 0), cfg + BigInt(uapi.PCI_COMMAND));
const irq = sh.eventfd();
sh.ioctl(device, uapi.VFIO_DEVICE_SET_IRQS, { argsz: 24, flags: uapi.VFIO_IRQ_SET_DATA_EVENTFD | uapi.VFIO_IRQ_SET_ACTION_TRIGGER, index: uapi.VFIO_PCI_MSI_IRQ_INDEX, start: 0, count: 1, data: [irq] });

// RAM → edu's buffer, then back to RAM one page further
const devBuf = BigInt(EDU.DMA_START);
for (const [src, dst, dir] of [[iova, devBuf, 0], [devBuf, iova + 0x1000n, EDU.DMA_DIR_TO_RAM]]) {
  sh.write64(bar + BigInt(EDU.DMA_SRC), src);
  sh.write64(bar + BigInt(EDU.DMA_DST), dst);
  sh.write64(bar + BigInt(EDU.DMA_CNT), 13n);
  sh.write64(bar + BigInt(EDU.DMA_CMD), BigInt(EDU.DMA_RUN | EDU.DMA_IRQ | dir));
  sh.read(irq, 8);                                   // waits: the clock runs to the interrupt
  sh.write32(bar + BigInt(EDU.IRQ_ACK), sh.read32(bar + BigInt(EDU.IRQ_STATUS)));
}
console.log(new TextDecoder().decode(sh.readMem(buf + 0x1000n, 13)));

// the mistake: this IOVA range is mapped already
sh.ioctl(container, uapi.VFIO_IOMMU_MAP_DMA, { ...map, vaddr: buf });
