/* A user-space driver for QEMU's edu device: MMIO through a BAR mmap, an MSI on an eventfd,
 * and DMA both ways between the program's own memory and the device. */
#include <poll.h>
#include <sys/eventfd.h>
#include "vfio-common.h"

#define ID 0x00
#define LIVENESS 0x04
#define FACTORIAL 0x08
#define STATUS 0x20
#define IRQ_STATUS 0x24
#define IRQ_ACK 0x64
#define DMA_SRC 0x80
#define DMA_DST 0x88
#define DMA_CNT 0x90
#define DMA_CMD 0x98
#define IOVA 0x100000ull

static volatile uint32_t *bar;
static uint32_t rd(unsigned off) { return bar[off / 4]; }
static void wr(unsigned off, uint32_t v) { bar[off / 4] = v; }
static void wr64(unsigned off, uint64_t v) { *(volatile uint64_t *)((char *)bar + off) = v; }

int main(int argc, char **argv) {
  const char *bdf = argc > 1 ? argv[1] : "0000:06:00.0";
  int container, device = vfio_open_device(bdf, &container);
  bus_master(device);

  uint64_t size;
  bar = map_bar0(device, &size);
  printf("ident=0x%08x\n", rd(ID));
  wr(LIVENESS, 0x12345678);
  printf("liveness=0x%08x\n", rd(LIVENESS));

  /* MSI vector 0 → an eventfd */
  int efd = eventfd(0, 0);
  char buf[sizeof(struct vfio_irq_set) + sizeof(int)];
  struct vfio_irq_set *set = (struct vfio_irq_set *)buf;
  set->argsz = sizeof buf;
  set->flags = VFIO_IRQ_SET_DATA_EVENTFD | VFIO_IRQ_SET_ACTION_TRIGGER;
  set->index = VFIO_PCI_MSI_IRQ_INDEX;
  set->start = 0;
  set->count = 1;
  memcpy(set->data, &efd, sizeof efd);
  CHECK(ioctl(device, VFIO_DEVICE_SET_IRQS, set));

  /* factorial with an interrupt at the end: a blocking read of the eventfd */
  wr(STATUS, 0x80);
  wr(FACTORIAL, 10);
  uint64_t count;
  CHECK(read(efd, &count, 8));
  printf("factorial(10)=%u irq_status=0x%x count=%llu\n", rd(FACTORIAL), rd(IRQ_STATUS), (unsigned long long)count);
  wr(IRQ_ACK, rd(IRQ_STATUS));

  /* DMA: the program's buffer → device → the program's buffer at +4096 */
  unsigned char *mem = mmap(NULL, 1 << 20, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  for (int i = 0; i < 4096; i++) mem[i] = (unsigned char)(i * 7 + 3);
  struct vfio_iommu_type1_dma_map map = { .argsz = sizeof map, .flags = VFIO_DMA_MAP_FLAG_READ | VFIO_DMA_MAP_FLAG_WRITE,
                                          .vaddr = (uintptr_t)mem, .iova = IOVA, .size = 1 << 20 };
  CHECK(ioctl(container, VFIO_IOMMU_MAP_DMA, &map));
  wr64(DMA_SRC, IOVA);
  wr64(DMA_DST, 0x40000);
  wr64(DMA_CNT, 4096);
  wr64(DMA_CMD, 1 | 4);
  struct pollfd pfd = { efd, POLLIN, 0 };
  int pr = poll(&pfd, 1, -1);
  CHECK(read(efd, &count, 8));
  printf("dma to device: poll=%d irq_status=0x%x\n", pr, rd(IRQ_STATUS));
  wr(IRQ_ACK, rd(IRQ_STATUS));

  wr64(DMA_SRC, 0x40000);
  wr64(DMA_DST, IOVA + 4096);
  wr64(DMA_CNT, 4096);
  wr64(DMA_CMD, 1 | 2);
  unsigned polls = 0;
  while (rd(DMA_CMD) & 1) polls++;
  printf("dma to ram: done after %s polls\n", polls < 10 ? "a few" : "many");
  printf("copy %s\n", memcmp(mem, mem + 4096, 4096) == 0 ? "matches" : "DIFFERS");

  struct vfio_iommu_type1_dma_unmap unmap = { .argsz = sizeof unmap, .iova = IOVA, .size = 1 << 20 };
  CHECK(ioctl(container, VFIO_IOMMU_UNMAP_DMA, &unmap));
  printf("unmapped %llu bytes\n", (unsigned long long)unmap.size);
  munmap((void *)bar, size);
  close(device);
  puts("ok");
  return 0;
}
