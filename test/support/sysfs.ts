/** Small sysfs/devfs helpers the tests share: a root shell per host, group lookup, lenient readdir. */
import type { Host, Process } from '../../src/index.js';

const roots = new WeakMap<Host, Process>();

/** One root shell per host (uid 0, every capability), spawned on first use. */
export function rootShell(h: Host): Process {
  let p = roots.get(h);
  if (p === undefined) {
    p = h.spawn();
    roots.set(h, p);
  }
  return p;
}

/** The IOMMU group number of `bdf`, read the way a script does: the iommu_group link's last component. */
export function iommuGroupOf(p: { readlink(path: string): string }, bdf: string): number {
  return Number(p.readlink(`/sys/bus/pci/devices/${bdf}/iommu_group`).split('/').pop());
}

/** readdir that treats a missing directory as empty (udev removes empty /dev dirs); other errors propagate. */
export function readdirOrEmpty(p: Pick<Process, 'readdir'>, path: string): string[] {
  try {
    return p.readdir(path);
  } catch (e) {
    if ((e as { code?: string }).code === 'ENOENT') return [];
    throw e;
  }
}
