/**
 * 7.3's no-IOMMU mode through iommufd (CONFIG_IOMMUFD_NOIOMMU): the no-IOMMU device cdev
 * /dev/vfio/devices/noiommu-vfioN (vfio_main.c vfio_device_set_noiommu_and_name,
 * device_cdev.c vfio_device_fops_cdev_open), its bind and attach (iommufd/device.c
 * iommufd_bind_noiommu, the iommufd_device_is_noiommu() paths), the software domain
 * (hwpt_noiommu.c) and IOMMU_IOAS_NOIOMMU_GET_PA (ioas.c iommufd_ioas_noiommu_get_pa,
 * io_pagetable.c iopt_get_phys). Each refusal breaks one rule and expects the kernel's errno.
 */
import { describe, expect, it } from 'vitest';
import { Host, uapi, type Process } from '../../src/index.js';
import { EDU as EDU_REGS } from '../../src/hardware/devices/edu.js';
import { enableDevice } from '../../src/testing/session.js';
import { readU64le, u64le } from '../support/bytes.js';
import { anonBuffer, PROT_RW } from '../support/vfio.js';
import { attach, expectErrno, ioasAlloc, mapFixed, P, ranges, RW, U64_MAX, unmap } from './helpers.js';
import { noIommuMachine as noIommuMachineOf } from '../support/vfio.js';

const EDU = '0000:00:03.0';
const noIommuMachine = noIommuMachineOf('0x80000000');

const NO_RAWIO = ['CAP_DAC_OVERRIDE', 'CAP_SYS_ADMIN', 'CAP_IPC_LOCK'];

function cdevPath(p: Process): string {
  return `/dev/vfio/devices/${p.readdir(`/sys/bus/pci/devices/${EDU}/vfio-dev`)[0]!}`;
}

/** A no-IOMMU edu on vfio-pci, its cdev bound to a new iommufd. */
function noiommuDevice(host = new Host(noIommuMachine)) {
  host.bind(EDU, 'vfio-pci');
  const p = host.spawn();
  const fd = p.open('/dev/iommu');
  const dev = p.open(cdevPath(p));
  const b = { argsz: 24, flags: 0, iommufd: fd, out_devid: 0 };
  p.ioctl(dev, uapi.VFIO_DEVICE_BIND_IOMMUFD, b);
  return { host, p, fd, dev, devId: b.out_devid };
}

interface GetPa {
  size: number;
  flags: number;
  ioas_id: number;
  __reserved: number;
  iova: bigint;
  length: bigint;
  out_phys: bigint;
  [k: string]: unknown;
}

function getPa(p: Process, fd: number, ioas: number, iova: bigint, length: bigint, o: Partial<GetPa> = {}): GetPa {
  const a: GetPa = { size: 40, flags: 0, ioas_id: ioas, __reserved: 0, iova, length, out_phys: 0n, ...o };
  p.ioctl(fd, uapi.IOMMU_IOAS_NOIOMMU_GET_PA, a);
  return a;
}

/** The physical address of `va` from /proc/self/pagemap (the PFN is shown to CAP_SYS_ADMIN). */
function physOf(p: Process, va: bigint): bigint {
  const fd = p.open('/proc/self/pagemap', uapi.O_RDONLY);
  const e = readU64le(p.pread(fd, 8, (va / P) * 8n));
  p.close(fd);
  return ((e & ((1n << 55n) - 1n)) << 12n) + (va % P);
}

/** A device attached to an IOAS holding `len` bytes of fresh, touched memory at `iova`. */
function mapped(len = 4n * P, iova = 0x10_0000n) {
  const d = noiommuDevice();
  const ioas = ioasAlloc(d.p, d.fd);
  const hwpt = attach(d.p, d.dev, ioas);
  const va = anonBuffer(d.p, len);
  for (let o = 0n; o < len; o += P) d.p.writeMem(va + o, Uint8Array.of(1));
  mapFixed(d.p, d.fd, ioas, va, iova, len);
  return { ...d, ioas, hwpt, va, iova, len };
}

