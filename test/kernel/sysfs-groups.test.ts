import { describe, expect, it } from 'vitest';
import { Host } from '../../src/index.js';
import { errnoOf } from '../support/errno.js';
import { taints } from '../support/kernel-state.js';

const NO_IOMMU = {
  name: 'no-iommu box',
  iommu: null,
  kernel: { params: { 'vfio.enable_unsafe_noiommu_mode': true } },
  pci: [
    { bdf: '0000:00:00.0', type: 'host-bridge' },
    { bdf: '0000:00:03.0', type: 'rciep', model: 'edu', driver: null },
  ],
};

describe('/sys/kernel/iommu_groups', () => {
  it('prints reserved regions as Linux does: start, inclusive end, type, sorted', () => {
    const sh = new Host().spawn();
    expect(sh.readFile('/sys/kernel/iommu_groups/17/reserved_regions')).toBe('0x00000000fee00000 0x00000000feefffff msi\n');
    expect(sh.readFile('/sys/kernel/iommu_groups/9/reserved_regions')).toBe(
      '0x0000000000000000 0x0000000000ffffff direct-relaxable\n0x00000000fee00000 0x00000000feefffff msi\n',
    );
    expect(sh.readFile('/sys/kernel/iommu_groups/17/type')).toBe('DMA\n');
    expect(errnoOf(() => sh.readFile('/sys/kernel/iommu_groups/17/name'))).toBe('ENOENT');
  });

  it('links devices and groups both ways with relative targets', () => {
    const sh = new Host().spawn();
    expect(sh.readlink('/sys/bus/pci/devices/0000:06:00.0/iommu_group')).toBe('../../../../../../kernel/iommu_groups/17');
    expect(sh.readlink('/sys/kernel/iommu_groups/17/devices/0000:06:00.0')).toBe(
      '../../../../devices/pci0000:00/0000:00:1c.0/0000:03:00.0/0000:04:01.0/0000:06:00.0',
    );
    // both resolve to the same directory
    expect(sh.readFile('/sys/kernel/iommu_groups/17/devices/0000:06:00.0/vendor')).toBe('0x1234\n');
    expect(sh.readdir('/sys/bus/pci/devices/0000:06:00.0/iommu_group/devices')).toEqual(['0000:06:00.0']);
  });
});

describe('no-IOMMU mode', () => {
  it('a machine without an IOMMU has no groups', () => {
    const sh = new Host({ ...NO_IOMMU, kernel: {} }).spawn();
    expect(sh.readdir('/sys/kernel/iommu_groups')).toEqual([]);
    expect(errnoOf(() => sh.readlink('/sys/bus/pci/devices/0000:00:03.0/iommu_group'))).toBe('ENOENT');
  });

  it('vfio-pci refuses a device without a group unless enable_unsafe_noiommu_mode is set', () => {
    const host = new Host({ ...NO_IOMMU, kernel: {} });
    expect(() => host.bind('0000:00:03.0', 'vfio-pci')).toThrow(expect.objectContaining({ code: 'EINVAL' }));
  });

  it('with the parameter set, binding makes a named no-IOMMU group and /dev/vfio/noiommu-N, and taints', () => {
    const host = new Host(NO_IOMMU);
    host.bind('0000:00:03.0', 'vfio-pci');
    const sh = host.spawn();
    expect(sh.readdir('/sys/kernel/iommu_groups')).toEqual(['0']);
    expect(sh.readFile('/sys/kernel/iommu_groups/0/name')).toBe('vfio-noiommu\n');
    expect(sh.readdir('/dev/vfio')).toContain('noiommu-0');
    expect(taints(host).length).toBeGreaterThan(0);
    host.bind('0000:00:03.0', null);
    expect(sh.readdir('/sys/kernel/iommu_groups')).toEqual([]);
  });
});
