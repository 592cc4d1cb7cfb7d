/* What a buggy program gets: the errno Linux gives, never a crash of the simulator. */
#define _GNU_SOURCE
#include <errno.h>
#include "vfio-common.h"

#define TRY(name, call) do { errno = 0; int r_ = (call); printf("%s: %d %s\n", name, r_, r_ < 0 ? strerrorname_np(errno) : "ok"); } while (0)

int main(void) {
  int container, device = vfio_open_device("0000:06:00.0", &container);
  TRY("unknown ioctl", ioctl(container, _IO(';', 0x7f)));
  TRY("unknown device ioctl", ioctl(device, 0xdeadbeef));
  TRY("GET_INFO NULL", ioctl(container, VFIO_IOMMU_GET_INFO, NULL));
  TRY("GET_INFO bad pointer", ioctl(container, VFIO_IOMMU_GET_INFO, (void *)0x10));
  struct vfio_iommu_type1_dma_map map = { .argsz = sizeof map, .flags = VFIO_DMA_MAP_FLAG_READ | VFIO_DMA_MAP_FLAG_WRITE,
                                          .vaddr = 0x10000000000ull, .iova = 0, .size = 4096 };
  TRY("MAP_DMA of unmapped memory", ioctl(container, VFIO_IOMMU_MAP_DMA, &map));
  void *ro = mmap(NULL, 4096, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  map.vaddr = (uintptr_t)ro;
  TRY("MAP_DMA writable of read-only memory", ioctl(container, VFIO_IOMMU_MAP_DMA, &map));
  map.flags = VFIO_DMA_MAP_FLAG_READ;
  TRY("MAP_DMA read-only of read-only memory", ioctl(container, VFIO_IOMMU_MAP_DMA, &map));
  map.argsz = 8;
  TRY("MAP_DMA argsz 8", ioctl(container, VFIO_IOMMU_MAP_DMA, &map));
  TRY("GET_DEVICE_FD on a device fd", ioctl(device, VFIO_GROUP_GET_DEVICE_FD, (void *)0x10));
  TRY("close", close(device));
  TRY("close again", close(device));
  puts("ok");
  return 0;
}