describe('no-IOMMU device cdevs (vfio_device_set_noiommu_and_name, vfio_device_fops_cdev_open)', () => {
  it('the cdev is noiommu-vfioN, in /dev and in sysfs; its group node is noiommu-<id>', () => {
    const host = new Host(noIommuMachine);
    host.bind(EDU, 'vfio-pci');
    const p = host.spawn();
    expect(p.readdir(`/sys/bus/pci/devices/${EDU}/vfio-dev`)).toEqual(['noiommu-vfio0']);
    expect(p.readdir('/dev/vfio/devices')).toEqual(['noiommu-vfio0']);
    expect(p.readdir('/dev/vfio').filter((n) => n.startsWith('noiommu-'))).toHaveLength(1);
    p.writeFile('/sys/bus/pci/drivers/vfio-pci/unbind', EDU);
    expectErrno(() => p.open('/dev/vfio/devices/noiommu-vfio0'), 'ENOENT');
  });

  it('opening it needs CAP_SYS_RAWIO (EPERM); a device with an IOMMU keeps vfioN', () => {
    const host = new Host(noIommuMachine);
    host.bind(EDU, 'vfio-pci');
    const weak = host.spawn({ caps: NO_RAWIO });
    expectErrno(() => weak.open(cdevPath(weak)), 'EPERM');
    const root = host.spawn();
    expect(root.open(cdevPath(root))).toBeGreaterThan(2);
    const iommu = new Host();
    iommu.bind('0000:06:00.0', 'vfio-pci');
    expect(iommu.spawn().readdir('/sys/bus/pci/devices/0000:06:00.0/vfio-dev')[0]).toMatch(/^vfio\d+$/);
  });

  it('binds without DMA ownership or MSI isolation; GET_HW_INFO is EOPNOTSUPP; the group node is EBUSY while bound', () => {
    const d = noiommuDevice();
    expect(d.devId).toBeGreaterThan(0);
    const info = { size: 40, flags: 0, dev_id: d.devId, data_len: 0, data_uptr: 0n, out_data_type: 0, out_max_pasid_log2: 0, out_capabilities: 0n };
    expectErrno(() => d.p.ioctl(d.fd, uapi.IOMMU_GET_HW_INFO, info), 'EOPNOTSUPP');
    const node = d.p.readdir('/dev/vfio').find((n) => n.startsWith('noiommu-'))!;
    expectErrno(() => d.p.open(`/dev/vfio/${node}`), 'EBUSY');
    d.p.close(d.dev);
    expect(d.p.open(`/dev/vfio/${node}`)).toBeGreaterThan(2);
  });

  it('HWPT_ALLOC: the no-IOMMU domain takes no flag (EOPNOTSUPP); flags 0 makes a HWPT the device attaches to', () => {
    const d = noiommuDevice();
    const ioas = ioasAlloc(d.p, d.fd);
    const h = (flags: number) => {
      const a = { size: 48, flags, dev_id: d.devId, pt_id: ioas, out_hwpt_id: 0 };
      d.p.ioctl(d.fd, uapi.IOMMU_HWPT_ALLOC, a);
      return a.out_hwpt_id;
    };
    expectErrno(() => h(uapi.IOMMU_HWPT_ALLOC_NEST_PARENT), 'EOPNOTSUPP');
    expectErrno(() => h(uapi.IOMMU_HWPT_ALLOC_DIRTY_TRACKING), 'EOPNOTSUPP');
    const withData = { size: 48, flags: 0, dev_id: d.devId, pt_id: ioas, data_type: uapi.IOMMU_HWPT_DATA_VTD_S1, data_len: 24, data_uptr: new Uint8Array(24) };
    expectErrno(() => d.p.ioctl(d.fd, uapi.IOMMU_HWPT_ALLOC, withData), 'EOPNOTSUPP');
    // FAULT_ID_VALID is iommufd's, stripped before noiommu_alloc_paging_flags(): the fault lookup answers
    expectErrno(() => h(uapi.IOMMU_HWPT_FAULT_ID_VALID), 'ENOENT');
    const hwpt = h(0);
    expect(attach(d.p, d.dev, hwpt)).toBe(hwpt);
  });

  it('attaching to an IOAS makes an auto HWPT with a 64-bit aperture: IOVA_RANGES stays [0, 2^64-1]', () => {
    const d = noiommuDevice();
    const ioas = ioasAlloc(d.p, d.fd);
    const hwpt = attach(d.p, d.dev, ioas);
    expect(hwpt).toBeGreaterThan(ioas);
    expect(ranges(d.p, d.fd, ioas)).toEqual({ ranges: [{ start: 0n, last: U64_MAX }], align: P });
    // the auto HWPT is the device's: destroying the IOAS is EBUSY while attached
    expectErrno(() => d.p.ioctl(d.fd, uapi.IOMMU_DESTROY, { size: 8, id: ioas }), 'EBUSY');
  });
});

