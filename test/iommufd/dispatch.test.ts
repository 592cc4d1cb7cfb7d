/** Generic dispatch, object ids and IOMMU_DESTROY (selftest iommufd.cmd_fail, cmd_length, cmd_ex_fail). */
import { describe, expect, it } from 'vitest';
import { uapi } from '../../src/index.js';
import { IOMMUFD_IOCTLS } from '../../src/uapi/ioctls.js';
import { _IOWR } from '../../src/uapi/ioctl.js';
import { attach, boundDevice, destroy, expectErrno, ioasAlloc, iommufd } from './helpers.js';

describe('iommufd dispatch', () => {
  it('DESTROY id 0 is ENOENT, a NULL argument EFAULT, an unknown nr below 0x80 ENOTTY', () => {
    const { p, fd } = iommufd();
    expectErrno(() => destroy(p, fd, 0), 'ENOENT');
    expectErrno(() => p.ioctl(fd, uapi.IOMMU_DESTROY), 'EFAULT');
    expectErrno(() => p.ioctl(fd, (0x3b << 8) | 0x7f, { size: 8 }), 'ENOTTY');
    expectErrno(() => p.ioctl(fd, (0x3b << 8) | 0xa0, { size: 8 }), 'ENOTTY');
  });

  it('a request carrying direction/size bits is ENOTTY (after the size is read)', () => {
    const { p, fd } = iommufd();
    const bad = _IOWR(0x3b, 0x80, 8);
    expectErrno(() => p.ioctl(fd, bad), 'EFAULT');
    expectErrno(() => p.ioctl(fd, bad, { size: 8, id: 0 }), 'ENOTTY');
  });

  it('every command: size = min_size - 1 is EINVAL; sizeof + 1 with 0xff is E2BIG; with 0 it is as sizeof', () => {
    const { p, fd } = iommufd();
    for (const op of IOMMUFD_IOCTLS) {
      expectErrno(() => p.ioctl(fd, op.request, { size: op.minSize - 1 }), 'EINVAL');
      expectErrno(() => p.ioctl(fd, op.request, { size: op.size + 1, __trailing: [0xff] }), 'E2BIG');
      const run = (size: number, t?: number[]): string => {
        const c = iommufd();
        try {
          c.p.ioctl(c.fd, op.request, t === undefined ? { size } : { size, __trailing: t });
          return 'ok';
        } catch (e) {
          return (e as { code: string }).code;
        }
      };
      expect(run(op.size + 1, [0]), op.name).toBe(run(op.size));
    }
  });

  it('DESTROY with a 16-byte struct: zero tail is ENOENT, a non-zero u64 E2BIG, size 7 EINVAL', () => {
    const { p, fd } = iommufd();
    expectErrno(() => p.ioctl(fd, uapi.IOMMU_DESTROY, { size: 16, id: 0, __trailing: [0, 0, 0, 0, 0, 0, 0, 0] }), 'ENOENT');
    expectErrno(() => p.ioctl(fd, uapi.IOMMU_DESTROY, { size: 16, id: 0, __trailing: [1, 0, 0, 0, 0, 0, 0, 0] }), 'E2BIG');
    expectErrno(() => p.ioctl(fd, uapi.IOMMU_DESTROY, { size: 7, id: 0 }), 'EINVAL');
  });

  it('trailing bytes past the caller size are not looked at', () => {
    const { p, fd } = iommufd();
    const ioas = ioasAlloc(p, fd);
    p.ioctl(fd, uapi.IOMMU_DESTROY, { size: 8, id: ioas, __trailing: [1] });
  });

  it('fields past the caller size read as zero and are not written back', () => {
    const { p, fd } = iommufd();
    // IOAS_ALLOC needs 12 bytes; with exactly 12 out_ioas_id is written
    const a = { size: 12, flags: 0, out_ioas_id: 77 };
    p.ioctl(fd, uapi.IOMMU_IOAS_ALLOC, a);
    expect(a.out_ioas_id).toBe(1);
    // GET_HW_INFO with size 32 (min) never writes out_capabilities at offset 32
    const d = boundDevice();
    const h = { size: 32, flags: 0, dev_id: d.devId, data_len: 0, data_uptr: 0n, out_capabilities: 5n };
    d.p.ioctl(d.fd, uapi.IOMMU_GET_HW_INFO, h);
    expect(h.out_capabilities).toBe(5n);
  });

  it('a field of the wrong JS type is a TypeError; a non-object argument too', () => {
    const { p, fd } = iommufd();
    const err = (fn: () => unknown): unknown => {
      try {
        fn();
      } catch (e) {
        return e;
      }
      return undefined;
    };
    // @ts-expect-error -- the wrong JS type is refused by the compiler too; this checks the run-time TypeError
    const e1 = err(() => p.ioctl(fd, uapi.IOMMU_IOAS_MAP, { size: 40, flags: 6, ioas_id: 1, user_va: 0x1000n, length: 4096, iova: 0n }));
    expect(e1).toBeInstanceOf(TypeError);
    expect((e1 as { code: string }).code).toBe('ERR_INVALID_ARG_TYPE');
    // @ts-expect-error -- the wrong JS type is refused by the compiler too; this checks the run-time TypeError
    expect(err(() => p.ioctl(fd, uapi.IOMMU_DESTROY, 'x'))).toBeInstanceOf(TypeError);
    // @ts-expect-error -- the wrong JS type is refused by the compiler too; this checks the run-time TypeError
    expect(err(() => p.ioctl(fd, uapi.IOMMU_DESTROY, { size: 8, id: 1n }))).toBeInstanceOf(TypeError);
  });
});

describe('object ids and references', () => {
  it('ids are lowest-free and reused; one namespace for every type', () => {
    const { p, fd } = iommufd();
    expect([ioasAlloc(p, fd), ioasAlloc(p, fd), ioasAlloc(p, fd)]).toEqual([1, 2, 3]);
    destroy(p, fd, 2);
    expect(ioasAlloc(p, fd)).toBe(2);
    expect(ioasAlloc(p, fd)).toBe(4);
  });

  it('an IOAS with an attached device is EBUSY; a bound device is always EBUSY; the auto HWPT too', () => {
    const d = boundDevice();
    const ioas = ioasAlloc(d.p, d.fd);
    const hwpt = attach(d.p, d.dev, ioas);
    expectErrno(() => destroy(d.p, d.fd, ioas), 'EBUSY');
    expectErrno(() => destroy(d.p, d.fd, d.devId), 'EBUSY');
    expectErrno(() => destroy(d.p, d.fd, hwpt), 'EBUSY');
    d.p.ioctl(d.dev, uapi.VFIO_DEVICE_DETACH_IOMMUFD_PT, { argsz: 12, flags: 0 });
    // the auto domain died with its last device
    expectErrno(() => destroy(d.p, d.fd, hwpt), 'ENOENT');
    destroy(d.p, d.fd, ioas);
    expectErrno(() => destroy(d.p, d.fd, d.devId), 'EBUSY');
  });

  it('typed lookups: an id of another type is ENOENT', () => {
    const d = boundDevice();
    expectErrno(() => d.p.ioctl(d.fd, uapi.IOMMU_IOAS_UNMAP, { size: 24, ioas_id: d.devId, iova: 0n, length: (1n << 64n) - 1n }), 'ENOENT');
  });
});
