/**
 * Test helpers: a small machine with one edu, one dma-engine and one NIC (each alone behind
 * its own ACS root port, so each is its own IOMMU group), and the legacy-container dance
 * that hands a process a device fd with its group in a type1 container.
 */
import { Host, uapi } from '../../src/index.js';
import type { Process } from '../../src/process/process.js';
import { readU64le } from '../support/bytes.js';
import { anonBuffer, openLegacyDevice, type LegacyDevice } from '../support/vfio.js';

const rp = (bdf: string, child: object): object => ({ bdf, type: 'root-port', acs: ['SV', 'RR', 'CR', 'UF'], children: [child] });

export function machine(extra: Record<string, object> = {}): Host {
  return new Host({
    name: 'vfio-pci-test',
    ramBytes: '0x40000000',
    iommu: { addressWidth: 48, pageSizes: ['4K', '2M', '1G'], interruptRemapping: true, invalidation: 'strict', platform: 'intel' },
    pci: [
      { bdf: '0000:00:00.0', type: 'host-bridge' },
      rp('0000:00:01.0', { bdf: '0000:01:00.0', type: 'endpoint', model: 'edu', driver: null, ...(extra['edu'] ?? {}) }),
      rp('0000:00:02.0', { bdf: '0000:02:00.0', type: 'endpoint', model: 'dma-engine', driver: null }),
      rp('0000:00:03.0', { bdf: '0000:03:00.0', type: 'endpoint', model: 'nic', driver: null }),
    ],
  });
}

export const EDU_BDF = '0000:01:00.0';
export const DMAE_BDF = '0000:02:00.0';
export const NIC_BDF = '0000:03:00.0';

export type Opened = LegacyDevice;

/** Bind `bdf` to vfio-pci and open it through a type1 container. */
export function openDevice(host: Host, bdf: string, p: Process = host.spawn()): Opened {
  return openLegacyDevice(host, bdf, p);
}

/** Anonymous memory mapped for DMA at `iova`. */
export function dmaBuffer(o: Opened, iova: bigint, size: bigint, flags = uapi.VFIO_DMA_MAP_FLAG_READ | uapi.VFIO_DMA_MAP_FLAG_WRITE): bigint {
  const vaddr = anonBuffer(o.p, size);
  o.p.ioctl(o.container, uapi.VFIO_IOMMU_MAP_DMA, { argsz: uapi.sizeofStruct('vfio_iommu_type1_dma_map'), flags, vaddr, iova, size });
  return vaddr;
}

export const CFG_OFF = BigInt(uapi.VFIO_PCI_CONFIG_REGION_INDEX) << 40n;

export function cfgRead(o: Opened, off: number, len: number): number {
  const b = o.p.pread(o.device, len, CFG_OFF + BigInt(off));
  let v = 0;
  for (let i = len - 1; i >= 0; i--) v = v * 256 + b[i]!;
  return v;
}

export function cfgWrite(o: Opened, off: number, len: number, v: number): void {
  const b = new Uint8Array(len);
  for (let i = 0; i < len; i++) b[i] = Math.floor(v / 2 ** (8 * i)) & 0xff;
  o.p.pwrite(o.device, b, CFG_OFF + BigInt(off));
}

export function u32(v: number): Uint8Array {
  const b = new Uint8Array(4);
  new DataView(b.buffer).setUint32(0, v >>> 0, true);
  return b;
}

export function le32(b: Uint8Array, off = 0): number {
  return new DataView(b.buffer, b.byteOffset + off, 4).getUint32(0, true);
}

/** Read an eventfd without blocking: the counter, or 0n when it is zero. */
export function drain(p: Process, fd: number): bigint {
  const fl = p.fcntl(fd, uapi.F_GETFL);
  p.fcntl(fd, uapi.F_SETFL, fl | uapi.O_NONBLOCK);
  try {
    return readU64le(p.read(fd, 8));
  } catch (e) {
    if ((e as { code?: string }).code === 'EAGAIN') return 0n;
    throw e;
  } finally {
    p.fcntl(fd, uapi.F_SETFL, fl);
  }
}

export function setIrqs(o: Opened, index: number, flags: number, start: number, fds: Array<number | boolean> | null, count = fds?.length ?? 0): number {
  const elem = flags & uapi.VFIO_IRQ_SET_DATA_EVENTFD ? 4 : flags & uapi.VFIO_IRQ_SET_DATA_BOOL ? 1 : 0;
  return o.p.ioctl(o.device, uapi.VFIO_DEVICE_SET_IRQS, { argsz: 20 + elem * count, flags, index, start, count, ...(fds ? { data: fds } : {}) });
}
