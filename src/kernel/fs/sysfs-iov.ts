/**
 * The SR-IOV attributes of a PF's sysfs directory and the links between PF and VFs, as
 * drivers/pci/iov.c makes them (sriov_pf_dev_attrs, pci_iov_sysfs_link): `sriov_totalvfs`,
 * `sriov_numvfs` (rw), `sriov_offset`, `sriov_stride`, `sriov_vf_device` (hex), and
 * `sriov_drivers_autoprobe` (rw) on the PF; `virtfnN` on the PF and `physfn` on each VF.
 */
import { ok } from '../../base/result.js';
import type { Kernel } from '../kernel.js';
import { sriovAutoprobeStore, sriovNumvfsStore } from '../pci/iov.js';
import type { PciDev } from '../pci/pci-dev.js';
import { roFile, rwFile, type FsNode } from './node.js';

/** The entries SR-IOV adds to `dev`'s directory; `linkTo` makes a link to another device's directory. */
export function iovEntries(k: Kernel, dev: PciDev, linkTo: (other: PciDev) => FsNode): Array<readonly [string, FsNode]> {
  const out: Array<readonly [string, FsNode]> = [];
  const pfFn = dev.fn.physfn;
  if (pfFn !== null) {
    const pf = k.pci.find(pfFn.bdf);
    if (pf !== undefined) out.push(['physfn', linkTo(pf)]);
  }
  const iov = dev.sriov;
  const cap = dev.fn.sriov;
  if (iov === null || cap === null) return out;
  out.push(
    ['sriov_totalvfs', roFile(() => `${cap.totalVfs}\n`)],
    ['sriov_numvfs', rwFile(() => ok(`${iov.numVfs}\n`), (data) => sriovNumvfsStore(k, dev, data))],
    ['sriov_offset', roFile(() => `${cap.offset}\n`)],
    ['sriov_stride', roFile(() => `${cap.stride}\n`)],
    ['sriov_vf_device', roFile(() => `${(cap.vfDevice ?? dev.fn.device).toString(16)}\n`)],
    ['sriov_drivers_autoprobe', rwFile(() => ok(`${iov.driversAutoprobe ? 1 : 0}\n`), (data) => sriovAutoprobeStore(dev, data))],
  );
  iov.vfs.forEach((vf, i) => out.push([`virtfn${i}`, linkTo(vf)]));
  return out;
}

