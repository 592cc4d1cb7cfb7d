/**
 * uio_pci_generic, the contrast to VFIO: /dev/uioN for interrupts, sysfs config and
 * resource files for registers, and DMA through the kernel's default domain — root-only,
 * INTx-only, and no way for user space to give the device memory safely.
 */
import { describe, expect, it } from 'vitest';
import { Host } from '../../src/host/host.js';
import * as uapi from '../../src/uapi/index.js';
import { EDU } from '../../src/hardware/devices/edu.js';
import { CFG, CMD } from '../../src/hardware/devices/config-space.js';
import { EduModel } from '../../src/hardware/devices/edu.js';
import type { Process } from '../../src/process/process.js';
import { errnoOf } from '../support/errno.js';
import { groupIdOf, openContainerAndGroup } from '../../src/testing/session.js';
import { u64le } from '../support/bytes.js';
import { iommuGroup, pciDevice } from '../support/kernel-state.js';

const A = '0000:01:00.0';
const BAR = 0xe000_0000n;

/** Two edu devices behind their own ACS root ports; `iommu: null` for a machine without one. */
function topology(o: { iommu?: null; mf?: boolean } = {}): Record<string, unknown> {
  const edu = (bdf: string, addr: string, extra: Record<string, unknown> = {}) => ({ bdf, type: 'endpoint', model: 'edu', bars: [{ index: 0, size: '0x100000', address: addr }], ...extra });
  const second = o.mf
    ? [edu(A, '0xe0000000', { multifunction: true }), edu('0000:01:00.1', '0xe0100000', { multifunction: true })]
    : [edu(A, '0xe0000000')];
  return {
    name: 'uio', ramBytes: '0x100000000',
    ...(o.iommu === null ? { iommu: null } : {}),
    pci: [
      { bdf: '0000:00:00.0', type: 'host-bridge' },
      { bdf: '0000:00:01.0', type: 'root-port', acs: ['SV', 'RR', 'CR', 'UF'], children: second },
      { bdf: '0000:00:02.0', type: 'root-port', acs: ['SV', 'RR', 'CR', 'UF'], children: [edu('0000:02:00.0', '0xe0200000')] },
    ],
  };
}

const u32 = (v: number): Uint8Array => {
  const b = new Uint8Array(4);
  new DataView(b.buffer).setUint32(0, v >>> 0, true);
  return b;
};
const le = (b: Uint8Array): number => new DataView(b.buffer, b.byteOffset, b.length).getInt32(0, true);

/** Root's UIO session on `A`: /dev/uio0, the config file and BAR0 mapped. */
function uio(host: Host): { p: Process; fd: number; cfg: number; bar: bigint } {
  host.bind(A, 'uio_pci_generic');
  const p = host.spawn();
  const fd = p.open('/dev/uio0', uapi.O_RDWR);
  const cfg = p.open(`/sys/bus/pci/devices/${A}/config`, uapi.O_RDWR);
  const res = p.open(`/sys/bus/pci/devices/${A}/resource0`, uapi.O_RDWR);
  const bar = p.mmap(0n, 0x1000n, uapi.PROT_READ | uapi.PROT_WRITE, uapi.MAP_SHARED, res, 0n);
  return { p, fd, cfg, bar };
}

function setCommand(p: Process, cfg: number, v: number): void {
  p.pwrite(cfg, new Uint8Array([v & 0xff, v >> 8]), BigInt(CFG.COMMAND));
}

