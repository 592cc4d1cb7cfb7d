/**
 * VFs enabled at boot (topology `sriov.numVfs`) belong to their PF like run-time ones, and a
 * run-time VF is grouped by pci_device_group() given the groups that exist: apart behind
 * an ACS root port, in the port's group behind one without ACS.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { Host } from '../../src/index.js';
import { errnoOf } from '../support/errno.js';
import { iommuGroup } from '../support/kernel-state.js';
import { dev } from './helpers.js';

const ROW8 = JSON.parse(readFileSync(new URL('../../fixtures/topologies/example-8.json', import.meta.url), 'utf8')) as { pci: Array<{ acs?: string[] }> };
const PF8 = '0000:01:00.0';
const BOOT_VFS = ['0000:01:10.0', '0000:01:10.2', '0000:01:10.4'];

describe('boot-time VFs (example-8: igb PF, 3 VFs, stride 2)', () => {
  it('show in sriov_numvfs and virtfnN; 0 removes them, 3 brings them back at the same addresses in groups of their own', () => {
    const host = new Host(ROW8);
    const p = host.spawn();
    expect(p.readFile(`${dev(PF8)}/sriov_numvfs`)).toBe('3\n');
    expect(p.readlink(`${dev(PF8)}/virtfn2`).endsWith(BOOT_VFS[2]!)).toBe(true);
    p.writeFile(`${dev(PF8)}/sriov_numvfs`, '0');
    expect(p.readdir('/sys/bus/pci/devices').filter((b) => BOOT_VFS.includes(b))).toEqual([]);
    expect(() => host.machine.model(BOOT_VFS[0]!)).toThrow(RangeError);
    p.writeFile(`${dev(PF8)}/sriov_numvfs`, '3');
    const groups = BOOT_VFS.map((b) => p.readlink(`${dev(b)}/iommu_group`));
    expect(new Set([...groups, p.readlink(`${dev(PF8)}/iommu_group`)]).size).toBe(4);
  });
});

describe('a run-time VF behind a root port without ACS', () => {
  it('joins the root port group with the PF (pci_device_group step B), and leaves it when disabled', () => {
    const json = structuredClone(ROW8);
    delete json.pci[0]!.acs;
    const host = new Host(json);
    const p = host.spawn();
    p.writeFile(`${dev(PF8)}/sriov_numvfs`, '0');
    const pfGroup = p.readlink(`${dev(PF8)}/iommu_group`);
    const id = pfGroup.split('/').pop()!;
    const members = p.readdir(`/sys/kernel/iommu_groups/${id}/devices`);
    p.writeFile(`${dev(PF8)}/sriov_numvfs`, '2');
    expect(p.readlink(`${dev(BOOT_VFS[0]!)}/iommu_group`).split('/').pop()).toBe(id);
    expect(p.readdir(`/sys/kernel/iommu_groups/${id}/devices`)).toEqual([...members, BOOT_VFS[0], BOOT_VFS[1]].sort());
    // the VF's requests translate through the group's domain
    const rid = 0x0180; // 01:10.0 = PF RID 0x100 + offset 0x80
    expect(host.machine.iommu!.contextOf(rid)?.domain).toBe(iommuGroup(host, Number(id)).domain);
    p.writeFile(`${dev(PF8)}/sriov_numvfs`, '0');
    expect(p.readdir(`/sys/kernel/iommu_groups/${id}/devices`)).toEqual(members);
    expect(host.machine.iommu!.contextOf(rid)).toBeUndefined();
  });
});

describe('pci_enable_sriov refusals change nothing', () => {
  it('a VF RID past the PF bus is ENOMEM (virtfn_add_bus; a new bus is not modelled) and no VF is left', () => {
    const json = structuredClone(ROW8) as { pci: Array<{ children: Array<{ sriov: Record<string, unknown> }> }> };
    Object.assign(json.pci[0]!.children[0]!.sriov, { totalVfs: 100, numVfs: 0 });
    const host = new Host(json);
    const p = host.spawn();
    const before = p.readdir('/sys/bus/pci/devices');
    // VF 64 would be at 02:00.0
    expect(errnoOf(() => p.writeFile(`${dev(PF8)}/sriov_numvfs`, '65'))).toBe('ENOMEM');
    expect(p.readdir('/sys/bus/pci/devices')).toEqual(before);
    expect(p.readFile(`${dev(PF8)}/sriov_numvfs`)).toBe('0\n');
    p.writeFile(`${dev(PF8)}/sriov_numvfs`, '64');
    expect(p.readFile(`${dev(PF8)}/sriov_numvfs`)).toBe('64\n');
  });

  it('ERANGE comes before the driver check: an unbound PF asked for too many VFs', () => {
    const host = new Host(ROW8);
    host.bind(PF8, null);
    const p = host.spawn();
    expect(errnoOf(() => p.writeFile(`${dev(PF8)}/sriov_numvfs`, '8'))).toBe('ERANGE');
  });
});
