/** Shared setup for the SR-IOV tests: the bundled `server` machine and its NIC PFs at 01:00.0/1. */
import { Host } from '../../src/index.js';
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
