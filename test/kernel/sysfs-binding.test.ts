/**
 * Driver binding through sysfs writes, as a shell script does it:
 *   echo vfio-pci > /sys/bus/pci/devices/$BDF/driver_override
 *   echo $BDF > /sys/bus/pci/devices/$BDF/driver/unbind
 *   echo $BDF > /sys/bus/pci/drivers/vfio-pci/bind
 * and the group, driver and /dev views that follow.
 */
import { describe, expect, it } from 'vitest';
import { Host } from '../../src/index.js';
import { errnoOf } from '../support/errno.js';
import { iommuGroupOf, readdirOrEmpty } from '../support/sysfs.js';
import { iommuGroup, iommuGroups } from '../support/kernel-state.js';

const EDU_ALONE = '0000:06:00.0'; // group 17, behind an ACS downstream port
const EDU_SHARED = '0000:0a:00.0'; // group 8, with its root port 0000:00:1d.0
const NVME = '0000:05:00.0';

describe('binding through sysfs', () => {
  it('binds an unbound edu to vfio-pci and creates /dev/vfio/<group> and a cdev', () => {
    const host = new Host();
    const sh = host.spawn();
    const group = iommuGroupOf(sh, EDU_ALONE);
    expect(sh.readdir(`/sys/kernel/iommu_groups/${group}/devices`)).toEqual([EDU_ALONE]);
    expect(errnoOf(() => sh.readlink(`/sys/bus/pci/devices/${EDU_ALONE}/driver`))).toBe('ENOENT');

    sh.writeFile(`/sys/bus/pci/devices/${EDU_ALONE}/driver_override`, 'vfio-pci\n');
    expect(sh.readFile(`/sys/bus/pci/devices/${EDU_ALONE}/driver_override`)).toBe('vfio-pci\n');
    sh.writeFile('/sys/bus/pci/drivers/vfio-pci/bind', `${EDU_ALONE}\n`);

    expect(sh.readlink(`/sys/bus/pci/devices/${EDU_ALONE}/driver`).endsWith('/bus/pci/drivers/vfio-pci')).toBe(true);
    expect(readdirOrEmpty(sh, '/dev/vfio')).toContain(String(group));
    expect(sh.readdir(`/sys/bus/pci/devices/${EDU_ALONE}/vfio-dev`)).toEqual(['vfio0']);
    expect(sh.readdir('/dev/vfio/devices')).toEqual(['vfio0']);
    expect(sh.readdir('/sys/bus/pci/drivers/vfio-pci')).toContain(EDU_ALONE);
  });

  it('moves an NVMe from nvme to vfio-pci with the unbind step, then back', () => {
    const host = new Host();
    const sh = host.spawn();
    sh.writeFile(`/sys/bus/pci/devices/${NVME}/driver_override`, 'vfio-pci');
    // driver_override alone does not unbind
    expect(sh.readlink(`/sys/bus/pci/devices/${NVME}/driver`).endsWith('/nvme')).toBe(true);
    expect(errnoOf(() => sh.writeFile('/sys/bus/pci/drivers/vfio-pci/bind', NVME))).toBe('EBUSY');
    sh.writeFile(`/sys/bus/pci/devices/${NVME}/driver/unbind`, NVME);
    sh.writeFile('/sys/bus/pci/drivers/vfio-pci/bind', NVME);
    const g = iommuGroupOf(sh, NVME);
    expect(readdirOrEmpty(sh, '/dev/vfio')).toContain(String(g));

    sh.writeFile(`/sys/bus/pci/devices/${NVME}/driver_override`, '\n');
    expect(sh.readFile(`/sys/bus/pci/devices/${NVME}/driver_override`)).toBe('(null)\n');
    sh.writeFile('/sys/bus/pci/drivers/vfio-pci/unbind', NVME);
    expect(readdirOrEmpty(sh, '/dev/vfio')).not.toContain(String(g));
    sh.writeFile('/sys/bus/pci/drivers_probe', NVME);
    expect(sh.readlink(`/sys/bus/pci/devices/${NVME}/driver`).endsWith('/nvme')).toBe(true);
  });

  it('refuses what the driver core refuses, with its errno', () => {
    const host = new Host();
    const sh = host.spawn();
    // vfio-pci matches only through driver_override or new_id
    expect(errnoOf(() => sh.writeFile('/sys/bus/pci/drivers/vfio-pci/bind', EDU_ALONE))).toBe('ENODEV');
    // no such device
    expect(errnoOf(() => sh.writeFile('/sys/bus/pci/drivers/vfio-pci/bind', '0000:ff:00.0'))).toBe('ENODEV');
    // unbind from a driver the device is not bound to
    expect(errnoOf(() => sh.writeFile('/sys/bus/pci/drivers/vfio-pci/unbind', NVME))).toBe('ENODEV');
    // vfio-pci refuses bridges (vfio_pci_probe: hdr_type != normal)
    sh.writeFile('/sys/bus/pci/devices/0000:00:1d.0/driver_override', 'vfio-pci');
    sh.writeFile('/sys/bus/pci/devices/0000:00:1d.0/driver/unbind', '0000:00:1d.0');
    expect(errnoOf(() => sh.writeFile('/sys/bus/pci/drivers/vfio-pci/bind', '0000:00:1d.0'))).toBe('EINVAL');
  });

  it('lets only root write sysfs', () => {
    const host = new Host();
    const user = host.spawn({ uid: 1000, gid: 1000 });
    expect(errnoOf(() => user.writeFile(`/sys/bus/pci/devices/${EDU_ALONE}/driver_override`, 'vfio-pci'))).toBe('EACCES');
    expect(user.readFile(`/sys/bus/pci/devices/${EDU_ALONE}/vendor`)).toBe('0x1234\n');
    expect(user.readFile(`/sys/bus/pci/devices/${EDU_ALONE}/class`)).toBe('0x00ff00\n');
  });

  it('new_id binds every unbound matching device at once', () => {
    const host = new Host();
    const sh = host.spawn();
    sh.writeFile('/sys/bus/pci/drivers/vfio-pci/new_id', '1234 11e8');
    const bound = sh.readdir('/sys/bus/pci/drivers/vfio-pci').filter((n) => n.startsWith('0000:'));
    expect(bound).toEqual(['0000:06:00.0', '0000:07:00.0', '0000:0a:00.0']);
    expect(errnoOf(() => sh.writeFile('/sys/bus/pci/drivers/vfio-pci/new_id', '1234 11e8'))).toBe('EEXIST');
  });

  it('host.bind does the same dance and reports failures as the failing write would', () => {
    const host = new Host();
    const sh = host.spawn();
    host.bind(EDU_SHARED, 'vfio-pci');
    const g = iommuGroupOf(sh, EDU_SHARED);
    expect(sh.readdir(`/sys/kernel/iommu_groups/${g}/devices`)).toEqual(['0000:00:1d.0', EDU_SHARED]);
    expect(readdirOrEmpty(sh, '/dev/vfio')).toContain(String(g));
    host.bind(EDU_SHARED, null);
    expect(readdirOrEmpty(sh, '/dev/vfio')).not.toContain(String(g));
    expect(() => host.bind('0000:00:1d.0', 'vfio-pci')).toThrow(expect.objectContaining({ code: 'EINVAL' }));
  });
});

