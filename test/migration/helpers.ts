/**
 * Migration test helpers: a machine whose dma-engine opts in to migration (all three flags,
 * or the ones given), the feature ioctl wrappers, and a driver for the engine's ring.
 */
import { Host, uapi } from '../../src/index.js';
import { DMAE } from '../../src/hardware/devices/dma-engine.js';
import { DMAE_BDF, dmaBuffer, openDevice, type Opened } from '../vfio-pci/helpers.js';
import { u64le } from '../support/bytes.js';

const rp = (bdf: string, child: object): object => ({ bdf, type: 'root-port', acs: ['SV', 'RR', 'CR', 'UF'], children: [child] });

export function migHost(params: Record<string, unknown> = { migration: true }): Host {
  return new Host({
    name: 'migration-test',
    ramBytes: '0x40000000',
    iommu: { addressWidth: 48, pageSizes: ['4K', '2M', '1G'], interruptRemapping: true, invalidation: 'strict', platform: 'intel' },
    pci: [
      { bdf: '0000:00:00.0', type: 'host-bridge' },
      rp('0000:00:02.0', { bdf: DMAE_BDF, type: 'endpoint', model: 'dma-engine', driver: null, params }),
    ],
  });
}

export const GET = uapi.VFIO_DEVICE_FEATURE_GET;
export const SET = uapi.VFIO_DEVICE_FEATURE_SET;
export const PROBE = uapi.VFIO_DEVICE_FEATURE_PROBE;

export function getState(o: Opened): number {
  const arg = { argsz: 16, flags: GET | uapi.VFIO_DEVICE_FEATURE_MIG_DEVICE_STATE, data: { device_state: 0, data_fd: 0 } };
  o.p.ioctl(o.device, uapi.VFIO_DEVICE_FEATURE, arg);
  return arg.data.device_state;
}

/** SET the migration state; returns the data fd written back (-1 without a new session). */
export function setState(o: Opened, device_state: number): number {
  const arg = { argsz: 16, flags: SET | uapi.VFIO_DEVICE_FEATURE_MIG_DEVICE_STATE, data: { device_state, data_fd: 0 } };
  o.p.ioctl(o.device, uapi.VFIO_DEVICE_FEATURE, arg);
  return arg.data.data_fd;
}

/** Read a saving data fd to EOF. */
export function readAll(o: Opened, fd: number): Uint8Array {
  const parts: Uint8Array[] = [];
  for (;;) {
    const b = o.p.read(fd, 64);
    if (b.length === 0) break;
    parts.push(b);
  }
  const out = new Uint8Array(parts.reduce((n, b) => n + b.length, 0));
  let at = 0;
  for (const b of parts) {
    out.set(b, at);
    at += b.length;
  }
  return out;
}

export const RING = 0x10_0000n;
export const SRC = 0x20_0000n;
export const DST = 0x30_0000n;
export const COMP = 0x40_0000n;

/** Open the engine with a mapped DMA window: ring, source, destination and completion areas. */
export function openEngine(host: Host): { o: Opened; mem: bigint } {
  const o = openDevice(host, DMAE_BDF);
  const mem = dmaBuffer(o, RING, 0x40_0000n);
  const cmd = new Uint8Array(2);
  cmd[0] = uapi.PCI_COMMAND_MEMORY | uapi.PCI_COMMAND_MASTER;
  o.p.pwrite(o.device, cmd, (BigInt(uapi.VFIO_PCI_CONFIG_REGION_INDEX) << 40n) + BigInt(uapi.PCI_COMMAND));
  return { o, mem };
}

export function reg32(o: Opened, off: number, v?: number): number {
  if (v === undefined) return new DataView(o.p.pread(o.device, 4, BigInt(off)).buffer).getUint32(0, true);
  const b = new Uint8Array(4);
  new DataView(b.buffer).setUint32(0, v, true);
  o.p.pwrite(o.device, b, BigInt(off));
  return v;
}

/** Program the ring (size 16) and queue `n` copies of `len` bytes: descriptor i copies SRC+i*len → DST+i*len. */
export function queueCopies(o: Opened, mem: bigint, n: number, len: number, first = 0): void {
  for (let i = first; i < first + n; i++) {
    const d = new Uint8Array(32);
    const v = new DataView(d.buffer);
    v.setBigUint64(0, SRC + BigInt(i * len), true);
    v.setBigUint64(8, DST + BigInt(i * len), true);
    v.setUint32(16, len, true);
    v.setUint32(20, 0, true);
    v.setBigUint64(24, COMP + BigInt(16 * i), true);
    o.p.writeMem(mem + BigInt(32 * (i % 16)), d);
  }
}

export function startEngine(o: Opened, tail: number): void {
  o.p.pwrite(o.device, u64le(RING), BigInt(DMAE.RING_BASE));
  reg32(o, DMAE.RING_SIZE, 16);
  reg32(o, DMAE.CTRL, DMAE.CTRL_ENABLE);
  reg32(o, DMAE.RING_TAIL, tail);
}

export { DMAE };
