import { describe, expect, it } from 'vitest';
import { uapi, SignalError } from '../../src/index.js';
import { EDU } from '../../src/hardware/devices/edu.js';
import { cfgRead, cfgWrite, drain, EDU_BDF, le32, machine, NIC_BDF, openDevice, u32 } from './helpers.js';
import { errnoOf } from '../support/errno.js';
import { vfioDevice } from '../support/kernel-state.js';

const ri = (index: number, argsz = 32) => ({ argsz, flags: 0, index, cap_offset: 0, size: 0n, offset: 0n } as Record<string, unknown>);

describe('GET_REGION_INFO', () => {
  it('describes BARs, config, ROM and refuses VGA on a non-VGA device', () => {
    const o = openDevice(machine(), EDU_BDF);
    const bar0 = ri(0);
    o.p.ioctl(o.device, uapi.VFIO_DEVICE_GET_REGION_INFO, bar0);
    expect(bar0).toMatchObject({ flags: 0x7, size: 0x100000n, offset: 0n });
    const bar1 = ri(1);
    o.p.ioctl(o.device, uapi.VFIO_DEVICE_GET_REGION_INFO, bar1);
    expect(bar1).toMatchObject({ flags: 0, size: 0n, offset: 1n << 40n });
    const cfg = ri(7);
    o.p.ioctl(o.device, uapi.VFIO_DEVICE_GET_REGION_INFO, cfg);
    expect(cfg).toMatchObject({ flags: 0x3, size: 4096n, offset: 7n << 40n });
    const rom = ri(6);
    o.p.ioctl(o.device, uapi.VFIO_DEVICE_GET_REGION_INFO, rom);
    expect(rom).toMatchObject({ flags: 0, size: 0n });
    expect(errnoOf(() => o.p.ioctl(o.device, uapi.VFIO_DEVICE_GET_REGION_INFO, ri(8)))).toBe('EINVAL');
    expect(errnoOf(() => o.p.ioctl(o.device, uapi.VFIO_DEVICE_GET_REGION_INFO, ri(9)))).toBe('EINVAL');
    expect(errnoOf(() => o.p.ioctl(o.device, uapi.VFIO_DEVICE_GET_REGION_INFO, ri(0, 31)))).toBe('EINVAL');
  });

  it('tags the MSI-X BAR MSIX_MAPPABLE; a small argsz is raised with CAPS set and cap_offset 0', () => {
    const o = openDevice(machine(), NIC_BDF);
    const small = ri(0);
    o.p.ioctl(o.device, uapi.VFIO_DEVICE_GET_REGION_INFO, small);
    expect(small).toMatchObject({ argsz: 40, flags: 0xf, cap_offset: 0 });
    const big = ri(0, 40);
    o.p.ioctl(o.device, uapi.VFIO_DEVICE_GET_REGION_INFO, big);
    expect(big).toMatchObject({ argsz: 40, flags: 0xf, cap_offset: 32, caps: [{ id: uapi.VFIO_REGION_INFO_CAP_MSIX_MAPPABLE, version: 1, next: 0 }] });
  });
});

