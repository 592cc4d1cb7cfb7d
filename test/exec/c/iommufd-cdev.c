/* The iommufd flow on a device cdev: bind, IOAS, attach, the IOVA_RANGES two-call idiom
 * (EMSGSIZE writes num_iovas back), IOAS_MAP of the program's memory, edu DMA through it. */
#include <errno.h>
#include "iommufd-gen.h"
#include "vfio-common.h"

int main(int argc, char **argv) {
  const char *bdf = argc > 1 ? argv[1] : "0000:06:00.0";
  char cdev[256];
  int device = open_cdev(bdf, "vfio", cdev, sizeof cdev);
  int iommufd = open("/dev/iommu", O_RDWR);
  CHECK(iommufd);
  printf("cdev=%s device=%d iommufd=%d\n", cdev, device, iommufd);

  struct vfio_device_bind_iommufd bind = { .argsz = sizeof bind, .iommufd = iommufd };
  CHECK(ioctl(device, VFIO_DEVICE_BIND_IOMMUFD, &bind));
  struct iommu_ioas_alloc alloc = { .size = sizeof alloc };
  CHECK(ioctl(iommufd, IOMMU_IOAS_ALLOC, &alloc));
  struct vfio_device_attach_iommufd_pt attach = { .argsz = sizeof attach, .pt_id = alloc.out_ioas_id };
  CHECK(ioctl(device, VFIO_DEVICE_ATTACH_IOMMUFD_PT, &attach));
  printf("devid=%u ioas=%u\n", bind.out_devid, alloc.out_ioas_id);

  struct iommu_ioas_iova_ranges q = { .size = sizeof q, .ioas_id = alloc.out_ioas_id, .num_iovas = 0 };
  int r = ioctl(iommufd, IOMMU_IOAS_IOVA_RANGES, &q);
  printf("ranges first call: %d %s num_iovas=%u\n", r, r ? strerror(errno) : "", q.num_iovas);
  struct iommu_iova_range *ranges = calloc(q.num_iovas, sizeof *ranges);
  q.allowed_iovas = (uintptr_t)ranges;
  CHECK(ioctl(iommufd, IOMMU_IOAS_IOVA_RANGES, &q));
  for (unsigned i = 0; i < q.num_iovas; i++) printf("range %u: 0x%llx-0x%llx\n", i, (unsigned long long)ranges[i].start, (unsigned long long)ranges[i].last);

  unsigned char *buf = mmap(NULL, 8192, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  for (int i = 0; i < 4096; i++) buf[i] = (unsigned char)(i ^ 0x5a);
  struct iommu_ioas_map map = { .size = sizeof map, .flags = IOMMU_IOAS_MAP_READABLE | IOMMU_IOAS_MAP_WRITEABLE,
                                .ioas_id = alloc.out_ioas_id, .user_va = (uintptr_t)buf, .length = 8192 };
  CHECK(ioctl(iommufd, IOMMU_IOAS_MAP, &map));
  printf("mapped at iova 0x%llx\n", (unsigned long long)map.iova);

  bus_master(device);
  volatile unsigned char *bar = map_bar0(device, NULL);
  *(volatile uint64_t *)(bar + 0x80) = map.iova;
  *(volatile uint64_t *)(bar + 0x88) = 0x40000;
  *(volatile uint64_t *)(bar + 0x90) = 4096;
  *(volatile uint64_t *)(bar + 0x98) = 1;
  while (*(volatile uint64_t *)(bar + 0x98) & 1) {}
  *(volatile uint64_t *)(bar + 0x80) = 0x40000;
  *(volatile uint64_t *)(bar + 0x88) = map.iova + 4096;
  *(volatile uint64_t *)(bar + 0x98) = 3;
  while (*(volatile uint64_t *)(bar + 0x98) & 1) {}
  printf("copy %s\n", memcmp(buf, buf + 4096, 4096) ? "DIFFERS" : "matches");

  struct iommu_ioas_unmap unmap = { .size = sizeof unmap, .ioas_id = alloc.out_ioas_id, .iova = map.iova, .length = 8192 };
  CHECK(ioctl(iommufd, IOMMU_IOAS_UNMAP, &unmap));
  printf("unmapped %llu\n", (unsigned long long)unmap.length);
  puts("ok");
  return 0;
}
