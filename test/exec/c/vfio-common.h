#define _GNU_SOURCE
/* Small helpers shared by the test programs: open a device through the legacy container or its
 * cdev, find a region, map BAR0, turn on bus mastering. */
#include <fcntl.h>
#include <libgen.h>
#include <dirent.h>
#include <linux/pci_regs.h>
#include <linux/vfio.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>

#define CHECK(x) do { if ((x) < 0) { perror(#x); exit(1); } } while (0)

__attribute__((unused)) static int vfio_open_device(const char *bdf, int *container_out) {
  char path[256], link[256];
  snprintf(path, sizeof path, "/sys/bus/pci/devices/%s/iommu_group", bdf);
  ssize_t n = readlink(path, link, sizeof link - 1);
  CHECK(n);
  link[n] = 0;
  int container = open("/dev/vfio/vfio", O_RDWR);
  CHECK(container);
  snprintf(path, sizeof path, "/dev/vfio/%s", basename(link));
  int group = open(path, O_RDWR);
  CHECK(group);
  CHECK(ioctl(group, VFIO_GROUP_SET_CONTAINER, &container));
  CHECK(ioctl(container, VFIO_SET_IOMMU, VFIO_TYPE1v2_IOMMU));
  int device = ioctl(group, VFIO_GROUP_GET_DEVICE_FD, bdf);
  CHECK(device);
  *container_out = container;
  return device;
}

__attribute__((unused)) static uint64_t region_offset(int device, unsigned index, uint64_t *size) {
  struct vfio_region_info r = { .argsz = sizeof r, .index = index };
  CHECK(ioctl(device, VFIO_DEVICE_GET_REGION_INFO, &r));
  if (size) *size = r.size;
  return r.offset;
}

__attribute__((unused)) static void bus_master(int device) {
  uint64_t cfg = region_offset(device, VFIO_PCI_CONFIG_REGION_INDEX, NULL);
  uint16_t cmd;
  CHECK(pread(device, &cmd, 2, cfg + PCI_COMMAND));
  cmd |= PCI_COMMAND_MEMORY | PCI_COMMAND_MASTER;
  CHECK(pwrite(device, &cmd, 2, cfg + PCI_COMMAND));
}

/* BAR0 mapped shared, read/write; exits when the mmap fails. `size` (if not NULL) gets its size. */
__attribute__((unused)) static void *map_bar0(int device, uint64_t *size) {
  uint64_t sz, off = region_offset(device, VFIO_PCI_BAR0_REGION_INDEX, &sz);
  void *bar = mmap(NULL, sz, PROT_READ | PROT_WRITE, MAP_SHARED, device, off);
  if (bar == MAP_FAILED) { perror("mmap BAR0"); exit(1); }
  if (size) *size = sz;
  return bar;
}

/* Open the device cdev of `bdf` whose name starts with `prefix` ("vfio" or "noiommu-vfio"),
 * found under /sys/bus/pci/devices/<bdf>/vfio-dev; its name goes to `name`. Exits if none. */
__attribute__((unused)) static int open_cdev(const char *bdf, const char *prefix, char *name, size_t len) {
  char path[256];
  snprintf(path, sizeof path, "/sys/bus/pci/devices/%s/vfio-dev", bdf);
  DIR *d = opendir(path);
  if (!d) { perror("opendir"); exit(1); }
  struct dirent *e;
  name[0] = 0;
  while ((e = readdir(d))) if (!strncmp(e->d_name, prefix, strlen(prefix))) snprintf(name, len, "%s", e->d_name);
  closedir(d);
  snprintf(path, sizeof path, "/dev/vfio/devices/%s", name);
  int device = open(path, O_RDWR);
  CHECK(device);
  return device;
}