describe('uio_pci_generic: binding', () => {
  it('binds through new_id (it has no id table), creates /dev/uio0 and keeps the kernel default domain', () => {
    const host = new Host(topology());
    const root = host.spawn();
    root.writeFile('/sys/bus/pci/drivers/uio_pci_generic/new_id', '1234 11e8');
    expect(root.readlink(`/sys/bus/pci/devices/${A}/driver`)).toMatch(/drivers\/uio_pci_generic$/);
    expect(root.readdir('/dev')).toEqual(expect.arrayContaining(['uio0', 'uio1']));
    const g = iommuGroup(host, A);
    expect(g.domain).toBe(g.defaultDomain);
    const cmd = host.machine.modelOf(host.topology.byBdf(A)!).configRead(CFG.COMMAND, 2);
    expect(cmd & CMD.MEMORY).toBe(CMD.MEMORY);
    expect(cmd & CMD.MASTER).toBe(0);
  });

  it('refuses a device whose INTx cannot be masked (pci_intx_mask_supported): ENODEV', () => {
    const host = new Host(topology());
    host.setDeviceModel(A, (fn, ctx) => {
      const m = new EduModel(fn, ctx);
      m.config.wmask[CFG.COMMAND + 1]! &= ~(CMD.INTX_DISABLE >> 8);
      return m;
    });
    expect(errnoOf(() => host.bind(A, 'uio_pci_generic'))).toBe('ENODEV');
    expect(pciDevice(host, A).driver).toBeNull();
    expect(host.spawn().readdir('/dev')).not.toContain('uio0');
  });

  it('is a DMA-API driver: a group with a uio member is not viable for VFIO (EPERM)', () => {
    const host = new Host(topology({ mf: true }));
    host.bind('0000:01:00.1', 'uio_pci_generic');
    host.bind(A, 'vfio-pci');
    const p = host.spawn();
    const { container, group } = openContainerAndGroup(p, groupIdOf(p, A));
    expect(errnoOf(() => p.ioctl(group, uapi.VFIO_GROUP_SET_CONTAINER, container))).toBe('EPERM');
  });

  it('cannot bind into a group VFIO already owns (EBUSY from the driver core)', () => {
    const host = new Host(topology({ mf: true }));
    host.bind(A, 'vfio-pci');
    const p = host.spawn();
    const { container, group } = openContainerAndGroup(p, groupIdOf(p, A));
    p.ioctl(group, uapi.VFIO_GROUP_SET_CONTAINER, container);
    expect(errnoOf(() => host.bind('0000:01:00.1', 'uio_pci_generic'))).toBe('EBUSY');
  });
});

describe('uio_pci_generic: root only', () => {
  it('a user cannot open /dev/uio0 or resource0, and reads only the first 64 bytes of config', () => {
    const host = new Host(topology());
    host.bind(A, 'uio_pci_generic');
    const u = host.spawn({ uid: 1000 });
    expect(errnoOf(() => u.open('/dev/uio0', uapi.O_RDWR))).toBe('EACCES');
    expect(errnoOf(() => u.open(`/sys/bus/pci/devices/${A}/resource0`, uapi.O_RDWR))).toBe('EACCES');
    expect(errnoOf(() => u.open(`/sys/bus/pci/devices/${A}/config`, uapi.O_RDWR))).toBe('EACCES');
    const cfg = u.open(`/sys/bus/pci/devices/${A}/config`, uapi.O_RDONLY);
    expect(u.pread(cfg, 256, 0n)).toHaveLength(64);
    expect(u.pread(cfg, 4, 64n)).toHaveLength(0);
    expect(le(u.pread(cfg, 4, 0n))).toBe(0x11e8_1234);
    expect(u.pread(cfg, 8, 60n)).toHaveLength(4);
  });

  it('root reads the whole config space (4 KiB for PCIe); without CAP_SYS_ADMIN only 64 bytes', () => {
    const host = new Host(topology());
    const root = host.spawn();
    const cfg = root.open(`/sys/bus/pci/devices/${A}/config`, uapi.O_RDONLY);
    expect(root.pread(cfg, 8192, 0n)).toHaveLength(4096);
    const noadmin = host.spawn({ uid: 0, caps: ['CAP_DAC_OVERRIDE'] });
    const c2 = noadmin.open(`/sys/bus/pci/devices/${A}/config`, uapi.O_RDONLY);
    expect(noadmin.pread(c2, 256, 0n)).toHaveLength(64);
  });

  it('chown of /dev/uio0 lets a user wait for interrupts, but the registers stay root-only', () => {
    const host = new Host(topology());
    host.bind(A, 'uio_pci_generic');
    host.spawn().chown('/dev/uio0', 1000, 1000);
    const u = host.spawn({ uid: 1000, gid: 1000 });
    const fd = u.open('/dev/uio0', uapi.O_RDWR);
    expect(errnoOf(() => u.read(fd, 4))).toBe('EDEADLK');
    expect(errnoOf(() => u.open(`/sys/bus/pci/devices/${A}/resource0`, uapi.O_RDWR))).toBe('EACCES');
  });
});

