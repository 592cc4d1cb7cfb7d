/* A read-modify-write instruction on a BAR cannot be emulated: the program must end with a
 * message naming the instruction's bytes. */
#include "vfio-common.h"

int main(void) {
  int container, device = vfio_open_device("0000:06:00.0", &container);
  bus_master(device);
  volatile uint32_t *bar = map_bar0(device, NULL);
  printf("ident=0x%08x\n", bar[0]);
  fflush(stdout);
  __asm__ volatile("addl $1, %0" : "+m"(bar[1]));
  puts("not reached");
  return 0;
}
