/**
 * Audit against Linux (spec device-pci.md §3.8, §5.2, §9 items 12, 18, 31, 32): eventfd-driven
 * callbacks (vfio_virqfd_enable, virqfd_wakeup) and the ioeventfd table (vfio_pci_ioeventfd).
 */
import { describe, expect, it } from 'vitest';
import { uapi } from '../../src/index.js';
import { EDU } from '../../src/hardware/devices/edu.js';
import { cfgRead, cfgWrite, drain, EDU_BDF, le32, machine, openDevice, setIrqs, u32, type Opened } from './helpers.js';
import { errnoOf } from '../support/errno.js';
import { vfioDevice } from '../support/kernel-state.js';

const { VFIO_IRQ_SET_DATA_EVENTFD: EVENTFD, VFIO_IRQ_SET_ACTION_TRIGGER: TRIGGER, VFIO_IRQ_SET_ACTION_UNMASK: UNMASK } = uapi;
const INTX = uapi.VFIO_PCI_INTX_IRQ_INDEX;
const ONE = new Uint8Array([1, 0, 0, 0, 0, 0, 0, 0]);

function io(o: Opened, fd: number, opts: { flags?: number; offset?: bigint; data?: bigint; argsz?: number } = {}): number {
  return o.p.ioctl(o.device, uapi.VFIO_DEVICE_IOEVENTFD, {
    argsz: opts.argsz ?? 32, flags: opts.flags ?? 4, offset: opts.offset ?? BigInt(EDU.LIVENESS), data: opts.data ?? 0x55n, fd,
  });
}

const liveness = (o: Opened): number => le32(o.p.pread(o.device, 4, BigInt(EDU.LIVENESS)));

describe('VFIO_DEVICE_IOEVENTFD checks, in vfio_pci_ioctl_ioeventfd / vfio_pci_ioeventfd order', () => {
  it('argsz, flags, size bits, fd < -1, region, range: EINVAL; a bad fd EBADF, a non-eventfd EINVAL', () => {
    const o = openDevice(machine(), EDU_BDF);
    const e = o.p.eventfd();
    expect(errnoOf(() => io(o, e, { argsz: 27 }))).toBe('EINVAL');
    expect(io(o, e, { argsz: 28 })).toBe(0); // minsz = offsetofend(fd)
    expect(errnoOf(() => io(o, e, { flags: 0x14 }))).toBe('EINVAL');
    expect(errnoOf(() => io(o, e, { flags: 0 }))).toBe('EINVAL');
    expect(errnoOf(() => io(o, -2))).toBe('EINVAL');
    expect(errnoOf(() => io(o, e, { offset: 6n << 40n }))).toBe('EINVAL'); // ROM is not a BAR here
    expect(errnoOf(() => io(o, e, { offset: 0x100000n - 2n }))).toBe('EINVAL'); // pos + 4 > BAR length
    expect(errnoOf(() => io(o, e, { offset: 1n << 40n }))).toBe('EINVAL'); // absent BAR: length 0
    expect(errnoOf(() => io(o, 99, { data: 1n }))).toBe('EBADF');
    expect(errnoOf(() => io(o, o.container, { data: 1n }))).toBe('EINVAL');
  });

  it('matches on (offset, full 64-bit data, width): data differing above the width is another entry', () => {
    const o = openDevice(machine(), EDU_BDF);
    const e = o.p.eventfd();
    expect(io(o, e, { data: 0x55n })).toBe(0);
    expect(io(o, e, { data: 0x1_0000_0055n })).toBe(0);
    expect(errnoOf(() => io(o, e, { data: 0x55n }))).toBe('EEXIST');
    expect(errnoOf(() => io(o, e, { data: 0x55n, flags: 2 }))).toBe('ok'); // another width
    expect(io(o, -1, { data: 0x1_0000_0055n })).toBe(0);
    expect(errnoOf(() => io(o, -1, { data: 0x1_0000_0055n }))).toBe('ENODEV');
  });

  it('1000 entries at most (ENOSPC); the entry outlives its eventfd', () => {
    const o = openDevice(machine(), EDU_BDF);
    const e = o.p.eventfd();
    for (let i = 0; i < 1000; i++) io(o, e, { data: BigInt(i) });
    expect(errnoOf(() => io(o, e, { data: 5000n }))).toBe('ENOSPC');
    o.p.close(e);
    const e2 = o.p.eventfd();
    expect(errnoOf(() => io(o, e2, { data: 7n }))).toBe('EEXIST');
    expect(io(o, -1, { data: 7n })).toBe(0);
    expect(io(o, e2, { data: 5000n })).toBe(0);
  });
});

