/**
 * A legacy VFIO session set up the way vfio.rst's example does it — container, group,
 * type1 IOMMU, device fd — for tests, the property suite and users' own properties.
 * Every step is an ordinary syscall through the public Process skin.
 */
import * as uapi from '../uapi/index.js';
import type { Host } from '../host/host.js';
import type { Process } from '../process/process.js';

export interface VfioSession {
  readonly p: Process;
  readonly container: number;
  readonly group: number;
  readonly device: number;
  readonly groupId: number;
}

export interface SessionOptions {
  /** Bind to vfio-pci first (default true). */
  readonly bind?: boolean;
  readonly uid?: number;
  readonly rlimitMemlock?: bigint;
  /** Enable memory decoding and bus mastering through the config region (default true). */
  readonly enable?: boolean;
  /** Use this process instead of spawning one (then `uid` and `rlimitMemlock` do not apply). */
  readonly p?: Process;
  /** The IOMMU model for VFIO_SET_IOMMU (default VFIO_TYPE1v2_IOMMU). */
  readonly type?: number;
}

/** The IOMMU group number of `bdf`, read from sysfs as a user would. */
export function groupIdOf(p: Process, bdf: string): number {
  return Number(p.readlink(`/sys/bus/pci/devices/${bdf}/iommu_group`).split('/').pop());
}

/** The first two steps: open /dev/vfio/vfio, then group `groupId`'s /dev/vfio/N (no ioctl yet). */
export function openContainerAndGroup(p: Process, groupId: number): { container: number; group: number } {
  const container = p.open('/dev/vfio/vfio', uapi.O_RDWR);
  const group = p.open(`/dev/vfio/${groupId}`, uapi.O_RDWR);
  return { container, group };
}

/** VFIO_GROUP_SET_CONTAINER, then VFIO_SET_IOMMU(`type`, type1v2 by default) — the usual pair. */
export function attachContainer(p: Process, group: number, container: number, type: number = uapi.VFIO_TYPE1v2_IOMMU): void {
  p.ioctl(group, uapi.VFIO_GROUP_SET_CONTAINER, container);
  p.ioctl(container, uapi.VFIO_SET_IOMMU, type);
}

/**
 * The whole legacy opening sequence, the one copy tests, examples and the kit share: bind
 * `bdf` to vfio-pci, open a container and the device's group, attach them (type1v2), get
 * the device fd and (by default) enable memory decoding and bus mastering.
 */
export function openVfio(host: Host, bdf: string, o: SessionOptions = {}): VfioSession {
  if (o.bind !== false) host.bind(bdf, 'vfio-pci');
  const p = o.p ?? host.spawn({ uid: o.uid ?? 0, ...(o.rlimitMemlock === undefined ? {} : { rlimitMemlock: o.rlimitMemlock }) });
  const groupId = groupIdOf(p, bdf);
  const { container, group } = openContainerAndGroup(p, groupId);
  attachContainer(p, group, container, o.type);
  const device = p.ioctl(group, uapi.VFIO_GROUP_GET_DEVICE_FD, bdf);
  if (o.enable !== false) enableDevice(p, device);
  return { p, container, group, device, groupId };
}

/** Set PCI_COMMAND memory + bus master through the config region, as a driver does. */
export function enableDevice(p: Process, device: number): void {
  const cfg = BigInt(uapi.VFIO_PCI_CONFIG_REGION_INDEX) << 40n;
  const cmd = p.pread(device, 2, cfg + BigInt(uapi.PCI_COMMAND));
  const v = (cmd[0]! | (cmd[1]! << 8)) | uapi.PCI_COMMAND_MEMORY | uapi.PCI_COMMAND_MASTER;
  p.pwrite(device, new Uint8Array([v & 0xff, v >> 8]), cfg + BigInt(uapi.PCI_COMMAND));
}

/** mmap anonymous memory and map it for DMA at `iova` (read/write). Returns the vaddr. */
export function mapDma(s: VfioSession, iova: bigint, size: bigint): bigint {
  const vaddr = s.p.mmap(0n, size, uapi.PROT_READ | uapi.PROT_WRITE, uapi.MAP_PRIVATE | uapi.MAP_ANONYMOUS, -1, 0n);
  s.p.ioctl(s.container, uapi.VFIO_IOMMU_MAP_DMA, {
    argsz: uapi.sizeofStruct('vfio_iommu_type1_dma_map'),
    flags: uapi.VFIO_DMA_MAP_FLAG_READ | uapi.VFIO_DMA_MAP_FLAG_WRITE, vaddr, iova, size,
  });
  return vaddr;
}

/** Store to BAR `bar` of the device at `off` through the region (pwrite). */
export function barWrite32(s: VfioSession, bar: number, off: number, value: number): void {
  const b = new Uint8Array(4);
  new DataView(b.buffer).setUint32(0, value >>> 0, true);
  s.p.pwrite(s.device, b, (BigInt(bar) << 40n) + BigInt(off));
}

export function barRead32(s: VfioSession, bar: number, off: number): number {
  const b = s.p.pread(s.device, 4, (BigInt(bar) << 40n) + BigInt(off));
  return new DataView(b.buffer, b.byteOffset, 4).getUint32(0, true);
}