describe('group DMA ownership and kernel drivers', () => {
  it('a DMA-API driver cannot probe into a group user space owns (EBUSY)', () => {
    const host = new Host();
    host.bind('0000:01:00.0', 'vfio-pci');
    host.bind('0000:01:00.1', null);
    const group = iommuGroup(host, '0000:01:00.0');
    expect(group.claimDmaOwner({}).ok).toBe(true);
    const sh = host.spawn();
    sh.writeFile('/sys/bus/pci/devices/0000:01:00.1/driver_override', 'snd_hda_intel');
    expect(errnoOf(() => sh.writeFile('/sys/bus/pci/drivers/snd_hda_intel/bind', '0000:01:00.1'))).toBe('EBUSY');
    expect(errnoOf(() => sh.readlink('/sys/bus/pci/devices/0000:01:00.1/driver'))).toBe('ENOENT');
  });

  it('VFIO cannot claim a group while a member sits on a DMA-API driver (EPERM)', () => {
    const host = new Host();
    host.bind('0000:01:00.0', 'vfio-pci');
    const group = iommuGroup(host, '0000:01:00.0');
    expect(group.claimDmaOwner({})).toMatchObject({ ok: false, code: 'EPERM' });
    host.bind('0000:01:00.1', 'pci-stub');
    expect(group.claimDmaOwner({}).ok).toBe(true);
  });
});

describe('grouping algorithm as a host option', () => {
  it('spec example 4: classic splits the ACS-off switch, bus-isolation does not', async () => {
    const { readFileSync } = await import('node:fs');
    const json = JSON.parse(readFileSync('fixtures/topologies/example-4.json', 'utf8')) as unknown;
    const members = (h: Host): string[][] => iommuGroups(h).map((g) => g.devices.map((d) => d.bdf));
    const classic = members(new Host(json, { grouping: 'classic' }));
    const iso = members(new Host(json, { grouping: 'bus-isolation' }));
    expect(classic).toContainEqual(['0000:02:00.0', '0000:03:00.0']);
    expect(iso).toContainEqual(['0000:02:00.0', '0000:02:01.0', '0000:03:00.0', '0000:04:00.0']);
  });
});
