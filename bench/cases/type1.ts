/**
 * A type1 container reached the way a C driver reaches it: bind an edu to vfio-pci, open
 * /dev/vfio/vfio and the group, VFIO_GROUP_SET_CONTAINER, VFIO_SET_IOMMU(TYPE1v2), and a
 * large anonymous buffer to map from. Returns the reason instead when any step fails
 * (e.g. before the legacy container path is installed), so the figure shows as pending.
 */
import { Host, type Process } from '../../src/index.js';
import * as uapi from '../../src/uapi/index.js';

export const EDU = '0000:06:00.0';
const PAGE = 0x1000n;

export interface Type1 {
  readonly host: Host;
  readonly p: Process;
  readonly container: number;
  /** Base of an anonymous RW buffer of `bufPages` pages. */
  readonly buf: bigint;
  readonly bufPages: number;
}

/** MAP_DMA of one 4 KiB page at `iova` from buffer page `page`. */
export function mapArg(t: Type1, iova: bigint, page: number): { argsz: number; flags: number; vaddr: bigint; iova: bigint; size: bigint } {
  return {
    argsz: 32,
    flags: uapi.VFIO_DMA_MAP_FLAG_READ | uapi.VFIO_DMA_MAP_FLAG_WRITE,
    vaddr: t.buf + BigInt(page % t.bufPages) * PAGE,
    iova,
    size: PAGE,
  };
}

export function unmapArg(iova: bigint): { argsz: number; flags: number; iova: bigint; size: bigint } {
  return { argsz: 24, flags: 0, iova, size: PAGE };
}

export function openType1(bufPages: number, entryLimit: number): Type1 | string {
  try {
    const host = new Host();
    host.bind(EDU, 'vfio-pci');
    const p = host.spawn();
    const group = p.readlink(`/sys/bus/pci/devices/${EDU}/iommu_group`).split('/').pop()!;
    const container = p.open('/dev/vfio/vfio');
    const gfd = p.open(`/dev/vfio/${group}`);
    p.ioctl(gfd, uapi.VFIO_GROUP_SET_CONTAINER, container);
    // type1 reads dma_entry_limit when the backend opens (vfio_iommu_type1_open: dma_avail)
    p.writeFile('/sys/module/vfio_iommu_type1/parameters/dma_entry_limit', String(entryLimit));
    p.ioctl(container, uapi.VFIO_SET_IOMMU, uapi.VFIO_TYPE1v2_IOMMU);
    const len = BigInt(bufPages) * PAGE;
    const buf = p.mmap(0n, len, uapi.PROT_READ | uapi.PROT_WRITE, uapi.MAP_PRIVATE | uapi.MAP_ANONYMOUS, -1, 0n);
    const t: Type1 = { host, p, container, buf, bufPages };
    // probe one map/unmap so a missing backend shows here, not mid-measurement
    p.ioctl(container, uapi.VFIO_IOMMU_MAP_DMA, mapArg(t, 0n, 0));
    p.ioctl(container, uapi.VFIO_IOMMU_UNMAP_DMA, unmapArg(0n));
    return t;
  } catch (e) {
    return e instanceof Error ? `${e.name}: ${e.message}` : String(e);
  }
}
