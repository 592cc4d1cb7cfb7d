/**
 * A dma-engine stopped mid-ring on one host, its state streamed out through a STOP_COPY
 * data fd, resumed on a second host's engine, finishes the ring with exactly the results an
 * unmigrated run gives; plus pre-copy, the data fd's rules, the ERROR state and its way out.
 */
import { describe, expect, it } from 'vitest';
import { uapi } from '../../src/index.js';
import { DMAE_BDF, openDevice, type Opened } from '../vfio-pci/helpers.js';
import {
  COMP, DMAE, DST, getState, GET, migHost, openEngine, queueCopies, readAll, reg32, setState, SRC, startEngine,
} from './helpers.js';
import { errnoOf } from '../support/errno.js';

const LEN = 4096;
const N = 6;

function fillSource(o: Opened, mem: bigint): void {
  const src = new Uint8Array(N * LEN);
  for (let i = 0; i < src.length; i++) src[i] = (i * 7 + 3) & 0xff;
  o.p.writeMem(mem + (SRC - 0x10_0000n), src);
}

function results(o: Opened, mem: bigint): { dst: Uint8Array; comp: Uint8Array; completed: number; head: number; status: number } {
  return {
    dst: o.p.readMem(mem + (DST - 0x10_0000n), N * LEN),
    comp: o.p.readMem(mem + (COMP - 0x10_0000n), 16 * N),
    completed: reg32(o, DMAE.COMPLETED),
    head: reg32(o, DMAE.RING_HEAD),
    status: reg32(o, DMAE.STATUS),
  };
}

/** Guest RAM migration, as the VMM does it outside VFIO: copy the DMA window over. */
function copyRam(from: { o: Opened; mem: bigint }, to: { o: Opened; mem: bigint }): void {
  to.o.p.writeMem(to.mem, from.o.p.readMem(from.mem, 0x40_0000));
}

