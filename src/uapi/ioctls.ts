/**
 * Every VFIO and iommufd request as data: which file kind it belongs to, what its argument is,
 * which struct it takes, and the minimum size the kernel demands before looking further.
 *
 * VFIO handlers each copy `minsz = offsetofend(struct, <field>)` bytes and fail EINVAL when
 * `argsz < minsz`; `minszField` names that field as the handler does (the function is named in
 * `handler`). iommufd checks one table for every command (iommufd_ioctl_ops in
 * drivers/iommu/iommufd/main.c): `size < min_size` is EINVAL, where min_size is offsetofend of
 * the field IOCTL_OP() names (`lastField`), and the struct is copied with the kernel's sizeof.
 * The numbers here are computed from the struct tables, never typed twice. Each row names its
 * request; the number comes from the constant vfio.ts / iommufd.ts define under that name, and
 * requests.ts gives that constant its argument type from the row.
 */
import * as I from './iommufd.js';
import { offsetofend, sizeofStruct, type StructName } from './structs.js';
import * as V from './vfio.js';

/** The kind of file an ioctl is issued on. */
export type FdKind = 'container' | 'group' | 'device' | 'migration' | 'iommufd';

/**
 * What `arg` is: nothing; an integer passed by value; a pointer to one integer; a C string;
 * or a struct (`struct`).
 */
export type IoctlArg = 'none' | 'value' | 'int-ptr' | 'string' | 'struct';

export interface VfioIoctl {
  readonly name: string;
  readonly request: number;
  readonly fd: Exclude<FdKind, 'iommufd'>;
  readonly arg: IoctlArg;
  readonly struct: StructName | null;
  /** The field whose offsetofend is the kernel's minsz; null when no struct is taken. */
  readonly minszField: string | null;
  /** Bytes copied first; `argsz` below this is EINVAL. 0 when no struct is taken. */
  readonly minsz: number;
  /** The kernel function that does the check. */
  readonly handler: string;
}

export interface IommufdIoctl {
  readonly name: string;
  readonly request: number;
  /** IOMMUFD_CMD_* (the request's nr). */
  readonly cmd: number;
  readonly struct: StructName;
  /** The field IOCTL_OP() names as the end of the mandatory part. */
  readonly lastField: string;
  /** `size` below this is EINVAL. */
  readonly minSize: number;
  /** sizeof the kernel's struct: bytes past it must be zero (else E2BIG). */
  readonly size: number;
  readonly handler: string;
}

type VfioRow = readonly [
  name: string,
  fd: VfioIoctl['fd'],
  arg: IoctlArg,
  struct: StructName | null,
  minszField: string | null,
  handler: string,
];

