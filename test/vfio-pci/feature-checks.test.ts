/**
 * Audit against Linux (spec device-pci.md §3.9, §3.9.1, §4.1, §9 item 37): the feature core's
 * checks and the low-power features — syscalls wake the device (after the zero-length and
 * index checks of vfio_pci_rw), BAR mmaps fault while low power is engaged.
 */
import { describe, expect, it } from 'vitest';
import { SignalError, uapi } from '../../src/index.js';
import { drain, EDU_BDF, le32, machine, openDevice, type Opened } from './helpers.js';
import { errnoOf } from '../support/errno.js';

const { VFIO_DEVICE_FEATURE_SET: SET, VFIO_DEVICE_FEATURE_GET: GET, VFIO_DEVICE_FEATURE_PROBE: PROBE } = uapi;

function feature(o: Opened, flags: number, data?: object, argsz = 16): number {
  return o.p.ioctl(o.device, uapi.VFIO_DEVICE_FEATURE, { argsz, flags, ...(data ? { data } : {}) });
}

describe('low power (vfio_pci_core_pm_entry / _with_wakeup / _exit)', () => {
  it('plain ENTRY: pread/pwrite work (the syscall resumes the device); the mmap faults until EXIT', () => {
    const o = openDevice(machine(), EDU_BDF);
    const va = o.p.mmap(0n, 0x1000n, uapi.PROT_READ, uapi.MAP_SHARED, o.device, 0n);
    expect(feature(o, SET | uapi.VFIO_DEVICE_FEATURE_LOW_POWER_ENTRY)).toBe(0);
    expect(le32(o.p.pread(o.device, 4, 0n))).toBe(0x010000ed);
    expect(() => o.p.read32(va)).toThrow(SignalError);
    expect(feature(o, SET | uapi.VFIO_DEVICE_FEATURE_LOW_POWER_EXIT)).toBe(0);
    expect(o.p.read32(va)).toBe(0x010000ed);
  });

  it('a zero-length or out-of-range pread does not wake the device; a real one signals the wake-up eventfd once', () => {
    const o = openDevice(machine(), EDU_BDF);
    const wake = o.p.eventfd();
    expect(feature(o, SET | uapi.VFIO_DEVICE_FEATURE_LOW_POWER_ENTRY_WITH_WAKEUP, { wakeup_eventfd: wake })).toBe(0);
    expect(o.p.pread(o.device, 0, 0n).length).toBe(0);
    expect(errnoOf(() => o.p.pread(o.device, 4, 9n << 40n))).toBe('EINVAL');
    expect(drain(o.p, wake)).toBe(0n);
    o.p.pread(o.device, 4, 0n);
    expect(drain(o.p, wake)).toBe(1n);
    o.p.pread(o.device, 4, 0n);
    expect(drain(o.p, wake)).toBe(0n);
  });

  it('WITH_WAKEUP: wakeup_eventfd < 0 EINVAL, a closed fd EBADF, a non-eventfd EINVAL, payload < 8 EINVAL', () => {
    const o = openDevice(machine(), EDU_BDF);
    const F = uapi.VFIO_DEVICE_FEATURE_LOW_POWER_ENTRY_WITH_WAKEUP;
    expect(errnoOf(() => feature(o, SET | F, { wakeup_eventfd: -1 }))).toBe('EINVAL');
    expect(errnoOf(() => feature(o, SET | F, { wakeup_eventfd: 99 }))).toBe('EBADF');
    expect(errnoOf(() => feature(o, SET | F, { wakeup_eventfd: o.container }))).toBe('EINVAL');
    expect(errnoOf(() => feature(o, SET | F, { wakeup_eventfd: o.p.eventfd() }, 15))).toBe('EINVAL');
    expect(feature(o, PROBE | SET | F, undefined, 8)).toBe(0); // PROBE needs no payload
  });
});

describe('feature core (vfio_ioctl_device_feature, vfio_check_feature)', () => {
  it('argsz < 8 EINVAL; VF_TOKEN on a non-PF ENOTTY even for PROBE; BUS_MASTER ENOTTY on vfio-pci', () => {
    const o = openDevice(machine(), EDU_BDF);
    expect(errnoOf(() => feature(o, SET | uapi.VFIO_DEVICE_FEATURE_LOW_POWER_EXIT, undefined, 7))).toBe('EINVAL');
    expect(errnoOf(() => feature(o, PROBE | SET | uapi.VFIO_DEVICE_FEATURE_PCI_VF_TOKEN))).toBe('ENOTTY');
    expect(errnoOf(() => feature(o, PROBE | SET | 10))).toBe('ENOTTY');
    expect(errnoOf(() => feature(o, PROBE | SET | 0xffff))).toBe('ENOTTY');
    // a GET on a SET-only feature is EINVAL, before PROBE is honoured
    expect(errnoOf(() => feature(o, PROBE | GET | uapi.VFIO_DEVICE_FEATURE_LOW_POWER_EXIT))).toBe('EINVAL');
    // neither GET nor SET (and no PROBE)
    expect(errnoOf(() => feature(o, uapi.VFIO_DEVICE_FEATURE_LOW_POWER_EXIT))).toBe('EINVAL');
    expect(errnoOf(() => o.p.ioctl(o.device, uapi.VFIO_DEVICE_FEATURE))).toBe('EFAULT');
  });
});
