/**
 * One copy_from_user rule for every fd kind (docs/ioctl-arguments.md): the three argument
 * readers this replaced answered differently for the same bad value (type1 wrapped a u32
 * given 2**33, iommufd called it a TypeError, vfio-pci wrapped it too). Now a value no C
 * field of that width can hold is a RangeError ERR_OUT_OF_RANGE on every fd, a value of the
 * wrong JS type a TypeError, and a NULL (0) pointer EFAULT.
 */
import { describe, expect, it } from 'vitest';
import { Host, uapi, type Process } from '../../src/index.js';
import { openLegacyDevice } from '../support/vfio.js';

const EDU = '0000:06:00.0';

function thrown(fn: () => unknown): { name: string; code: unknown } {
  try {
    fn();
  } catch (e) {
    return { name: (e as Error).name, code: (e as { code?: unknown }).code };
  }
  throw new Error('no error thrown');
}

interface Fds {
  p: Process;
  container: number;
  device: number;
  iommufd: number;
}

function fds(): Fds {
  const host = new Host();
  const d = openLegacyDevice(host, EDU);
  return { p: d.p, container: d.container, device: d.device, iommufd: d.p.open('/dev/iommu') };
}

/** One call per fd kind, each with the bad value in a __u32 field, then in a __u64 field. */
function calls(f: Fds, u32: unknown, u64: unknown): Array<() => unknown> {
  return [
    () => f.p.ioctl(f.container, uapi.VFIO_IOMMU_MAP_DMA, { argsz: 32, flags: u32, vaddr: 0x1000n, iova: 0n, size: 0x1000n }),
    () => f.p.ioctl(f.device, uapi.VFIO_DEVICE_GET_IRQ_INFO, { argsz: 16, index: u32 }),
    () => f.p.ioctl(f.iommufd, uapi.IOMMU_IOAS_ALLOC, { size: 12, flags: u32 }),
    () => f.p.ioctl(f.container, uapi.VFIO_IOMMU_UNMAP_DMA, { argsz: 24, flags: 0, iova: u64, size: 0x1000n }),
    () => f.p.ioctl(f.device, uapi.VFIO_DEVICE_IOEVENTFD, { argsz: 32, flags: 4, offset: u64, data: 0n, fd: -1 }),
    () => f.p.ioctl(f.iommufd, uapi.IOMMU_IOAS_UNMAP, { size: 24, ioas_id: 1, iova: u64, length: 0x1000n }),
  ];
}

describe('a value the C field cannot hold', () => {
  it('2**33 in a __u32 and 2n**64n in a __u64 are RangeError ERR_OUT_OF_RANGE on container, device and iommufd fds', () => {
    const f = fds();
    for (const call of calls(f, 2 ** 33, 1n << 64n)) expect(thrown(call)).toEqual({ name: 'RangeError', code: 'ERR_OUT_OF_RANGE' });
  });

  it('a fractional number is a RangeError too (as for a syscall parameter: checkInt)', () => {
    const f = fds();
    for (const call of calls(f, 1.5, -(1n << 64n)).slice(0, 3)) expect(thrown(call)).toEqual({ name: 'RangeError', code: 'ERR_OUT_OF_RANGE' });
  });

  it('the wrong JS type is a TypeError ERR_INVALID_ARG_TYPE everywhere', () => {
    const f = fds();
    for (const call of calls(f, 1n, 1)) expect(thrown(call)).toEqual({ name: 'TypeError', code: 'ERR_INVALID_ARG_TYPE' });
  });

  it('C conversions inside the range still hold: ~0 is 0xffffffff, so the kernel answers for the flags or index', () => {
    const f = fds();
    expect(calls(f, ~0, 0n).slice(0, 3).map((call) => thrown(call).code)).toEqual(['EINVAL', 'EINVAL', 'EOPNOTSUPP']);
  });
});

describe('the whole argument', () => {
  it('0 as a struct pointer is NULL: EFAULT on every fd kind', () => {
    const f = fds();
    expect(thrown(() => f.p.ioctl(f.container, uapi.VFIO_IOMMU_GET_INFO, 0)).code).toBe('EFAULT');
    expect(thrown(() => f.p.ioctl(f.device, uapi.VFIO_DEVICE_GET_INFO, 0)).code).toBe('EFAULT');
    expect(thrown(() => f.p.ioctl(f.iommufd, uapi.IOMMU_IOAS_ALLOC, 0)).code).toBe('EFAULT');
  });

  it('CHECK_EXTENSION takes a number or a bigint on a container and on an iommufd alike', () => {
    const f = fds();
    expect(f.p.ioctl(f.container, uapi.VFIO_CHECK_EXTENSION, 3n)).toBe(1);
    expect(f.p.ioctl(f.iommufd, uapi.VFIO_CHECK_EXTENSION, 3n)).toBe(1);
    // @ts-expect-error -- the wrong JS type is refused by the compiler too; this checks the run-time TypeError
    expect(thrown(() => f.p.ioctl(f.iommufd, uapi.VFIO_CHECK_EXTENSION, '3')).name).toBe('TypeError');
  });
});
