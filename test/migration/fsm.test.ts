/**
 * The migration FSM as vfio_mig_get_next_state defines it: the next-hop table of spec §7.3
 * for a device with all three flags, the synthesized paths per flag set, and the errno of
 * every illegal request through the real ioctl, with Linux's write-back on failure.
 */
import { describe, expect, it } from 'vitest';
import { uapi } from '../../src/index.js';
import { migGetNextState } from '../../src/kernel/vfio-pci/migration.js';
import { openDevice } from '../vfio-pci/helpers.js';
import { DMAE_BDF } from '../vfio-pci/helpers.js';
import { getState, migHost, SET } from './helpers.js';
import { errnoOf } from '../support/errno.js';

const { VFIO_DEVICE_STATE_STOP: STOP, VFIO_DEVICE_STATE_RUNNING: RUN, VFIO_DEVICE_STATE_STOP_COPY: SC,
  VFIO_DEVICE_STATE_RESUMING: RES, VFIO_DEVICE_STATE_RUNNING_P2P: P2P, VFIO_DEVICE_STATE_PRE_COPY: PC,
  VFIO_DEVICE_STATE_PRE_COPY_P2P: PCP, VFIO_DEVICE_STATE_ERROR: ERR } = uapi;
const ALL = uapi.VFIO_MIGRATION_STOP_COPY | uapi.VFIO_MIGRATION_P2P | uapi.VFIO_MIGRATION_PRE_COPY;

/** Spec §7.3's table: row = current, columns STOP, RUNNING, SC, RES, P2P, PC, PCP. */
const COLS = [STOP, RUN, SC, RES, P2P, PC, PCP];
const TABLE: Array<[number, number[]]> = [
  [STOP, [STOP, P2P, SC, RES, P2P, P2P, P2P]],
  [RUN, [P2P, RUN, P2P, P2P, P2P, PC, P2P]],
  [SC, [STOP, STOP, SC, STOP, STOP, ERR, ERR]],
  [RES, [STOP, STOP, STOP, RES, STOP, STOP, STOP]],
  [P2P, [STOP, RUN, STOP, STOP, P2P, RUN, PCP]],
  [PC, [RUN, RUN, PCP, RUN, RUN, PC, PCP]],
  [PCP, [P2P, P2P, SC, P2P, P2P, PC, PCP]],
];

/** The whole path the driver walks from `cur` to `target`, or the errno. */
function path(flags: number, cur: number, target: number): number[] | string {
  const out = [cur];
  while (cur !== target) {
    const n = migGetNextState(flags, cur, target);
    if (!n.ok) return n.code;
    cur = n.value;
    out.push(cur);
  }
  return out;
}

describe('vfio_mig_get_next_state', () => {
  it('follows the kernel next-hop table with all three flags', () => {
    for (const [cur, row] of TABLE) {
      row.forEach((want, i) => {
        const r = migGetNextState(ALL, cur, COLS[i]!);
        if (want === ERR) expect(r.ok ? r.value : r.code).toBe('EINVAL');
        else expect(r.ok ? r.value : r.code).toBe(want);
      });
    }
  });

  it('synthesizes the paths of spec §7.3 per flag set', () => {
    const SCF = uapi.VFIO_MIGRATION_STOP_COPY;
    const P = uapi.VFIO_MIGRATION_P2P;
    const PRE = uapi.VFIO_MIGRATION_PRE_COPY;
    expect(path(SCF, RUN, SC)).toEqual([RUN, STOP, SC]);
    expect(path(SCF, SC, RES)).toEqual([SC, STOP, RES]);
    expect(path(SCF, RES, RUN)).toEqual([RES, STOP, RUN]);
    expect(path(SCF, RUN, P2P)).toBe('EINVAL');
    expect(path(SCF, RUN, PC)).toBe('EINVAL');
    expect(path(SCF | P, RUN, SC)).toEqual([RUN, P2P, STOP, SC]);
    expect(path(SCF | P, SC, RUN)).toEqual([SC, STOP, P2P, RUN]);
    expect(path(SCF | PRE, PC, SC)).toEqual([PC, SC]);
    expect(path(SCF | PRE, PC, RES)).toEqual([PC, RUN, STOP, RES]);
    expect(path(SCF | PRE, STOP, PC)).toEqual([STOP, RUN, PC]);
    expect(path(SCF | PRE, SC, PC)).toBe('EINVAL');
    expect(path(ALL, PC, SC)).toEqual([PC, PCP, SC]);
    expect(path(ALL, RES, PCP)).toEqual([RES, STOP, P2P, PCP]);
    expect(path(ALL, STOP, PC)).toEqual([STOP, P2P, RUN, PC]);
    expect(path(ALL, SC, RUN)).toEqual([SC, STOP, P2P, RUN]);
  });

  it('refuses ERROR as a target, states beyond the enum, and any walk out of ERROR', () => {
    expect(path(ALL, RUN, ERR)).toBe('EINVAL');
    expect(path(ALL, RUN, 8)).toBe('EINVAL');
    expect(path(ALL, ERR, RUN)).toBe('EINVAL');
  });
});

