/**
 * Audit of sysfs binding details against Linux (spec topology-groups-iommu.md §2.1, §5.12):
 * driver_override is parsed as driver_set_override() does, and it never unbinds.
 */
import { describe, expect, it } from 'vitest';
import { Host, type SystemError } from '../../src/index.js';

const NVME = '0000:05:00.0';
const ovr = `/sys/bus/pci/devices/${NVME}/driver_override`;

function code(fn: () => unknown): string | undefined {
  try {
    fn();
  } catch (e) {
    return (e as SystemError).code;
  }
  return undefined;
}

describe('driver_override (driver_set_override)', () => {
  it('keeps the text up to the first newline or NUL; a leading newline or an empty string clears it', () => {
    const h = new Host();
    h.root.writeFile(ovr, 'vfio-pci\nnvme\n');
    expect(h.root.readFile(ovr)).toBe('vfio-pci\n');
    h.root.writeFile(ovr, 'pci-stub\0junk');
    expect(h.root.readFile(ovr)).toBe('pci-stub\n');
    h.root.writeFile(ovr, '\nvfio-pci');
    expect(h.root.readFile(ovr)).toBe('(null)\n');
    h.root.writeFile(ovr, 'vfio-pci');
    h.root.writeFile(ovr, '');
    expect(h.root.readFile(ovr)).toBe('(null)\n');
  });

  it('a value of 4095 bytes or more is EINVAL and changes nothing', () => {
    const h = new Host();
    h.root.writeFile(ovr, 'vfio-pci');
    expect(code(() => h.root.writeFile(ovr, 'x'.repeat(4095)))).toBe('EINVAL');
    expect(h.root.readFile(ovr)).toBe('vfio-pci\n');
  });

  it('does not unbind the current driver (§5.12)', () => {
    const h = new Host();
    h.root.writeFile(ovr, 'vfio-pci');
    expect(h.root.readlink(`/sys/bus/pci/devices/${NVME}/driver`)).toMatch(/\/bus\/pci\/drivers\/nvme$/);
  });
});
