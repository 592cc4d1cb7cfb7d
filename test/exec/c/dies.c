/* A program killed while it holds everything: an open group and device, a DMA mapping, a BAR
 * mmap and an MSI eventfd. Its simulated process must exit as Linux's would. */
#include <signal.h>
#include <sys/eventfd.h>
#include "vfio-common.h"

int main(void) {
  int container, device = vfio_open_device("0000:06:00.0", &container);
  bus_master(device);
  volatile uint32_t *bar = map_bar0(device, NULL);
  void *mem = mmap(NULL, 1 << 16, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  struct vfio_iommu_type1_dma_map map = { .argsz = sizeof map, .flags = 3, .vaddr = (uintptr_t)mem, .iova = 0x100000, .size = 1 << 16 };
  CHECK(ioctl(container, VFIO_IOMMU_MAP_DMA, &map));
  printf("ident=0x%08x\n", bar[0]);
  fflush(stdout);
  kill(getpid(), SIGKILL);
  return 0;
}
