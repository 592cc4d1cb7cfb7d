/** Small sysfs/devfs helpers the tests share: a root shell, group lookup, lenient readdir. */
import type { Host, Process } from '../../src/index.js';

/**
 * A root shell (uid 0, every capability) on `h`: a fresh process per call, as each `echo x >
 * /sys/...` of a script is its own process. Callers only read and write sysfs files, which
 * keep no per-process state, so nothing needs remembering between calls (and no table keyed
 * by Host lives outside the Host).
 */
export function rootShell(h: Host): Process {
  return h.spawn();
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