// Type1 entries precede the sPAPR ones that share their numbers on the container fd.
const VFIO_ROWS = [
  ['VFIO_GET_API_VERSION', 'container', 'none', null, null, 'vfio_fops_unl_ioctl'],
  ['VFIO_CHECK_EXTENSION', 'container', 'value', null, null, 'vfio_container_ioctl_check_extension'],
  ['VFIO_SET_IOMMU', 'container', 'value', null, null, 'vfio_ioctl_set_iommu'],
  ['VFIO_GROUP_GET_STATUS', 'group', 'struct', 'vfio_group_status', 'flags', 'vfio_group_ioctl_get_status'],
  ['VFIO_GROUP_SET_CONTAINER', 'group', 'int-ptr', null, null, 'vfio_group_ioctl_set_container'],
  ['VFIO_GROUP_UNSET_CONTAINER', 'group', 'none', null, null, 'vfio_group_ioctl_unset_container'],
  ['VFIO_GROUP_GET_DEVICE_FD', 'group', 'string', null, null, 'vfio_group_ioctl_get_device_fd'],
  ['VFIO_DEVICE_GET_INFO', 'device', 'struct', 'vfio_device_info', 'num_irqs', 'vfio_pci_ioctl_get_info'],
  ['VFIO_DEVICE_GET_REGION_INFO', 'device', 'struct', 'vfio_region_info', 'offset', 'vfio_get_region_info'],
  ['VFIO_DEVICE_GET_IRQ_INFO', 'device', 'struct', 'vfio_irq_info', 'count', 'vfio_pci_ioctl_get_irq_info'],
  ['VFIO_DEVICE_SET_IRQS', 'device', 'struct', 'vfio_irq_set', 'count', 'vfio_pci_ioctl_set_irqs'],
  ['VFIO_DEVICE_RESET', 'device', 'none', null, null, 'vfio_pci_ioctl_reset'],
  ['VFIO_DEVICE_GET_PCI_HOT_RESET_INFO', 'device', 'struct', 'vfio_pci_hot_reset_info', 'count', 'vfio_pci_ioctl_get_pci_hot_reset_info'],
  ['VFIO_DEVICE_PCI_HOT_RESET', 'device', 'struct', 'vfio_pci_hot_reset', 'count', 'vfio_pci_ioctl_pci_hot_reset'],
  ['VFIO_DEVICE_QUERY_GFX_PLANE', 'device', 'struct', 'vfio_device_gfx_plane_info', 'region_index', 'mdev driver (mbochs_ioctl)'],
  ['VFIO_DEVICE_GET_GFX_DMABUF', 'device', 'int-ptr', null, null, 'mdev driver (mbochs_ioctl)'],
  ['VFIO_DEVICE_IOEVENTFD', 'device', 'struct', 'vfio_device_ioeventfd', 'fd', 'vfio_pci_ioctl_ioeventfd'],
  ['VFIO_DEVICE_FEATURE', 'device', 'struct', 'vfio_device_feature', 'flags', 'vfio_ioctl_device_feature'],
  ['VFIO_DEVICE_BIND_IOMMUFD', 'device', 'struct', 'vfio_device_bind_iommufd', 'out_devid', 'vfio_df_ioctl_bind_iommufd'],
  ['VFIO_DEVICE_ATTACH_IOMMUFD_PT', 'device', 'struct', 'vfio_device_attach_iommufd_pt', 'pt_id', 'vfio_df_ioctl_attach_pt'],
  ['VFIO_DEVICE_DETACH_IOMMUFD_PT', 'device', 'struct', 'vfio_device_detach_iommufd_pt', 'flags', 'vfio_df_ioctl_detach_pt'],
  ['VFIO_MIG_GET_PRECOPY_INFO', 'migration', 'struct', 'vfio_precopy_info', 'dirty_bytes', 'migration driver precopy ioctl'],
  ['VFIO_IOMMU_GET_INFO', 'container', 'struct', 'vfio_iommu_type1_info', 'iova_pgsizes', 'vfio_iommu_type1_get_info'],
  ['VFIO_IOMMU_MAP_DMA', 'container', 'struct', 'vfio_iommu_type1_dma_map', 'size', 'vfio_iommu_type1_map_dma'],
  ['VFIO_IOMMU_UNMAP_DMA', 'container', 'struct', 'vfio_iommu_type1_dma_unmap', 'size', 'vfio_iommu_type1_unmap_dma'],
  ['VFIO_IOMMU_ENABLE', 'container', 'none', null, null, 'tce_iommu_ioctl'],
  ['VFIO_IOMMU_DISABLE', 'container', 'none', null, null, 'tce_iommu_ioctl'],
  ['VFIO_IOMMU_DIRTY_PAGES', 'container', 'struct', 'vfio_iommu_type1_dirty_bitmap', 'flags', 'vfio_iommu_type1_dirty_pages'],
  ['VFIO_IOMMU_SPAPR_TCE_GET_INFO', 'container', 'struct', 'vfio_iommu_spapr_tce_info', 'dma32_window_size', 'tce_iommu_ioctl'],
  ['VFIO_EEH_PE_OP', 'container', 'struct', 'vfio_eeh_pe_op', 'op', 'vfio_spapr_ioctl_eeh_pe_op'],
  ['VFIO_IOMMU_SPAPR_REGISTER_MEMORY', 'container', 'struct', 'vfio_iommu_spapr_register_memory', 'size', 'tce_iommu_ioctl'],
  ['VFIO_IOMMU_SPAPR_UNREGISTER_MEMORY', 'container', 'struct', 'vfio_iommu_spapr_register_memory', 'size', 'tce_iommu_ioctl'],
  ['VFIO_IOMMU_SPAPR_TCE_CREATE', 'container', 'struct', 'vfio_iommu_spapr_tce_create', 'start_addr', 'tce_iommu_ioctl'],
  ['VFIO_IOMMU_SPAPR_TCE_REMOVE', 'container', 'struct', 'vfio_iommu_spapr_tce_remove', 'start_addr', 'tce_iommu_ioctl'],
] as const satisfies readonly VfioRow[];

