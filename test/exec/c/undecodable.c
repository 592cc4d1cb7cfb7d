/* A read-modify-write instruction on a BAR cannot be emulated: the program must end with a
 * message naming the instruction's bytes. */
#include "vfio-common.h"

int main(void) {
  int container, device = vfio_open_device("0000:06:00.0", &container);
  bus_master(device);
  uint64_t size, off = region_offset(device, VFIO_PCI_BAR0_REGION_INDEX, &size);
  volatile uint32_t *bar = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED, device, off);
  printf("ident=0x%08x\n", bar[0]);
  fflush(stdout);
  __asm__ volatile("addl $1, %0" : "+m"(bar[1]));
  puts("not reached");
  return 0;
}