describe('pread / pwrite', () => {
  it('length 0 returns 0 before the offset is checked; bad index EINVAL', () => {
    const o = openDevice(machine(), EDU_BDF);
    expect(o.p.pread(o.device, 0, 0xff0000000000n).length).toBe(0);
    expect(errnoOf(() => o.p.pread(o.device, 4, 9n << 40n))).toBe('EINVAL');
  });

  it('config out of range is EFAULT; BAR past the end EINVAL, running off it is short', () => {
    const o = openDevice(machine(), EDU_BDF);
    const cfg = 7n << 40n;
    expect(errnoOf(() => o.p.pread(o.device, 8, cfg + 4092n))).toBe('EFAULT');
    expect(o.p.pread(o.device, 256, cfg).length).toBe(256);
    expect(errnoOf(() => o.p.pread(o.device, 4, 0x100000n))).toBe('EINVAL');
    expect(o.p.pread(o.device, 16, 0x100000n - 8n).length).toBe(8);
    expect(errnoOf(() => o.p.pread(o.device, 4, 1n << 40n))).toBe('EINVAL'); // absent BAR
  });

  it('with the virtual MEMORY bit clear BAR access is EIO and the mmap faults with SIGBUS; both recover', () => {
    const o = openDevice(machine(), EDU_BDF);
    const va = o.p.mmap(0n, 0x1000n, uapi.PROT_READ | uapi.PROT_WRITE, uapi.MAP_SHARED, o.device, 0n);
    expect(o.p.read32(va)).toBe(0x010000ed);
    const cmd = cfgRead(o, uapi.PCI_COMMAND, 2);
    cfgWrite(o, uapi.PCI_COMMAND, 2, cmd & ~uapi.PCI_COMMAND_MEMORY);
    expect(errnoOf(() => o.p.pread(o.device, 4, 0n))).toBe('EIO');
    expect(() => o.p.read32(va)).toThrow(SignalError);
    cfgWrite(o, uapi.PCI_COMMAND, 2, cmd | uapi.PCI_COMMAND_MEMORY);
    expect(o.p.read32(va)).toBe(0x010000ed);
    o.p.ioctl(o.device, uapi.VFIO_DEVICE_RESET);
    expect(o.p.read32(va)).toBe(0x010000ed);
  });

  it('the MSI-X table reads 0xff and drops writes through pwrite; the PBA is readable', () => {
    const o = openDevice(machine(), NIC_BDF);
    expect(Array.from(o.p.pread(o.device, 4, 0x10000n))).toEqual([0xff, 0xff, 0xff, 0xff]);
    expect(o.p.pwrite(o.device, u32(0x1234), 0x10000n)).toBe(4);
    expect(le32(o.p.pread(o.device, 4, 0x18000n))).toBe(0);
    const va = o.p.mmap(0n, 0x20000n, uapi.PROT_READ | uapi.PROT_WRITE, uapi.MAP_SHARED, o.device, 0n);
    expect(o.p.read32(va + 0x1000cn)).toBe(1); // vector control: masked at reset
  });
});

describe('mmap rules', () => {
  it('MAP_PRIVATE, config and beyond-BAR mappings are EINVAL', () => {
    const o = openDevice(machine(), EDU_BDF);
    const rw = uapi.PROT_READ | uapi.PROT_WRITE;
    expect(errnoOf(() => o.p.mmap(0n, 0x1000n, rw, uapi.MAP_PRIVATE, o.device, 0n))).toBe('EINVAL');
    expect(errnoOf(() => o.p.mmap(0n, 0x1000n, rw, uapi.MAP_SHARED, o.device, 7n << 40n))).toBe('EINVAL');
    expect(errnoOf(() => o.p.mmap(0n, 0x1000n, rw, uapi.MAP_SHARED, o.device, 6n << 40n))).toBe('EINVAL');
    expect(errnoOf(() => o.p.mmap(0n, 0x2000n, rw, uapi.MAP_SHARED, o.device, 0xff000n))).toBe('EINVAL');
    expect(errnoOf(() => o.p.mmap(0n, 0x1000n, rw, uapi.MAP_SHARED, o.device, 1n << 40n))).toBe('EINVAL');
  });

  it('a mapping keeps the device open after close(fd); last close runs at munmap', () => {
    const host = machine();
    const o = openDevice(host, EDU_BDF);
    const va = o.p.mmap(0n, 0x1000n, uapi.PROT_READ | uapi.PROT_WRITE, uapi.MAP_SHARED, o.device, 0n);
    const vdev = vfioDevice(host, EDU_BDF)!;
    o.p.close(o.device);
    expect(vdev.openCount).toBe(1);
    o.p.write32(va + BigInt(EDU.LIVENESS), 5);
    expect(o.p.read32(va + BigInt(EDU.LIVENESS))).toBe(~5 >>> 0);
    o.p.munmap(va, 0x1000n);
    expect(vdev.openCount).toBe(0);
  });
});

