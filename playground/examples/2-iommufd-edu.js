// The iommufd + device cdev flow (examples/iommufd-edu.ts): no container and no group fd.
// edu copies 256 bytes in by DMA and out again one page further; after IOMMU_IOAS_UNMAP
// the same DMA faults in the IOMMU (the red marks in the picture).
import { Host, uapi, devices } from 'vfio-sim';
const { EDU } = devices;

const host = new Host(topology);
const bdf = '0000:06:00.0';
host.bind(bdf, 'vfio-pci');
const p = host.spawn();
const cdev = p.readdir(`/sys/bus/pci/devices/${bdf}/vfio-dev`)[0];
const device = p.open(`/dev/vfio/devices/${cdev}`);
const iommufd = p.open('/dev/iommu');

const bind = { argsz: 24, flags: 0, iommufd, out_devid: 0 };
p.ioctl(device, uapi.VFIO_DEVICE_BIND_IOMMUFD, bind);
const alloc = { size: 12, flags: 0, out_ioas_id: 0 };
p.ioctl(iommufd, uapi.IOMMU_IOAS_ALLOC, alloc);
const attach = { argsz: 16, flags: 0, pt_id: alloc.out_ioas_id };
p.ioctl(device, uapi.VFIO_DEVICE_ATTACH_IOMMUFD_PT, attach);
console.log('device', bind.out_devid, 'IOAS', alloc.out_ioas_id, 'HWPT', attach.pt_id);

const page = 0x1000n;
const buf = p.mmap(0n, 2n * page, uapi.PROT_READ | uapi.PROT_WRITE, uapi.MAP_PRIVATE | uapi.MAP_ANONYMOUS, -1, 0n);
const pattern = Uint8Array.from({ length: 256 }, (_, i) => (i * 7 + 3) & 0xff);
p.writeMem(buf, pattern);
const map = { size: 40, flags: uapi.IOMMU_IOAS_MAP_READABLE | uapi.IOMMU_IOAS_MAP_WRITEABLE, ioas_id: alloc.out_ioas_id, user_va: buf, length: 2n * page, iova: 0n };
p.ioctl(iommufd, uapi.IOMMU_IOAS_MAP, map);

// BAR0, bus mastering, MSI → eventfd
const bar0 = p.mmap(0n, 0x100000n, uapi.PROT_READ | uapi.PROT_WRITE, uapi.MAP_SHARED, device, 0n);
const cfg = BigInt(uapi.VFIO_PCI_CONFIG_REGION_INDEX) << 40n;
const cmd = p.pread(device, 2, cfg + BigInt(uapi.PCI_COMMAND));
cmd[0] |= uapi.PCI_COMMAND_MASTER;
p.pwrite(device, cmd, cfg + BigInt(uapi.PCI_COMMAND));
const efd = p.eventfd();
p.ioctl(device, uapi.VFIO_DEVICE_SET_IRQS, {
  argsz: 24, flags: uapi.VFIO_IRQ_SET_DATA_EVENTFD | uapi.VFIO_IRQ_SET_ACTION_TRIGGER,
  index: uapi.VFIO_PCI_MSI_IRQ_INDEX, start: 0, count: 1, data: [efd],
});

function dma(src, dst, toRam, wait) {
  p.write64(bar0 + BigInt(EDU.DMA_SRC), src);
  p.write64(bar0 + BigInt(EDU.DMA_DST), dst);
  p.write64(bar0 + BigInt(EDU.DMA_CNT), BigInt(pattern.length));
  p.write64(bar0 + BigInt(EDU.DMA_CMD), BigInt(EDU.DMA_RUN | EDU.DMA_IRQ | (toRam ? EDU.DMA_DIR_TO_RAM : 0)));
  if (!wait) return;
  p.read(efd, 8);                                  // the clock runs until edu's MSI arrives
  p.write32(bar0 + BigInt(EDU.IRQ_ACK), p.read32(bar0 + BigInt(EDU.IRQ_STATUS)));
}
const devBuf = BigInt(EDU.DMA_START);
dma(map.iova, devBuf, false, true);                // RAM page 0 → edu
dma(devBuf, map.iova + page, true, true);          // edu → RAM page 1
console.log('copied back:', p.readMem(buf + page, 8));

p.ioctl(iommufd, uapi.IOMMU_IOAS_UNMAP, { size: 24, ioas_id: alloc.out_ioas_id, iova: map.iova, length: 2n * page });
dma(map.iova, devBuf, false, false);               // the IOVA is gone: this DMA faults
host.advance(200_000_000n);
console.log('faults:', host.faults().map((f) => `${f.access} 0x${f.iova.toString(16)}`));