describe('uio_pci_generic: registers and interrupts', () => {
  it('resource0 maps BAR0: the CPU reads edu\'s id and liveness register', () => {
    const host = new Host(topology());
    const { p, bar } = uio(host);
    expect(le(p.readMem(bar + BigInt(EDU.ID), 4))).toBe(EDU.IDENT);
    p.writeMem(bar + BigInt(EDU.LIVENESS), u32(0x1234_5678));
    expect(le(p.readMem(bar + BigInt(EDU.LIVENESS), 4)) >>> 0).toBe(~0x1234_5678 >>> 0);
  });

  it('mmap beyond the BAR is EINVAL (pci_mmap_fits); read() of a memory resource file is EIO', () => {
    const host = new Host(topology());
    host.bind(A, 'uio_pci_generic');
    const p = host.spawn();
    const res = p.open(`/sys/bus/pci/devices/${A}/resource0`, uapi.O_RDWR);
    expect(errnoOf(() => p.mmap(0n, 0x1000n, uapi.PROT_READ, uapi.MAP_SHARED, res, 0x100000n))).toBe('EINVAL');
    expect(errnoOf(() => p.mmap(0n, 0x101000n, uapi.PROT_READ, uapi.MAP_SHARED, res, 0n))).toBe('EINVAL');
    expect(errnoOf(() => p.read(res, 4))).toBe('EIO');
  });

  it('an INTx is masked by the kernel and counted; user space re-enables it through config space', () => {
    const host = new Host(topology());
    const { p, fd, cfg, bar } = uio(host);
    const model = host.machine.modelOf(host.topology.byBdf(A)!);
    p.writeMem(bar + BigInt(EDU.IRQ_RAISE), u32(1));
    expect(model.configRead(CFG.COMMAND, 2) & CMD.INTX_DISABLE).toBe(CMD.INTX_DISABLE);
    expect(model.intxLine).toBe(false);
    expect(le(p.read(fd, 4))).toBe(1);
    expect(errnoOf(() => p.read(fd, 4))).toBe('EDEADLK');
    // re-enable without acknowledging: the level is still high, so it fires again at once
    setCommand(p, cfg, CMD.MEMORY);
    expect(le(p.read(fd, 4))).toBe(2);
    p.writeMem(bar + BigInt(EDU.IRQ_ACK), u32(1));
    setCommand(p, cfg, CMD.MEMORY);
    expect(model.configRead(CFG.COMMAND, 2) & CMD.INTX_DISABLE).toBe(0);
    expect(errnoOf(() => p.read(fd, 4))).toBe('EDEADLK');
  });

  it('a blocking read runs the clock until the device interrupts (edu factorial)', () => {
    const host = new Host(topology());
    const { p, fd, bar } = uio(host);
    p.writeMem(bar + BigInt(EDU.STATUS), u32(EDU.STATUS_IRQFACT));
    p.writeMem(bar + BigInt(EDU.FACTORIAL), u32(10));
    const before = host.clock.now();
    expect(le(p.read(fd, 4))).toBe(1);
    expect(host.clock.now()).toBeGreaterThan(before);
    expect(le(p.readMem(bar + BigInt(EDU.FACTORIAL), 4))).toBe(3628800);
  });

  it('read/write sizes and the missing irqcontrol: EINVAL, EAGAIN with O_NONBLOCK, ENOSYS', () => {
    const host = new Host(topology());
    const { p } = uio(host);
    const fd = p.open('/dev/uio0', uapi.O_RDWR | uapi.O_NONBLOCK);
    expect(errnoOf(() => p.read(fd, 8))).toBe('EINVAL');
    expect(errnoOf(() => p.read(fd, 4))).toBe('EAGAIN');
    expect(errnoOf(() => p.write(fd, u32(1).subarray(0, 3)))).toBe('EINVAL');
    expect(errnoOf(() => p.write(fd, u32(1)))).toBe('ENOSYS');
  });

  it('each listener counts from its open: a late opener does not see old interrupts', () => {
    const host = new Host(topology());
    const { p, fd, bar } = uio(host);
    p.writeMem(bar + BigInt(EDU.IRQ_RAISE), u32(1));
    const late = p.open('/dev/uio0', uapi.O_RDWR | uapi.O_NONBLOCK);
    expect(errnoOf(() => p.read(late, 4))).toBe('EAGAIN');
    expect(le(p.read(fd, 4))).toBe(1);
  });

  it('closing /dev/uio0 clears bus mastering (the driver\'s release); unbind removes the node and open files get EIO', () => {
    const host = new Host(topology());
    const { p, fd, cfg } = uio(host);
    const model = host.machine.modelOf(host.topology.byBdf(A)!);
    setCommand(p, cfg, CMD.MEMORY | CMD.MASTER);
    const fd2 = p.open('/dev/uio0', uapi.O_RDWR);
    p.close(fd2);
    expect(model.configRead(CFG.COMMAND, 2) & CMD.MASTER).toBe(0);
    host.bind(A, null);
    expect(host.spawn().readdir('/dev')).not.toContain('uio0');
    expect(errnoOf(() => p.read(fd, 4))).toBe('EIO');
    expect(errnoOf(() => p.write(fd, u32(1)))).toBe('EINVAL');
  });
});