describe('ioeventfd writes (vfio_pci_ioeventfd_handler)', () => {
  it('bursts collapse into one write; a pre-signalled eventfd writes at registration and keeps its count', () => {
    const o = openDevice(machine(), EDU_BDF);
    const e = o.p.eventfd();
    o.p.write(e, ONE);
    expect(io(o, e, { data: 0x1234n })).toBe(0);
    expect(liveness(o)).toBe(~0x1234 >>> 0);
    expect(drain(o.p, e)).toBe(1n); // vfs_poll only looked at it
    o.p.pwrite(o.device, u32(0), BigInt(EDU.LIVENESS));
    o.p.write(e, ONE);
    expect(liveness(o)).toBe(~0x1234 >>> 0);
    expect(drain(o.p, e)).toBe(0n); // the wake-up consumed the counter
  });

  it('writes vanish while the virtual MEMORY bit is clear; the data is truncated to the width', () => {
    const o = openDevice(machine(), EDU_BDF);
    const e = o.p.eventfd();
    io(o, e, { data: 0xaa_0000_0011n });
    const cmd = cfgRead(o, uapi.PCI_COMMAND, 2);
    cfgWrite(o, uapi.PCI_COMMAND, 2, cmd & ~uapi.PCI_COMMAND_MEMORY);
    o.p.write(e, ONE);
    cfgWrite(o, uapi.PCI_COMMAND, 2, cmd);
    expect(liveness(o)).toBe(0);
    o.p.write(e, ONE);
    expect(liveness(o)).toBe(~0x11 >>> 0);
  });
});

describe('INTx unmask irqfd (vfio_virqfd_enable)', () => {
  it('a bad fd is EBADF / EINVAL even while one is registered (looked up before EBUSY); fd -1 detaches', () => {
    const o = openDevice(machine(), EDU_BDF);
    const trig = o.p.eventfd();
    const u = o.p.eventfd();
    setIrqs(o, INTX, EVENTFD | TRIGGER, 0, [trig]);
    expect(setIrqs(o, INTX, EVENTFD | UNMASK, 0, [u])).toBe(0);
    expect(errnoOf(() => setIrqs(o, INTX, EVENTFD | UNMASK, 0, [99]))).toBe('EBADF');
    expect(errnoOf(() => setIrqs(o, INTX, EVENTFD | UNMASK, 0, [o.container]))).toBe('EINVAL');
    expect(errnoOf(() => setIrqs(o, INTX, EVENTFD | UNMASK, 0, [u]))).toBe('EBUSY');
    expect(setIrqs(o, INTX, EVENTFD | UNMASK, 0, [-1])).toBe(0);
    expect(setIrqs(o, INTX, EVENTFD | UNMASK, 0, [u])).toBe(0);
  });

  it('a pre-signalled unmask eventfd unmasks at registration without consuming its count; closing it detaches', () => {
    const o = openDevice(machine(), EDU_BDF);
    const trig = o.p.eventfd();
    const u = o.p.eventfd();
    setIrqs(o, INTX, EVENTFD | TRIGGER, 0, [trig]);
    o.p.pwrite(o.device, u32(1), BigInt(EDU.IRQ_RAISE));
    expect(drain(o.p, trig)).toBe(1n); // masked now
    o.p.pwrite(o.device, u32(1), BigInt(EDU.IRQ_ACK));
    o.p.write(u, ONE);
    setIrqs(o, INTX, EVENTFD | UNMASK, 0, [u]); // unmasks
    expect(drain(o.p, u)).toBe(1n);
    o.p.pwrite(o.device, u32(1), BigInt(EDU.IRQ_RAISE));
    expect(drain(o.p, trig)).toBe(1n); // delivered: it was unmasked
    o.p.pwrite(o.device, u32(1), BigInt(EDU.IRQ_ACK));
    o.p.close(u);
    o.p.pwrite(o.device, u32(1), BigInt(EDU.IRQ_RAISE));
    expect(drain(o.p, trig)).toBe(0n); // still masked: nothing unmasks it any more
  });

  it('closing a trigger eventfd does not unbind it: the INTx stays automasked after the next assertion', () => {
    const host = machine();
    const o = openDevice(host, EDU_BDF);
    const trig = o.p.eventfd();
    setIrqs(o, INTX, EVENTFD | TRIGGER, 0, [trig]);
    const core = vfioDevice(host, EDU_BDF)!.core as { intx: { trigger: { signals: number } | null } };
    const ev = core.intx.trigger!;
    o.p.close(trig);
    o.p.pwrite(o.device, u32(1), BigInt(EDU.IRQ_RAISE));
    expect(ev.signals).toBe(1);
    setIrqs(o, INTX, uapi.VFIO_IRQ_SET_DATA_NONE | UNMASK, 0, null, 1); // line still high: re-signalled
    expect(ev.signals).toBe(2);
    expect(core.intx.trigger).toBe(ev);
  });
});