describe('migration: save on one host, resume on another', () => {
  it('continues the ring identically after STOP_COPY → RESUMING → RUNNING', () => {
    // reference: the same work without migration
    const ref = migHost();
    const r = openEngine(ref);
    fillSource(r.o, r.mem);
    queueCopies(r.o, r.mem, N, LEN);
    startEngine(r.o, N);
    ref.run();
    const want = results(r.o, r.mem);
    expect(want.completed).toBe(N);

    const hostA = migHost();
    const a = openEngine(hostA);
    fillSource(a.o, a.mem);
    queueCopies(a.o, a.mem, N, LEN);
    startEngine(a.o, N);
    hostA.advance(2_000n); // two descriptors done, the third in flight
    const doneBefore = reg32(a.o, DMAE.COMPLETED);
    expect(doneBefore).toBeGreaterThan(0);
    expect(doneBefore).toBeLessThan(N);

    const fd = setState(a.o, uapi.VFIO_DEVICE_STATE_STOP_COPY);
    expect(fd).toBeGreaterThanOrEqual(0);
    expect(getState(a.o)).toBe(uapi.VFIO_DEVICE_STATE_STOP_COPY);
    hostA.advance(1_000_000n); // a stopped device makes no progress
    expect(reg32(a.o, DMAE.COMPLETED)).toBe(doneBefore);
    const size = { argsz: 16, flags: GET | uapi.VFIO_DEVICE_FEATURE_MIG_DATA_SIZE, data: { stop_copy_length: 0n } };
    a.o.p.ioctl(a.o.device, uapi.VFIO_DEVICE_FEATURE, size);
    const stream = readAll(a.o, fd);
    expect(BigInt(stream.length)).toBe(size.data.stop_copy_length);
    expect(a.o.p.read(fd, 16).length).toBe(0); // EOF, again

    const hostB = migHost();
    const b = openEngine(hostB);
    copyRam(a, b);
    const wfd = setState(b.o, uapi.VFIO_DEVICE_STATE_RESUMING); // RUNNING → P2P → STOP → RESUMING
    expect(wfd).toBeGreaterThanOrEqual(0);
    for (let at = 0; at < stream.length; at += 7) b.o.p.write(wfd, stream.subarray(at, at + 7));
    expect(setState(b.o, uapi.VFIO_DEVICE_STATE_RUNNING)).toBe(-1);
    expect(reg32(b.o, DMAE.COMPLETED)).toBe(doneBefore);
    hostB.run();
    expect(results(b.o, b.mem)).toEqual(want);

    // the stale fds now fail; closing them is still fine
    expect(errnoOf(() => b.o.p.write(wfd, Uint8Array.of(1)))).toBe('ENODEV');
    setState(a.o, uapi.VFIO_DEVICE_STATE_STOP);
    expect(errnoOf(() => a.o.p.read(fd, 8))).toBe('ENODEV');
    a.o.p.close(fd);
    b.o.p.close(wfd);
  });

  it('gives the same stream run after run', () => {
    const once = (): Uint8Array => {
      const host = migHost();
      const e = openEngine(host);
      fillSource(e.o, e.mem);
      queueCopies(e.o, e.mem, N, LEN);
      startEngine(e.o, N);
      host.advance(1_700n);
      return readAll(e.o, setState(e.o, uapi.VFIO_DEVICE_STATE_STOP_COPY));
    };
    expect(once()).toEqual(once());
  });

  it('pre-copy: initial bytes count down, a drained stream answers ENOMSG, PRE_COPY → STOP_COPY keeps the fd', () => {
    const host = migHost();
    const e = openEngine(host);
    const fd = setState(e.o, uapi.VFIO_DEVICE_STATE_PRE_COPY);
    expect(fd).toBeGreaterThanOrEqual(0);
    const info = { argsz: 24, flags: 0, initial_bytes: 0n, dirty_bytes: 0n };
    e.o.p.ioctl(fd, uapi.VFIO_MIG_GET_PRECOPY_INFO, info);
    expect(info.initial_bytes).toBeGreaterThan(0n);
    expect(info.dirty_bytes).toBe(0n);
    const first = e.o.p.read(fd, 4096);
    expect(BigInt(first.length)).toBe(info.initial_bytes);
    expect(errnoOf(() => e.o.p.read(fd, 16))).toBe('ENOMSG');
    reg32(e.o, DMAE.CTRL, DMAE.CTRL_ENABLE); // the running device changes state
    e.o.p.ioctl(fd, uapi.VFIO_MIG_GET_PRECOPY_INFO, info);
    expect(info.initial_bytes).toBe(0n);
    expect(info.dirty_bytes).toBeGreaterThan(0n);
    expect(setState(e.o, uapi.VFIO_DEVICE_STATE_STOP_COPY)).toBe(-1); // the session continues
    expect(errnoOf(() => e.o.p.ioctl(fd, uapi.VFIO_MIG_GET_PRECOPY_INFO, info))).toBe('EINVAL');
    const rest = readAll(e.o, fd);
    expect(rest.length).toBeGreaterThan(0);

    // resume from the whole stream (pre-copy records, then the final one)
    const host2 = migHost();
    const d = openDevice(host2, DMAE_BDF);
    const w = setState(d, uapi.VFIO_DEVICE_STATE_RESUMING);
    d.p.write(w, first);
    d.p.write(w, rest);
    setState(d, uapi.VFIO_DEVICE_STATE_STOP);
    expect(reg32(d, DMAE.CTRL)).toBe(DMAE.CTRL_ENABLE);
  });

  it('a rejected stream leaves the device in ERROR; only a reset leaves it', () => {
    const host = migHost();
    const o = openDevice(host, DMAE_BDF);
    const w = setState(o, uapi.VFIO_DEVICE_STATE_RESUMING);
    o.p.write(w, new TextEncoder().encode('not a device state'));
    const a = { argsz: 16, flags: uapi.VFIO_DEVICE_FEATURE_SET | uapi.VFIO_DEVICE_FEATURE_MIG_DEVICE_STATE, data: { device_state: uapi.VFIO_DEVICE_STATE_RUNNING, data_fd: 0 } };
    expect(errnoOf(() => o.p.ioctl(o.device, uapi.VFIO_DEVICE_FEATURE, a))).toBe('EINVAL');
    expect(a.data).toEqual({ device_state: uapi.VFIO_DEVICE_STATE_RUNNING, data_fd: -1 });
    expect(getState(o)).toBe(uapi.VFIO_DEVICE_STATE_ERROR);
    for (const s of [uapi.VFIO_DEVICE_STATE_STOP, uapi.VFIO_DEVICE_STATE_RUNNING, uapi.VFIO_DEVICE_STATE_RESUMING]) {
      expect(errnoOf(() => setState(o, s))).toBe('EINVAL');
    }
    o.p.ioctl(o.device, uapi.VFIO_DEVICE_RESET);
    expect(getState(o)).toBe(uapi.VFIO_DEVICE_STATE_RUNNING);
  });

  it('rejects a stream that lacks the final STOP_COPY record', () => {
    const host = migHost();
    const e = openEngine(host);
    const pfd = setState(e.o, uapi.VFIO_DEVICE_STATE_PRE_COPY);
    const partial = e.o.p.read(pfd, 4096);
    const o2 = openDevice(migHost(), DMAE_BDF);
    const w = setState(o2, uapi.VFIO_DEVICE_STATE_RESUMING);
    o2.p.write(w, partial);
    expect(errnoOf(() => setState(o2, uapi.VFIO_DEVICE_STATE_STOP))).toBe('EINVAL');
    expect(getState(o2)).toBe(uapi.VFIO_DEVICE_STATE_ERROR);
  });

  it('the data fds: read-only saving fd, write-only resuming fd, ENOTTY for other requests', () => {
    const o = openDevice(migHost(), DMAE_BDF);
    const fd = setState(o, uapi.VFIO_DEVICE_STATE_STOP_COPY);
    expect(errnoOf(() => o.p.write(fd, Uint8Array.of(0)))).toBe('EBADF');
    expect(errnoOf(() => o.p.ioctl(fd, uapi.VFIO_DEVICE_GET_INFO, { argsz: 24 }))).toBe('ENOTTY');
    expect(o.p.fcntl(fd, uapi.F_GETFD)).toBe(uapi.FD_CLOEXEC);
    setState(o, uapi.VFIO_DEVICE_STATE_STOP);
    const w = setState(o, uapi.VFIO_DEVICE_STATE_RESUMING);
    expect(errnoOf(() => o.p.read(w, 8))).toBe('EBADF');
  });
});
