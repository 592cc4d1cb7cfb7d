/* The example of Documentation/driver-api/vfio.rst ("VFIO Usage Example"), run unmodified
 * apart from the device (argv[1], default the default machine's edu) and printing what it got. */
#include <fcntl.h>
#include <libgen.h>
#include <linux/vfio.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>

int main(int argc, char **argv) {
  const char *bdf = argc > 1 ? argv[1] : "0000:06:00.0";
  int container, group, device, i;
  struct vfio_group_status group_status = { .argsz = sizeof(group_status) };
  struct vfio_iommu_type1_info iommu_info = { .argsz = sizeof(iommu_info) };
  struct vfio_iommu_type1_dma_map dma_map = { .argsz = sizeof(dma_map) };
  struct vfio_device_info device_info = { .argsz = sizeof(device_info) };
  char path[256], link[256];

  snprintf(path, sizeof path, "/sys/bus/pci/devices/%s/iommu_group", bdf);
  ssize_t n = readlink(path, link, sizeof link - 1);
  if (n < 0) { perror("readlink"); return 1; }
  link[n] = 0;
  const char *groupid = basename(link);

  /* Create a new container */
  container = open("/dev/vfio/vfio", O_RDWR);
  if (ioctl(container, VFIO_GET_API_VERSION) != VFIO_API_VERSION) { puts("Unknown API version"); return 1; }
  if (!ioctl(container, VFIO_CHECK_EXTENSION, VFIO_TYPE1_IOMMU)) { puts("Doesn't support the IOMMU driver we want."); return 1; }

  /* Open the group */
  snprintf(path, sizeof path, "/dev/vfio/%s", groupid);
  group = open(path, O_RDWR);
  if (group < 0) { perror("open group"); return 1; }

  /* Test the group is viable and available */
  ioctl(group, VFIO_GROUP_GET_STATUS, &group_status);
  if (!(group_status.flags & VFIO_GROUP_FLAGS_VIABLE)) { puts("Group is not viable"); return 1; }

  /* Add the group to the container */
  if (ioctl(group, VFIO_GROUP_SET_CONTAINER, &container)) { perror("SET_CONTAINER"); return 1; }

  /* Enable the IOMMU model we want */
  if (ioctl(container, VFIO_SET_IOMMU, VFIO_TYPE1_IOMMU)) { perror("SET_IOMMU"); return 1; }

  /* Get addition IOMMU info */
  ioctl(container, VFIO_IOMMU_GET_INFO, &iommu_info);

  /* Allocate some space and setup a DMA mapping */
  dma_map.vaddr = (unsigned long)mmap(0, 1024 * 1024, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, 0, 0);
  dma_map.size = 1024 * 1024;
  dma_map.iova = 0; /* 1MB starting at 0x0 from device view */
  dma_map.flags = VFIO_DMA_MAP_FLAG_READ | VFIO_DMA_MAP_FLAG_WRITE;
  if (ioctl(container, VFIO_IOMMU_MAP_DMA, &dma_map)) { perror("MAP_DMA"); return 1; }

  /* Get a file descriptor for the device */
  device = ioctl(group, VFIO_GROUP_GET_DEVICE_FD, bdf);
  if (device < 0) { perror("GET_DEVICE_FD"); return 1; }

  /* Test and setup the device */
  ioctl(device, VFIO_DEVICE_GET_INFO, &device_info);
  printf("container=%d group=%d device=%d\n", container, group, device);
  printf("iommu_info flags=0x%x pgsizes=0x%llx\n", iommu_info.flags, (unsigned long long)iommu_info.iova_pgsizes);
  printf("device num_regions=%u num_irqs=%u flags=0x%x\n", device_info.num_regions, device_info.num_irqs, device_info.flags);

  for (i = 0; i < (int)device_info.num_regions; i++) {
    struct vfio_region_info reg = { .argsz = sizeof(reg) };
    reg.index = i;
    if (ioctl(device, VFIO_DEVICE_GET_REGION_INFO, &reg)) continue;
    printf("region %d size=0x%llx offset=0x%llx flags=0x%x\n", i, (unsigned long long)reg.size, (unsigned long long)reg.offset, reg.flags);
  }
  for (i = 0; i < (int)device_info.num_irqs; i++) {
    struct vfio_irq_info irq = { .argsz = sizeof(irq) };
    irq.index = i;
    ioctl(device, VFIO_DEVICE_GET_IRQ_INFO, &irq);
    printf("irq %d count=%u flags=0x%x\n", i, irq.count, irq.flags);
  }

  /* Gratuitous device reset and go... */
  printf("reset=%d\n", ioctl(device, VFIO_DEVICE_RESET));
  puts("ok");
  return 0;
}