describe('VFIO_DEVICE_FEATURE_MIG_DEVICE_STATE: illegal requests', () => {
  function setArg(device_state: number) {
    return { argsz: 16, flags: SET | uapi.VFIO_DEVICE_FEATURE_MIG_DEVICE_STATE, data: { device_state, data_fd: 7 } };
  }

  it('answers EINVAL, writes the struct back with data_fd -1 and leaves the state', () => {
    const host = migHost({ migration: true });
    const o = openDevice(host, DMAE_BDF);
    expect(getState(o)).toBe(RUN);
    for (const bad of [ERR, 8, 0xffff_ffff]) {
      const a = setArg(bad);
      expect(errnoOf(() => o.p.ioctl(o.device, uapi.VFIO_DEVICE_FEATURE, a))).toBe('EINVAL');
      expect(a.data).toEqual({ device_state: bad, data_fd: -1 });
      expect(getState(o)).toBe(RUN);
    }
    const sc = setArg(SC);
    o.p.ioctl(o.device, uapi.VFIO_DEVICE_FEATURE, sc);
    expect(sc.data.data_fd).toBeGreaterThanOrEqual(0);
    for (const blocked of [PC, PCP]) {
      const a = setArg(blocked);
      expect(errnoOf(() => o.p.ioctl(o.device, uapi.VFIO_DEVICE_FEATURE, a))).toBe('EINVAL');
      expect(a.data.data_fd).toBe(-1);
      expect(getState(o)).toBe(SC);
    }
  });

  it('refuses states the device does not offer (STOP_COPY only)', () => {
    const host = migHost({ migration: ['stop-copy'] });
    const o = openDevice(host, DMAE_BDF);
    const flagsArg = { argsz: 16, flags: uapi.VFIO_DEVICE_FEATURE_GET | uapi.VFIO_DEVICE_FEATURE_MIGRATION, data: { flags: 0n } };
    o.p.ioctl(o.device, uapi.VFIO_DEVICE_FEATURE, flagsArg);
    expect(flagsArg.data.flags).toBe(BigInt(uapi.VFIO_MIGRATION_STOP_COPY));
    for (const s of [P2P, PC, PCP]) expect(errnoOf(() => o.p.ioctl(o.device, uapi.VFIO_DEVICE_FEATURE, setArg(s)))).toBe('EINVAL');
    expect(getState(o)).toBe(RUN);
    o.p.ioctl(o.device, uapi.VFIO_DEVICE_FEATURE, setArg(STOP)); // RUNNING -> STOP directly
    expect(getState(o)).toBe(STOP);
  });

  it('SET to the current state succeeds without a data fd', () => {
    const o = openDevice(migHost(), DMAE_BDF);
    const a = setArg(RUN);
    expect(o.p.ioctl(o.device, uapi.VFIO_DEVICE_FEATURE, a)).toBe(0);
    expect(a.data.data_fd).toBe(-1);
  });

  it('plain devices answer ENOTTY for every migration feature, even PROBE', () => {
    const host = migHost({});
    const o = openDevice(host, DMAE_BDF);
    for (const f of [uapi.VFIO_DEVICE_FEATURE_MIGRATION, uapi.VFIO_DEVICE_FEATURE_MIG_DEVICE_STATE, uapi.VFIO_DEVICE_FEATURE_MIG_DATA_SIZE,
      uapi.VFIO_DEVICE_FEATURE_DMA_LOGGING_START, uapi.VFIO_DEVICE_FEATURE_DMA_LOGGING_STOP, uapi.VFIO_DEVICE_FEATURE_DMA_LOGGING_REPORT]) {
      expect(errnoOf(() => o.p.ioctl(o.device, uapi.VFIO_DEVICE_FEATURE, { argsz: 48, flags: uapi.VFIO_DEVICE_FEATURE_PROBE | uapi.VFIO_DEVICE_FEATURE_GET | f }))).toBe('ENOTTY');
    }
  });

  it('checks GET/SET support and payload size before anything else (vfio_check_feature)', () => {
    const o = openDevice(migHost(), DMAE_BDF);
    const F = uapi.VFIO_DEVICE_FEATURE;
    expect(errnoOf(() => o.p.ioctl(o.device, F, { argsz: 16, flags: SET | uapi.VFIO_DEVICE_FEATURE_MIGRATION }))).toBe('EINVAL');
    expect(errnoOf(() => o.p.ioctl(o.device, F, { argsz: 15, flags: SET | uapi.VFIO_DEVICE_FEATURE_MIG_DEVICE_STATE, data: { device_state: STOP } }))).toBe('EINVAL');
    expect(o.p.ioctl(o.device, F, { argsz: 8, flags: uapi.VFIO_DEVICE_FEATURE_PROBE | SET | uapi.VFIO_DEVICE_FEATURE_MIG_DEVICE_STATE })).toBe(0);
    expect(getState(o)).toBe(RUN);
  });
});
