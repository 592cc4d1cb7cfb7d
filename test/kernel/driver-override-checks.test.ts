/**
 * Audit of sysfs binding details against Linux (spec topology-groups-iommu.md §2.1, §5.12):
 * driver_override is parsed as driver_set_override() does, and it never unbinds.
 */
import { describe, expect, it } from 'vitest';
import { Host } from '../../src/index.js';
import { errnoOf, OK } from '../support/errno.js';
import { rootShell } from '../support/sysfs.js';

const NVME = '0000:05:00.0';
const ovr = `/sys/bus/pci/devices/${NVME}/driver_override`;

describe('driver_override (driver_set_override)', () => {
  it('keeps the text up to the first newline or NUL; a leading newline clears it; an empty write changes nothing', () => {
    const h = new Host();
    rootShell(h).writeFile(ovr, 'vfio-pci\nnvme\n');
    expect(rootShell(h).readFile(ovr)).toBe('vfio-pci\n');
    rootShell(h).writeFile(ovr, 'pci-stub\0junk');
    expect(rootShell(h).readFile(ovr)).toBe('pci-stub\n');
    rootShell(h).writeFile(ovr, '\nvfio-pci');
    expect(rootShell(h).readFile(ovr)).toBe('(null)\n');
    rootShell(h).writeFile(ovr, 'vfio-pci');
    // issue 14 item 7: a 0-byte write returns 0 before the store (sysfs_kf_write); it used to clear
    rootShell(h).writeFile(ovr, '');
    expect(rootShell(h).readFile(ovr)).toBe('vfio-pci\n');
    rootShell(h).writeFile(ovr, '\n');
    expect(rootShell(h).readFile(ovr)).toBe('(null)\n');
  });

  it('a value of 4095 bytes or more is EINVAL and changes nothing', () => {
    const h = new Host();
    rootShell(h).writeFile(ovr, 'vfio-pci');
    expect(errnoOf(() => rootShell(h).writeFile(ovr, 'x'.repeat(4095)))).toBe('EINVAL');
    expect(rootShell(h).readFile(ovr)).toBe('vfio-pci\n');
  });

  it('does not unbind the current driver (§5.12)', () => {
    const h = new Host();
    rootShell(h).writeFile(ovr, 'vfio-pci');
    expect(rootShell(h).readlink(`/sys/bus/pci/devices/${NVME}/driver`)).toMatch(/\/bus\/pci\/drivers\/nvme$/);
  });
});

describe('new_id (new_id_store)', () => {
  it('is EEXIST for an id the driver already matches through its static table, not only its dynamic ids', () => {
    const h = new Host();
    const nvmeIds = rootShell(h).readFile(`/sys/bus/pci/devices/${NVME}/vendor`).slice(2, 6) + ' ' +
      rootShell(h).readFile(`/sys/bus/pci/devices/${NVME}/device`).slice(2, 6);
    expect(errnoOf(() => rootShell(h).writeFile('/sys/bus/pci/drivers/nvme/new_id', nvmeIds))).toBe('EEXIST');
    // with all seven fields Linux skips the check and adds the id
    rootShell(h).writeFile('/sys/bus/pci/drivers/nvme/new_id', `${nvmeIds} ffffffff ffffffff 0 0 0`);
    expect(errnoOf(() => rootShell(h).writeFile('/sys/bus/pci/drivers/nvme/new_id', '1234 abcd'))).toBe(OK);
    expect(errnoOf(() => rootShell(h).writeFile('/sys/bus/pci/drivers/nvme/new_id', '1234 abcd'))).toBe('EEXIST');
  });
});
