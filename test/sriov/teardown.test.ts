/**
 * Disabling SR-IOV removes every VF with all its state (pci_iov_remove_virtfn →
 * pci_stop_and_remove_bus_device → iommu_release_device): the driver binding, the vfio
 * device and group node, the IOMMU group with its domains and context entries, the pci_dev,
 * the sysfs directory and the machine's model. A VF open in user space keeps Linux waiting
 * in vfio_unregister_group_dev; the simulator answers EBUSY and changes nothing.
 */
import { describe, expect, it } from 'vitest';
import type { Host } from '../../src/index.js';
import { errnoOf } from '../support/errno.js';
import { iommuGroups, pciDevices, vfioDeviceNames } from '../support/kernel-state.js';
import { bindCdev, dev, PF, pfOnVfioPci, server, TOKEN, VF0 } from './helpers.js';

const VF_RIDS = [0x0110, 0x0111, 0x0112];

function hasModel(host: Host, bdf: string): boolean {
  try {
    host.machine.model(bdf);
    return true;
  } catch {
    return false;
  }
}

function snapshot(host: Host): unknown {
  const p = host.spawn();
  const ls = (path: string): string[] => (errnoOf(() => p.readdir(path)) === 'ok' ? p.readdir(path) : []);
  return {
    pci: pciDevices(host).map((d) => [d.bdf, d.driver?.name ?? null, d.driverOverride, d.group?.id ?? null]),
    groups: iommuGroups(host).map((g) => [g.id, g.devices.map((d) => d.bdf), [...g.rids]]),
    vfio: [...vfioDeviceNames(host)].sort(),
    devVfio: p.readdir('/dev/vfio'),
    devices: ls('/dev/vfio/devices'),
    sys: p.readdir('/sys/bus/pci/devices'),
    sysGroups: p.readdir('/sys/kernel/iommu_groups'),
    added: host.machine.addedFunctions().map((f) => f.bdf),
    domains: host.machine.iommu!.domainsList().map((d) => d.id),
    contexts: VF_RIDS.map((rid) => host.machine.iommu!.contextOf(rid) ?? null),
    models: VF_RIDS.map((rid) => hasModel(host, `0000:01:02.${rid & 7}`)),
  };
}

describe('sriov_numvfs = 0 leaves nothing behind', () => {
  it('with a host PF driver (i40e) and unbound VFs', () => {
    const host = server();
    const before = snapshot(host);
    const p = host.spawn();
    p.writeFile(`${dev(PF)}/sriov_numvfs`, '3');
    expect(snapshot(host)).not.toEqual(before);
    p.writeFile(`${dev(PF)}/sriov_numvfs`, '0');
    expect(snapshot(host)).toEqual(before);
  });

  it('with a vfio-pci PF and VFs bound to vfio-pci, opened and closed again', () => {
    const host = server();
    pfOnVfioPci(host);
    const p = host.spawn();
    const iommufd = p.open('/dev/iommu');
    p.close(bindCdev(p, iommufd, PF, TOKEN)); // the PF's group keeps the blocking domain it made
    const before = snapshot(host);
    p.writeFile(`${dev(PF)}/sriov_numvfs`, '3');
    const pf = bindCdev(p, iommufd, PF, TOKEN);
    const vf = bindCdev(p, iommufd, VF0, TOKEN);
    p.close(vf);
    p.close(pf);
    p.close(iommufd);
    p.writeFile(`${dev(PF)}/sriov_numvfs`, '0');
    expect(snapshot(host)).toEqual(before);
  });

  it('unbinding the vfio-pci PF disables its VFs first (vfio_pci_core_unregister_device)', () => {
    const host = server();
    pfOnVfioPci(host);
    const p = host.spawn();
    p.writeFile(`${dev(PF)}/sriov_numvfs`, '2');
    p.writeFile('/sys/bus/pci/drivers/vfio-pci/unbind', PF);
    expect(p.readFile(`${dev(PF)}/sriov_numvfs`)).toBe('0\n');
    expect(errnoOf(() => p.readdir(dev(VF0)))).toBe('ENOENT');
  });

  it('a VF open in user space: EBUSY, and every VF is still there', () => {
    const host = server();
    pfOnVfioPci(host);
    const p = host.spawn();
    p.writeFile(`${dev(PF)}/sriov_numvfs`, '2');
    const iommufd = p.open('/dev/iommu');
    p.close(bindCdev(p, iommufd, PF, TOKEN));
    const fd = bindCdev(p, iommufd, VF0, TOKEN);
    const during = snapshot(host);
    expect(errnoOf(() => p.writeFile(`${dev(PF)}/sriov_numvfs`, '0'))).toBe('EBUSY');
    expect(snapshot(host)).toEqual(during);
    p.close(fd);
    p.writeFile(`${dev(PF)}/sriov_numvfs`, '0');
    expect(p.readFile(`${dev(PF)}/sriov_numvfs`)).toBe('0\n');
  });

  it('VFs can be enabled again after a disable, at the same addresses', () => {
    const host = server();
    const p = host.spawn();
    for (let i = 0; i < 3; i++) {
      p.writeFile(`${dev(PF)}/sriov_numvfs`, '2');
      expect(p.readFile(`${dev(VF0)}/device`)).toBe('0x154c\n');
      p.writeFile(`${dev(PF)}/sriov_numvfs`, '0');
    }
  });
});
