import { describe, expect, it } from 'vitest';
import { Host, uapi } from '../src/index.js';
import { vfioRstExample } from './vfio-rst-example.js';
import { vfioDevice } from '../test/support/kernel-state.js';

describe('the vfio.rst example program', () => {
  it('runs on the default machine with the edu at 0000:06:00.0 bound to vfio-pci', () => {
    const host = new Host();
    host.bind('0000:06:00.0', 'vfio-pci');
    const deviceLayer = vfioDevice(host, '0000:06:00.0')!.ops.ioctl !== undefined;
    let r: ReturnType<typeof vfioRstExample> | undefined;
    let err: unknown;
    try {
      r = vfioRstExample(host);
    } catch (e) {
      err = e;
    }
    if (!deviceLayer) {
      // Until vfio-pci supplies device-fd ioctls, the program gets as far as its first device ioctl.
      expect((err as { code?: string; message: string }).code).toBe('ENOTTY');
      expect((err as Error).message).toContain('VFIO_DEVICE_GET_INFO');
      return;
    }
    expect(err).toBeUndefined();
    expect(r!.iommuInfo.flags).toBe(uapi.VFIO_IOMMU_INFO_PGSIZES | uapi.VFIO_IOMMU_INFO_CAPS);
    expect(r!.iommuInfo.iova_pgsizes).toBe(0x40201000n);
    expect(r!.regions).toBeGreaterThan(0);
  });

  it('stops at opening the group when the device is not bound to vfio-pci (no /dev/vfio/N)', () => {
    const host = new Host();
    expect(() => vfioRstExample(host)).toThrow(/ENOENT/);
  });
});
