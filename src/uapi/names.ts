/**
 * Request number -> Linux name, for traces and error messages ("EINVAL: invalid argument,
 * ioctl VFIO_IOMMU_MAP_DMA"). Built from the ioctl tables, so it cannot drift from them.
 *
 * VFIO numbers are not unique: VFIO_BASE + 12..21 mean one thing on a container fd, another
 * on a device fd (0x3b70 is VFIO_IOMMU_GET_INFO, VFIO_IOMMU_SPAPR_TCE_GET_INFO and
 * VFIO_DEVICE_GET_PCI_HOT_RESET_INFO), and 0x3b79 is also VFIO_MIG_GET_PRECOPY_INFO on a
 * migration data fd. Only the fd kind picks one; without it every name is returned.
 * An iommufd fd also serves the VFIO container requests (iommufd_vfio_ioctl), so a lookup for
 * kind 'iommufd' falls back to the container names.
 */
import { type FdKind, IOMMUFD_IOCTLS, ioctlsOnFd, VFIO_IOCTLS } from './ioctls.js';

interface NamedRequest {
  readonly name: string;
  readonly request: number;
  readonly fd: FdKind;
}

const ALL: readonly NamedRequest[] = [
  ...VFIO_IOCTLS,
  ...IOMMUFD_IOCTLS.map((c) => ({ name: c.name, request: c.request, fd: 'iommufd' as const })),
];

const BY_REQUEST: ReadonlyMap<number, readonly NamedRequest[]> = (() => {
  const m = new Map<number, NamedRequest[]>();
  for (const r of ALL) {
    const list = m.get(r.request);
    if (list === undefined) m.set(r.request, [r]);
    else list.push(r);
  }
  return m;
})();

/** Every Linux name of `request`, in header order (empty if none). */
export function requestNames(request: number): string[] {
  return (BY_REQUEST.get(request >>> 0) ?? []).map((r) => r.name);
}

/**
 * The name of `request` on an fd of kind `fd`; without a kind, the only name, or all of them
 * joined with ' | ' when the number is shared. Undefined for a number Linux does not define.
 */
export function requestName(request: number, fd?: FdKind): string | undefined {
  if (fd !== undefined) return ioctlsOnFd(fd, request >>> 0)[0]?.name;
  const names = requestNames(request);
  return names.length === 0 ? undefined : names.join(' | ');
}

/** requestName, or the number in hex (`0x3bff`) when it has no name. */
export function formatRequest(request: number, fd?: FdKind): string {
  return requestName(request, fd) ?? `0x${(request >>> 0).toString(16)}`;
}
