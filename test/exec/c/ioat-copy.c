/* A minimal driver for the I/OAT (CBDMA) channel of the bundled server machine: reset to
 * HALTED, one copy descriptor with interrupt and completion write-back, its MSI-X on an
 * eventfd, then the copy checked in the program's own memory. */
#include <sys/eventfd.h>
#include "vfio-common.h"

#define IOVA 0x10000000ull
#define R8(o) (*(volatile uint8_t *)(bar + (o)))
#define R16(o) (*(volatile uint16_t *)(bar + (o)))
#define R32(o) (*(volatile uint32_t *)(bar + (o)))
#define R64(o) (*(volatile uint64_t *)(bar + (o)))

struct desc { uint32_t size, ctl; uint64_t src, dst, next, rsv[4]; };

int main(int argc, char **argv) {
  const char *bdf = argc > 1 ? argv[1] : "0000:00:04.0";
  int container, device = vfio_open_device(bdf, &container);
  bus_master(device);
  volatile char *bar = map_bar0(device, NULL);
  printf("chancnt=%u xfercap=%u cbver=0x%x\n", R8(0x00), R8(0x01), R8(0x08));

  R8(0x84) = 0x20; /* CHANCMD.RESET */
  while (R8(0x84) & 0x20) {}
  printf("after reset: state=%llu\n", (unsigned long long)(R64(0x88) & 7));

  int efd = eventfd(0, 0);
  char buf[sizeof(struct vfio_irq_set) + sizeof(int)];
  struct vfio_irq_set *set = (struct vfio_irq_set *)buf;
  *set = (struct vfio_irq_set){ .argsz = sizeof buf, .flags = VFIO_IRQ_SET_DATA_EVENTFD | VFIO_IRQ_SET_ACTION_TRIGGER,
                                .index = VFIO_PCI_MSIX_IRQ_INDEX, .start = 0, .count = 1 };
  memcpy(set->data, &efd, sizeof efd);
  CHECK(ioctl(device, VFIO_DEVICE_SET_IRQS, set));
  R8(0x03) = 0x1 | 0x8; /* INTRCTRL: MASTER_INT_EN | MSIX_VECTOR_CONTROL */

  unsigned char *mem = mmap(NULL, 2 << 20, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  struct vfio_iommu_type1_dma_map map = { .argsz = sizeof map, .flags = 3, .vaddr = (uintptr_t)mem, .iova = IOVA, .size = 2 << 20 };
  CHECK(ioctl(container, VFIO_IOMMU_MAP_DMA, &map));
  for (int i = 0; i < 65536; i++) mem[4096 + i] = (unsigned char)(i * 13 + 1);
  struct desc *d = (struct desc *)mem;
  *d = (struct desc){ .size = 65536, .ctl = 0x1 | 0x8, .src = IOVA + 4096, .dst = IOVA + (1 << 20), .next = IOVA };
  R64(0x98) = IOVA + 0x800; /* CHANCMP */
  R16(0x80) = 0x1;          /* CHANCTRL.INT_REARM */
  R64(0x90) = IOVA;         /* CHAINADDR */
  R16(0x86) = 1;            /* DMACOUNT: go */
  uint64_t n;
  CHECK(read(efd, &n, 8));
  uint64_t sts = R64(0x88);
  printf("msi-x=%llu state=%llu completed=0x%llx chancmp=0x%llx\n", (unsigned long long)n, (unsigned long long)(sts & 7),
         (unsigned long long)(sts & ~63ull), (unsigned long long)*(uint64_t *)(mem + 0x800));
  printf("copy %s chanerr=0x%x\n", memcmp(mem + 4096, mem + (1 << 20), 65536) ? "DIFFERS" : "matches", R32(0xa8));
  puts("ok");
  return 0;
}
