/** vfio_compat on an iommufd fd, IOMMU_OPTION, IOMMU_VFIO_IOAS, HWPT_ALLOC, GET_HW_INFO, dirty tracking, memlock. */
import { describe, expect, it } from 'vitest';
import { uapi, type Process } from '../../src/index.js';
import { attach, boundDevice, cdevIndex, expectErrno, ioasAlloc, iommufd, mapFixed, P } from './helpers.js';
import { anonBuffer } from '../support/vfio.js';
import { iommuGroup, lockedVm, pinnedVm, shareFd } from '../support/kernel-state.js';

function compat(type: number) {
  const d = boundDevice();
  const ioas = ioasAlloc(d.p, d.fd);
  attach(d.p, d.dev, ioas);
  d.p.ioctl(d.fd, uapi.IOMMU_VFIO_IOAS, { size: 12, ioas_id: ioas, op: uapi.IOMMU_VFIO_IOAS_SET });
  d.p.ioctl(d.fd, uapi.VFIO_SET_IOMMU, type);
  return { ...d, ioas };
}

describe('vfio_compat', () => {
  it('a fresh context: API version 0, TYPE1v2 supported, map/unmap/info/set_iommu ENODEV', () => {
    const { p, fd } = iommufd();
    expect(p.ioctl(fd, uapi.VFIO_GET_API_VERSION)).toBe(0);
    expect(p.ioctl(fd, uapi.VFIO_CHECK_EXTENSION, uapi.VFIO_TYPE1v2_IOMMU)).toBe(1);
    expectErrno(() => p.ioctl(fd, uapi.VFIO_IOMMU_UNMAP_DMA, { argsz: 1 }), 'EINVAL');
    expectErrno(() => p.ioctl(fd, uapi.VFIO_IOMMU_UNMAP_DMA, { argsz: 24, flags: 1 << 31 }), 'EINVAL');
    expectErrno(() => p.ioctl(fd, uapi.VFIO_IOMMU_UNMAP_DMA, { argsz: 24 }), 'ENODEV');
    expectErrno(() => p.ioctl(fd, uapi.VFIO_IOMMU_MAP_DMA, { argsz: 1 }), 'EINVAL');
    expectErrno(() => p.ioctl(fd, uapi.VFIO_IOMMU_MAP_DMA, { argsz: 32 }), 'ENODEV');
    expectErrno(() => p.ioctl(fd, uapi.VFIO_IOMMU_GET_INFO, { argsz: 1 }), 'EINVAL');
    expectErrno(() => p.ioctl(fd, uapi.VFIO_IOMMU_GET_INFO, { argsz: 24 }), 'ENODEV');
    expectErrno(() => p.ioctl(fd, uapi.VFIO_SET_IOMMU, uapi.VFIO_TYPE1v2_IOMMU), 'ENODEV');
    expectErrno(() => p.ioctl(fd, uapi.VFIO_IOMMU_DIRTY_PAGES, { argsz: 8 }), 'ENOTTY');
  });

  it('IOMMU_VFIO_IOAS: GET ENODEV, SET 0 ENOENT, SET + GET, CLEAR + GET ENODEV; destroying it clears it', () => {
    const { p, fd } = iommufd();
    const v = (op: number, ioas_id = 0) => {
      const a = { size: 12, ioas_id, op };
      p.ioctl(fd, uapi.IOMMU_VFIO_IOAS, a);
      return a.ioas_id;
    };
    expectErrno(() => v(uapi.IOMMU_VFIO_IOAS_GET), 'ENODEV');
    expectErrno(() => v(uapi.IOMMU_VFIO_IOAS_SET, 0), 'ENOENT');
    const ioas = ioasAlloc(p, fd);
    v(uapi.IOMMU_VFIO_IOAS_SET, ioas);
    expect(v(uapi.IOMMU_VFIO_IOAS_GET)).toBe(ioas);
    v(uapi.IOMMU_VFIO_IOAS_CLEAR);
    expectErrno(() => v(uapi.IOMMU_VFIO_IOAS_GET), 'ENODEV');
    v(uapi.IOMMU_VFIO_IOAS_SET, ioas);
    p.ioctl(fd, uapi.IOMMU_DESTROY, { size: 8, id: ioas });
    expectErrno(() => v(uapi.IOMMU_VFIO_IOAS_GET), 'ENODEV');
    expectErrno(() => p.ioctl(fd, uapi.IOMMU_VFIO_IOAS, { size: 12, op: 9 }), 'EOPNOTSUPP');
  });

  it('TYPE1 (v1) turns huge pages off; v2 keeps them', () => {
    for (const [t, want] of [[uapi.VFIO_TYPE1_IOMMU, 0n], [uapi.VFIO_TYPE1v2_IOMMU, 1n]] as const) {
      const c = compat(t);
      const a = { size: 24, option_id: uapi.IOMMU_OPTION_HUGE_PAGES, op: uapi.IOMMU_OPTION_OP_GET, object_id: c.ioas, val64: 9n };
      c.p.ioctl(c.fd, uapi.IOMMU_OPTION, a);
      expect(a.val64).toBe(want);
    }
  });

  it('MAP_DMA, unmap of an empty range succeeds with size 0, FLAG_ALL needs iova = size = 0', () => {
    const c = compat(uapi.VFIO_TYPE1v2_IOMMU);
    const va = anonBuffer(c.p, 4n * P);
    c.p.ioctl(c.fd, uapi.VFIO_IOMMU_MAP_DMA, { argsz: 32, flags: 3, vaddr: va, iova: 0x100000n, size: 4n * P });
    expectErrno(() => c.p.ioctl(c.fd, uapi.VFIO_IOMMU_MAP_DMA, { argsz: 32, flags: 3, vaddr: va, iova: 0x100000n, size: P }), 'EEXIST');
    const u = { argsz: 24, flags: 0, iova: 0x100000n, size: 4n * P };
    c.p.ioctl(c.fd, uapi.VFIO_IOMMU_UNMAP_DMA, u);
    expect(u.size).toBe(4n * P);
    const again = { argsz: 24, flags: 0, iova: 0x100000n, size: 4n * P };
    c.p.ioctl(c.fd, uapi.VFIO_IOMMU_UNMAP_DMA, again);
    expect(again.size).toBe(0n);
    c.p.ioctl(c.fd, uapi.VFIO_IOMMU_MAP_DMA, { argsz: 32, flags: 3, vaddr: va, iova: 0x100000n, size: 4n * P });
    expectErrno(() => c.p.ioctl(c.fd, uapi.VFIO_IOMMU_UNMAP_DMA, { argsz: 24, flags: uapi.VFIO_DMA_UNMAP_FLAG_ALL, iova: 1n, size: 0n }), 'EINVAL');
    const all = { argsz: 24, flags: uapi.VFIO_DMA_UNMAP_FLAG_ALL, iova: 0n, size: 0n };
    c.p.ioctl(c.fd, uapi.VFIO_IOMMU_UNMAP_DMA, all);
    expect(all.size).toBe(4n * P);
    // flags 0 (no permission) is accepted by compat, unlike IOMMU_IOAS_MAP
    c.p.ioctl(c.fd, uapi.VFIO_IOMMU_MAP_DMA, { argsz: 32, flags: 0, vaddr: va, iova: 0x200000n, size: P });
  });

  it('partial unmaps: v1 cuts exactly, v2 refuses with ENOENT (type1v2 would say EINVAL)', () => {
    for (const [t, ok] of [[uapi.VFIO_TYPE1_IOMMU, true], [uapi.VFIO_TYPE1v2_IOMMU, false]] as const) {
      const c = compat(t);
      const va = anonBuffer(c.p, 0x400000n);
      c.p.ioctl(c.fd, uapi.VFIO_IOMMU_MAP_DMA, { argsz: 32, flags: 3, vaddr: va, iova: 0x400000n, size: 0x400000n });
      const order = [5, 0, 15, 3, 9, 1, 12, 7, 2, 14, 6, 11, 4, 13, 8, 10];
      for (const i of order) {
        const u = { argsz: 24, flags: 0, iova: 0x400000n + BigInt(i) * 0x40000n, size: 0x40000n };
        if (ok) {
          c.p.ioctl(c.fd, uapi.VFIO_IOMMU_UNMAP_DMA, u);
          expect(u.size).toBe(0x40000n);
        } else expectErrno(() => c.p.ioctl(c.fd, uapi.VFIO_IOMMU_UNMAP_DMA, u), 'ENOENT');
      }
    }
  });

  it('GET_INFO: caps that fit, argsz raised, cap_offset only when all fit', () => {
    const c = compat(uapi.VFIO_TYPE1v2_IOMMU);
    const small: Record<string, unknown> = { argsz: 24 };
    c.p.ioctl(c.fd, uapi.VFIO_IOMMU_GET_INFO, small);
    const need = small.argsz as number;
    expect(need).toBe(24 + 16 + 16 + 2 * 16);
    expect(small.cap_offset).toBe(0);
    expect(small.caps).toBeUndefined();
    expect(small.flags).toBe(uapi.VFIO_IOMMU_INFO_PGSIZES | uapi.VFIO_IOMMU_INFO_CAPS);
    const full: Record<string, unknown> = { argsz: need };
    c.p.ioctl(c.fd, uapi.VFIO_IOMMU_GET_INFO, full);
    expect(full.cap_offset).toBe(24);
    expect(full.iova_pgsizes).toBe(0x40201000n);
    expect(full.caps).toEqual([
      { id: uapi.VFIO_IOMMU_TYPE1_INFO_DMA_AVAIL, version: 1, next: 40, avail: 0xffffffff },
      { id: uapi.VFIO_IOMMU_TYPE1_INFO_CAP_IOVA_RANGE, version: 1, next: 0, nr_iovas: 2, reserved: 0, iova_ranges: [{ start: 0n, end: 0xfedfffffn }, { start: 0xfef00000n, end: (1n << 48n) - 1n }] },
    ]);
    const sixteen: Record<string, unknown> = { argsz: 16, cap_offset: 7 };
    c.p.ioctl(c.fd, uapi.VFIO_IOMMU_GET_INFO, sixteen);
    expect(sixteen.cap_offset).toBe(7);
  });
});

