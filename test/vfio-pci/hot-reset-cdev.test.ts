/**
 * Hot reset through a device cdev (vfio_pci_fill_devs and vfio_dev_in_iommufd_ctx with an
 * iommufd, vfio_iommufd_get_dev_id): a function bound to the caller's iommufd is reported by
 * its DEVICE id, one whose IOMMU group the iommufd holds as VFIO_PCI_DEVID_OWNED (0), any
 * other as NOT_OWNED (which clears DEV_ID_OWNED); the reset needs every function owned.
 */
import { describe, expect, it } from 'vitest';
import { Host, uapi } from '../../src/index.js';
import { boundDevice } from '../iommufd/helpers.js';
import { errnoOf } from '../support/errno.js';

/** Two edu functions of one multifunction device behind a root port: one group, one bus reset. */
function twoFunctions(): Host {
  return new Host({
    name: 'hot-reset-cdev',
    ramBytes: '0x40000000',
    iommu: { addressWidth: 48, pageSizes: ['4K', '2M', '1G'], interruptRemapping: true, invalidation: 'strict', platform: 'intel' },
    pci: [
      { bdf: '0000:00:00.0', type: 'host-bridge' },
      {
        bdf: '0000:00:01.0', type: 'root-port', acs: ['SV', 'RR', 'CR', 'UF'],
        children: [
          { bdf: '0000:01:00.0', type: 'endpoint', model: 'edu', driver: null },
          { bdf: '0000:01:00.1', type: 'endpoint', model: 'edu', driver: null },
        ],
      },
    ],
  });
}

const F0 = '0000:01:00.0';
const F1 = '0000:01:00.1';
const BOTH = uapi.VFIO_PCI_HOT_RESET_FLAG_DEV_ID | uapi.VFIO_PCI_HOT_RESET_FLAG_DEV_ID_OWNED;

function info(p: ReturnType<typeof boundDevice>['p'], fd: number): { flags: number; count: number; devices: Array<Record<string, number>> } {
  const a = { argsz: 12 + 2 * 16, flags: 0, count: 0, devices: [] as Array<Record<string, number>> };
  p.ioctl(fd, uapi.VFIO_DEVICE_GET_PCI_HOT_RESET_INFO, a);
  return a;
}

describe('hot reset through a cdev', () => {
  it('names a function bound to the same iommufd by its devid, a sibling of an owned group as OWNED (0)', () => {
    const host = twoFunctions();
    host.bind(F1, 'vfio-pci');
    const d = boundDevice({ host, bdf: F0 });
    const r = info(d.p, d.dev);
    expect(r.flags).toBe(BOTH);
    expect(r.devices.map((x) => x['devid'])).toEqual([d.devId, uapi.VFIO_PCI_DEVID_OWNED]);
    expect(d.p.ioctl(d.dev, uapi.VFIO_DEVICE_PCI_HOT_RESET, { argsz: 12, flags: 0, count: 0 })).toBe(0);
  });

  it('both functions bound to the iommufd: both devids', () => {
    const host = twoFunctions();
    const d0 = boundDevice({ host, bdf: F0 });
    const d1 = boundDevice({ host, p: d0.p, fd: d0.fd, bdf: F1 });
    const r = info(d0.p, d0.dev);
    expect(r.flags).toBe(BOTH);
    expect(r.devices.map((x) => x['devid'])).toEqual([d0.devId, d1.devId]);
  });

  it('a function not bound to vfio-pci is NOT_OWNED, DEV_ID_OWNED is cleared, and the reset is EINVAL', () => {
    const host = twoFunctions();
    const d = boundDevice({ host, bdf: F0 });
    const r = info(d.p, d.dev);
    expect(r.flags).toBe(uapi.VFIO_PCI_HOT_RESET_FLAG_DEV_ID);
    expect(r.devices.map((x) => x['devid'])).toEqual([d.devId, 0xffff_ffff]);
    expect(errnoOf(() => d.p.ioctl(d.dev, uapi.VFIO_DEVICE_PCI_HOT_RESET, { argsz: 12, flags: 0, count: 0 }))).toBe('EINVAL');
  });
});
