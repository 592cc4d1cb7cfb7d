/**
 * SR-IOV through sysfs as drivers/pci/iov.c does it: the PF's sriov_* attributes,
 * sriov_numvfs_store's checks in their order, VFs appearing with their own config space,
 * IOMMU group, links and driver, and leaving nothing behind when disabled.
 */
import { describe, expect, it } from 'vitest';
import { uapi } from '../../src/index.js';
import { errnoOf, OK } from '../support/errno.js';
import { iommuGroups } from '../support/kernel-state.js';
import { dev, PF, pfOnVfioPci, server, VF0, VF1 } from './helpers.js';

describe('PF attributes (sriov_pf_dev_attrs)', () => {
  it('show totalvfs, numvfs, offset, stride, the VF device id in hex and autoprobe', () => {
    const p = server().spawn();
    expect(p.readFile(`${dev(PF)}/sriov_totalvfs`)).toBe('8\n');
    expect(p.readFile(`${dev(PF)}/sriov_numvfs`)).toBe('0\n');
    expect(p.readFile(`${dev(PF)}/sriov_offset`)).toBe('16\n');
    expect(p.readFile(`${dev(PF)}/sriov_stride`)).toBe('1\n');
    expect(p.readFile(`${dev(PF)}/sriov_vf_device`)).toBe('154c\n');
    expect(p.readFile(`${dev(PF)}/sriov_drivers_autoprobe`)).toBe('1\n');
  });

  it('exist only on an SR-IOV capable function', () => {
    const p = server().spawn();
    expect(errnoOf(() => p.readFile('/sys/bus/pci/devices/0000:00:04.0/sriov_totalvfs'))).toBe('ENOENT');
  });
});

describe('sriov_numvfs_store', () => {
  it('EINVAL for text kstrtou16 refuses, ERANGE above totalvfs — both before the driver is asked', () => {
    const p = server().spawn();
    expect(errnoOf(() => p.writeFile(`${dev(PF)}/sriov_numvfs`, 'two'))).toBe('EINVAL');
    expect(errnoOf(() => p.writeFile(`${dev(PF)}/sriov_numvfs`, '-1'))).toBe('EINVAL');
    expect(errnoOf(() => p.writeFile(`${dev(PF)}/sriov_numvfs`, '65536'))).toBe('EINVAL');
    expect(errnoOf(() => p.writeFile(`${dev(PF)}/sriov_numvfs`, '9'))).toBe('ERANGE');
  });

  it('the current number is a no-op even without a driver; another number without a driver is ENOENT', () => {
    const host = server();
    host.bind(PF, null);
    const p = host.spawn();
    expect(errnoOf(() => p.writeFile(`${dev(PF)}/sriov_numvfs`, '0'))).toBe(OK);
    expect(errnoOf(() => p.writeFile(`${dev(PF)}/sriov_numvfs`, '2'))).toBe('ENOENT');
  });

  it('a driver without sriov_configure (pci-stub) is ENOENT', () => {
    const host = server();
    host.bind(PF, 'pci-stub');
    expect(errnoOf(() => host.spawn().writeFile(`${dev(PF)}/sriov_numvfs`, '2'))).toBe('ENOENT');
  });

  it('vfio-pci answers ENOENT until enable_sriov is set (vfio_pci_sriov_configure)', () => {
    const host = server();
    host.bind(PF, 'vfio-pci');
    const p = host.spawn();
    expect(p.readFile('/sys/module/vfio_pci/parameters/enable_sriov')).toBe('Y\n'); // server's command line
    p.writeFile('/sys/module/vfio_pci/parameters/enable_sriov', 'N');
    expect(errnoOf(() => p.writeFile(`${dev(PF)}/sriov_numvfs`, '2'))).toBe('ENOENT');
    p.writeFile('/sys/module/vfio_pci/parameters/enable_sriov', '1');
    expect(errnoOf(() => p.writeFile(`${dev(PF)}/sriov_numvfs`, '2'))).toBe(OK);
    expect(p.readFile(`${dev(PF)}/sriov_numvfs`)).toBe('2\n');
  });

  it('changing N without going through 0 is EBUSY; 0 then N works', () => {
    const p = server().spawn();
    p.writeFile(`${dev(PF)}/sriov_numvfs`, '2'); // i40e: sriov_configure
    expect(errnoOf(() => p.writeFile(`${dev(PF)}/sriov_numvfs`, '3'))).toBe('EBUSY');
    expect(p.readFile(`${dev(PF)}/sriov_numvfs`)).toBe('2\n');
    p.writeFile(`${dev(PF)}/sriov_numvfs`, '0');
    p.writeFile(`${dev(PF)}/sriov_numvfs`, '3');
    expect(p.readFile(`${dev(PF)}/sriov_numvfs`)).toBe('3\n');
  });

  it('accepts what kstrtou16 accepts: hex, a trailing newline', () => {
    const p = server().spawn();
    p.writeFile(`${dev(PF)}/sriov_numvfs`, '0x2\n');
    expect(p.readFile(`${dev(PF)}/sriov_numvfs`)).toBe('2\n');
  });
});