describe('uio_pci_generic: DMA has no isolation of its own', () => {
  /** Program edu to copy 8 bytes from its buffer to bus address `dst` and wait. */
  function dmaToRam(host: Host, p: Process, bar: bigint, dst: bigint): void {
    const w64 = (off: number, v: bigint) => {
      p.writeMem(bar + BigInt(off), u64le(v));
    };
    w64(EDU.DMA_SRC, BigInt(EDU.DMA_START));
    w64(EDU.DMA_DST, dst);
    w64(EDU.DMA_CNT, 8n);
    w64(EDU.DMA_CMD, BigInt(EDU.DMA_RUN | EDU.DMA_DIR_TO_RAM));
    host.clock.run();
  }

  it('without an IOMMU the device writes any physical address the user names', () => {
    const host = new Host(topology({ iommu: null }));
    const { p, cfg, bar } = uio(host);
    setCommand(p, cfg, CMD.MEMORY | CMD.MASTER);
    host.phys.write(0x10_0000n, new TextEncoder().encode('kernel!!'));
    dmaToRam(host, p, bar, 0x10_0000n);
    expect(host.phys.read(0x10_0000n, 8)).toEqual(new Uint8Array(8));
  });

  it('with an IOMMU the kernel default domain maps nothing for it: the same DMA faults, and user space has no way to map', () => {
    const host = new Host(topology());
    const { p, cfg, bar } = uio(host);
    setCommand(p, cfg, CMD.MEMORY | CMD.MASTER);
    host.phys.write(0x10_0000n, new TextEncoder().encode('kernel!!'));
    dmaToRam(host, p, bar, 0x10_0000n);
    expect(new TextDecoder().decode(host.phys.read(0x10_0000n, 8))).toBe('kernel!!');
    expect(host.faults()[0]).toMatchObject({ source: A, iova: 0x10_0000n, access: 'write', code: 0x5 });
    const g = iommuGroup(host, A);
    expect(host.iommu!.contextOf(0x0100)?.mode).toBe('translate');
  });

  it('with an identity default domain (iommu.passthrough) the device again reaches any memory', () => {
    const host = new Host(topology());
    const g = iommuGroup(host, A);
    const iommu = host.iommu!;
    const id = iommu.allocDomain('identity');
    for (const rid of g.rids) iommu.attach(rid, id);
    const { p, cfg, bar } = uio(host);
    setCommand(p, cfg, CMD.MEMORY | CMD.MASTER);
    host.phys.write(0x10_0000n, new TextEncoder().encode('kernel!!'));
    dmaToRam(host, p, bar, 0x10_0000n);
    expect(host.phys.read(0x10_0000n, 8)).toEqual(new Uint8Array(8));
    expect(host.faults()).toEqual([]);
  });
});