describe('config space virtualization', () => {
  it('BAR sizing is emulated and never moves the device; Status is unwritable', () => {
    const o = openDevice(machine(), EDU_BDF);
    const bar = cfgRead(o, uapi.PCI_BASE_ADDRESS_0, 4);
    expect(bar).not.toBe(0);
    cfgWrite(o, uapi.PCI_BASE_ADDRESS_0, 4, 0xffffffff);
    expect(cfgRead(o, uapi.PCI_BASE_ADDRESS_0, 4) >>> 0).toBe(0xfff00000);
    expect(le32(o.p.pread(o.device, 4, 0n))).toBe(0x010000ed);
    expect(cfgRead(o, uapi.PCI_BASE_ADDRESS_1, 4)).toBe(0);
    const st = cfgRead(o, uapi.PCI_STATUS, 2);
    expect(o.p.pwrite(o.device, Uint8Array.of(0xff, 0xff), (7n << 40n) + 6n)).toBe(2);
    expect(cfgRead(o, uapi.PCI_STATUS, 2)).toBe(st);
    expect(cfgRead(o, uapi.PCI_VENDOR_ID, 4)).toBe(0x11e81234);
    cfgWrite(o, uapi.PCI_VENDOR_ID, 4, 0);
    expect(cfgRead(o, uapi.PCI_VENDOR_ID, 4)).toBe(0x11e81234);
  });
});

