/** The legacy VFIO set-up steps most tests repeat, and anonymous memory to map for DMA. */
import { uapi, type Host, type Process } from '../../src/index.js';
import { iommuGroupOf } from './sysfs.js';

/** PROT_READ | PROT_WRITE. */
export const PROT_RW = uapi.PROT_READ | uapi.PROT_WRITE;

/** mmap(NULL, size, prot, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0): fresh anonymous memory. */
export function anonBuffer(p: Process, size: bigint, prot = PROT_RW): bigint {
  return p.mmap(0n, size, prot, uapi.MAP_PRIVATE | uapi.MAP_ANONYMOUS, -1, 0n);
}

/** VFIO_GROUP_SET_CONTAINER then VFIO_SET_IOMMU(`type`, type1v2 by default) — the usual pair. */
export function attachContainer(p: Process, group: number, container: number, type: number = uapi.VFIO_TYPE1v2_IOMMU): void {
  p.ioctl(group, uapi.VFIO_GROUP_SET_CONTAINER, container);
  p.ioctl(container, uapi.VFIO_SET_IOMMU, type);
}

export interface LegacyDevice {
  p: Process;
  container: number;
  group: number;
  device: number;
}

/** Bind `bdf` to vfio-pci, open a container and its group, attach them (type1v2), and get the device fd. */
export function openLegacyDevice(host: Host, bdf: string, p: Process = host.spawn()): LegacyDevice {
  host.bind(bdf, 'vfio-pci');
  const container = p.open('/dev/vfio/vfio');
  const group = p.open(`/dev/vfio/${iommuGroupOf(p, bdf)}`);
  attachContainer(p, group, container);
  const device = p.ioctl(group, uapi.VFIO_GROUP_GET_DEVICE_FD, bdf);
  return { p, container, group, device };
}
