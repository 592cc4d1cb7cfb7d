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

/** edu's BDF on `noIommuMachine`. */
export const NOIOMMU_EDU = '0000:00:03.0';

/**
 * A machine with no IOMMU and `vfio.enable_unsafe_noiommu_mode` set: a host bridge and one
 * unbound edu at NOIOMMU_EDU. `ramBytes` as a topology spells it (the GET_PA tests need 2 GiB).
 */
export function noIommuMachine(ramBytes = '0x40000000') {
  return {
    name: 'no-iommu',
    ramBytes,
    iommu: null,
    kernel: { params: { 'vfio.enable_unsafe_noiommu_mode': true } },
    pci: [
      { bdf: '0000:00:00.0', type: 'host-bridge' },
      { bdf: NOIOMMU_EDU, type: 'endpoint', vendor: '0x1234', device: '0x11e8', class: '0x00ff00', model: 'edu', driver: null },
    ],
  };
}
