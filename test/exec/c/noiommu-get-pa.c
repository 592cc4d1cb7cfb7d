/* A DPDK-style no-IOMMU client on 7.3's iommufd path: bind the noiommu-vfioN cdev, attach it
 * to an IOAS, map a buffer, ask IOMMU_IOAS_NOIOMMU_GET_PA for the physical addresses and hand
 * those to edu's DMA engine, which reaches memory untranslated. */
#include <errno.h>
#include "iommufd-gen.h"
#include "vfio-common.h"

static int get_pa(int iommufd, unsigned ioas, uint64_t iova, uint64_t len, uint32_t flags, uint64_t *pa, uint64_t *out_len) {
  struct iommu_ioas_noiommu_get_pa q = { .size = sizeof q, .flags = flags, .ioas_id = ioas, .iova = iova, .length = len };
  int r = ioctl(iommufd, IOMMU_IOAS_NOIOMMU_GET_PA, &q);
  *pa = q.out_phys;
  *out_len = q.length;
  return r;
}

int main(int argc, char **argv) {
  const char *bdf = argc > 1 ? argv[1] : "0000:00:03.0";
  char cdev[256];
  int device = open_cdev(bdf, "noiommu-vfio", cdev, sizeof cdev);
  int iommufd = open("/dev/iommu", O_RDWR);
  CHECK(iommufd);
  printf("cdev=%s\n", cdev);

  struct vfio_device_bind_iommufd bind = { .argsz = sizeof bind, .iommufd = iommufd };
  CHECK(ioctl(device, VFIO_DEVICE_BIND_IOMMUFD, &bind));
  struct iommu_ioas_alloc alloc = { .size = sizeof alloc };
  CHECK(ioctl(iommufd, IOMMU_IOAS_ALLOC, &alloc));
  struct vfio_device_attach_iommufd_pt attach = { .argsz = sizeof attach, .pt_id = alloc.out_ioas_id };
  CHECK(ioctl(device, VFIO_DEVICE_ATTACH_IOMMUFD_PT, &attach));

  unsigned char *buf = mmap(NULL, 8192, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  for (int i = 0; i < 8192; i++) buf[i] = (unsigned char)(i < 4096 ? i ^ 0x5a : 0);
  const uint64_t iova = 0x100000;
  struct iommu_ioas_map map = { .size = sizeof map, .flags = IOMMU_IOAS_MAP_READABLE | IOMMU_IOAS_MAP_WRITEABLE | IOMMU_IOAS_MAP_FIXED_IOVA,
                                .ioas_id = alloc.out_ioas_id, .user_va = (uintptr_t)buf, .length = 8192, .iova = iova };
  CHECK(ioctl(iommufd, IOMMU_IOAS_MAP, &map));

  uint64_t pa0, pa1, len;
  int r = get_pa(iommufd, alloc.out_ioas_id, iova, 4096, 1, &pa0, &len);
  printf("flags=1: %d %s\n", r, r ? strerror(errno) : "");
  r = get_pa(iommufd, alloc.out_ioas_id, iova + 8192, 4096, 0, &pa0, &len);
  printf("unmapped iova: %d %s\n", r, r ? strerror(errno) : "");
  CHECK(get_pa(iommufd, alloc.out_ioas_id, iova + 0x10, 0x20, 0, &pa0, &len));
  printf("offset kept: %s length=0x%llx\n", (pa0 & 0xfff) == 0x10 ? "yes" : "NO", (unsigned long long)len);
  CHECK(get_pa(iommufd, alloc.out_ioas_id, iova, 4096, 0, &pa0, &len));
  printf("page 0: length=%llu\n", (unsigned long long)len);
  CHECK(get_pa(iommufd, alloc.out_ioas_id, iova + 4096, 4096, 0, &pa1, &len));

  bus_master(device);
  volatile unsigned char *bar = map_bar0(device, NULL);
  *(volatile uint64_t *)(bar + 0x80) = pa0;
  *(volatile uint64_t *)(bar + 0x88) = 0x40000;
  *(volatile uint64_t *)(bar + 0x90) = 4096;
  *(volatile uint64_t *)(bar + 0x98) = 1;
  while (*(volatile uint64_t *)(bar + 0x98) & 1) {}
  *(volatile uint64_t *)(bar + 0x80) = 0x40000;
  *(volatile uint64_t *)(bar + 0x88) = pa1;
  *(volatile uint64_t *)(bar + 0x98) = 3;
  while (*(volatile uint64_t *)(bar + 0x98) & 1) {}
  printf("copy by physical address %s\n", memcmp(buf, buf + 4096, 4096) ? "DIFFERS" : "matches");
  puts("ok");
  return 0;
}
