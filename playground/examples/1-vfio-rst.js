// The example program of the kernel's Documentation/driver-api/vfio.rst, legacy container
// + type1 flow, as examples/vfio-rst-example.ts has it. Step through the calls below the
// picture: watch the group join the container and the 1 MiB mapping appear.
import { Host, SystemError, uapi } from 'vfio-sim';

const host = new Host(topology);        // the machine in the Topology pane
const bdf = '0000:06:00.0';             // the edu device
host.bind(bdf, 'vfio-pci');             // (as root: driver_override, then bind)
const p = host.spawn();
const groupId = p.readlink(`/sys/bus/pci/devices/${bdf}/iommu_group`).split('/').pop();

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
console.log('IOVA page sizes', iommu_info.iova_pgsizes);

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
console.log(`${device_info.num_regions} regions, ${device_info.num_irqs} irqs`);

for (let i = 0; i < device_info.num_regions; i++) {
  const reg = { argsz: uapi.sizeofStruct('vfio_region_info'), index: i };
  try {
    p.ioctl(device, uapi.VFIO_DEVICE_GET_REGION_INFO, reg);   /* the C example ignores errors here */
  } catch (e) {
    if (!(e instanceof SystemError)) throw e;                 /* (no VGA region: EINVAL) */
  }
}

/* Gratuitous device reset and go... */
p.ioctl(device, uapi.VFIO_DEVICE_RESET);
