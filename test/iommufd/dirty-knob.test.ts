/**
 * IOMMUs without dirty tracking (device_iommu_capable(dev, IOMMU_CAP_DIRTY_TRACKING) false):
 * the topology's `iommu.dirtyTracking: false` (the whole unit) or a function's
 * `iommuDirtyTracking: false` (a second unit without SSADS). hw_pagetable.c
 * iommufd_hwpt_paging_alloc refuses IOMMU_HWPT_ALLOC_DIRTY_TRACKING with EOPNOTSUPP; the
 * driver's attach refuses a dirty-tracking domain on such a device with EINVAL.
 */
import { describe, expect, it } from 'vitest';
import { uapi } from '../../src/index.js';
import { machine } from '../vfio-pci/helpers.js';
import { Host } from '../../src/index.js';
import { attach, boundDevice, expectErrno, ioasAlloc } from './helpers.js';

const EDU_BDF = '0000:01:00.0';
const DMAE_BDF = '0000:02:00.0';
const DIRTY = uapi.IOMMU_HWPT_ALLOC_DIRTY_TRACKING;

function hwInfoCaps(d: ReturnType<typeof boundDevice>): bigint {
  const a = { size: 40, dev_id: d.devId, data_len: 0, data_uptr: 0n, out_capabilities: 0n };
  d.p.ioctl(d.fd, uapi.IOMMU_GET_HW_INFO, a);
  return a.out_capabilities;
}

function noDirtyIommu(): Host {
  return new Host({
    name: 'no-dirty',
    ramBytes: '0x40000000',
    iommu: { platform: 'intel', dirtyTracking: false },
    pci: [
      { bdf: '0000:00:00.0', type: 'host-bridge' },
      { bdf: '0000:00:01.0', type: 'root-port', acs: ['SV', 'RR', 'CR', 'UF'], children: [{ bdf: EDU_BDF, type: 'endpoint', model: 'edu', driver: null }] },
    ],
  });
}

describe('an IOMMU without dirty tracking', () => {
  it('iommu.dirtyTracking false: HWPT_ALLOC with DIRTY_TRACKING is EOPNOTSUPP, without it fine; no DIRTY capability', () => {
    const d = boundDevice({ host: noDirtyIommu(), bdf: EDU_BDF });
    const ioas = ioasAlloc(d.p, d.fd);
    const h = (flags: number) => d.p.ioctl(d.fd, uapi.IOMMU_HWPT_ALLOC, { size: 48, flags, dev_id: d.devId, pt_id: ioas });
    expectErrno(() => h(DIRTY), 'EOPNOTSUPP');
    expect(h(0)).toBe(0);
    expect(hwInfoCaps(d) & BigInt(uapi.IOMMU_HW_CAP_DIRTY_TRACKING)).toBe(0n);
  });

  it('a dirty-tracking HWPT made for a capable device cannot be attached to a device behind a unit without it (EINVAL)', () => {
    const host = machine({ edu: { iommuDirtyTracking: false } });
    const a = boundDevice({ host, bdf: DMAE_BDF });
    const b = boundDevice({ host, p: a.p, fd: a.fd, bdf: EDU_BDF });
    const ioas = ioasAlloc(a.p, a.fd);
    const alloc = { size: 48, flags: DIRTY, dev_id: a.devId, pt_id: ioas, out_hwpt_id: 0 };
    a.p.ioctl(a.fd, uapi.IOMMU_HWPT_ALLOC, alloc);
    expect(attach(a.p, a.dev, alloc.out_hwpt_id)).toBe(alloc.out_hwpt_id);
    expectErrno(() => attach(b.p, b.dev, alloc.out_hwpt_id), 'EINVAL');
    expect(attach(b.p, b.dev, ioas)).toBeGreaterThan(0); // an auto domain is not dirty-enforcing
    expectErrno(() => attach(b.p, b.dev, alloc.out_hwpt_id), 'EINVAL'); // replace: the same check
    expectErrno(() => b.p.ioctl(b.fd, uapi.IOMMU_HWPT_ALLOC, { size: 48, flags: DIRTY, dev_id: b.devId, pt_id: ioas }), 'EOPNOTSUPP');
    expect(hwInfoCaps(a) & BigInt(uapi.IOMMU_HW_CAP_DIRTY_TRACKING)).toBe(BigInt(uapi.IOMMU_HW_CAP_DIRTY_TRACKING));
    expect(hwInfoCaps(b) & BigInt(uapi.IOMMU_HW_CAP_DIRTY_TRACKING)).toBe(0n);
  });
});

describe('IOMMU_HW_CAP_PCI_ATS_NOT_SUPPORTED', () => {
  it('set for a function without ATS or marked untrusted, clear for one with usable ATS', () => {
    const caps = (edu: object): bigint => hwInfoCaps(boundDevice({ host: machine({ edu }), bdf: EDU_BDF })) & BigInt(uapi.IOMMU_HW_CAP_PCI_ATS_NOT_SUPPORTED);
    expect(caps({})).toBe(8n);
    expect(caps({ atsCapable: true })).toBe(0n);
    expect(caps({ atsCapable: true, untrusted: true })).toBe(8n);
  });
});

describe('IOMMU_GET_HW_INFO on an AMD IOMMU (amd_iommufd_hw_info)', () => {
  function amdHost(dirtyTracking: boolean): Host {
    return new Host({
      name: 'amd',
      ramBytes: '0x40000000',
      iommu: { platform: 'amd', dirtyTracking },
      pci: [
        { bdf: '0000:00:00.0', type: 'host-bridge' },
        { bdf: '0000:00:01.0', type: 'root-port', acs: ['SV', 'RR', 'CR', 'UF'], children: [{ bdf: EDU_BDF, type: 'endpoint', model: 'edu', driver: null }] },
      ],
    });
  }

  it('reports IOMMU_HW_INFO_TYPE_AMD with struct iommu_hw_info_amd (EFR with HDSUP only when the unit tracks dirty pages)', () => {
    for (const dirty of [true, false]) {
      const d = boundDevice({ host: amdHost(dirty), bdf: EDU_BDF });
      const buf = new Uint8Array(16);
      const a = { size: 40, dev_id: d.devId, data_len: 16, data_uptr: buf, out_data_type: 0 };
      d.p.ioctl(d.fd, uapi.IOMMU_GET_HW_INFO, a);
      expect(a).toMatchObject({ data_len: 16, out_data_type: uapi.IOMMU_HW_INFO_TYPE_AMD });
      const efr = new DataView(buf.buffer).getBigUint64(0, true);
      expect((efr >> 52n) & 1n).toBe(dirty ? 1n : 0n);
      expect(new DataView(buf.buffer).getBigUint64(8, true)).toBe(0n);
    }
  });

  it('an explicit other type is EOPNOTSUPP; the AMD type itself is accepted', () => {
    const d = boundDevice({ host: amdHost(true), bdf: EDU_BDF });
    const ask = (in_data_type: number) => d.p.ioctl(d.fd, uapi.IOMMU_GET_HW_INFO, { size: 40, flags: uapi.IOMMU_HW_INFO_FLAG_INPUT_TYPE, dev_id: d.devId, in_data_type });
    expectErrno(() => ask(uapi.IOMMU_HW_INFO_TYPE_INTEL_VTD), 'EOPNOTSUPP');
    expect(ask(uapi.IOMMU_HW_INFO_TYPE_AMD)).toBe(0);
  });
});
