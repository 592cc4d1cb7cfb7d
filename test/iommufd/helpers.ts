/** Shared set-up for the iommufd and device-cdev tests. */
import { Host, uapi, type Process } from '../../src/index.js';

export const EDU = '0000:06:00.0';
export const EDU2 = '0000:07:00.0';
export const P = 0x1000n;
export const U64_MAX = (1n << 64n) - 1n;

export { expectErrno } from '../support/errno.js';

export function cdevIndex(p: Process, bdf: string): number {
  const names = p.readdir(`/sys/bus/pci/devices/${bdf}/vfio-dev`);
  return Number(names[0]!.replace('vfio', ''));
}

export interface Ctx {
  host: Host;
  p: Process;
  fd: number;
}

/** A host with a fresh /dev/iommu fd. */
export function iommufd(host = new Host(), p = host.spawn()): Ctx {
  return { host, p, fd: p.open('/dev/iommu') };
}

export function ioasAlloc(p: Process, fd: number): number {
  const a = { size: 12, flags: 0, out_ioas_id: 0 };
  p.ioctl(fd, uapi.IOMMU_IOAS_ALLOC, a);
  return a.out_ioas_id;
}

export const RW = uapi.IOMMU_IOAS_MAP_READABLE | uapi.IOMMU_IOAS_MAP_WRITEABLE;

export function mapFixed(p: Process, fd: number, ioas: number, user_va: bigint, iova: bigint, length: bigint, flags = RW): void {
  p.ioctl(fd, uapi.IOMMU_IOAS_MAP, { size: 40, flags: flags | uapi.IOMMU_IOAS_MAP_FIXED_IOVA, ioas_id: ioas, user_va, length, iova });
}

export function mapAuto(p: Process, fd: number, ioas: number, user_va: bigint, length: bigint, flags = RW): bigint {
  const a = { size: 40, flags, ioas_id: ioas, user_va, length, iova: 0n };
  p.ioctl(fd, uapi.IOMMU_IOAS_MAP, a);
  return a.iova;
}

export function unmap(p: Process, fd: number, ioas: number, iova: bigint, length: bigint): bigint {
  const a = { size: 24, ioas_id: ioas, iova, length };
  p.ioctl(fd, uapi.IOMMU_IOAS_UNMAP, a);
  return a.length;
}

export function ranges(p: Process, fd: number, ioas: number): { ranges: Array<{ start: bigint; last: bigint }>; align: bigint } {
  const a = { size: 32, ioas_id: ioas, num_iovas: 16, allowed_iovas: [] as Array<{ start: bigint; last: bigint }>, out_iova_alignment: 0n };
  p.ioctl(fd, uapi.IOMMU_IOAS_IOVA_RANGES, a);
  return { ranges: a.allowed_iovas.slice(0, a.num_iovas), align: a.out_iova_alignment };
}

export interface Dev extends Ctx {
  dev: number;
  devId: number;
}

/** Bind `bdf` to vfio-pci, open its cdev and bind it to a new (or given) iommufd. */
export function boundDevice(opts: { host?: Host; p?: Process; fd?: number; bdf?: string } = {}): Dev {
  const host = opts.host ?? new Host();
  const bdf = opts.bdf ?? EDU;
  host.bind(bdf, 'vfio-pci');
  const p = opts.p ?? host.spawn();
  const fd = opts.fd ?? p.open('/dev/iommu');
  const dev = p.open(`/dev/vfio/devices/vfio${cdevIndex(p, bdf)}`);
  const b = { argsz: 24, flags: 0, iommufd: fd, out_devid: 0 };
  p.ioctl(dev, uapi.VFIO_DEVICE_BIND_IOMMUFD, b);
  return { host, p, fd, dev, devId: b.out_devid };
}

export function attach(p: Process, dev: number, pt_id: number): number {
  const a = { argsz: 16, flags: 0, pt_id };
  p.ioctl(dev, uapi.VFIO_DEVICE_ATTACH_IOMMUFD_PT, a);
  return a.pt_id;
}

export function destroy(p: Process, fd: number, id: number): void {
  p.ioctl(fd, uapi.IOMMU_DESTROY, { size: 8, id });
}

/** The io_pagetable behind an IOAS id (kernel state, from the support window). */
export { ioptOf } from '../support/kernel-state.js';
