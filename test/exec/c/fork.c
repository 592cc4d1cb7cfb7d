/* A forked child shares the parent's open files: it uses the inherited device fd and BAR
 * mapping, exits, and the parent's device keeps working. */
#include <sys/wait.h>
#include "vfio-common.h"

int main(void) {
  int container, device = vfio_open_device("0000:06:00.0", &container);
  bus_master(device);
  volatile uint32_t *bar = map_bar0(device, NULL);
  fflush(stdout);
  pid_t pid = fork();
  if (pid == 0) {
    struct vfio_device_info info = { .argsz = sizeof info };
    int r = ioctl(device, VFIO_DEVICE_GET_INFO, &info);
    bar[1] = 0x11111111;
    printf("child: info=%d regions=%u ident=0x%08x liveness=0x%08x\n", r, info.num_regions, bar[0], bar[1]);
    return 0;
  }
  int st;
  waitpid(pid, &st, 0);
  printf("parent: child exited %d; liveness=0x%08x\n", WEXITSTATUS(st), bar[1]);
  struct vfio_device_info info = { .argsz = sizeof info };
  printf("parent: info=%d\n", ioctl(device, VFIO_DEVICE_GET_INFO, &info));
  puts("ok");
  return 0;
}