describe('reset, hot reset, features, ioeventfd', () => {
  it('VFIO_DEVICE_RESET resets the model but keeps interrupt setup', () => {
    const o = openDevice(machine(), EDU_BDF);
    const efd = o.p.eventfd();
    o.p.ioctl(o.device, uapi.VFIO_DEVICE_SET_IRQS, { argsz: 24, flags: uapi.VFIO_IRQ_SET_DATA_EVENTFD | uapi.VFIO_IRQ_SET_ACTION_TRIGGER, index: 0, start: 0, count: 1, data: [efd] });
    o.p.pwrite(o.device, u32(7), BigInt(EDU.LIVENESS));
    o.p.ioctl(o.device, uapi.VFIO_DEVICE_RESET);
    expect(le32(o.p.pread(o.device, 4, BigInt(EDU.LIVENESS)))).toBe(0);
    o.p.pwrite(o.device, u32(1), BigInt(EDU.IRQ_RAISE));
    expect(drain(o.p, efd)).toBe(1n);
  });

  it('hot reset info lists the bus; hot reset needs the group fds', () => {
    const o = openDevice(machine(), EDU_BDF);
    const small = { argsz: 12, flags: 0, count: 0 };
    expect(errnoOf(() => o.p.ioctl(o.device, uapi.VFIO_DEVICE_GET_PCI_HOT_RESET_INFO, small))).toBe('ENOSPC');
    expect(small.count).toBe(1);
    const info = { argsz: 20, flags: 0, count: 0, devices: [] as Array<Record<string, number>> };
    o.p.ioctl(o.device, uapi.VFIO_DEVICE_GET_PCI_HOT_RESET_INFO, info);
    expect(info.devices[0]).toMatchObject({ segment: 0, bus: 1, devfn: 0 });
    expect(errnoOf(() => o.p.ioctl(o.device, uapi.VFIO_DEVICE_PCI_HOT_RESET, { argsz: 12, flags: 0, count: 0 }))).toBe('EINVAL');
    expect(errnoOf(() => o.p.ioctl(o.device, uapi.VFIO_DEVICE_PCI_HOT_RESET, { argsz: 16, flags: 0, count: 1, group_fds: [o.container] }))).toBe('EINVAL');
    expect(errnoOf(() => o.p.ioctl(o.device, uapi.VFIO_DEVICE_PCI_HOT_RESET, { argsz: 16, flags: 0, count: 1, group_fds: [77] }))).toBe('EBADF');
    expect(errnoOf(() => o.p.ioctl(o.device, uapi.VFIO_DEVICE_PCI_HOT_RESET, { argsz: 16, flags: 0, count: 1 }))).toBe('EFAULT');
    expect(o.p.ioctl(o.device, uapi.VFIO_DEVICE_PCI_HOT_RESET, { argsz: 16, flags: 0, count: 1, group_fds: [o.group] })).toBe(0);
  });

  it('features: PROBE, ENOTTY for migration, low power gates the mmap and a wakeup eventfd fires once', () => {
    const o = openDevice(machine(), EDU_BDF);
    const F = (flags: number, data?: object) => o.p.ioctl(o.device, uapi.VFIO_DEVICE_FEATURE, { argsz: 16, flags, ...(data ? { data } : {}) });
    expect(F(uapi.VFIO_DEVICE_FEATURE_PROBE | uapi.VFIO_DEVICE_FEATURE_SET | uapi.VFIO_DEVICE_FEATURE_LOW_POWER_ENTRY)).toBe(0);
    expect(errnoOf(() => F(uapi.VFIO_DEVICE_FEATURE_PROBE | uapi.VFIO_DEVICE_FEATURE_GET | uapi.VFIO_DEVICE_FEATURE_MIGRATION))).toBe('ENOTTY');
    expect(errnoOf(() => F(uapi.VFIO_DEVICE_FEATURE_GET | uapi.VFIO_DEVICE_FEATURE_SET | 3))).toBe('EINVAL');
    expect(errnoOf(() => F(uapi.VFIO_DEVICE_FEATURE_GET | uapi.VFIO_DEVICE_FEATURE_LOW_POWER_ENTRY))).toBe('EINVAL');
    expect(errnoOf(() => F(1 << 19))).toBe('EINVAL');
    expect(F(uapi.VFIO_DEVICE_FEATURE_SET | uapi.VFIO_DEVICE_FEATURE_LOW_POWER_EXIT)).toBe(0);
    const va = o.p.mmap(0n, 0x1000n, uapi.PROT_READ, uapi.MAP_SHARED, o.device, 0n);
    const wake = o.p.eventfd();
    expect(F(uapi.VFIO_DEVICE_FEATURE_SET | uapi.VFIO_DEVICE_FEATURE_LOW_POWER_ENTRY_WITH_WAKEUP, { wakeup_eventfd: wake })).toBe(0);
    expect(() => o.p.read32(va)).toThrow(SignalError);
    expect(le32(o.p.pread(o.device, 4, 0n))).toBe(0x010000ed); // the syscall wakes it
    expect(drain(o.p, wake)).toBe(1n);
    expect(o.p.read32(va)).toBe(0x010000ed);
    expect(F(uapi.VFIO_DEVICE_FEATURE_SET | uapi.VFIO_DEVICE_FEATURE_LOW_POWER_ENTRY)).toBe(0);
    expect(errnoOf(() => F(uapi.VFIO_DEVICE_FEATURE_SET | uapi.VFIO_DEVICE_FEATURE_LOW_POWER_ENTRY))).toBe('EINVAL');
  });

  it('ioeventfd: a signal becomes one BAR write; EEXIST, ENODEV, width 8 and MSI-X overlap EINVAL', () => {
    const o = openDevice(machine(), EDU_BDF);
    const e = o.p.eventfd();
    const io = (fd: number, flags = 4, offset = BigInt(EDU.LIVENESS), data = 0x55n) =>
      o.p.ioctl(o.device, uapi.VFIO_DEVICE_IOEVENTFD, { argsz: 32, flags, offset, data, fd });
    expect(io(e)).toBe(0);
    o.p.write(e, new Uint8Array([1, 0, 0, 0, 0, 0, 0, 0]));
    expect(le32(o.p.pread(o.device, 4, BigInt(EDU.LIVENESS)))).toBe(~0x55 >>> 0);
    expect(errnoOf(() => io(e))).toBe('EEXIST');
    expect(io(-1)).toBe(0);
    expect(errnoOf(() => io(-1))).toBe('ENODEV');
    expect(errnoOf(() => io(e, 8))).toBe('EINVAL');
    expect(errnoOf(() => io(e, 3))).toBe('EINVAL');
    expect(errnoOf(() => io(e, 4, 7n << 40n))).toBe('EINVAL');
    const nic = openDevice(machine(), NIC_BDF);
    const e2 = nic.p.eventfd();
    expect(errnoOf(() => nic.p.ioctl(nic.device, uapi.VFIO_DEVICE_IOEVENTFD, { argsz: 32, flags: 4, offset: 0x10000n, data: 0n, fd: e2 }))).toBe('EINVAL');
  });

  it('unknown device requests are ENOTTY, including the mdev-only GFX ones', () => {
    const o = openDevice(machine(), EDU_BDF);
    expect(errnoOf(() => o.p.ioctl(o.device, uapi.VFIO_DEVICE_QUERY_GFX_PLANE, {}))).toBe('ENOTTY');
    expect(errnoOf(() => o.p.ioctl(o.device, uapi.VFIO_DEVICE_ATTACH_IOMMUFD_PT, {}))).toBe('ENOTTY');
  });
});