describe('IOMMU_OPTION RLIMIT_MODE and memlock accounting', () => {
  it('GET is 0 on /dev/iommu; SET needs CAP_SYS_RESOURCE and an empty context; 2 is EINVAL', () => {
    const { host, p, fd } = iommufd();
    const o = (op: number, val64: bigint, object_id = 0) => {
      const a = { size: 24, option_id: uapi.IOMMU_OPTION_RLIMIT_MODE, op, object_id, val64 };
      p.ioctl(fd, uapi.IOMMU_OPTION, a);
      return a.val64;
    };
    expect(o(uapi.IOMMU_OPTION_OP_GET, 1n)).toBe(0n);
    o(uapi.IOMMU_OPTION_OP_SET, 1n);
    expectErrno(() => o(uapi.IOMMU_OPTION_OP_SET, 2n), 'EINVAL');
    expect(o(uapi.IOMMU_OPTION_OP_GET, 0n)).toBe(1n);
    expectErrno(() => o(uapi.IOMMU_OPTION_OP_GET, 0n, 5), 'EOPNOTSUPP');
    expectErrno(() => p.ioctl(fd, uapi.IOMMU_OPTION, { size: 24, option_id: 7 }), 'EOPNOTSUPP');
    expectErrno(() => p.ioctl(fd, uapi.IOMMU_OPTION, { size: 24, option_id: 1, op: 0, object_id: 0 }), 'ENOENT');
    ioasAlloc(p, fd);
    expectErrno(() => o(uapi.IOMMU_OPTION_OP_SET, 0n), 'EBUSY');
    const user = host.spawn({ uid: 1000, caps: [] });
    const ufd = user.open('/dev/iommu');
    expectErrno(() => user.ioctl(ufd, uapi.IOMMU_OPTION, { size: 24, option_id: 0, op: 0, val64: 1n }), 'EPERM');
  });

  it('USER mode charges the UID, MM mode the mm; over RLIMIT_MEMLOCK is ENOMEM; CAP_IPC_LOCK charges nothing', () => {
    for (const mode of [0n, 1n]) {
      const d = boundDevice();
      const user = d.host.spawn({ uid: 1000, caps: ['CAP_SYS_RESOURCE'], rlimitMemlock: 8n * P });
      const fd = user.open('/dev/iommu');
      user.ioctl(fd, uapi.IOMMU_OPTION, { size: 24, option_id: 0, op: 0, val64: mode });
      // root's device is rebound to the user's context (the fd handed over as SCM_RIGHTS would)
      d.p.close(d.dev);
      const dev = d.p.open(`/dev/vfio/devices/vfio${cdevIndex(d.p, '0000:06:00.0')}`);
      d.p.ioctl(dev, uapi.VFIO_DEVICE_BIND_IOMMUFD, { argsz: 24, iommufd: passFd(d.p, user, fd) });
      const ioas = ioasAlloc(user, fd);
      attach(d.p, dev, ioas);
      const va = anonBuffer(user, 16n * P);
      mapFixed(user, fd, ioas, va, 0x100000n, 8n * P);
      expect(pinnedVm(user)).toBe(8n);
      expect(lockedVm(user)).toBe(mode === 1n ? 8n : 0n);
      expectErrno(() => mapFixed(user, fd, ioas, va + 8n * P, 0x200000n, P), 'ENOMEM');
    }
  });
});

