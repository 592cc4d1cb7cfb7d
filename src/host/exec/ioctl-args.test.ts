import { describe, expect, it } from 'vitest';
import * as uapi from '../../uapi/index.js';
import { prepareIoctl, type ArgEnv } from './ioctl-args.js';

/** A program's memory: [base, base + size) readable and writable, nothing else. */
function memory(base: bigint, size: number): ArgEnv & { bytes: Uint8Array; mirrored: Array<[bigint, bigint]> } {
  const bytes = new Uint8Array(size);
  const inside = (a: bigint, n: number): boolean => a >= base && a + BigInt(n) <= base + BigInt(size);
  const env = {
    bytes,
    mirrored: [] as Array<[bigint, bigint]>,
    read: (a: bigint, n: number) => (inside(a, n) ? bytes.slice(Number(a - base), Number(a - base) + n) : null),
    write: (a: bigint, d: Uint8Array) => {
      if (!inside(a, d.length)) return false;
      bytes.set(d, Number(a - base));
      return true;
    },
    fdIn: (fd: number) => fd + 100,
    mirror: (a: bigint, n: bigint) => void env.mirrored.push([a, n]),
    attach: () => {},
  };
  return env;
}

const BASE = 0x10000n;
const dv = (b: Uint8Array): DataView => new DataView(b.buffer);

describe('ioctl arguments of a real program', () => {
  it('a struct is read with argsz bytes, its pointers mirrored, its write-back lands in the program', () => {
    const env = memory(BASE, 4096);
    const d = dv(env.bytes);
    d.setUint32(0, 32, true); // argsz
    d.setUint32(4, 3, true); // flags
    d.setBigUint64(8, 0x7000n, true); // vaddr
    d.setBigUint64(24, 0x2000n, true); // size
    const r = prepareIoctl('vfio-container', uapi.VFIO_IOMMU_MAP_DMA, BASE, env);
    expect(r.ok && r.value.arg).toEqual({ argsz: 32, flags: 3, vaddr: 0x7000n, iova: 0n, size: 0x2000n });
    expect(env.mirrored).toEqual([[0x7000n, 0x2000n]]);
  });

  it('a bad argument pointer is EFAULT', () => {
    const r = prepareIoctl('vfio-container', uapi.VFIO_IOMMU_GET_INFO, 0x10n, memory(BASE, 64));
    expect(!r.ok && r.code).toBe('EFAULT');
  });

  it('writes the kernel capability chain at cap_offset, each cap by its id', () => {
    const env = memory(BASE, 4096);
    dv(env.bytes).setUint32(0, 256, true);
    const r = prepareIoctl('vfio-container', uapi.VFIO_IOMMU_GET_INFO, BASE, env);
    if (!r.ok) throw new Error(r.code);
    Object.assign(r.value.arg as object, {
      flags: 3,
      cap_offset: 24,
      caps: [{ id: uapi.VFIO_IOMMU_TYPE1_INFO_CAP_IOVA_RANGE, version: 1, next: 0, nr_iovas: 1, iova_ranges: [{ start: 0x1000n, end: 0xfffn }] }],
    });
    r.value.writeBack();
    const d = dv(env.bytes);
    expect(d.getUint32(16, true)).toBe(24); // cap_offset
    expect(d.getUint16(24, true)).toBe(uapi.VFIO_IOMMU_TYPE1_INFO_CAP_IOVA_RANGE);
    expect(d.getUint32(32, true)).toBe(1); // nr_iovas
    expect(d.getBigUint64(40, true)).toBe(0x1000n);
  });

  it('an output array is written back through its pointer; the count is written back on failure too', () => {
    const env = memory(BASE, 4096);
    const d = dv(env.bytes);
    d.setUint32(0, 32, true);
    d.setUint32(8, 1, true); // num_iovas: room for one
    d.setBigUint64(16, BASE + 0x100n, true); // allowed_iovas
    const r = prepareIoctl('iommufd', uapi.IOMMU_IOAS_IOVA_RANGES, BASE, env);
    if (!r.ok) throw new Error(r.code);
    const arg = r.value.arg as Record<string, unknown>;
    expect(arg['allowed_iovas']).toEqual([{ start: 0n, last: 0n }]);
    arg['num_iovas'] = 2; // EMSGSIZE: the kernel says how many there are
    arg['allowed_iovas'] = [{ start: 5n, last: 9n }];
    r.value.writeBack();
    expect(d.getUint32(8, true)).toBe(2);
    expect(d.getBigUint64(0x100, true)).toBe(5n);
    expect(d.getBigUint64(16, true)).toBe(BASE + 0x100n); // the pointer itself is untouched
  });

  it('fds inside a flexible array are translated; by-value arguments are numbers; unknown requests pass through', () => {
    const env = memory(BASE, 4096);
    const d = dv(env.bytes);
    d.setUint32(0, 28, true);
    d.setUint32(4, uapi.VFIO_IRQ_SET_DATA_EVENTFD | uapi.VFIO_IRQ_SET_ACTION_TRIGGER, true);
    d.setUint32(16, 2, true); // count
    d.setInt32(20, 7, true);
    d.setInt32(24, -1, true);
    const r = prepareIoctl('vfio-device', uapi.VFIO_DEVICE_SET_IRQS, BASE, env);
    expect(r.ok && (r.value.arg as { data: unknown }).data).toEqual([107, -1]);
    const v = prepareIoctl('vfio-container', uapi.VFIO_CHECK_EXTENSION, BigInt(uapi.VFIO_TYPE1v2_IOMMU), env);
    expect(v.ok && v.value.arg).toBe(uapi.VFIO_TYPE1v2_IOMMU);
    const u = prepareIoctl('vfio-container', 0x3bff, BASE, env);
    expect(u.ok && u.value.arg).toBe(BASE);
  });

  it("VFIO_DEVICE_FEATURE's payload is the feature's struct (fds in it carried both ways) or its bare bytes", () => {
    const env = memory(BASE, 4096);
    const d = dv(env.bytes);
    d.setUint32(0, 16, true);
    d.setUint32(4, uapi.VFIO_DEVICE_FEATURE_SET | uapi.VFIO_DEVICE_FEATURE_MIG_DEVICE_STATE, true);
    d.setUint32(8, 2, true); // device_state
    d.setInt32(12, -1, true);
    const r = prepareIoctl('vfio-device', uapi.VFIO_DEVICE_FEATURE, BASE, env);
    if (!r.ok) throw new Error(r.code);
    const data = (r.value.arg as { data: Record<string, unknown> }).data;
    expect(data).toEqual({ device_state: 2, data_fd: -1 });
    data['data_fd'] = 9; // the kernel installed a data fd
    r.value.writeBack();
    expect(r.value.fdOut).toEqual([{ addr: BASE + 12n, simFd: 9 }]);
    expect(d.getInt32(12, true)).toBe(9);

    d.setUint32(0, 24, true);
    d.setUint32(4, uapi.VFIO_DEVICE_FEATURE_SET | uapi.VFIO_DEVICE_FEATURE_PCI_VF_TOKEN, true);
    env.bytes.set(Uint8Array.from({ length: 16 }, (_, i) => i + 1), 8);
    const t = prepareIoctl('vfio-device', uapi.VFIO_DEVICE_FEATURE, BASE, env);
    expect(t.ok && [...((t.value.arg as { data: Uint8Array }).data)]).toEqual(Array.from({ length: 16 }, (_, i) => i + 1));
  });
});