describe('hot reset of a bound no-IOMMU cdev (vfio_pci_fill_devs, vfio_device_owned)', () => {
  it('reports its own devid (vfio_iommufd_get_dev_id: the device is bound to this iommufd) and resets', () => {
    const host = new Host({
      ...noIommuMachine,
      pci: [
        { bdf: '0000:00:00.0', type: 'host-bridge' },
        { bdf: '0000:00:01.0', type: 'root-port', children: [{ bdf: '0000:01:00.0', type: 'endpoint', model: 'edu', driver: null }] },
      ],
    });
    host.bind('0000:01:00.0', 'vfio-pci');
    const p = host.spawn();
    const fd = p.open('/dev/iommu');
    const dev = p.open('/dev/vfio/devices/noiommu-vfio0');
    const b = { argsz: 24, flags: 0, iommufd: fd, out_devid: 0 };
    p.ioctl(dev, uapi.VFIO_DEVICE_BIND_IOMMUFD, b);
    const info: Record<string, unknown> = { argsz: 12 + 16 * 4, flags: 0, count: 0 };
    p.ioctl(dev, uapi.VFIO_DEVICE_GET_PCI_HOT_RESET_INFO, info);
    expect(info.flags).toBe(uapi.VFIO_PCI_HOT_RESET_FLAG_DEV_ID | uapi.VFIO_PCI_HOT_RESET_FLAG_DEV_ID_OWNED);
    expect(info.devices).toEqual([{ group_id: b.out_devid, devid: b.out_devid, segment: 0, bus: 1, devfn: 0 }]);
    expect(p.ioctl(dev, uapi.VFIO_DEVICE_PCI_HOT_RESET, { argsz: 16, flags: 0, count: 0 })).toBe(0);
  });
});

