/**
 * The example program of Documentation/driver-api/vfio.rst ("VFIO Usage Example"),
 * transliterated line for line from C to vfio-sim's syscall surface. The device is the
 * default machine's edu at 0000:06:00.0 (the document's 0000:06:0d.0 in group 26); its
 * group number is read from sysfs as a user would look it up.
 */
import { SystemError, uapi, type Host } from '../src/index.js';

export interface ExampleResult {
  container: number;
  group: number;
  device: number;
  iommuInfo: { argsz: number; flags: number; iova_pgsizes: bigint };
  dmaMap: { vaddr: bigint; iova: bigint; size: bigint };
  regions: number;
  irqs: number;
}

/**
 * The C example ignores these return values (a non-VGA device answers EINVAL for the VGA
 * region index); ioctl throws here, so the transliteration swallows the SystemError.
 */
function unchecked(call: () => number): number {
  try {
    return call();
  } catch (e) {
    if (e instanceof SystemError) return -1;
    throw e;
  }
}

export function vfioRstExample(host: Host, bdf = '0000:06:00.0'): ExampleResult {
  const p = host.spawn();
  const groupId = p.readlink(`/sys/bus/pci/devices/${bdf}/iommu_group`).split('/').pop()!;

  const group_status = { argsz: uapi.sizeofStruct('vfio_group_status'), flags: 0 };
  const iommu_info = { argsz: uapi.sizeofStruct('vfio_iommu_type1_info'), flags: 0, iova_pgsizes: 0n };
  const dma_map = { argsz: uapi.sizeofStruct('vfio_iommu_type1_dma_map'), flags: 0, vaddr: 0n, iova: 0n, size: 0n };
  const device_info = { argsz: uapi.sizeofStruct('vfio_device_info'), flags: 0, num_regions: 0, num_irqs: 0 };

  /* Create a new container */
  const container = p.open('/dev/vfio/vfio', uapi.O_RDWR);

  if (p.ioctl(container, uapi.VFIO_GET_API_VERSION) !== uapi.VFIO_API_VERSION) throw new Error('Unknown API version');

  if (!p.ioctl(container, uapi.VFIO_CHECK_EXTENSION, uapi.VFIO_TYPE1_IOMMU)) throw new Error("Doesn't support the IOMMU driver we want.");

  /* Open the group */
  const group = p.open(`/dev/vfio/${groupId}`, uapi.O_RDWR);

  /* Test the group is viable and available */
  p.ioctl(group, uapi.VFIO_GROUP_GET_STATUS, group_status);

  if (!(group_status.flags & uapi.VFIO_GROUP_FLAGS_VIABLE)) throw new Error('Group is not viable (ie, not all devices bound for vfio)');

  /* Add the group to the container */
  p.ioctl(group, uapi.VFIO_GROUP_SET_CONTAINER, container);

  /* Enable the IOMMU model we want */
  p.ioctl(container, uapi.VFIO_SET_IOMMU, uapi.VFIO_TYPE1_IOMMU);

  /* Get addition IOMMU info */
  p.ioctl(container, uapi.VFIO_IOMMU_GET_INFO, iommu_info);

  /* Allocate some space and setup a DMA mapping */
  dma_map.vaddr = p.mmap(0n, 1024n * 1024n, uapi.PROT_READ | uapi.PROT_WRITE, uapi.MAP_PRIVATE | uapi.MAP_ANONYMOUS, -1, 0n);
  dma_map.size = 1024n * 1024n;
  dma_map.iova = 0n; /* 1MB starting at 0x0 from device view */
  dma_map.flags = uapi.VFIO_DMA_MAP_FLAG_READ | uapi.VFIO_DMA_MAP_FLAG_WRITE;

  p.ioctl(container, uapi.VFIO_IOMMU_MAP_DMA, dma_map);

  /* Get a file descriptor for the device */
  const device = p.ioctl(group, uapi.VFIO_GROUP_GET_DEVICE_FD, bdf);

  /* Test and setup the device */
  p.ioctl(device, uapi.VFIO_DEVICE_GET_INFO, device_info);

  for (let i = 0; i < device_info.num_regions; i++) {
    const reg = { argsz: uapi.sizeofStruct('vfio_region_info'), index: i };
    unchecked(() => p.ioctl(device, uapi.VFIO_DEVICE_GET_REGION_INFO, reg));
    /* Setup mappings... read/write offsets, mmaps
     * For PCI devices, config space is a region */
  }

  for (let i = 0; i < device_info.num_irqs; i++) {
    const irq = { argsz: uapi.sizeofStruct('vfio_irq_info'), index: i };
    unchecked(() => p.ioctl(device, uapi.VFIO_DEVICE_GET_IRQ_INFO, irq));
    /* Setup IRQs... eventfds, VFIO_DEVICE_SET_IRQS */
  }

  /* Gratuitous device reset and go... */
  p.ioctl(device, uapi.VFIO_DEVICE_RESET);

  return { container, group, device, iommuInfo: iommu_info, dmaMap: dma_map, regions: device_info.num_regions, irqs: device_info.num_irqs };
}