describe('the VFs', () => {
  it('sit at PF RID + offset + stride * i with the VF device id, virtfnN and physfn links, and no BARs', () => {
    const p = server().spawn();
    p.writeFile(`${dev(PF)}/sriov_numvfs`, '2');
    expect(p.readFile(`${dev(VF0)}/vendor`)).toBe('0x8086\n');
    expect(p.readFile(`${dev(VF0)}/device`)).toBe('0x154c\n');
    expect(p.readlink(`${dev(PF)}/virtfn0`).endsWith(`/${VF0}`)).toBe(true);
    expect(p.readlink(`${dev(PF)}/virtfn1`).endsWith(`/${VF1}`)).toBe(true);
    expect(p.readlink(`${dev(VF1)}/physfn`).endsWith(`/${PF}`)).toBe(true);
    expect(errnoOf(() => p.readFile(`${dev(VF0)}/resource0`))).toBe('ENOENT');
    expect(errnoOf(() => p.readlink(`${dev(PF)}/virtfn2`))).toBe('ENOENT');
  });

  it('each gets its own IOMMU group behind an ACS root port (pci_device_group)', () => {
    const host = server();
    const p = host.spawn();
    const before = iommuGroups(host).length;
    p.writeFile(`${dev(PF)}/sriov_numvfs`, '2');
    const g0 = p.readlink(`${dev(VF0)}/iommu_group`);
    const g1 = p.readlink(`${dev(VF1)}/iommu_group`);
    expect(g0).not.toBe(g1);
    expect(g0).not.toBe(p.readlink(`${dev(PF)}/iommu_group`));
    expect(iommuGroups(host).length).toBe(before + 2);
    const id = g0.split('/').pop()!;
    expect(p.readdir(`/sys/kernel/iommu_groups/${id}/devices`)).toEqual([VF0]);
  });

  it('a VF of a vfio-pci PF is captured for vfio-pci: it gets driver_override and is bound, with a group node', () => {
    const host = server();
    pfOnVfioPci(host);
    const p = host.spawn();
    p.writeFile(`${dev(PF)}/sriov_numvfs`, '1');
    expect(p.readFile(`${dev(VF0)}/driver_override`)).toBe('vfio-pci\n');
    expect(p.readlink(`${dev(VF0)}/driver`).endsWith('/vfio-pci')).toBe(true);
    const id = p.readlink(`${dev(VF0)}/iommu_group`).split('/').pop()!;
    expect(p.readdir('/dev/vfio')).toContain(id);
  });

  it('sriov_drivers_autoprobe=0 leaves new VFs without a driver', () => {
    const host = server();
    pfOnVfioPci(host);
    const p = host.spawn();
    p.writeFile(`${dev(PF)}/sriov_drivers_autoprobe`, '0');
    p.writeFile(`${dev(PF)}/sriov_numvfs`, '1');
    expect(errnoOf(() => p.readlink(`${dev(VF0)}/driver`))).toBe('ENOENT');
    expect(errnoOf(() => p.writeFile(`${dev(PF)}/sriov_drivers_autoprobe`, 'x'))).toBe('EINVAL');
  });

  it('a PF with VFs enabled cannot be bound to vfio-pci (vfio_pci_core_register_device: EBUSY)', () => {
    const host = server();
    const p = host.spawn();
    p.writeFile(`${dev(PF)}/sriov_numvfs`, '1');
    p.writeFile(`${dev(PF)}/driver_override`, 'vfio-pci');
    p.writeFile('/sys/bus/pci/drivers/i40e/unbind', PF);
    expect(errnoOf(() => p.writeFile('/sys/bus/pci/drivers/vfio-pci/bind', PF))).toBe('EBUSY');
  });
});

describe('the SR-IOV extended capability in the PF config space', () => {
  it('holds TotalVFs, offset, stride, VF device id; enabling writes NumVFs and VF Enable|MSE, disabling clears them', () => {
    const host = server();
    const m = host.machine.model(PF);
    const at = 0x100;
    expect(m.configRead(at, 4) & 0xffff).toBe(uapi.PCI_EXT_CAP_ID_SRIOV);
    expect(m.configRead(at + uapi.PCI_SRIOV_TOTAL_VF, 2)).toBe(8);
    expect(m.configRead(at + uapi.PCI_SRIOV_VF_OFFSET, 2)).toBe(16);
    expect(m.configRead(at + uapi.PCI_SRIOV_VF_STRIDE, 2)).toBe(1);
    expect(m.configRead(at + uapi.PCI_SRIOV_VF_DID, 2)).toBe(0x154c);
    const p = host.spawn();
    p.writeFile(`${dev(PF)}/sriov_numvfs`, '2');
    expect(m.configRead(at + uapi.PCI_SRIOV_NUM_VF, 2)).toBe(2);
    expect(m.configRead(at + uapi.PCI_SRIOV_CTRL, 2) & (uapi.PCI_SRIOV_CTRL_VFE | uapi.PCI_SRIOV_CTRL_MSE)).toBe(uapi.PCI_SRIOV_CTRL_VFE | uapi.PCI_SRIOV_CTRL_MSE);
    expect(host.machine.model(VF0).configRead(uapi.PCI_DEVICE_ID, 2)).toBe(0x154c);
    p.writeFile(`${dev(PF)}/sriov_numvfs`, '0');
    expect(m.configRead(at + uapi.PCI_SRIOV_NUM_VF, 2)).toBe(0);
    expect(m.configRead(at + uapi.PCI_SRIOV_CTRL, 2) & uapi.PCI_SRIOV_CTRL_VFE).toBe(0);
  });
});