describe('IOMMU_IOAS_NOIOMMU_GET_PA: each check alone, in the kernel order', () => {
  it('size below 40 is EINVAL; non-zero bytes past the struct are E2BIG (iommufd_fops_ioctl)', () => {
    const m = mapped();
    expectErrno(() => getPa(m.p, m.fd, m.ioas, m.iova, P, { size: 32 }), 'EINVAL');
    expectErrno(() => getPa(m.p, m.fd, m.ioas, m.iova, P, { size: 48, __trailing: [0, 1] }), 'E2BIG');
    expect(getPa(m.p, m.fd, m.ioas, m.iova, P, { size: 48, __trailing: [0, 0] }).length).toBe(P);
  });

  it('without CAP_SYS_RAWIO it is EPERM, before the flags check', () => {
    const m = mapped();
    const weak = m.host.spawn({ caps: NO_RAWIO });
    const fd = weak.open('/dev/iommu');
    expectErrno(() => getPa(weak, fd, m.ioas, m.iova, P, { flags: 1 }), 'EPERM');
  });

  it('flags or __reserved non-zero is EOPNOTSUPP, before the length check', () => {
    const m = mapped();
    expectErrno(() => getPa(m.p, m.fd, m.ioas, m.iova, 0n, { flags: 1 }), 'EOPNOTSUPP');
    expectErrno(() => getPa(m.p, m.fd, m.ioas, m.iova, 0n, { __reserved: 1 }), 'EOPNOTSUPP');
  });

  it('length 0 is EINVAL, before the iova check', () => {
    const m = mapped();
    expectErrno(() => getPa(m.p, m.fd, m.ioas, U64_MAX, 0n), 'EINVAL');
  });

  it('iova >= ULONG_MAX is EOVERFLOW, before the IOAS lookup, even where it is mapped', () => {
    const m = mapped(P, U64_MAX - P + 1n);
    expectErrno(() => getPa(m.p, m.fd, 999, U64_MAX, P), 'EOVERFLOW');
    expect(getPa(m.p, m.fd, m.ioas, U64_MAX - 1n, P).length).toBe(2n);
  });

  it('an id that is not an IOAS is ENOENT', () => {
    const m = mapped();
    expectErrno(() => getPa(m.p, m.fd, 999, m.iova, P), 'ENOENT');
    expectErrno(() => getPa(m.p, m.fd, m.hwpt, m.iova, P), 'ENOENT');
    expectErrno(() => getPa(m.p, m.fd, m.devId, m.iova, P), 'ENOENT');
  });

  it('an iova no mapping holds is ENOENT; after UNMAP too', () => {
    const m = mapped();
    expectErrno(() => getPa(m.p, m.fd, m.ioas, m.iova - 1n, P), 'ENOENT');
    expectErrno(() => getPa(m.p, m.fd, m.ioas, m.iova + m.len, P), 'ENOENT');
    unmap(m.p, m.fd, m.ioas, m.iova, m.len);
    expectErrno(() => getPa(m.p, m.fd, m.ioas, m.iova, P), 'ENOENT');
  });

  it('a mapping not stored in the no-IOMMU domain is EOPNOTSUPP: no device attached, or detached again', () => {
    const d = noiommuDevice();
    const ioas = ioasAlloc(d.p, d.fd);
    const va = anonBuffer(d.p, P);
    mapFixed(d.p, d.fd, ioas, va, 0x4000n, P);
    expectErrno(() => getPa(d.p, d.fd, ioas, 0x4000n, P), 'EOPNOTSUPP');
    attach(d.p, d.dev, ioas);
    expect(getPa(d.p, d.fd, ioas, 0x4000n, P).out_phys).toBe(physOf(d.p, va));
    d.p.ioctl(d.dev, uapi.VFIO_DEVICE_DETACH_IOMMUFD_PT, { argsz: 8, flags: 0 });
    expectErrno(() => getPa(d.p, d.fd, ioas, 0x4000n, P), 'EOPNOTSUPP');
  });

  it('a failure writes nothing back', () => {
    const m = mapped();
    const a: GetPa = { size: 40, flags: 0, ioas_id: m.ioas, __reserved: 0, iova: m.iova + m.len, length: 0x1234n, out_phys: 0x5678n };
    expectErrno(() => m.p.ioctl(m.fd, uapi.IOMMU_IOAS_NOIOMMU_GET_PA, a), 'ENOENT');
    expect([a.length, a.out_phys]).toEqual([0x1234n, 0x5678n]);
  });
});

