/* /proc/self/pagemap under vfio-sim exec is the simulated process's: a page the program has
 * in memory is present with the simulated PFN, which is the physical address the simulated
 * IOMMU maps its IOVA to (VFIO_IOMMU_MAP_DMA, then the Intel debugfs view shows it); an
 * untouched page is not present. */
#include <inttypes.h>
#include "vfio-common.h"

static uint64_t entry(int fd, void *va) {
  uint64_t e = 0;
  if (pread(fd, &e, 8, (off_t)((uintptr_t)va / 4096 * 8)) != 8) { perror("pread pagemap"); exit(1); }
  return e;
}

int main(int argc, char **argv) {
  const char *bdf = argc > 1 ? argv[1] : "0000:06:00.0";
  int container, device = vfio_open_device(bdf, &container);
  (void)device;
  unsigned char *buf = mmap(NULL, 2 * 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  buf[0] = 1; /* the first page is in memory, the second never touched */
  char path[160];
  snprintf(path, sizeof path, "/proc/%d/pagemap", (int)getpid());
  int fd = open(path, O_RDONLY);
  CHECK(fd);
  uint64_t a = entry(fd, buf), b = entry(fd, buf + 4096);
  uint64_t pfn = a & ((1ull << 55) - 1);
  printf("page 0: present=%d pfn=%s; page 1: present=%d\n", (int)(a >> 63), pfn ? "nonzero" : "zero", (int)(b >> 63));
  struct vfio_iommu_type1_dma_map map = { .argsz = sizeof map, .flags = VFIO_DMA_MAP_FLAG_READ | VFIO_DMA_MAP_FLAG_WRITE,
                                          .vaddr = (uintptr_t)buf, .iova = 0x100000, .size = 4096 };
  CHECK(ioctl(container, VFIO_IOMMU_MAP_DMA, &map));
  uint64_t again = entry(fd, buf) & ((1ull << 55) - 1);
  /* the IOMMU's page table (the Intel debugfs view): IOVA 0x100000's leaf points at that frame */
  snprintf(path, sizeof path, "/sys/kernel/debug/iommu/intel/%s/domain_translation_struct", bdf);
  FILE *f = fopen(path, "r");
  if (!f) { perror(path); return 1; }
  char line[512];
  uint64_t leaf = 0;
  while (fgets(line, sizeof line, f)) {
    uint64_t v[6];
    int n = sscanf(line, "%" SCNx64 " |%" SCNx64 "%" SCNx64 "%" SCNx64 "%" SCNx64 "%" SCNx64, &v[0], &v[1], &v[2], &v[3], &v[4], &v[5]);
    if (n == 6 && v[0] == 0x100) leaf = v[5];
  }
  fclose(f);
  printf("after MAP_DMA: same pfn=%d, the IOMMU maps IOVA 0x100000 to it=%d\nok\n", again == pfn, (leaf >> 12) == pfn);
  return 0;
}
