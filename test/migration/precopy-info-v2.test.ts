/**
 * VFIO_DEVICE_FEATURE_MIG_PRECOPY_INFOv2 (vfio_main.c
 * vfio_ioctl_device_feature_migration_precopy_info_v2, vfio_check_precopy_ioctl): the opt-in
 * that makes vfio_precopy_info.flags an output (VFIO_PRECOPY_INFO_REINIT), answered by the
 * VFIO core before any driver, cleared when the device is closed.
 */
import { describe, expect, it } from 'vitest';
import { uapi } from '../../src/index.js';
import { DMAE_BDF, openDevice, type Opened } from '../vfio-pci/helpers.js';
import { errnoOf } from '../support/errno.js';
import { migHost, PROBE, SET, GET, openEngine, setState } from './helpers.js';

const V2 = uapi.VFIO_DEVICE_FEATURE_MIG_PRECOPY_INFOv2;

function feature(o: Opened, flags: number, argsz = 8): void {
  o.p.ioctl(o.device, uapi.VFIO_DEVICE_FEATURE, { argsz, flags: flags | V2 });
}

function precopyInfo(o: Opened, fd: number, flags: number): number {
  const info = { argsz: 24, flags, initial_bytes: 0n, dirty_bytes: 0n };
  o.p.ioctl(fd, uapi.VFIO_MIG_GET_PRECOPY_INFO, info);
  return info.flags;
}

describe('VFIO_DEVICE_FEATURE_MIG_PRECOPY_INFOv2', () => {
  it('without PRE_COPY support (or no migration at all) it is EINVAL before any other check, not ENOTTY', () => {
    const plain = openDevice(migHost({}), DMAE_BDF);
    expect(errnoOf(() => feature(plain, SET))).toBe('EINVAL');
    expect(errnoOf(() => feature(plain, PROBE | SET))).toBe('EINVAL');
    const noPre = openDevice(migHost({ migration: ['stop-copy', 'p2p'] }), DMAE_BDF);
    expect(errnoOf(() => feature(noPre, SET))).toBe('EINVAL');
  });

  it('SET only (GET EINVAL), PROBE answers 0, a SET takes no payload', () => {
    const e = openEngine(migHost());
    expect(errnoOf(() => feature(e.o, GET))).toBe('EINVAL');
    expect(errnoOf(() => feature(e.o, 0))).toBe('EINVAL');
    feature(e.o, PROBE | SET);
    feature(e.o, SET);
  });

  it('before the opt-in the caller\'s flags come back unchanged; after it flags is 0 (no REINIT from this driver)', () => {
    const e = openEngine(migHost());
    const fd = setState(e.o, uapi.VFIO_DEVICE_STATE_PRE_COPY);
    expect(precopyInfo(e.o, fd, 0xa5)).toBe(0xa5);
    feature(e.o, SET);
    expect(precopyInfo(e.o, fd, 0xa5)).toBe(0);
    expect(precopyInfo(e.o, fd, uapi.VFIO_PRECOPY_INFO_REINIT) & uapi.VFIO_PRECOPY_INFO_REINIT).toBe(0);
  });

  it('the opt-in ends with the last close of the device (vfio_pci_core_close_device)', () => {
    const e = openEngine(migHost());
    feature(e.o, SET);
    e.o.p.close(e.o.device);
    e.o.device = e.o.p.ioctl(e.o.group, uapi.VFIO_GROUP_GET_DEVICE_FD, DMAE_BDF);
    const fd = setState(e.o, uapi.VFIO_DEVICE_STATE_PRE_COPY);
    expect(precopyInfo(e.o, fd, 0x3)).toBe(0x3);
  });
});