describe('IOMMU_IOAS_NOIOMMU_GET_PA: what it answers (iopt_get_phys)', () => {
  it('out_phys is the pinned page behind the IOVA, offset kept, as /proc/self/pagemap says', () => {
    const m = mapped();
    for (const off of [0n, 0x123n, P + 0x800n, 3n * P + 0xfffn]) {
      expect(getPa(m.p, m.fd, m.ioas, m.iova + off, 1n).out_phys).toBe(physOf(m.p, m.va + off));
    }
  });

  it('length out: capped by length in, else the rest of the first page, then whole pages while physically contiguous', () => {
    const m = mapped();
    expect(getPa(m.p, m.fd, m.ioas, m.iova + 0x10n, 0x20n).length).toBe(0x20n);
    let run = P - 0x800n;
    for (let o = P; o < m.len && physOf(m.p, m.va + o) === physOf(m.p, m.va) + o; o += P) run += P;
    expect(getPa(m.p, m.fd, m.ioas, m.iova + 0x800n, 1n << 40n).length).toBe(run);
  });

  it('a 2 MiB huge page is one physically contiguous run, ending with its mapping', () => {
    const d = noiommuDevice();
    const ioas = ioasAlloc(d.p, d.fd);
    attach(d.p, d.dev, ioas);
    const huge = 0x20_0000n;
    const va = d.p.mmap(0n, huge, PROT_RW, uapi.MAP_PRIVATE | uapi.MAP_ANONYMOUS | uapi.MAP_HUGETLB | uapi.MAP_HUGE_2MB, -1, 0n);
    d.p.writeMem(va, Uint8Array.of(7));
    mapFixed(d.p, d.fd, ioas, va, 0x4000_0000n, huge);
    const r = getPa(d.p, d.fd, ioas, 0x4000_0000n, 1n << 32n);
    expect(r.length).toBe(huge);
    expect(r.out_phys % huge).toBe(0n);
    expect(getPa(d.p, d.fd, ioas, 0x4000_0000n + huge - P + 8n, 1n << 32n).length).toBe(P - 8n);
  });

  it('the PA is what the device must be given: edu DMAs untranslated, to and from the pinned buffer', () => {
    const m = mapped();
    enableDevice(m.p, m.dev);
    m.p.writeMem(m.va, Uint8Array.of(0x78, 0x56, 0x34, 0x12));
    const dma = (src: bigint, dst: bigint, toRam: boolean) => {
      const w64 = (off: number, v: bigint) => m.p.pwrite(m.dev, u64le(v), BigInt(off));
      w64(EDU_REGS.DMA_SRC, src);
      w64(EDU_REGS.DMA_DST, dst);
      w64(EDU_REGS.DMA_CNT, 4n);
      w64(EDU_REGS.DMA_CMD, BigInt(EDU_REGS.DMA_RUN | (toRam ? EDU_REGS.DMA_DIR_TO_RAM : 0)));
      m.host.clock.run();
    };
    const pa = getPa(m.p, m.fd, m.ioas, m.iova, 4n).out_phys;
    dma(pa, BigInt(EDU_REGS.DMA_START), false);
    dma(BigInt(EDU_REGS.DMA_START), getPa(m.p, m.fd, m.ioas, m.iova + 2n * P + 0x40n, 4n).out_phys, true);
    expect([...m.p.readMem(m.va + 2n * P + 0x40n, 4)]).toEqual([0x78, 0x56, 0x34, 0x12]);
  });

  it('works from a forked child sharing the iommufd, as long as it has CAP_SYS_RAWIO', () => {
    const m = mapped();
    const child = m.p.fork();
    expect(getPa(child, m.fd, m.ioas, m.iova, P).out_phys).toBe(physOf(m.p, m.va));
  });
});

describe('the no-IOMMU software domain beside IOAS bookkeeping', () => {
  it('pins at attach: MAP before the attach is pinned by it, and UNMAP with the device attached succeeds', () => {
    const d = noiommuDevice();
    const ioas = ioasAlloc(d.p, d.fd);
    const va = anonBuffer(d.p, 2n * P);
    mapFixed(d.p, d.fd, ioas, va, 0x2000n, 2n * P, RW);
    attach(d.p, d.dev, ioas);
    expect(getPa(d.p, d.fd, ioas, 0x3000n, P).out_phys).toBe(physOf(d.p, va + P));
    expect(unmap(d.p, d.fd, ioas, 0x2000n, 2n * P)).toBe(2n * P);
  });

  it('close of the cdev detaches and frees the auto HWPT; the IOAS then destroys', () => {
    const m = mapped();
    m.p.close(m.dev);
    expectErrno(() => getPa(m.p, m.fd, m.ioas, m.iova, P), 'EOPNOTSUPP');
    m.p.ioctl(m.fd, uapi.IOMMU_DESTROY, { size: 8, id: m.ioas });
    expectErrno(() => getPa(m.p, m.fd, m.ioas, m.iova, P), 'ENOENT');
  });
});
