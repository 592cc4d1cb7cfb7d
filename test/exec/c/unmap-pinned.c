/* Pinned memory the program unmaps stays the device's, as in Linux: a buffer is mapped for
 * DMA, filled, and unmapped by the program; new memory is mapped at the same address. The
 * device still reads the old pages through the IOVA and its writes land there, never in the
 * new mapping. A forked child also gets its own copy of a DMA buffer, not the parent's pages. */
#include <sys/wait.h>
#include "vfio-common.h"

#define DMA_SRC 0x80
#define DMA_DST 0x88
#define DMA_CNT 0x90
#define DMA_CMD 0x98
#define IOVA 0x100000ull
#define LEN (1u << 20)

static volatile uint32_t *bar;
static uint32_t rd(unsigned off) { return bar[off / 4]; }
static void wr64(unsigned off, uint64_t v) { *(volatile uint64_t *)((char *)bar + off) = v; }

static void dma(uint64_t src, uint64_t dst, uint32_t cmd) {
  wr64(DMA_SRC, src);
  wr64(DMA_DST, dst);
  wr64(DMA_CNT, 4096);
  wr64(DMA_CMD, cmd);
  while (rd(DMA_CMD) & 1) {}
}

int main(int argc, char **argv) {
  const char *bdf = argc > 1 ? argv[1] : "0000:06:00.0";
  int container, device = vfio_open_device(bdf, &container);
  bus_master(device);
  bar = map_bar0(device, NULL);

  unsigned char *buf = mmap(NULL, LEN, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  unsigned char *out = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  memset(buf, 0x11, LEN);
  struct vfio_iommu_type1_dma_map map = { .argsz = sizeof map, .flags = VFIO_DMA_MAP_FLAG_READ | VFIO_DMA_MAP_FLAG_WRITE,
                                          .vaddr = (uintptr_t)buf, .iova = IOVA, .size = LEN };
  CHECK(ioctl(container, VFIO_IOMMU_MAP_DMA, &map));
  struct vfio_iommu_type1_dma_map map2 = { .argsz = sizeof map2, .flags = VFIO_DMA_MAP_FLAG_READ | VFIO_DMA_MAP_FLAG_WRITE,
                                           .vaddr = (uintptr_t)out, .iova = 2 * IOVA, .size = 4096 };
  CHECK(ioctl(container, VFIO_IOMMU_MAP_DMA, &map2));

  /* a forked child writes its copy of the buffer; the device still sees the parent's pages */
  pid_t pid = fork();
  if (pid == 0) { memset(buf, 0x77, LEN); _exit(0); }
  int st;
  waitpid(pid, &st, 0);
  printf("after fork: parent sees 0x%02x\n", buf[0]);

  CHECK(munmap(buf, LEN));
  unsigned char *again = mmap(buf, LEN, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE, -1, 0);
  if (again != buf) { puts("could not map the same address again"); return 1; }
  memset(again, 0x22, LEN);

  /* the device reads the unmapped pages through the IOVA: old pages → device → out */
  dma(IOVA + 8192, 0x40000, 1);
  dma(0x40000, 2 * IOVA, 1 | 2);
  printf("device read of the unmapped buffer: 0x%02x (new mapping holds 0x%02x)\n", out[0], again[8192]);

  /* the device writes them: the new mapping is untouched */
  memset(out, 0x33, 4096);
  dma(2 * IOVA, 0x40000, 1);
  dma(0x40000, IOVA + 8192, 1 | 2);
  dma(IOVA + 8192, 0x40000, 1);
  memset(out, 0, 4096);
  dma(0x40000, 2 * IOVA, 1 | 2);
  printf("device write to the unmapped buffer: reads back 0x%02x, new mapping holds 0x%02x\n", out[0], again[8192]);

  struct vfio_iommu_type1_dma_unmap unmap = { .argsz = sizeof unmap, .iova = IOVA, .size = LEN };
  CHECK(ioctl(container, VFIO_IOMMU_UNMAP_DMA, &unmap));
  printf("unmapped 0x%llx bytes\nok\n", (unsigned long long)unmap.size);
  return 0;
}
