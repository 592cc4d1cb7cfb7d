/* Several threads calling into the simulator at once, each on its own connection. */
#include <pthread.h>
#include "vfio-common.h"

static int device;
static volatile uint32_t *bar;

static void *worker(void *arg) {
  long id = (long)arg;
  unsigned ok = 0;
  for (int i = 0; i < 200; i++) {
    struct vfio_device_info info = { .argsz = sizeof info };
    if (ioctl(device, VFIO_DEVICE_GET_INFO, &info) == 0 && info.num_regions == 9) ok++;
    if (bar[0] == 0x010000ed) ok++;
  }
  printf("thread %ld: %u/400\n", id, ok);
  return NULL;
}

int main(void) {
  int container;
  device = vfio_open_device("0000:06:00.0", &container);
  bus_master(device);
  bar = map_bar0(device, NULL);
  pthread_t t[4];
  for (long i = 0; i < 4; i++) pthread_create(&t[i], NULL, worker, (void *)i);
  for (int i = 0; i < 4; i++) pthread_join(t[i], NULL);
  puts("ok");
  return 0;
}
