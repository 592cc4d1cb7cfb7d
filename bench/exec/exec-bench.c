/* Timing of vfio-sim exec's paths, measured inside the program (the server shares the bench's
 * process, so only the program can time its own calls), in alternating batches, medians:
 *   echo   one round trip over the shim's transport that does nothing (the floor)
 *   ioctl  VFIO_DEVICE_GET_INFO on edu
 *   mmio   a 4-byte load of edu's identification register (trap, decode, round trip, complete)
 * With argv[1] = "hold FILE": map 1 MiB, write its address to FILE, wait to be killed (the DMA case
 * through /proc/<pid>/mem, not under vfio-sim exec).
 * With argv[1] = "dma FILE" (under vfio-sim exec): map 1 MiB, hand it to VFIO_IOMMU_MAP_DMA at
 * IOVA 1 MiB, write its address to FILE, wait to be killed (the DMA case as a program sees it). */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <time.h>
#include "../../test/exec/c/vfio-common.h"

static double now_ns(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return t.tv_sec * 1e9 + t.tv_nsec;
}

static int cmp(const void *a, const void *b) {
  double x = *(const double *)a, y = *(const double *)b;
  return x < y ? -1 : x > y;
}

static double median(double *v, int n) {
  qsort(v, n, sizeof *v, cmp);
  return v[n / 2];
}

int main(int argc, char **argv) {
  if (argc > 2 && !strcmp(argv[1], "hold")) {
    char *buf = mmap(NULL, 1 << 20, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_POPULATE, -1, 0);
    FILE *f = fopen(argv[2], "w");
    fprintf(f, "%p\n", (void *)buf);
    fclose(f);
    for (;;) pause();
  }
  if (argc > 2 && !strcmp(argv[1], "dma")) {
    int container, device = vfio_open_device("0000:06:00.0", &container);
    bus_master(device);
    char *buf = mmap(NULL, 1 << 20, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_POPULATE, -1, 0);
    struct vfio_iommu_type1_dma_map map = { .argsz = sizeof map, .flags = VFIO_DMA_MAP_FLAG_READ | VFIO_DMA_MAP_FLAG_WRITE,
                                            .vaddr = (uintptr_t)buf, .iova = 1 << 20, .size = 1 << 20 };
    CHECK(ioctl(container, VFIO_IOMMU_MAP_DMA, &map));
    FILE *f = fopen(argv[2], "w");
    fprintf(f, "%p\n", (void *)buf);
    fclose(f);
    for (;;) pause();
  }
  int n = argc > 1 ? atoi(argv[1]) : 20000;
  long (*echo)(long) = (long (*)(long))dlsym(RTLD_DEFAULT, "vfio_sim_echo");
  if (!echo) { puts("not under vfio-sim exec"); return 1; }
  int container, device = vfio_open_device("0000:06:00.0", &container);
  bus_master(device);
  uint64_t size, off = region_offset(device, VFIO_PCI_BAR0_REGION_INDEX, &size);
  volatile uint32_t *bar = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED, device, off);
  /* Batches of the three alternate (as the bench harness interleaves compared figures), so a
   * burst of load from other processes lands on all of them; each figure is the median batch. */
  enum { ROUNDS = 41 };
  int batch = n / ROUNDS > 0 ? n / ROUNDS : 1;
  static double t_echo[ROUNDS], t_ioctl[ROUNDS], t_mmio[ROUNDS];
  struct vfio_device_info info = { .argsz = sizeof info };
  uint32_t sum = 0;
  for (int i = 0; i < batch; i++) { echo(i); ioctl(device, VFIO_DEVICE_GET_INFO, &info); sum += bar[0]; } /* warm-up */
  for (int r = 0; r < ROUNDS; r++) {
    double t0 = now_ns();
    for (int i = 0; i < batch; i++) echo(i);
    double t1 = now_ns();
    for (int i = 0; i < batch; i++) ioctl(device, VFIO_DEVICE_GET_INFO, &info);
    double t2 = now_ns();
    for (int i = 0; i < batch; i++) sum += bar[0];
    double t3 = now_ns();
    t_echo[r] = (t1 - t0) / batch;
    t_ioctl[r] = (t2 - t1) / batch;
    t_mmio[r] = (t3 - t2) / batch;
  }
  printf("echo %.0f\nioctl %.0f\nmmio %.0f\nsum %u\n", median(t_echo, ROUNDS), median(t_ioctl, ROUNDS), median(t_mmio, ROUNDS), sum);
  return 0;
}
