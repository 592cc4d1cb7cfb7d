/** The README's first example, kept runnable: if this test changes, change the README. */
import { expect, it } from 'vitest';
import { Host, uapi } from '../src/index.js';

it('README first example', () => {
  const host = new Host();
  const sh = host.spawn();
  const bdf = '0000:06:00.0';
  sh.writeFile(`/sys/bus/pci/devices/${bdf}/driver_override`, 'vfio-pci');
  sh.writeFile('/sys/bus/pci/drivers/vfio-pci/bind', bdf);
  const group = sh.readlink(`/sys/bus/pci/devices/${bdf}/iommu_group`).split('/').pop();
  expect(sh.readdir(`/sys/kernel/iommu_groups/${group}/devices`)).toEqual(['0000:06:00.0']);
  expect(sh.readdir('/dev/vfio')).toEqual(['17', 'devices', 'vfio']);
  const container = sh.open('/dev/vfio/vfio', uapi.O_RDWR);
  expect(sh.ioctl(container, uapi.VFIO_GET_API_VERSION)).toBe(0);
});
