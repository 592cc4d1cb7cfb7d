/**
 * The modern (iommufd + device cdev) flow for QEMU's edu device, as a C driver would write
 * it against linux/iommufd.h and linux/vfio.h:
 *
 *   open /dev/vfio/devices/vfioN and /dev/iommu → VFIO_DEVICE_BIND_IOMMUFD →
 *   IOMMU_IOAS_ALLOC → VFIO_DEVICE_ATTACH_IOMMUFD_PT → IOMMU_IOAS_IOVA_RANGES →
 *   IOMMU_IOAS_MAP → edu DMAs into the mapping and interrupts through MSI → eventfd →
 *   IOMMU_IOAS_UNMAP → the next DMA faults in the IOMMU.
 */
import { uapi, type Host } from '../src/index.js';
import { EDU } from '../src/hardware/devices/edu.js';

export interface IommufdEduResult {
  readonly devId: number;
  readonly ioasId: number;
  readonly hwptId: number;
  readonly ranges: Array<{ start: bigint; last: bigint }>;
  readonly iova: bigint;
  /** What edu wrote back into the second page (a copy of the first page's bytes). */
  readonly copied: Uint8Array;
  readonly interrupts: number;
  /** Faults the IOMMU recorded for the DMA issued after the unmap. */
  readonly faultsAfterUnmap: Array<{ iova: bigint; access: string; source: string }>;
}

export function iommufdEdu(host: Host, bdf: string): IommufdEduResult {
  host.bind(bdf, 'vfio-pci');
  const p = host.spawn();
  const cdev = p.readdir(`/sys/bus/pci/devices/${bdf}/vfio-dev`)[0]!;
  const device = p.open(`/dev/vfio/devices/${cdev}`);
  const iommufd = p.open('/dev/iommu');

  const bind = { argsz: 24, flags: 0, iommufd, out_devid: 0 };
  p.ioctl(device, uapi.VFIO_DEVICE_BIND_IOMMUFD, bind);
  const alloc = { size: 12, flags: 0, out_ioas_id: 0 };
  p.ioctl(iommufd, uapi.IOMMU_IOAS_ALLOC, alloc);
  const attach = { argsz: 16, flags: 0, pt_id: alloc.out_ioas_id };
  p.ioctl(device, uapi.VFIO_DEVICE_ATTACH_IOMMUFD_PT, attach);

  // the two-call idiom: ask with no room, learn the count (EMSGSIZE), ask again
  const q = { size: 32, ioas_id: alloc.out_ioas_id, num_iovas: 0, allowed_iovas: [] as Array<{ start: bigint; last: bigint }>, out_iova_alignment: 0n };
  try {
    p.ioctl(iommufd, uapi.IOMMU_IOAS_IOVA_RANGES, q);
  } catch (e) {
    if ((e as { code?: string }).code !== 'EMSGSIZE') throw e;
  }
  p.ioctl(iommufd, uapi.IOMMU_IOAS_IOVA_RANGES, q);

  const page = 0x1000n;
  const buf = p.mmap(0n, 2n * page, uapi.PROT_READ | uapi.PROT_WRITE, uapi.MAP_PRIVATE | uapi.MAP_ANONYMOUS, -1, 0n);
  const pattern = Uint8Array.from({ length: 256 }, (_, i) => (i * 7 + 3) & 0xff);
  p.writeMem(buf, pattern);
  const map = {
    size: 40, flags: uapi.IOMMU_IOAS_MAP_READABLE | uapi.IOMMU_IOAS_MAP_WRITEABLE, ioas_id: alloc.out_ioas_id,
    user_va: buf, length: 2n * page, iova: 0n,
  };
  p.ioctl(iommufd, uapi.IOMMU_IOAS_MAP, map);

  const bar0 = p.mmap(0n, 0x100000n, uapi.PROT_READ | uapi.PROT_WRITE, uapi.MAP_SHARED, device, 0n);
  const cfg = BigInt(uapi.VFIO_PCI_CONFIG_REGION_INDEX) << 40n;
  const cmd = p.pread(device, 2, cfg + BigInt(uapi.PCI_COMMAND));
  cmd[0] = cmd[0]! | uapi.PCI_COMMAND_MASTER;
  p.pwrite(device, cmd, cfg + BigInt(uapi.PCI_COMMAND));
  const efd = p.eventfd();
  p.ioctl(device, uapi.VFIO_DEVICE_SET_IRQS, {
    argsz: 24, flags: uapi.VFIO_IRQ_SET_DATA_EVENTFD | uapi.VFIO_IRQ_SET_ACTION_TRIGGER,
    index: uapi.VFIO_PCI_MSI_IRQ_INDEX, start: 0, count: 1, data: [efd],
  });

  let interrupts = 0;
  const dma = (src: bigint, dst: bigint, toRam: boolean, wait: boolean): void => {
    p.write64(bar0 + BigInt(EDU.DMA_SRC), src);
    p.write64(bar0 + BigInt(EDU.DMA_DST), dst);
    p.write64(bar0 + BigInt(EDU.DMA_CNT), BigInt(pattern.length));
    p.write64(bar0 + BigInt(EDU.DMA_CMD), BigInt(EDU.DMA_RUN | EDU.DMA_IRQ | (toRam ? EDU.DMA_DIR_TO_RAM : 0)));
    if (!wait) return;
    p.read(efd, 8); // runs the clock until edu's MSI arrives
    interrupts++;
    p.write32(bar0 + BigInt(EDU.IRQ_ACK), p.read32(bar0 + BigInt(EDU.IRQ_STATUS)));
  };
  const devBuf = BigInt(EDU.DMA_START);
  dma(map.iova, devBuf, false, true); // RAM (page 0) → edu
  dma(devBuf, map.iova + page, true, true); // edu → RAM (page 1)
  const copied = p.readMem(buf + page, pattern.length);

  const unmap = { size: 24, ioas_id: alloc.out_ioas_id, iova: map.iova, length: 2n * page };
  p.ioctl(iommufd, uapi.IOMMU_IOAS_UNMAP, unmap);
  const before = host.faults().length;
  dma(map.iova, devBuf, false, false);
  host.advance(200_000_000n);
  const faultsAfterUnmap = host.faults().slice(before).map((f) => ({ iova: f.iova, access: f.access, source: f.source }));

  return { devId: bind.out_devid, ioasId: alloc.out_ioas_id, hwptId: attach.pt_id, ranges: q.allowed_iovas.slice(0, q.num_iovas), iova: map.iova, copied, interrupts, faultsAfterUnmap };
}