/**
 * The request number of a row's name, from vfio.ts / iommufd.ts: the tables name each request
 * once, and the constants stay where the headers define them (the request's argument type,
 * requests.ts, is read from these rows at the type level).
 */
function requestNumber(name: string): number {
  const v = (V as Readonly<Record<string, unknown>>)[name] ?? (I as Readonly<Record<string, unknown>>)[name];
  if (typeof v !== 'number') throw new Error(`uapi: no request constant ${name}`);
  return v;
}

/** Every VFIO request, grouped by header section; numbers repeat across fd kinds. */
export const VFIO_IOCTLS: readonly VfioIoctl[] = VFIO_ROWS.map(
  ([name, fd, arg, struct, minszField, handler]: VfioRow) => ({
    name,
    request: requestNumber(name),
    fd,
    arg,
    struct,
    minszField,
    minsz: struct !== null && minszField !== null ? offsetofend(struct, minszField) : 0,
    handler,
  }),
);

type IommufdRow = readonly [name: string, struct: StructName, last: string, handler: string];

// Order of iommufd.h; lastField as in IOCTL_OP() of iommufd_ioctl_ops[].
const IOMMUFD_ROWS = [
  ['IOMMU_DESTROY', 'iommu_destroy', 'id', 'iommufd_destroy'],
  ['IOMMU_IOAS_ALLOC', 'iommu_ioas_alloc', 'out_ioas_id', 'iommufd_ioas_alloc_ioctl'],
  ['IOMMU_IOAS_ALLOW_IOVAS', 'iommu_ioas_allow_iovas', 'allowed_iovas', 'iommufd_ioas_allow_iovas'],
  ['IOMMU_IOAS_COPY', 'iommu_ioas_copy', 'src_iova', 'iommufd_ioas_copy'],
  ['IOMMU_IOAS_IOVA_RANGES', 'iommu_ioas_iova_ranges', 'out_iova_alignment', 'iommufd_ioas_iova_ranges'],
  ['IOMMU_IOAS_MAP', 'iommu_ioas_map', 'iova', 'iommufd_ioas_map'],
  ['IOMMU_IOAS_UNMAP', 'iommu_ioas_unmap', 'length', 'iommufd_ioas_unmap'],
  ['IOMMU_OPTION', 'iommu_option', 'val64', 'iommufd_option'],
  ['IOMMU_VFIO_IOAS', 'iommu_vfio_ioas', '__reserved', 'iommufd_vfio_ioas'],
  ['IOMMU_HWPT_ALLOC', 'iommu_hwpt_alloc', '__reserved', 'iommufd_hwpt_alloc'],
  ['IOMMU_GET_HW_INFO', 'iommu_hw_info', '__reserved', 'iommufd_get_hw_info'],
  ['IOMMU_HWPT_SET_DIRTY_TRACKING', 'iommu_hwpt_set_dirty_tracking', '__reserved', 'iommufd_hwpt_set_dirty_tracking'],
  ['IOMMU_HWPT_GET_DIRTY_BITMAP', 'iommu_hwpt_get_dirty_bitmap', 'data', 'iommufd_hwpt_get_dirty_bitmap'],
  ['IOMMU_HWPT_INVALIDATE', 'iommu_hwpt_invalidate', '__reserved', 'iommufd_hwpt_invalidate'],
  ['IOMMU_FAULT_QUEUE_ALLOC', 'iommu_fault_alloc', 'out_fault_fd', 'iommufd_fault_alloc'],
  ['IOMMU_IOAS_MAP_FILE', 'iommu_ioas_map_file', 'iova', 'iommufd_ioas_map_file'],
  ['IOMMU_VIOMMU_ALLOC', 'iommu_viommu_alloc', 'out_viommu_id', 'iommufd_viommu_alloc_ioctl'],
  ['IOMMU_VDEVICE_ALLOC', 'iommu_vdevice_alloc', 'virt_id', 'iommufd_vdevice_alloc_ioctl'],
  ['IOMMU_IOAS_CHANGE_PROCESS', 'iommu_ioas_change_process', '__reserved', 'iommufd_ioas_change_process'],
  ['IOMMU_VEVENTQ_ALLOC', 'iommu_veventq_alloc', 'out_veventq_fd', 'iommufd_veventq_alloc'],
  ['IOMMU_HW_QUEUE_ALLOC', 'iommu_hw_queue_alloc', 'length', 'iommufd_hw_queue_alloc_ioctl'],
  ['IOMMU_IOAS_NOIOMMU_GET_PA', 'iommu_ioas_noiommu_get_pa', 'out_phys', 'iommufd_ioas_noiommu_get_pa'],
] as const satisfies readonly IommufdRow[];

