/** The legacy VFIO set-up steps most tests repeat (the testing kit's opening helper), and anonymous memory to map for DMA. */
import { uapi, type Host, type Process } from '../../src/index.js';
import { attachContainer, openVfio } from '../../src/testing/session.js';

/** PROT_READ | PROT_WRITE. */
export const PROT_RW = uapi.PROT_READ | uapi.PROT_WRITE;

/** mmap(NULL, size, prot, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0): fresh anonymous memory. */
export function anonBuffer(p: Process, size: bigint, prot = PROT_RW): bigint {
  return p.mmap(0n, size, prot, uapi.MAP_PRIVATE | uapi.MAP_ANONYMOUS, -1, 0n);
}

export { attachContainer };

export interface LegacyDevice {
  p: Process;
  container: number;
  group: number;
  device: number;
}

/** Bind `bdf` to vfio-pci, open a container and its group, attach them (type1v2), and get the device fd (the kit's openVfio, device left as probed). */
export function openLegacyDevice(host: Host, bdf: string, p: Process = host.spawn()): LegacyDevice {
  const { container, group, device } = openVfio(host, bdf, { p, enable: false });
  return { p, container, group, device };
}