/** Give `to`'s iommufd to `from` (as SCM_RIGHTS would): install the same open file in from's table. */
function passFd(from: Process, to: Process, fd: number): number {
  return shareFd(to, fd, from);
}

describe('HWPT_ALLOC, GET_HW_INFO, dirty tracking', () => {
  it('HWPT_ALLOC order: __reserved, data_type/len, dev_id ENOENT, pt_id EINVAL, flags EOPNOTSUPP', () => {
    const d = boundDevice();
    const ioas = ioasAlloc(d.p, d.fd);
    const h = (o: Record<string, unknown>) => d.p.ioctl(d.fd, uapi.IOMMU_HWPT_ALLOC, { size: 48, flags: 0, dev_id: d.devId, pt_id: ioas, ...o });
    expectErrno(() => h({ __reserved: 1 }), 'EOPNOTSUPP');
    expectErrno(() => h({ data_len: 4 }), 'EINVAL');
    expectErrno(() => h({ dev_id: ioas }), 'ENOENT');
    expectErrno(() => h({ pt_id: 99 }), 'EINVAL');
    expectErrno(() => h({ pt_id: d.devId }), 'EINVAL');
    // FAULT_ID_VALID is stripped before the driver's flag check; fault_id 0 then names no FAULT (issue 13 §3)
    expectErrno(() => h({ flags: uapi.IOMMU_HWPT_FAULT_ID_VALID }), 'ENOENT');
    // but iommufd_hwpt_paging_alloc() refuses it together with NEST_PARENT first (a nest parent takes no faults)
    expectErrno(() => h({ flags: uapi.IOMMU_HWPT_ALLOC_NEST_PARENT | uapi.IOMMU_HWPT_FAULT_ID_VALID }), 'EOPNOTSUPP');
    expectErrno(() => h({ flags: ~uapi.IOMMU_HWPT_ALLOC_NEST_PARENT }), 'EOPNOTSUPP');
    const a = { size: 48, flags: uapi.IOMMU_HWPT_ALLOC_NEST_PARENT, dev_id: d.devId, pt_id: ioas, out_hwpt_id: 0 };
    d.p.ioctl(d.fd, uapi.IOMMU_HWPT_ALLOC, a);
    expect(a.out_hwpt_id).toBe(3);
    expectErrno(() => h({ pt_id: a.out_hwpt_id, data_type: uapi.IOMMU_HWPT_DATA_VTD_S1, data_len: 24 }), 'EOPNOTSUPP');
    const inv = { size: 32, hwpt_id: a.out_hwpt_id, data_uptr: 1n, data_type: 0, entry_len: 24, entry_num: 1 };
    expectErrno(() => d.p.ioctl(d.fd, uapi.IOMMU_HWPT_INVALIDATE, inv), 'EINVAL');
    expect(inv.entry_num).toBe(0);
  });

  it('GET_HW_INFO: dev 0 ENOENT; VT-d data with the tail zero-filled; a short buffer gets the prefix', () => {
    const d = boundDevice();
    expectErrno(() => d.p.ioctl(d.fd, uapi.IOMMU_GET_HW_INFO, { size: 40, dev_id: 0 }), 'ENOENT');
    const probe = { size: 40, dev_id: d.devId, data_len: 0, data_uptr: 0n, out_data_type: 9, out_capabilities: 0n };
    d.p.ioctl(d.fd, uapi.IOMMU_GET_HW_INFO, probe);
    // edu has no ATS: 7.x also reports IOMMU_HW_CAP_PCI_ATS_NOT_SUPPORTED (8)
    expect(probe).toMatchObject({ data_len: 24, out_data_type: uapi.IOMMU_HW_INFO_TYPE_INTEL_VTD, out_capabilities: 1n | 8n });
    const big = new Uint8Array(40).fill(0xaa);
    d.p.ioctl(d.fd, uapi.IOMMU_GET_HW_INFO, { size: 40, dev_id: d.devId, data_len: 40, data_uptr: big });
    expect([...big.subarray(24)].every((b) => b === 0)).toBe(true);
    const small = new Uint8Array(4).fill(0xaa);
    const s = { size: 40, dev_id: d.devId, data_len: 4, data_uptr: small };
    d.p.ioctl(d.fd, uapi.IOMMU_GET_HW_INFO, s);
    expect(s.data_len).toBe(24);
    expectErrno(() => d.p.ioctl(d.fd, uapi.IOMMU_GET_HW_INFO, { size: 40, flags: uapi.IOMMU_HW_INFO_FLAG_INPUT_TYPE, in_data_type: 2, dev_id: d.devId }), 'EOPNOTSUPP');
    expectErrno(() => d.p.ioctl(d.fd, uapi.IOMMU_GET_HW_INFO, { size: 40, flags: 2, dev_id: d.devId }), 'EOPNOTSUPP');
  });

  it('dirty tracking: EOPNOTSUPP without the alloc flag; device writes show up in the bitmap once', () => {
    const d = boundDevice();
    const ioas = ioasAlloc(d.p, d.fd);
    const plain = attach(d.p, d.dev, ioas);
    expectErrno(() => d.p.ioctl(d.fd, uapi.IOMMU_HWPT_SET_DIRTY_TRACKING, { size: 16, flags: 1, hwpt_id: plain }), 'EOPNOTSUPP');
    const a = { size: 48, flags: uapi.IOMMU_HWPT_ALLOC_DIRTY_TRACKING, dev_id: d.devId, pt_id: ioas, out_hwpt_id: 0 };
    d.p.ioctl(d.fd, uapi.IOMMU_HWPT_ALLOC, a);
    attach(d.p, d.dev, a.out_hwpt_id);
    mapFixed(d.p, d.fd, ioas, anonBuffer(d.p, 4n * P), 0x100000n, 4n * P);
    d.p.ioctl(d.fd, uapi.IOMMU_HWPT_SET_DIRTY_TRACKING, { size: 16, flags: 1, hwpt_id: a.out_hwpt_id });
    const rid = iommuGroup(d.host, '0000:06:00.0').rids[0]!;
    expect(d.host.iommu!.dmaWrite(rid, 0x102010n, new Uint8Array(8)).ok).toBe(true);
    const get = (flags = 0) => {
      const b = { size: 48, hwpt_id: a.out_hwpt_id, flags, iova: 0x100000n, length: 4n * P, page_size: P, data: [0n] };
      d.p.ioctl(d.fd, uapi.IOMMU_HWPT_GET_DIRTY_BITMAP, b);
      return b.data[0];
    };
    expect(get(uapi.IOMMU_HWPT_GET_DIRTY_BITMAP_NO_CLEAR)).toBe(0b100n);
    expect(get()).toBe(0b100n);
    expect(get()).toBe(0n);
    expectErrno(() => d.p.ioctl(d.fd, uapi.IOMMU_HWPT_GET_DIRTY_BITMAP, { size: 48, hwpt_id: a.out_hwpt_id, iova: 0x100000n, length: P, page_size: 0n, data: [0n] }), 'EINVAL');
    expectErrno(() => d.p.ioctl(d.fd, uapi.IOMMU_HWPT_GET_DIRTY_BITMAP, { size: 48, hwpt_id: a.out_hwpt_id, iova: 0x100800n, length: P, page_size: P, data: [0n] }), 'EINVAL');
  });
});
