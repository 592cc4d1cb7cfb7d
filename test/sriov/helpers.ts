/** Shared setup for the SR-IOV tests: the bundled `server` machine and its NIC PFs at 01:00.0/1. */
import { Host, uapi } from '../../src/index.js';
import { uuidParse } from '../../src/base/uuid.js';
import type { Process } from '../../src/process/process.js';
import { bundledTopologies } from '../../src/hardware/default-machine.js';

export const PF = '0000:01:00.0';
export const PF1 = '0000:01:00.1';
export const VF0 = '0000:01:02.0';
export const VF1 = '0000:01:02.1';
export const dev = (bdf: string): string => `/sys/bus/pci/devices/${bdf}`;

export function server(): Host {
  return new Host(bundledTopologies['server']);
}

/** enable_sriov=Y, then the PF goes to vfio-pci (driver_override, unbind, bind). */
export function pfOnVfioPci(host: Host, bdf = PF): void {
  host.spawn().writeFile('/sys/module/vfio_pci/parameters/enable_sriov', 'Y');
  host.bind(bdf, 'vfio-pci');
}

export const TOKEN = '52ac9bff-3a88-4fbd-901a-0d767c3b6c97';

/** Open `bdf`'s cdev and bind it to `iommufd`, with a VF token when given; returns the device fd. */
export function bindCdev(p: Process, iommufd: number, bdf: string, token: string | null): number {
  const fd = p.open(`/dev/vfio/devices/${p.readdir(`${dev(bdf)}/vfio-dev`)[0]}`);
  p.ioctl(fd, uapi.VFIO_DEVICE_BIND_IOMMUFD, token === null
    ? { argsz: 24, flags: 0, iommufd }
    : { argsz: 24, flags: uapi.VFIO_DEVICE_BIND_FLAG_TOKEN, iommufd, token_uuid_ptr: uuidParse(token)! });
  return fd;
}
