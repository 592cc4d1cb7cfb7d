/** Shared set-up for the legacy container/group/type1 tests. */
import { Host, uapi, type Process } from '../../src/index.js';
import { defaultTopologyJson } from '../../src/hardware/default-machine.js';
import { iommuGroupOf } from '../support/sysfs.js';
import { attachContainer, openContainerAndGroup } from '../../src/testing/session.js';

export const EDU = '0000:06:00.0';
export const EDU2 = '0000:07:00.0';

export function groupOf(host: Host, bdf: string): number {
  return iommuGroupOf(host.spawn(), bdf);
}

export interface Setup {
  host: Host;
  p: Process;
  c: number;
  g: number;
  group: number;
}

/** Default machine, `bdf` bound to vfio-pci, container + group opened; optionally attached and typed. */
export function setup(opts: { bdfs?: string[]; type?: number | null; attach?: boolean; host?: Host; proc?: Process } = {}): Setup {
  const host = opts.host ?? new Host();
  const bdfs = opts.bdfs ?? [EDU];
  for (const b of bdfs) host.bind(b, 'vfio-pci');
  const p = opts.proc ?? host.spawn();
  const group = groupOf(host, bdfs[0]!);
  const { container: c, group: g } = openContainerAndGroup(p, group);
  if (opts.attach !== false) {
    const type = opts.type === undefined ? uapi.VFIO_TYPE1v2_IOMMU : opts.type;
    if (type === null) p.ioctl(g, uapi.VFIO_GROUP_SET_CONTAINER, c);
    else attachContainer(p, g, c, type);
  }
  return { host, p, c, g, group };
}

/** The type1 instance behind a container fd (kernel state, from the support window). */
export { type1Of } from '../support/kernel-state.js';

export { expectErrno } from '../support/errno.js';

export function map(p: Process, c: number, vaddr: bigint, iova: bigint, size: bigint, flags = uapi.VFIO_DMA_MAP_FLAG_READ | uapi.VFIO_DMA_MAP_FLAG_WRITE): number {
  return p.ioctl(c, uapi.VFIO_IOMMU_MAP_DMA, { argsz: 32, flags, vaddr, iova, size });
}

export function unmap(p: Process, c: number, iova: bigint, size: bigint, flags = 0): bigint {
  const arg = { argsz: 24, flags, iova, size };
  p.ioctl(c, uapi.VFIO_IOMMU_UNMAP_DMA, arg);
  return arg.size;
}

type TopoNode = Record<string, unknown> & { bdf?: string; children?: TopoNode[] };

/**
 * The default machine with edits: `iommu` fields merged in, and per-BDF fields merged into
 * that function's node (e.g. reservedRegions). Builds a real topology, no poking at internals.
 */
export function machine(edit: { iommu?: Record<string, unknown>; fns?: Record<string, Record<string, unknown>> }): Host {
  const t = structuredClone(defaultTopologyJson) as { iommu: Record<string, unknown>; pci: TopoNode[] };
  Object.assign(t.iommu, edit.iommu ?? {});
  const walk = (n: TopoNode): void => {
    const e = n.bdf !== undefined ? edit.fns?.[n.bdf] : undefined;
    if (e) Object.assign(n, e);
    n.children?.forEach(walk);
  };
  t.pci.forEach(walk);
  return new Host(t);
}