/** The rows as literal types, for requests.ts. */
export type VfioRows = typeof VFIO_ROWS;
export type IommufdRows = typeof IOMMUFD_ROWS;

/** Every iommufd command, in command-number order. */
export const IOMMUFD_IOCTLS: readonly IommufdIoctl[] = IOMMUFD_ROWS.map(
  ([name, struct, lastField, handler]: IommufdRow) => {
    const request = requestNumber(name);
    return {
      name,
      request,
      cmd: request & 0xff,
      struct,
      lastField,
      minSize: offsetofend(struct, lastField),
      size: sizeofStruct(struct),
      handler,
    };
  },
);

const IOMMUFD_BY_REQUEST: ReadonlyMap<number, IommufdIoctl> = new Map(
  IOMMUFD_IOCTLS.map((c) => [c.request, c] as const),
);

/** A request as an fd of one kind understands it: its Linux name and its argument struct (null: none). */
export interface IoctlOnFd {
  readonly name: string;
  readonly struct: StructName | null;
}

/**
 * What each fd kind understands, by request number, in header order (a container number can
 * be type1's and sPAPR's). An iommufd fd serves its own commands and, for any other number,
 * the container's (iommufd_vfio_ioctl).
 */
const ON_FD: ReadonlyMap<FdKind, ReadonlyMap<number, readonly IoctlOnFd[]>> = (() => {
  const byKind = new Map<FdKind, Map<number, IoctlOnFd[]>>();
  const add = (fd: FdKind, request: number, row: IoctlOnFd) => {
    let m = byKind.get(fd);
    if (m === undefined) byKind.set(fd, (m = new Map()));
    const list = m.get(request);
    if (list === undefined) m.set(request, [row]);
    else list.push(row);
  };
  for (const c of VFIO_IOCTLS) add(c.fd, c.request, c);
  for (const c of IOMMUFD_IOCTLS) add('iommufd', c.request, c);
  for (const c of VFIO_IOCTLS) if (c.fd === 'container' && !IOMMUFD_BY_REQUEST.has(c.request)) add('iommufd', c.request, c);
  return byKind;
})();

/** The argument structs of each entry of ON_FD, worked out once (the skin asks on every ioctl). */
const STRUCTS_ON_FD: ReadonlyMap<FdKind, ReadonlyMap<number, readonly StructName[]>> = new Map(
  [...ON_FD].map(([fd, m]) => [fd, new Map([...m].map(([request, rows]) => [request, rows.flatMap((r) => (r.struct === null ? [] : [r.struct]))]))] as const),
);

const NONE: readonly never[] = [];

/** What `request` means on an fd of kind `fd`, header order (empty for a number the kind does not know). */
export function ioctlsOnFd(fd: FdKind, request: number): readonly IoctlOnFd[] {
  return ON_FD.get(fd)?.get(request) ?? NONE;
}

/** The structs `request` may take on an fd of kind `fd` (none for a by-value or unknown request). */
export function ioctlStructs(fd: FdKind, request: number): readonly StructName[] {
  return STRUCTS_ON_FD.get(fd)?.get(request) ?? NONE;
}

/** The VFIO request `request` means on an fd of kind `fd` (the first match; type1 before sPAPR). */
export function vfioIoctl(fd: VfioIoctl['fd'], request: number): VfioIoctl | undefined {
  return VFIO_IOCTLS.find((c) => c.fd === fd && c.request === request);
}

/** The iommufd command whose full request number is `request`. */
export function iommufdIoctl(request: number): IommufdIoctl | undefined {
  return IOMMUFD_BY_REQUEST.get(request);
}
